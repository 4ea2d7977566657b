package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// equivEvent is an origin event with a body, an origin with custom headers, and a header with
// two values.
func equivEvent() (*event.Request, *event.Response) {
	req := realisticRequest()
	req.Headers["x-multi"] = []event.HeaderValue{{Key: "X-Multi", Value: "1"}, {Key: "x-multi", Value: "2"}}
	req.Body = &event.Body{Action: "read-only", Encoding: "base64", Data: "aGVsbG8="}
	req.Origin = &event.Origin{ID: "o", DomainName: "127.0.0.1", Port: 9001, Protocol: "http", Path: "/base",
		ReadTimeout: 30 * time.Second, KeepaliveTimeout: 5 * time.Second, SSLProtocols: []string{"TLSv1.2"},
		CustomHeaders: event.Headers{"x-origin-key": {{Key: "X-Origin-Key", Value: "k"}}}}
	resp := &event.Response{Status: 200, StatusDescription: "OK", Headers: event.Headers{
		"content-type":  {{Key: "Content-Type", Value: "text/html"}},
		"cache-control": {{Key: "Cache-Control", Value: "max-age=60"}},
		"set-cookie":    {{Key: "Set-Cookie", Value: "a=1"}, {Key: "Set-Cookie", Value: "b=2"}}}}
	return req, resp
}

// TestLazyEventResultsEqualPlainOnes runs each change of a result twice: on the lazy event, and
// on a plain copy of it (JSON.parse(JSON.stringify(event)), read back in full), and expects the
// same request or response, or the same error class, from both.
func TestLazyEventResultsEqualPlainOnes(t *testing.T) {
	requestChanges := []string{
		`return request;`,
		`request.headers['user-agent']; return request;`,
		`Object.keys(request.headers); JSON.stringify(request); return request;`,
		`request.headers = {host: request.headers.host, 'x-a': [{key: 'X-A', value: '1'}]}; return request;`,
		`delete request.headers['user-agent']; return request;`,
		`delete request.headers['User-Agent']; return request;`,
		`delete request.headers['x-nope']; return request;`,
		`request.headers['user-agent'][0].value = 'bot'; return request;`,
		`request.headers['x-multi'][1].value = 'two'; return request;`,
		`request.headers['x-multi'].push({key: 'X-Multi', value: '3'}); return request;`,
		`request.headers['x-multi'].splice(0, 1); return request;`,
		`request.headers['x-multi'].length = 0; return request;`,
		`request.headers['x-multi'].reverse(); return request;`,
		`request.headers['x-multi'][0] = {key: 'X-Multi', value: 'new'}; return request;`,
		`delete request.headers['x-multi'][0].key; return request;`,
		`request.headers['x-multi'] = []; return request;`,
		`request.headers['x-multi'] = undefined; return request;`,
		`request.headers['X-New'] = [{key: 'X-New', value: '1'}]; return request;`,
		`request.headers['User-Agent'] = [{key: 'User-Agent', value: 'bot'}]; return request;`,
		`delete request.headers['accept']; request.headers['accept'] = [{key: 'Accept', value: '*/*'}]; return request;`,
		`delete request.headers['x-b']; request.headers['x-b'] = [{key: 'X-B', value: '1'}]; delete request.headers['x-b']; request.headers['x-b'] = [{key: 'X-B', value: '2'}]; return request;`,
		`request.headers['x-copy'] = request.headers['accept'].map(h => ({key: 'X-Copy', value: h.value})); return request;`,
		`Object.assign(request.headers, {'x-c': [{key: 'X-C', value: 'c'}]}); return request;`,
		`request.headers = {...request.headers, 'x-d': [{value: 'd'}]}; return request;`,
		`request.headers = Object.assign({}, request.headers); delete request.headers.cookie; return request;`,
		`return {...request};`,
		`return Object.assign({}, request, {uri: '/spread'});`,
		`return JSON.parse(JSON.stringify(request));`,
		`request.uri = '/other'; return request;`,
		`request.querystring = 'a=1&b=2'; return request;`,
		`request.querystring = ''; return request;`,
		`delete request.querystring; return request;`,
		`request.uri = 'no-slash'; return request;`,
		`request.method = 'POST'; return request;`,
		`delete request.method; return request;`,
		`request.body.action = 'replace'; request.body.data = 'd29ybGQ='; return request;`,
		`request.body = {action: 'replace', encoding: 'text', data: 'plain'}; return request;`,
		`request.body.data = 'ignored without replace'; return request;`,
		`request.origin.custom.domainName = 'example.com'; return request;`,
		`request.origin.custom.customHeaders['x-origin-key'][0].value = 'k2'; return request;`,
		`request.origin = {custom: {...request.origin.custom, port: 8443, protocol: 'https'}}; return request;`,
		`request.origin.custom.port = 0; return request;`,
		`return {status: '302', headers: {location: [{key: 'Location', value: '/x'}]}};`,
		`return {status: 200, body: 'hi', headers: request.headers};`,
		`request.headers['via'] = [{key: 'Via', value: 'x'}]; return request;`,
		`request.headers['content-length'] = [{key: 'Content-Length', value: '1'}]; return request;`,
		`request.headers['connection'] = [{key: 'Connection', value: 'close'}]; return request;`,
		`request.headers['x-bad'] = [{key: 'X-Bad', value: 'a\nb'}]; return request;`,
	}
	responseChanges := []string{
		`return response;`,
		`response.headers['content-type']; return response;`,
		`response.headers['x-frame-options'] = [{key: 'X-Frame-Options', value: 'DENY'}]; return response;`,
		`delete response.headers['set-cookie']; return response;`,
		`delete response.headers['Set-Cookie']; return response;`,
		`response.headers['set-cookie'][0].value = 'a=2'; return response;`,
		`response.headers['set-cookie'].pop(); return response;`,
		`response.headers['Content-Type'] = [{key: 'Content-Type', value: 'text/plain'}]; return response;`,
		`response.headers = {}; return response;`,
		`response.headers = request.headers; return response;`,
		`response.status = 404; response.statusDescription = 'Not Found'; return response;`,
		`response.status = '200'; return response;`,
		`return {...response, headers: {...response.headers, 'x-e': [{value: 'e'}]}};`,
		`return JSON.parse(JSON.stringify(response));`,
		`response.body = 'replaced'; return response;`,
		`response.headers['transfer-encoding'] = [{key: 'Transfer-Encoding', value: 'chunked'}]; return response;`,
	}
	triggers := []struct {
		t       event.Trigger
		changes []string
	}{
		{event.ViewerRequest, requestChanges},
		{event.OriginRequest, requestChanges},
		{event.OriginResponse, responseChanges},
		{event.ViewerResponse, responseChanges},
	}
	for _, tr := range triggers {
		for i, change := range tr.changes {
			t.Run(fmt.Sprintf("%s/%d", tr.t, i), func(t *testing.T) {
				lazy, lazyErr := runEquiv(t, tr.t, false, change)
				plain, plainErr := runEquiv(t, tr.t, true, change)
				if classOf(lazyErr) != classOf(plainErr) || lazy != plain {
					t.Errorf("%s\n lazy:  %s %v\n plain: %s %v", change, lazy, lazyErr, plain, plainErr)
				}
			})
		}
	}
}

// runEquiv runs change as a hook on trigger t, on the lazy event or on a plain copy of it, and
// returns what came back as JSON.
func runEquiv(t *testing.T, tr event.Trigger, plain bool, change string) (string, error) {
	t.Helper()
	copyEvent := ""
	if plain {
		copyEvent = "event = JSON.parse(JSON.stringify(event));"
	}
	src := fmt.Sprintf(`exports.handler = async (event) => {
  %s
  const request = event.Records[0].cf.request, response = event.Records[0].cf.response;
  %s
};`, copyEvent, change)
	dir := t.TempDir()
	writeHook(t, dir, "h.js", src)
	files, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Static(Bindings{"*": {tr: {File: "h.js"}}}))
	res, err := reg.Load(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	g := res.Generation
	req, resp := equivEvent()
	if tr.IsViewer() {
		req.Origin = nil
	}
	if tr != event.ViewerRequest && tr != event.OriginRequest {
		req.Body = nil
	}
	cfg := event.Config{EventType: tr, RequestID: "r1", DistributionID: "D", DistributionDomainName: "d.example"}
	var out any
	if tr == event.ViewerRequest || tr == event.OriginRequest {
		r, gen, err := g.Request(context.Background(), "*", tr, cfg, req)
		if err != nil {
			return "", err
		}
		out = []any{r, gen}
	} else {
		r, err := g.Response(context.Background(), "*", tr, cfg, req, resp)
		if err != nil {
			return "", err
		}
		out = r
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), `"Headers":{}`, `"Headers":null`), nil
}

func classOf(err error) string {
	var he *Error
	if errors.As(err, &he) {
		return string(he.Kind)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// TestLazyEventReadsLikeAPlainOne has hooks look at the event after changing it, on the lazy
// event and on a plain copy, and expects them to see the same.
func TestLazyEventReadsLikeAPlainOne(t *testing.T) {
	looks := []string{
		`Object.keys(request)`,
		`Object.keys(request.headers)`,
		`(delete request.headers.accept, request.headers.accept = [{key: 'Accept', value: '*/*'}], Object.keys(request.headers))`,
		`(delete request.headers['x-b'], request.headers['x-b'] = [{value: '1'}], delete request.headers['x-b'], request.headers['x-b'] = [{value: '2'}], Object.keys(request.headers))`,
		`(request.headers['x-new'] = [{value: '1'}], delete request.headers.host, Object.keys(request.headers))`,
		`(request.headers.accept = [{value: 'a'}], Object.keys(request.headers))`,
		`(delete request.headers.accept, [Object.keys(request.headers).length, 'accept' in request.headers, request.headers.accept])`,
		`(request.headers['x-new'] = undefined, ['x-new' in request.headers, Object.keys(request.headers).includes('x-new')])`,
		`Object.entries(request.headers).map(([k, v]) => k + '=' + v.length)`,
		`(() => { const out = []; for (const k in request.headers) out.push(k); return out; })()`,
		`[request.headers.hasOwnProperty('accept'), Object.prototype.hasOwnProperty.call(request.headers, 'nope'), typeof request.headers.nope]`,
		`Object.getOwnPropertyNames(request.headers)`,
		`Object.getOwnPropertyDescriptor(request.headers, 'accept')`,
		`Object.getOwnPropertyDescriptor(request.headers['x-multi'], '0')`,
		`JSON.stringify(request)`,
		`(request.uri = '/x', delete request.querystring, JSON.stringify(request))`,
		`[Array.isArray(request.headers['x-multi']), request.headers['x-multi'].length, request.headers['x-multi'].map(h => h.value)]`,
		`(request.headers['x-multi'].splice(0, 1), JSON.stringify(request.headers['x-multi']))`,
		`(request.headers['x-multi'].unshift({value: '0'}), request.headers['x-multi'].map(h => h.value))`,
		// (delete list[0] leaves undefined, not a hole, in goja's dynamic arrays: 0 in list stays true.)
		`(delete request.headers['x-multi'][0], [request.headers['x-multi'].length, JSON.stringify(request.headers['x-multi'])])`,
		`(request.headers['x-multi'][4] = {value: '4'}, [request.headers['x-multi'].length, JSON.stringify(request.headers['x-multi'])])`,
		`(request.headers['x-multi'].length = 1, request.headers['x-multi'].length = 3, JSON.stringify(request.headers['x-multi']))`,
		`Object.keys(request.headers['x-multi'])`,
		`Object.keys(request.headers['x-multi'][0])`,
		`(request.headers['x-multi'][0].extra = 1, Object.keys(request.headers['x-multi'][0]))`,
		`[...request.headers['x-multi']].map(h => h.key)`,
		`Object.assign({}, request.headers['x-multi'][1])`,
		`({...request}).headers === request.headers`,
		`[request.headers === request.headers, request.headers.accept === request.headers.accept]`,
		`Object.getPrototypeOf(request.headers) === Object.prototype`,
		`Object.getPrototypeOf(request.headers['x-multi']) === Array.prototype`,
		`String(request.headers)`,
		`request.headers['x-multi'].toString()`,
		`Object.keys(event.Records[0].cf)`,
		`Object.keys(event.Records[0].cf.config)`,
	}
	for i, look := range looks {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			change := `return {status: '200', body: JSON.stringify(` + look + `) ?? 'undefined'};`
			lazy, lazyErr := runEquiv(t, event.OriginRequest, false, change)
			plain, plainErr := runEquiv(t, event.OriginRequest, true, change)
			if classOf(lazyErr) != classOf(plainErr) || lazy != plain {
				t.Errorf("%s\n lazy:  %s %v\n plain: %s %v", look, lazy, lazyErr, plain, plainErr)
			}
		})
	}
}

// A query string parameter or header a function deletes and sets again is sent once, last, as
// JavaScript orders the object's keys (it was sent twice).
func TestFunctionMemberAddedAgainGoesLastOnce(t *testing.T) {
	src := `function handler(event) {
  var r = event.request;
  delete r.querystring.q;
  r.querystring.q = {value: 'n'};
  delete r.headers['x-a'];
  r.headers['x-a'] = {value: 'new'};
  return r;
}`
	w := newWorld(t, setup{files: map[string]string{"f.js": src}, functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("f.js", jsruntime.Runtime20)}})
	if r := w.get("/p?q=1&z=2", "X-A", "old"); r.status != 200 || r.body != "origin0 /p?z=2&q=n" {
		t.Fatalf("%d %q", r.status, r.body)
	}
	if got := w.lastReq.Load().Header["X-A"]; len(got) != 1 || got[0] != "new" {
		t.Fatalf("origin saw X-A %q", got)
	}
}

// An origin-request hook that reads request.origin (or returns a copy of the request) with an
// IPv6 origin: the event's own domainName ("::1") was refused as "a host name or IP address
// without a port", and every request through the hook failed (502).
func TestIPv6OriginComesBackValid(t *testing.T) {
	for _, change := range []string{
		`console.log(request.origin.custom.domainName); return request;`,
		`return JSON.parse(JSON.stringify(request));`,
		`request.origin.custom.domainName = '::2'; return request;`,
		`request.origin.custom.domainName = '[::2]'; return request;`,
		`request.origin.custom.domainName = 'example.com:80'; return request;`,
	} {
		g := benchGen(t, event.OriginRequest, `exports.handler = async (event) => { const request = event.Records[0].cf.request; `+change+` };`)
		req, _ := equivEvent()
		req.Origin.DomainName = "::1"
		out, _, err := g.Request(context.Background(), "*", event.OriginRequest, event.Config{EventType: event.OriginRequest, RequestID: "r"}, req)
		invalidName := strings.Contains(change, "[") || strings.Contains(change, "example.com:80")
		switch {
		case invalidName && classOf(err) != string(ValidationError):
			t.Errorf("%s: %v, want a LambdaValidationError", change, err)
		case !invalidName && err != nil:
			t.Errorf("%s: %v", change, err)
		case !invalidName && !strings.HasPrefix(out.Origin.DomainName, "::"):
			t.Errorf("%s: origin %+v", change, out.Origin)
		}
	}
}
