package hooks

import (
	"strconv"
	"strings"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// disallowed are the headers Lambda@Edge never shows a function and refuses in results (§4.1).
var disallowed = map[string]bool{
	"connection": true, "expect": true, "keep-alive": true, "proxy-authenticate": true,
	"proxy-authorization": true, "proxy-connection": true, "trailer": true, "upgrade": true,
	"x-accel-buffering": true, "x-accel-charset": true, "x-accel-limit-rate": true, "x-accel-redirect": true,
	"x-amzn-auth": true, "x-amzn-cf-billing": true, "x-amzn-cf-id": true, "x-amzn-cf-xff": true,
	"x-amzn-errortype": true, "x-amzn-fle-profile": true, "x-amzn-header-count": true,
	"x-amzn-header-order": true, "x-amzn-lambda-integration-tag": true, "x-amzn-requestid": true,
}

func isDisallowed(name string) bool {
	return disallowed[name] || strings.HasPrefix(name, "x-amz-cf-") || strings.HasPrefix(name, "x-edge-")
}

// readOnly are the headers a hook may read but not add, change or delete, per trigger (§4.2).
var readOnly = map[event.Trigger][]string{
	event.ViewerRequest:  {"content-length", "host", "transfer-encoding", "via"},
	event.OriginRequest:  {"accept-encoding", "content-length", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "transfer-encoding", "via"},
	event.OriginResponse: {"transfer-encoding", "via"},
	event.ViewerResponse: {"warning", "via"},
}

// headersData is the Lambda@Edge header map: lower-case name → [{key, value}], names sorted so
// that every event is built the same way.
func headersData(h event.Headers) *jsruntime.Object {
	names := h.Names()
	o := jsruntime.NewObject(len(names))
	for _, n := range names {
		if isDisallowed(n) {
			continue
		}
		list := h[n]
		arr := make([]any, len(list))
		for i, hv := range list {
			arr[i] = jsruntime.NewObject(2).Set("key", hv.Key).Set("value", hv.Value)
		}
		o.Set(n, arr)
	}
	return o
}

func requestData(r *event.Request, t event.Trigger) *jsruntime.Object {
	o := jsruntime.NewObject(7)
	o.Set("clientIp", r.ClientIP)
	o.Set("headers", headersData(r.Headers))
	o.Set("method", r.Method)
	if r.Origin != nil && (t == event.OriginRequest || t == event.OriginResponse) {
		o.Set("origin", originData(r.Origin))
	}
	o.Set("querystring", r.QueryString)
	o.Set("uri", r.URI)
	if r.Body != nil && (t == event.ViewerRequest || t == event.OriginRequest) {
		o.Set("body", jsruntime.NewObject(4).Set("inputTruncated", r.Body.InputTruncated).
			Set("action", "read-only").Set("encoding", "base64").Set("data", r.Body.Data))
	}
	return o
}

func originData(og *event.Origin) *jsruntime.Object {
	ssl := make([]any, len(og.SSLProtocols))
	for i, p := range og.SSLProtocols {
		ssl[i] = p
	}
	custom := jsruntime.NewObject(8).
		Set("customHeaders", headersData(og.CustomHeaders)).
		Set("domainName", og.DomainName).
		Set("keepaliveTimeout", int64(og.KeepaliveTimeout/time.Second)).
		Set("path", og.Path).
		Set("port", int64(og.Port)).
		Set("protocol", og.Protocol).
		Set("readTimeout", int64(og.ReadTimeout/time.Second)).
		Set("sslProtocols", ssl)
	return jsruntime.NewObject(1).Set("custom", custom)
}

func responseData(w *event.Response) *jsruntime.Object {
	return jsruntime.NewObject(3).
		Set("headers", headersData(w.Headers)).
		Set("status", strconv.Itoa(w.Status)).
		Set("statusDescription", w.StatusDescription)
}

// eventData is the whole event: Records[0].cf with config, request and (for response triggers)
// response.
func eventData(cfg event.Config, r *event.Request, w *event.Response) *jsruntime.Object {
	config := jsruntime.NewObject(4).
		Set("distributionDomainName", cfg.DistributionDomainName).
		Set("distributionId", cfg.DistributionID).
		Set("eventType", string(cfg.EventType)).
		Set("requestId", cfg.RequestID)
	cf := jsruntime.NewObject(3).Set("config", config).Set("request", requestData(r, cfg.EventType))
	if w != nil {
		cf.Set("response", responseData(w))
	}
	record := jsruntime.NewObject(1).Set("cf", cf)
	return jsruntime.NewObject(1).Set("Records", []any{record})
}
