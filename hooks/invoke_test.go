package hooks

import (
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

func TestCheckResultLooksOnlyAtWhatTheHookChanged(t *testing.T) {
	const noMethod = `{"Records":[{"cf":{"config":{"eventType":"viewer-request"},"request":{"headers":{"host":[{"key":"Host","value":"a.b"}]},"querystring":""}}}]}`
	const full = `{"Records":[{"cf":{"config":{"eventType":"viewer-request"},"request":{"clientIp":"1.2.3.4","method":"GET","uri":"/a","querystring":"","headers":{"host":[{"key":"Host","value":"a.b"}]}}}}]}`
	cases := []struct{ event, result, want string }{
		// The request given back unchanged, from an event without method and uri.
		{noMethod, `{"headers":{"host":[{"key":"Host","value":"a.b"}]},"querystring":""}`, ""},
		{full, `{"clientIp":"1.2.3.4","method":"GET","uri":"/a","querystring":"","headers":{"host":[{"key":"Host","value":"a.b"}]}}`, ""},
		// Without a method the request keeps the viewer's, as in CloudFront.
		{full, `{"clientIp":"1.2.3.4","uri":"/b","querystring":"","headers":{"host":[{"key":"Host","value":"a.b"}]}}`, ""},
		{full, `{"clientIp":"1.2.3.4","method":"POST","uri":"/a","querystring":"","headers":{"host":[{"key":"Host","value":"a.b"}]}}`,
			`request.method is read-only: the function changed it from "GET" to "POST"`},
		{noMethod, `{"method":"GET","headers":{"host":[{"key":"Host","value":"a.b"}]},"querystring":""}`,
			`request.method is read-only: the event has none and the function set it to "GET"`},
		{full, `{"clientIp":"1.2.3.4","method":"GET","uri":"b","querystring":"","headers":{"host":[{"key":"Host","value":"a.b"}]}}`, `request.uri "b" must start with /`},
		{full, `{"clientIp":"1.2.3.4","method":"GET","uri":"/a","querystring":"","headers":{"host":[{"key":"Host","value":"evil"}]}}`, "read-only header host"},
	}
	for _, c := range cases {
		err := CheckResult(c.event, c.result)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("result %s: got %v, want %q", c.result, err, c.want)
		}
	}
}

func TestReturnedRequestWithoutMethodKeepsTheViewersMethod(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"h.js": `exports.handler = async (e) => {
		const r = e.Records[0].cf.request;
		if (r.headers['x-post']) { r.method = 'POST'; return r; }
		delete r.method;
		return r;
	};`}, bind: map[event.Trigger]string{event.OriginRequest: "h.js"}})
	if r := w.get("/m"); r.status != 200 || w.lastReq.Load().Method != "GET" {
		t.Fatalf("%d %q, origin saw %s", r.status, r.body, w.lastReq.Load().Method)
	}
	if r := w.get("/p", "X-Post", "1"); r.status != 502 {
		t.Fatalf("%d %q", r.status, r.body)
	}
	if line := logLine(w.edgeLogs, `msg="hook failed"`); !strings.Contains(line, `request.method is read-only: the function changed it from \"GET\" to \"POST\"`) {
		t.Fatalf("hook failure line: %s", line)
	}
}
