package hooks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// realisticRequest is a browser's GET with 12 headers.
func realisticRequest() *event.Request {
	h := event.Headers{}
	for _, kv := range [][2]string{
		{"Host", "d111111abcdef8.cloudfront.net"}, {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},
		{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, {"Accept-Language", "en-US,en;q=0.9"},
		{"Accept-Encoding", "gzip, deflate, br"}, {"Cookie", "session=abc123; theme=dark; variant=b"},
		{"Referer", "https://example.com/start"}, {"Cache-Control", "no-cache"}, {"Pragma", "no-cache"},
		{"Sec-Fetch-Mode", "navigate"}, {"Upgrade-Insecure-Requests", "1"}, {"X-Forwarded-For", "203.0.113.7"},
	} {
		h[lower(kv[0])] = []event.HeaderValue{{Key: kv[0], Value: kv[1]}}
	}
	return &event.Request{ClientIP: "203.0.113.178", Method: "GET", URI: "/products/shoes", QueryString: "size=42&color=red", Headers: h}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func benchGen(b testing.TB, t event.Trigger, src string) *Generation {
	b.Helper()
	return benchGenBinding(b, t, Binding{File: "h.js"}, src)
}

// benchGenBinding is benchGen for any binding of h.js (a CloudFront Function, for one).
func benchGenBinding(b testing.TB, t event.Trigger, bind Binding, src string) *Generation {
	b.Helper()
	reg := NewRegistry(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Timeouts: Timeouts{Function: 2 * time.Second}},
		Static(Bindings{"*": {t: bind}}))
	res, err := reg.Load(context.Background(), jsruntime.Source{Files: map[string][]byte{"h.js": []byte(src)}})
	if err != nil {
		b.Fatal(err)
	}
	return res.Generation
}

// requestIDs give each call of a benchmark a request id of its own, as each request has.
var requestIDs = func() []string {
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = fmt.Sprintf("r%d", i)
	}
	return ids
}()

// benchRequest measures one request-trigger call of src on req.
func benchRequest(b *testing.B, t event.Trigger, src string, req *event.Request) {
	g := benchGen(b, t, src)
	cfg := event.Config{EventType: t, DistributionID: "D", DistributionDomainName: "d"}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		cfg.RequestID = requestIDs[i%len(requestIDs)]
		if _, _, err := g.Request(ctx, "*", t, cfg, req); err != nil {
			b.Fatal(err)
		}
	}
}

// benchResponse measures one response-trigger call of src.
func benchResponse(b *testing.B, t event.Trigger, src string, req *event.Request, resp *event.Response) {
	g := benchGen(b, t, src)
	cfg := event.Config{EventType: t}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		cfg.RequestID = requestIDs[i%len(requestIDs)]
		if _, err := g.Response(ctx, "*", t, cfg, req, resp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkViewerRequestNoop(b *testing.B) {
	benchRequest(b, event.ViewerRequest, `exports.handler = async (event) => event.Records[0].cf.request;`, realisticRequest())
}

func BenchmarkViewerRequestReadsOneHeader(b *testing.B) {
	benchRequest(b, event.ViewerRequest, `exports.handler = async (event) => {
		const r = event.Records[0].cf.request;
		if (r.headers['cookie'] && r.headers['cookie'][0].value.includes('variant=b')) r.uri = '/b' + r.uri;
		return r; };`, realisticRequest())
}

func BenchmarkViewerResponseNoop(b *testing.B) {
	resp := &event.Response{Status: 200, StatusDescription: "OK", Headers: event.Headers{
		"content-type": {{Key: "Content-Type", Value: "text/html"}}, "cache-control": {{Key: "Cache-Control", Value: "max-age=60"}},
		"etag": {{Key: "Etag", Value: `"abc"`}}, "content-length": {{Key: "Content-Length", Value: "1024"}}}}
	benchResponse(b, event.ViewerResponse, `exports.handler = async (event) => event.Records[0].cf.response;`, realisticRequest(), resp)
}

func BenchmarkViewerRequestNoopCallback(b *testing.B) {
	benchRequest(b, event.ViewerRequest, `exports.handler = (event, context, callback) => callback(null, event.Records[0].cf.request);`, realisticRequest())
}

// BenchmarkSaveToServe measures hot reload as a user sees it: save a hook file, then poll the
// edge until it answers with the new code. It reports the median and the worst latency.
func BenchmarkSaveToServe(b *testing.B) {
	w := newWorld(b, vr("h.js"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = Watch(ctx, w.dir, WatchOptions{Poll: time.Hour}, func() { _, _ = w.load() })
	}()
	defer func() { cancel(); <-done }()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		want := fmt.Sprintf("v%d", i)
		start := time.Now()
		if err := os.WriteFile(filepath.Join(w.dir, "h.js"), []byte(hookSrc(want)), 0o644); err != nil {
			b.Fatal(err)
		}
		for w.get("/").body != want {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("save %d not served within 10s", i)
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "ms-max")
}

func benchOriginEvent() (*event.Request, *event.Response) {
	req := realisticRequest()
	req.Origin = &event.Origin{ID: "o", DomainName: "127.0.0.1", Port: 9001, Protocol: "http", ReadTimeout: 30 * time.Second, KeepaliveTimeout: 5 * time.Second, SSLProtocols: []string{"TLSv1.2"}}
	resp := &event.Response{Status: 200, StatusDescription: "OK", Headers: event.Headers{
		"content-type": {{Key: "Content-Type", Value: "text/html"}}, "cache-control": {{Key: "Cache-Control", Value: "max-age=60"}}}}
	return req, resp
}

func BenchmarkOriginRequestNoop(b *testing.B) {
	req, _ := benchOriginEvent()
	benchRequest(b, event.OriginRequest, `exports.handler = async (event) => event.Records[0].cf.request;`, req)
}

func BenchmarkOriginResponseNoop(b *testing.B) {
	req, resp := benchOriginEvent()
	benchResponse(b, event.OriginResponse, `exports.handler = async (event) => event.Records[0].cf.response;`, req, resp)
}

// Hooks that read a header and set another, as the bench's load targets do: async and callback.
const (
	headerRequestAsync = `exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const ua = request.headers['user-agent'];
  request.headers['x-client'] = [{ key: 'X-Client', value: ua ? ua[0].value.slice(0, 16) : 'unknown' }];
  return request;
};`
	headerRequestCallback = `exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const ua = request.headers['user-agent'];
  request.headers['x-client'] = [{ key: 'X-Client', value: ua ? ua[0].value.slice(0, 16) : 'unknown' }];
  callback(null, request);
};`
	headerResponseAsync = `exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  const type = response.headers['content-type'];
  response.headers['x-content-kind'] = [{ key: 'X-Content-Kind', value: type && type[0].value.startsWith('text/') ? 'text' : 'other' }];
  return response;
};`
	headerResponseCallback = `exports.handler = (event, context, callback) => {
  const response = event.Records[0].cf.response;
  const type = response.headers['content-type'];
  response.headers['x-content-kind'] = [{ key: 'X-Content-Kind', value: type && type[0].value.startsWith('text/') ? 'text' : 'other' }];
  callback(null, response);
};`
)

func BenchmarkOriginRequestHeader(b *testing.B) {
	req, _ := benchOriginEvent()
	benchRequest(b, event.OriginRequest, headerRequestAsync, req)
}

func BenchmarkOriginRequestHeaderCallback(b *testing.B) {
	req, _ := benchOriginEvent()
	benchRequest(b, event.OriginRequest, headerRequestCallback, req)
}

func BenchmarkOriginResponseHeader(b *testing.B) {
	req, resp := benchOriginEvent()
	benchResponse(b, event.OriginResponse, headerResponseAsync, req, resp)
}

func BenchmarkOriginResponseHeaderCallback(b *testing.B) {
	req, resp := benchOriginEvent()
	benchResponse(b, event.OriginResponse, headerResponseCallback, req, resp)
}

func BenchmarkViewerResponseHeader(b *testing.B) {
	req, resp := benchOriginEvent()
	req.Origin = nil
	benchResponse(b, event.ViewerResponse, headerResponseAsync, req, resp)
}

// The same call in a request traced with admin.trace: summary (the default with a config file):
// the edge hands each call a CallTrace to fill.
func BenchmarkOriginRequestHeaderTraced(b *testing.B) {
	req, _ := benchOriginEvent()
	g := benchGen(b, event.OriginRequest, headerRequestAsync)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		cfg := event.Config{EventType: event.OriginRequest, RequestID: requestIDs[i%len(requestIDs)], Trace: &event.CallTrace{}}
		if _, _, err := g.Request(ctx, "*", event.OriginRequest, cfg, req); err != nil {
			b.Fatal(err)
		}
	}
}
