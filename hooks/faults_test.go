package hooks

import (
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// Each case misbehaves only when the request carries x-bad, so the next (good) call of the same
// hook shows that the runtime recovered.
func TestFaultsGiveCloudFrontStatusesAndRecover(t *testing.T) {
	cases := []struct {
		name    string
		trigger event.Trigger
		bad     string // JS run when x-bad is set; r is the request, res the response (response triggers)
		status  int
		class   string
	}{
		{"throws", event.ViewerRequest, `throw new Error('boom')`, 503, "LambdaExecutionError"},
		{"rejects", event.OriginRequest, `return Promise.reject(new Error('nope'))`, 503, "LambdaExecutionError"},
		{"callback error", event.ViewerRequest, `return cb(new Error('cb'))`, 503, "LambdaExecutionError"},
		{"returns undefined", event.ViewerRequest, `return undefined`, 502, "LambdaValidationError"},
		{"never resolves", event.ViewerRequest, `return new Promise(() => {})`, 503, "LambdaLimitExceeded"},
		{"infinite loop", event.ViewerRequest, `while (true) {}`, 503, "LambdaLimitExceeded"},
		{"infinite recursion", event.ViewerRequest, `const f = (n) => f(n + 1) + 1; return f(0)`, 503, "LambdaExecutionError"},
		{"process.env", event.ViewerRequest, `return {status: '200', body: process.env.HOME}`, 503, "LambdaExecutionError"},
		{"require fs", event.ViewerRequest, `require('fs')`, 503, "LambdaExecutionError"},
		{"require child_process", event.OriginRequest, `require('child_process')`, 503, "LambdaExecutionError"},
		{"read-only content-length", event.ViewerRequest, `r.headers['content-length'] = [{value: '5'}]; return r`, 502, "LambdaValidationError"},
		{"read-only host", event.ViewerRequest, `r.headers['host'] = [{value: 'evil'}]; return r`, 502, "LambdaValidationError"},
		{"delete read-only host", event.ViewerRequest, `delete r.headers['host']; return r`, 502, "LambdaValidationError"},
		{"read-only via (origin-request)", event.OriginRequest, `r.headers['via'] = [{value: '1.1 x'}]; return r`, 502, "LambdaValidationError"},
		// CloudFront refuses this one from viewer-request only ("Restrictions on Lambda@Edge").
		{"adds cloudfront-viewer-country", event.ViewerRequest, `r.headers['cloudfront-viewer-country'] = [{value: 'DE'}]; return r`, 502, "LambdaValidationError"},
		{"disallowed connection", event.ViewerRequest, `r.headers['connection'] = [{value: 'close'}]; return r`, 502, "LambdaValidationError"},
		{"transfer-encoding in origin-response", event.OriginResponse, `res.headers['transfer-encoding'] = [{value: 'chunked'}]; return res`, 502, "LambdaValidationError"},
		{"CR/LF in a value", event.ViewerRequest, `r.headers['x-a'] = [{value: 'a\r\nb: c'}]; return r`, 502, "LambdaValidationError"},
		// Any control character but a tab makes a header net/http refuses to send: caught here, it
		// is the hook's validation error, not an origin failure (failover, health, a cached 502).
		{"control character in a value", event.OriginRequest, `r.headers['x-a'] = [{value: 'a\u0001b'}]; return r`, 502, "LambdaValidationError"},
		{"DEL in a value", event.ViewerRequest, `r.headers['x-a'] = [{value: 'a\u007fb'}]; return r`, 502, "LambdaValidationError"},
		{"control character in a response value", event.OriginResponse, `res.headers['x-a'] = [{value: 'a\u0001b'}]; return res`, 502, "LambdaValidationError"},
		{"status abc", event.ViewerRequest, `return {status: 'abc'}`, 502, "LambdaValidationError"},
		{"status 99", event.OriginResponse, `res.status = 99; return res`, 502, "LambdaValidationError"},
		{"2 MB body", event.OriginRequest, `return {status: '200', body: 'x'.repeat(2 << 20)}`, 502, "LambdaValidationError"},
		{"41 KB viewer body", event.ViewerRequest, `return {status: '200', body: 'x'.repeat(41 << 10)}`, 502, "LambdaValidationError"},
		{"204 with a body", event.ViewerRequest, `return {status: '204', body: 'x'}`, 502, "LambdaValidationError"},
		{"bad base64", event.ViewerRequest, `return {status: '200', body: '!!!', bodyEncoding: 'base64'}`, 502, "LambdaValidationError"},
		{"viewer-response changes status", event.ViewerResponse, `res.status = '201'; return res`, 502, "LambdaValidationError"},
		{"uri without slash", event.ViewerRequest, `r.uri = 'x'; return r`, 502, "LambdaValidationError"},
		{"non-object result", event.ViewerRequest, `return 'text'`, 502, "LambdaValidationError"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := `exports.handler = async (e, ctx, cb) => {
				const cf = e.Records[0].cf, r = cf.request, res = cf.response;
				if (r.headers['x-bad']) { ` + c.bad + ` }
				return res || r;
			};`
			if c.name == "callback error" || c.name == "infinite loop" || c.name == "infinite recursion" {
				src = strings.Replace(src, "async ", "", 1)
			}
			// A short limit only where the limit is what is tested: the others (a 2 MB string under
			// -race on a busy machine) must not run into it.
			limit := 10 * time.Second
			if c.class == "LambdaLimitExceeded" {
				limit = 200 * time.Millisecond
			}
			w := newWorld(t, setup{files: map[string]string{"h.js": src}, bind: map[event.Trigger]string{c.trigger: "h.js"},
				timeouts: Timeouts{Viewer: limit, Origin: limit}})
			for i := 0; i < 2; i++ {
				r := w.get("/x", "X-Bad", "1", "Cache-Control", "no-cache")
				if r.status != c.status || r.header.Get("X-Cache") != "Error from hookfront" || !strings.Contains(r.body, c.class) {
					t.Fatalf("bad call %d: %d %q %q", i, r.status, r.header.Get("X-Cache"), r.body)
				}
				if strings.Contains(r.body, "goroutine") || strings.Contains(r.body, ".go:") {
					t.Fatalf("internals leaked: %s", r.body)
				}
				if r.body == "" {
					t.Fatal("empty error page")
				}
			}
			if r := w.get("/ok"); r.status != 200 {
				t.Fatalf("the next good call: %d %q", r.status, r.body)
			}
		})
	}
}

func TestLoadErrorsKeepTheOldGeneration(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"h.js": `exports.handler = async (e) => ({status: '200', body: 'v1'});`},
		bind: map[event.Trigger]string{event.ViewerRequest: "h.js"}})
	if r := w.get("/"); r.body != "v1" {
		t.Fatalf("%q", r.body)
	}
	for _, c := range []struct{ src, want string }{
		{"exports.handler = async (e) => {\n  return {status: '200', body: 'v2'\n};", "h.js:3:"},
		{"exports.other = 1;", `does not export "handler"`},
		{"exports.handler = 'not a function';", "not a function"},
		{"const fs = require('fs');\nexports.handler = () => ({});", "h.js:1:19: Error: Cannot find module 'fs'"},
		{"const x = require('./nope');\nexports.handler = () => ({});", "Cannot find module './nope'"},
	} {
		writeHook(t, w.dir, "h.js", c.src)
		_, err := w.load()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("load of %q: %v, want %q", c.src, err, c.want)
		}
		if r := w.get("/"); r.body != "v1" {
			t.Fatalf("after a broken load the edge served %q", r.body)
		}
	}
	writeHook(t, w.dir, "h.js", `exports.handler = async (e) => ({status: '200', body: 'v2'});`)
	res, err := w.load()
	if err != nil || !res.Changed || res.Generation.ID != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if r := w.get("/"); r.body != "v2" {
		t.Fatalf("%q", r.body)
	}
	if res, _ := w.load(); res.Changed {
		t.Fatal("an unchanged folder made a new generation")
	}
}

// cloudfront-viewer-country is refused only when a viewer-request hook adds it: one the viewer
// sent may be kept or changed, and an origin-request hook may add it (Lambda@Edge "can read,
// edit, remove, or add" the CloudFront headers).
func TestViewerCountryHeaderRules(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{
		"vr.js": `exports.handler = async (e) => { const r = e.Records[0].cf.request;
			if (r.headers['cloudfront-viewer-country']) { r.headers['cloudfront-viewer-country'][0].value = 'FR'; }
			r.headers['x-vr'] = [{value: '1'}];
			return r; };`,
		"or.js": `exports.handler = async (e) => { const r = e.Records[0].cf.request;
			r.headers['cloudfront-viewer-country'] = [{key: 'CloudFront-Viewer-Country', value: 'JP'}];
			return r; };`,
	}, bind: map[event.Trigger]string{event.ViewerRequest: "vr.js", event.OriginRequest: "or.js"}})
	for _, hdr := range [][]string{nil, {"CloudFront-Viewer-Country", "XX"}} {
		r := w.get("/x", append(hdr, "Cache-Control", "no-cache")...)
		if seen := w.lastReq.Load(); r.status != 200 || seen.Header.Get("Cloudfront-Viewer-Country") != "JP" {
			t.Fatalf("viewer sent %v: %d %q", hdr, r.status, r.body)
		}
	}
}
