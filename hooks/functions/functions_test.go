package functions

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func load(t testing.TB, rt jsruntime.FunctionRuntime, src string, store *Store) *Function {
	t.Helper()
	f, err := Load(context.Background(), "f.js", []byte(src), rt, store, Options{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

func request() *event.Request {
	h := event.Headers{}
	for _, kv := range [][2]string{{"Host", "example.com"}, {"Accept", "text/html"}, {"Accept", "application/json"}, {"Cookie", "a=1; b=2"}, {"Cookie", "a=3"}, {"User-Agent", "test"}} {
		l := strings.ToLower(kv[0])
		h[l] = append(h[l], event.HeaderValue{Key: kv[0], Value: kv[1]})
	}
	return &event.Request{ClientIP: "192.0.2.1", Method: "GET", URI: "/p", QueryString: "x=1&y=%20&x=2&flag", HasQuery: true, Headers: h}
}

var vrCfg = event.Config{DistributionDomainName: "d.example", DistributionID: "D1", EventType: event.ViewerRequest, RequestID: "r1"}

func TestEventShape(t *testing.T) {
	f := load(t, jsruntime.Runtime20, `function handler(event) {
  return {statusCode: 200, body: JSON.stringify({
    version: event.version, context: event.context, viewer: event.viewer, request: event.request,
    raw: event.request.rawQueryString()})};
}`, nil)
	_, gen, err := f.Request(context.Background(), vrCfg, request(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"1.0","context":{"distributionDomainName":"d.example","distributionId":"D1","eventType":"viewer-request","requestId":"r1"},"viewer":{"ip":"192.0.2.1"},"request":{"method":"GET","uri":"/p","querystring":{"x":{"value":"1","multiValue":[{"value":"1"},{"value":"2"}]},"y":{"value":"%20"},"flag":{"value":""}},"headers":{"accept":{"value":"text/html","multiValue":[{"value":"text/html"},{"value":"application/json"}]},"host":{"value":"example.com"},"user-agent":{"value":"test"}},"cookies":{"a":{"value":"1","multiValue":[{"value":"1"},{"value":"3"}]},"b":{"value":"2"}}},"raw":"x=1&y=%20&x=2&flag"}`
	if gen.Body.Data != want {
		t.Fatalf("got  %s\nwant %s", gen.Body.Data, want)
	}
}

func TestUnchangedRequestIsTheSame(t *testing.T) {
	f := load(t, jsruntime.Runtime10, `function handler(event) { var r = event.request; if (r.headers.host.value && r.cookies.a.value && r.querystring.x) {} return r; }`, nil)
	in := request()
	out, gen, err := f.Request(context.Background(), vrCfg, in, nil)
	if err != nil || gen != nil || out != in {
		t.Fatalf("%v %v %v", out, gen, err)
	}
}
