package functions

import (
	"context"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// benchRequest is a browser's GET with 12 headers.
func benchRequest() *event.Request {
	h := event.Headers{}
	for _, kv := range [][2]string{
		{"Host", "d111111abcdef8.cloudfront.net"}, {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},
		{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, {"Accept-Language", "en-US,en;q=0.9"},
		{"Accept-Encoding", "gzip, deflate, br"}, {"Cookie", "session=abc123; theme=dark; variant=b"},
		{"Referer", "https://example.com/start"}, {"Cache-Control", "no-cache"}, {"Pragma", "no-cache"},
		{"Sec-Fetch-Mode", "navigate"}, {"Upgrade-Insecure-Requests", "1"}, {"X-Forwarded-For", "203.0.113.7"},
	} {
		h[strings.ToLower(kv[0])] = []event.HeaderValue{{Key: kv[0], Value: kv[1]}}
	}
	return &event.Request{ClientIP: "203.0.113.178", Method: "GET", URI: "/products/shoes", QueryString: "size=42&color=red", HasQuery: true, Headers: h}
}

func benchFunction(b *testing.B, rt jsruntime.FunctionRuntime, src string) {
	f := load(b, rt, src, nil)
	req := benchRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := f.Request(ctx, vrCfg, req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFunctionViewerRequestNoop10(b *testing.B) {
	benchFunction(b, jsruntime.Runtime10, `function handler(event) { return event.request; }`)
}

func BenchmarkFunctionViewerRequestNoop20(b *testing.B) {
	benchFunction(b, jsruntime.Runtime20, `function handler(event) { return event.request; }`)
}

func BenchmarkFunctionViewerRequestAsyncNoop(b *testing.B) {
	benchFunction(b, jsruntime.Runtime20, `async function handler(event) { return event.request; }`)
}

// A realistic function: reads a cookie and a header, rewrites the uri.
func BenchmarkFunctionViewerRequestRewrite(b *testing.B) {
	benchFunction(b, jsruntime.Runtime20, `function handler(event) {
  const r = event.request;
  const variant = r.cookies.variant ? r.cookies.variant.value : 'a';
  if (r.headers['accept-language'] && r.uri.indexOf('.') === -1) {
    r.uri = '/' + variant + r.uri + '/index.html';
  }
  return r;
}`)
}

func BenchmarkFunctionViewerResponseHeaders(b *testing.B) {
	f := load(b, jsruntime.Runtime20, `function handler(event) {
  const h = event.response.headers;
  h['strict-transport-security'] = {value: 'max-age=63072000'};
  h['x-frame-options'] = {value: 'DENY'};
  return event.response;
}`, nil)
	req := benchRequest()
	resp := &event.Response{Status: 200, StatusDescription: "OK", Headers: event.Headers{
		"content-type": {{Key: "Content-Type", Value: "text/html"}}, "cache-control": {{Key: "Cache-Control", Value: "max-age=60"}}}}
	cfg := vrCfg
	cfg.EventType = event.ViewerResponse
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Response(ctx, cfg, req, resp, nil); err != nil {
			b.Fatal(err)
		}
	}
}
