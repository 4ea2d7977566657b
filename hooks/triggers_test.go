package hooks

import (
	"encoding/json"
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
