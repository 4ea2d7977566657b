package hooks

import (
	"context"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// CloudFront Functions on the realistic request (12 headers), through the generation as the
// edge calls them. The budget is generous: a benchmark's own garbage collection would otherwise
// throttle a call now and then.

func benchFunction(b *testing.B, t event.Trigger, rt jsruntime.FunctionRuntime, src string) {
	g := benchGenBinding(b, t, Binding{File: "h.js", Runtime: rt}, src)
	req := realisticRequest()
	cfg := event.Config{EventType: t, RequestID: "r", DistributionID: "D", DistributionDomainName: "d"}
	resp := &event.Response{Status: 200, StatusDescription: "OK", Headers: event.Headers{
		"content-type": {{Key: "Content-Type", Value: "text/html"}}, "cache-control": {{Key: "Cache-Control", Value: "max-age=60"}}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if t == event.ViewerRequest {
			_, _, err = g.Request(ctx, "*", t, cfg, req)
		} else {
			_, err = g.Response(ctx, "*", t, cfg, req, resp)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFunctionViewerRequestNoop10(b *testing.B) {
	benchFunction(b, event.ViewerRequest, jsruntime.Runtime10, `function handler(event) { return event.request; }`)
}

func BenchmarkFunctionViewerRequestNoop20(b *testing.B) {
	benchFunction(b, event.ViewerRequest, jsruntime.Runtime20, `function handler(event) { return event.request; }`)
}

func BenchmarkFunctionViewerRequestAsyncNoop(b *testing.B) {
	benchFunction(b, event.ViewerRequest, jsruntime.Runtime20, `async function handler(event) { return event.request; }`)
}

// A realistic function: reads a cookie and a header, rewrites the uri.
func BenchmarkFunctionViewerRequestRewrite(b *testing.B) {
	benchFunction(b, event.ViewerRequest, jsruntime.Runtime20, `function handler(event) {
  const r = event.request;
  const variant = r.cookies.variant ? r.cookies.variant.value : 'a';
  if (r.headers['accept-language'] && r.uri.indexOf('.') === -1) {
    r.uri = '/' + variant + r.uri + '/index.html';
  }
  return r;
}`)
}

func BenchmarkFunctionViewerResponseHeaders(b *testing.B) {
	benchFunction(b, event.ViewerResponse, jsruntime.Runtime20, `function handler(event) {
  const h = event.response.headers;
  h['strict-transport-security'] = {value: 'max-age=63072000'};
  h['x-frame-options'] = {value: 'DENY'};
  return event.response;
}`)
}
