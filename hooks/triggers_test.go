package hooks

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

// record.js keeps every event it sees in module state; the test reads them back through a
// viewer-request that returns them as a generated response.
const recorder = `
const seen = globalThis.__seen || (globalThis.__seen = []);
exports.handler = async (event) => {
  const cf = event.Records[0].cf;
  seen.push({t: cf.config.eventType, origin: cf.request.origin ? cf.request.origin.custom.port : null,
             status: cf.response ? cf.response.status : null});
  return cf.response || cf.request;
};`

func TestOriginHooksFireOnEveryAttemptWithThatOrigin(t *testing.T) {
	w := newWorld(t, setup{
		files: map[string]string{
			"rec.js": recorder,
			"dump.js": `exports.handler = async (e) => {
				const r = e.Records[0].cf.request;
				if (r.uri === '/dump') return {status: '200', body: JSON.stringify(globalThis.__seen || [])};
				return r;
			};`,
		},
		bind:        map[event.Trigger]string{event.ViewerRequest: "dump.js", event.OriginRequest: "rec.js", event.OriginResponse: "rec.js", event.ViewerResponse: "rec.js"},
		primaryCode: 503,
	})
	r := w.get("/page")
	if r.status != 200 || !strings.HasPrefix(r.body, "origin1 ") {
		t.Fatalf("%d %q", r.status, r.body)
	}
	var seen []map[string]any
	if err := json.Unmarshal([]byte(w.get("/dump").body), &seen); err != nil {
		t.Fatal(err)
	}
	// One runtime may not have seen all calls when the pool has several; the test's pool serves
	// sequential requests from one runtime.
	got := []string{}
	for _, s := range seen {
		b, _ := json.Marshal(s)
		got = append(got, string(b))
	}
	pport, sport := port(w.primary.URL), port(w.second.URL)
	want := []string{
		`{"origin":` + pport + `,"status":null,"t":"origin-request"}`,
		`{"origin":` + pport + `,"status":"503","t":"origin-response"}`,
		`{"origin":` + sport + `,"status":null,"t":"origin-request"}`,
		`{"origin":` + sport + `,"status":"200","t":"origin-response"}`,
		`{"origin":null,"status":"200","t":"viewer-response"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("hooks saw\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func port(u string) string { return u[strings.LastIndex(u, ":")+1:] }

func TestEventShape(t *testing.T) {
	w := newWorld(t, setup{
		files: map[string]string{"vr.js": `exports.handler = (event, context, callback) => {
			callback(null, {status: '200', headers: {'content-type': [{key: 'Content-Type', value: 'application/json'}]},
				body: JSON.stringify({event, id: context.awsRequestId})});
		};`},
		bind:        map[event.Trigger]string{event.ViewerRequest: "vr.js"},
		includeBody: true,
		methods:     []string{"GET", "HEAD", "POST"},
	})
	r := w.do("POST", "/path/x?a=1&b=2", "hello", "X-Custom", "v1", "Connection", "keep-alive")
	if r.status != 200 || r.header.Get("X-Cache") != "LambdaGeneratedResponse from hookfront" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	var got struct {
		Event struct {
			Records []struct {
				CF struct {
					Config  map[string]string `json:"config"`
					Request struct {
						ClientIP    string                         `json:"clientIp"`
						Headers     map[string][]map[string]string `json:"headers"`
						Method      string                         `json:"method"`
						QueryString string                         `json:"querystring"`
						URI         string                         `json:"uri"`
						Body        map[string]any                 `json:"body"`
					} `json:"request"`
				} `json:"cf"`
			} `json:"Records"`
		} `json:"event"`
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	cf := got.Event.Records[0].CF
	if cf.Config["eventType"] != "viewer-request" || cf.Config["distributionId"] != "EDFDVBD6EXAMPLE" ||
		cf.Config["requestId"] != r.header.Get("X-Hookfront-Request-Id") || got.ID != cf.Config["requestId"] {
		t.Errorf("config %v id %s", cf.Config, got.ID)
	}
	req := cf.Request
	if req.ClientIP != "127.0.0.1" || req.Method != "POST" || req.URI != "/path/x" || req.QueryString != "a=1&b=2" {
		t.Errorf("request %+v", req)
	}
	if h := req.Headers["x-custom"]; len(h) != 1 || h[0]["key"] != "X-Custom" || h[0]["value"] != "v1" {
		t.Errorf("x-custom %v", h)
	}
	if h := req.Headers["host"]; len(h) != 1 || h[0]["key"] != "Host" {
		t.Errorf("host %v", h)
	}
	if _, shown := req.Headers["connection"]; shown {
		t.Error("a disallowed header was shown to the function")
	}
	if req.Body["data"] != "aGVsbG8=" || req.Body["encoding"] != "base64" || req.Body["action"] != "read-only" || req.Body["inputTruncated"] != false {
		t.Errorf("body %v", req.Body)
	}
}

func TestRequestChangesAndOriginSwitch(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{
		"vr.js": `exports.handler = async (e) => { const r = e.Records[0].cf.request;
			if (r.uri.startsWith('/spa/')) { r.uri = '/index.html'; r.querystring = 'v=2'; r.headers['x-added'] = [{value: 'yes'}]; }
			return r; };`,
		"or.js": `exports.handler = async (e) => { const r = e.Records[0].cf.request;
			if (r.headers['cookie'] && r.headers['cookie'][0].value.includes('b=1')) {
				r.origin.custom.port = Number(process_port());
			}
			return r; };
			function process_port() { return require('./port.json').port; }`,
	}, bind: map[event.Trigger]string{event.ViewerRequest: "vr.js", event.OriginRequest: "or.js"}})
	writeHook(t, w.dir, "port.json", `{"port": `+port(w.second.URL)+`}`)
	if _, err := w.load(); err != nil {
		t.Fatal(err)
	}
	r := w.get("/spa/route", "Cache-Control", "no-cache")
	if r.body != "origin0 /index.html?v=2" || (*w.lastReq.Load()).Header.Get("X-Added") != "yes" {
		t.Fatalf("%q", r.body)
	}
	r = w.get("/other", "Cookie", "b=1")
	if r.body != "origin1 /other?" {
		t.Fatalf("origin switch by cookie: %q", r.body)
	}
}

func TestLazyEventBehavesLikePlainObjects(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"vr.js": `exports.handler = async (event) => {
		const r = event.Records[0].cf.request;
		if (r.uri === '/json') return {status: '200', body: JSON.stringify(event)};
		if (r.uri === '/keys') return {status: '200', body: Object.keys(r.headers).join(',') + ' ' + ('x-a' in r.headers) + ' ' + ('nope' in r.headers)};
		if (r.uri === '/delete') { delete r.headers['x-a']; r.headers['X-New'] = [{value: 'n'}]; return r; }
		if (r.uri === '/spread') return {...r, uri: '/spread-copy', headers: {...r.headers, 'x-b': [{key: 'X-B', value: 'b'}]}};
		return r;
	};`}, bind: map[event.Trigger]string{event.ViewerRequest: "vr.js"}})
	r := w.get("/json", "X-A", "1")
	var ev map[string]any
	if err := json.Unmarshal([]byte(r.body), &ev); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	if !strings.HasPrefix(r.body, `{"Records":[{"cf":{"config":{"distributionDomainName":"d111111abcdef8.cloudfront.net","distributionId":"EDFDVBD6EXAMPLE","eventType":"viewer-request","requestId":`) ||
		!strings.Contains(r.body, `"request":{"clientIp":"127.0.0.1","headers":{"accept-encoding":[{"key":"Accept-Encoding","value":"gzip"}],"host":[{"key":"Host","value":"127.0.0.1:`) ||
		!strings.Contains(r.body, `"method":"GET","querystring":"","uri":"/json"}}}]}`) {
		t.Fatalf("JSON.stringify(event) = %s", r.body)
	}
	if r := w.get("/keys", "X-A", "1"); r.body != "accept-encoding,host,user-agent,x-a true false" {
		t.Fatalf("keys: %q", r.body)
	}
	w.get("/delete", "X-A", "1")
	in := w.lastReq.Load()
	if in.Header.Get("X-A") != "" || in.Header.Get("X-New") != "n" {
		t.Fatalf("origin saw %v", in.Header)
	}
	if r := w.get("/spread", "X-A", "1"); r.body != "origin0 /spread-copy?" || w.lastReq.Load().Header.Get("X-B") != "b" || w.lastReq.Load().Header.Get("X-A") != "1" {
		t.Fatalf("spread copy: %q %v", r.body, w.lastReq.Load().Header)
	}
}

// Header lists are lazy too (read where the hook reads them); whatever a hook does to one in
// place reaches the origin as it would with a plain array.
func TestLazyHeaderListsBehaveLikeArrays(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"vr.js": `exports.handler = async (event) => {
		const r = event.Records[0].cf.request, h = r.headers;
		const a = h['x-a'];
		switch (r.uri) {
		case '/read':
			if (!Array.isArray(a) || a.length !== 2 || a[1].value !== '2' || a[5] !== undefined) throw new Error('read: ' + JSON.stringify(a));
			r.headers['x-seen'] = [{key: 'X-Seen', value: a.map((e) => e.value).join('+') + ' ' + JSON.stringify([...a]) + ' ' + Object.keys(a[0]).join(',')}];
			break;
		case '/push': a.push({key: 'X-A', value: '3'}); break;
		case '/value': a[0].value = 'one'; break;
		case '/item': a[1] = {key: 'X-A', value: 'two'}; break;
		case '/empty': a.length = 0; break;
		case '/shrink': a.length = 1; break;
		case '/copy': h['x-b'] = h['x-a'].slice(1).map((e) => ({...e, key: 'X-B'})); h['x-b'].push({value: 'c'}); break;
		case '/alias': h['x-b'] = h['x-a']; break; // a key that is not its name, as with plain arrays
		}
		return r;
	};`}, bind: map[event.Trigger]string{event.ViewerRequest: "vr.js"}})
	for _, c := range []struct {
		path, a, extra string
		status         int
	}{
		{"/read", "1, 2", `1+2 [{"key":"X-A","value":"1"},{"key":"X-A","value":"2"}] key,value`, 200},
		{"/push", "1, 2, 3", "", 200},
		{"/value", "one, 2", "", 200},
		{"/item", "1, two", "", 200},
		{"/empty", "", "", 200},
		{"/shrink", "1", "", 200},
		{"/copy", "1, 2", "", 200},
		{"/alias", "", "", 502},
	} {
		req, _ := http.NewRequest("GET", w.edge.URL+c.path, nil)
		req.Header["X-A"] = []string{"1", "2"}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, res.StatusCode, c.status)
		}
		if c.status != 200 {
			continue
		}
		got := w.lastReq.Load().Header
		if strings.Join(got["X-A"], ", ") != c.a || got.Get("X-Seen") != c.extra {
			t.Errorf("%s: origin saw X-A %q, X-Seen %q; want %q, %q", c.path, got["X-A"], got.Get("X-Seen"), c.a, c.extra)
		}
		if c.path == "/copy" && strings.Join(got["X-B"], ", ") != "2, c" {
			t.Errorf("/copy: X-B %q", got["X-B"])
		}
	}
}

// A hook that only reads headers hands back the very request it was given, so the edge converts
// nothing back (lists and entries it read are lazy and cannot have changed).
func TestReadingHeadersLeavesTheRequestUnchanged(t *testing.T) {
	g := benchGen(t, event.ViewerRequest, `exports.handler = async (event) => {
		const r = event.Records[0].cf.request;
		if (r.headers['cookie'][0].value.includes('variant=b') && r.headers['user-agent'].length === 1) r.headers['x-seen'] = [{value: 'yes'}];
		return r;
	};`)
	in := realisticRequest()
	cfg := event.Config{EventType: event.ViewerRequest, RequestID: "r"}
	out, _, err := g.Request(context.Background(), "*", event.ViewerRequest, cfg, in)
	if err != nil || out == in || out.Headers.Get("x-seen") != "yes" {
		t.Fatalf("a hook that adds a header: %v, same request %v, x-seen %q", err, out == in, out.Headers.Get("x-seen"))
	}
	in.Headers["cookie"] = []event.HeaderValue{{Key: "Cookie", Value: "variant=a"}}
	if out, _, err = g.Request(context.Background(), "*", event.ViewerRequest, cfg, in); err != nil || out != in {
		t.Fatalf("a hook that only read headers: %v, same request %v", err, out == in)
	}
}

// Headers CloudFront hides from functions (X-Real-Ip, Connection-listed ones, ...) are not the
// hook's doing: a hook that changes another header does not fail because the viewer sent one.
func TestHiddenViewerHeaderDoesNotFailAHookThatChangesHeaders(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"vr.js": `exports.handler = async (event) => {
		const r = event.Records[0].cf.request;
		if ('x-real-ip' in r.headers) throw new Error('a hidden header was shown');
		r.headers['x-added'] = [{key: 'X-Added', value: 'yes'}];
		return r;
	};`}, bind: map[event.Trigger]string{event.ViewerRequest: "vr.js"}})
	r := w.get("/", "X-Real-Ip", "198.51.100.1")
	if got := w.lastReq.Load(); r.status != 200 || got.Header.Get("X-Added") != "yes" || got.Header.Get("X-Real-Ip") != "198.51.100.1" {
		t.Fatalf("status %d: %s; origin saw %v", r.status, r.body, w.lastReq.Load())
	}
}
