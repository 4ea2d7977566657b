package event

import "strings"

// CloudFront's header rules for every edge function, Lambda@Edge and CloudFront Functions alike
// ("Restrictions on all edge functions").

// disallowed are the headers CloudFront never shows a function and refuses in results.
var disallowed = map[string]bool{
	"connection": true, "expect": true, "keep-alive": true, "proxy-authenticate": true,
	"proxy-authorization": true, "proxy-connection": true, "trailer": true, "upgrade": true,
	"x-accel-buffering": true, "x-accel-charset": true, "x-accel-limit-rate": true, "x-accel-redirect": true,
	"x-amzn-auth": true, "x-amzn-cf-billing": true, "x-amzn-cf-id": true, "x-amzn-cf-xff": true,
	"x-amzn-errortype": true, "x-amzn-fle-profile": true, "x-amzn-header-count": true,
	"x-amzn-header-order": true, "x-amzn-lambda-integration-tag": true, "x-amzn-requestid": true,
	"x-cache": true, "x-forwarded-proto": true, "x-real-ip": true,
}

// Disallowed reports whether the lower-case header name is one functions may neither see nor add.
func Disallowed(name string) bool {
	return disallowed[name] || strings.HasPrefix(name, "x-amz-cf-") || strings.HasPrefix(name, "x-edge-")
}

// readOnly are the headers a function may read but not add, change or delete, per trigger.
var readOnly = map[Trigger][]string{
	ViewerRequest:  {"content-length", "host", "transfer-encoding", "via"},
	OriginRequest:  {"accept-encoding", "content-length", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "transfer-encoding", "via"},
	OriginResponse: {"transfer-encoding", "via"},
	ViewerResponse: {"warning", "via"},
}

// ReadOnly lists the read-only headers (lower case) of trigger t.
func ReadOnly(t Trigger) []string { return readOnly[t] }

// ValidHeaderName reports whether s is a header name (an HTTP token).
func ValidHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c >= 127 || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c) {
			return false
		}
	}
	return true
}

// ValidHeaderValue reports whether s may be sent as a header value: no control character but a
// tab (RFC 9110 §5.5). net/http refuses to send anything else, so a hook's value that breaks
// this rule would otherwise surface as an origin failure, or a response viewers cannot read.
func ValidHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 127 {
			return false
		}
	}
	return true
}

// HasControl reports whether s has a control character, which no header, URI or query string a
// function returns may have.
func HasControl(s string) bool {
	for _, c := range s {
		if c < ' ' || c == 127 {
			return true
		}
	}
	return false
}
