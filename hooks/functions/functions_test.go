package functions

import (
	"context"
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

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func load(t testing.TB, rt jsruntime.FunctionRuntime, src string, store *Store) *Function {
	t.Helper()
	// A generous budget: tests of the budget set their own (a busy machine slows any call).
	f, err := Load(context.Background(), "f.js", []byte(src), rt, store, Options{Log: quiet, Budget: 2 * time.Second})
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

func TestRequestResults(t *testing.T) {
	for name, c := range map[string]struct {
		body string // the function's body, with r = event.request; it returns r
		rt   jsruntime.FunctionRuntime
		want func(*event.Request) string // "" when right
		err  string
	}{
		"multiValue wins": {body: `r.headers.accept.multiValue = [{value: 'a'}, {value: 'b'}]; r.headers.accept.value = 'ignored';`,
			want: func(o *event.Request) string { return expectValues(o.Headers["accept"], "a", "b") }},
		"a changed value keeps the others": {body: `r.headers.accept.value = 'x';`,
			want: func(o *event.Request) string { return expectValues(o.Headers["accept"], "x", "application/json") }},
		"lower-case multivalue is ignored": {body: `r.headers['x-new'] = {value: 'one', multivalue: [{value: 'two'}], other: 1};`,
			want: func(o *event.Request) string {
				if o.Headers["x-new"][0].Key != "X-New" {
					return "key " + o.Headers["x-new"][0].Key
				}
				return expectValues(o.Headers["x-new"], "one")
			}},
		"a deleted header": {body: `delete r.headers['user-agent'];`,
			want: func(o *event.Request) string { return expectValues(o.Headers["user-agent"]) }},
		"cookies rebuild the Cookie header": {body: `r.cookies.a.value = '9'; delete r.cookies.b; r.cookies.c = {value: '3'};`,
			want: func(o *event.Request) string { return expectValues(o.Headers["cookie"], "a=9; a=3; c=3") }},
		// Names come back grouped, as the object shows them.
		"a query string object": {body: `r.querystring.y.value = 'new'; r.querystring.z = {value: '1', multiValue: [{value: '1'}, {value: '2'}]};`,
			want: func(o *event.Request) string { return expect(o.QueryString, "x=1&x=2&y=new&flag&z=1&z=2") }},
		"a query string as a string (2.0)": {body: `r.querystring = '?k=v';`, rt: jsruntime.Runtime20,
			want: func(o *event.Request) string { return expect(o.QueryString, "k=v") }},
		"uri": {body: `r.uri = '/new';`, want: func(o *event.Request) string { return expect(o.URI, "/new") }},

		"an unexpected field":    {body: `r.body = {data: 'x'};`, err: "the request object has an unexpected field: body"},
		"method is read-only":    {body: `r.method = 'POST';`, err: "request.method is read-only"},
		"host is read-only":      {body: `r.headers.host.value = 'other';`, err: "read-only header host"},
		"a disallowed header":    {body: `r.headers['x-cache'] = {value: '1'};`, err: "disallowed header x-cache"},
		"a value must be text":   {body: `r.headers['x-n'] = {value: 5};`, err: `request.headers["x-n"].value must be a string, not the number 5`},
		"uri must start with /":  {body: `r.uri = 'x';`, err: "request.uri must be a string that starts with /"},
		"no CR LF in values":     {body: `r.headers['x-n'] = {value: 'a\r\nb'};`, err: "contains a control character"},
		"no spaces in the query": {body: `r.querystring.q = {value: 'a b'};`, err: "may not contain spaces"},
	} {
		t.Run(name, func(t *testing.T) {
			rt := c.rt
			if rt == "" {
				rt = jsruntime.Runtime10
			}
			f := load(t, rt, "function handler(event) { var r = event.request; "+c.body+" return r; }", nil)
			in := request()
			out, _, err := f.Request(context.Background(), vrCfg, in, nil)
			if c.err != "" {
				var fe *Error
				if !errors.As(err, &fe) || fe.Kind != ValidationError || fe.HTTPStatus() != 502 || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("want a validation error %q, got %v", c.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out == in {
				t.Fatal("the changed request came back as the input")
			}
			if msg := c.want(out); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

func TestResponseResults(t *testing.T) {
	vresp := func() *event.Response {
		return &event.Response{Status: 200, StatusDescription: "OK", Headers: event.Headers{
			"content-type": {{Key: "Content-Type", Value: "text/html"}},
			"set-cookie":   {{Key: "Set-Cookie", Value: "id=1; Path=/"}, {Key: "Set-Cookie", Value: "id=2; Secure"}, {Key: "Set-Cookie", Value: "x=y"}},
			"via":          {{Key: "Via", Value: "1.1 origin"}},
		}}
	}
	cfg := vrCfg
	cfg.EventType = event.ViewerResponse
	for name, c := range map[string]struct {
		body string // with res = event.response; it returns res
		want func(*event.Response) string
		err  string
	}{
		"cookies with attributes": {body: `res.cookies.id.multiValue[1].attributes = 'HttpOnly'; delete res.cookies.x; res.cookies.n = {value: 'v', attributes: 'Max-Age=1'};`,
			want: func(o *event.Response) string {
				return expectValues(o.Headers["set-cookie"], "id=1; Path=/", "id=2; HttpOnly", "n=v; Max-Age=1")
			}},
		"the cookies are shown": {body: `if (res.cookies.id.value !== '1' || res.cookies.id.attributes !== 'Path=/' || res.cookies.id.multiValue.length !== 2) throw new Error(JSON.stringify(res.cookies)); res.headers['x-ok'] = {value: '1'};`,
			want: func(o *event.Response) string { return expectValues(o.Headers["x-ok"], "1") }},
		"the status may change": {body: `res.statusCode = 404;`, want: func(o *event.Response) string { return expect(fmt.Sprint(o.Status), "404") }},
		"a body":                {body: `res.body = {encoding: 'base64', data: 'aGk='};`, want: func(o *event.Response) string { return expect(o.Body.Data, "hi") }},

		"via is read-only":  {body: `delete res.headers.via;`, err: "read-only header via"},
		"bad base64":        {body: `res.body = {encoding: 'base64', data: '!!'};`, err: "response.body is not valid base64"},
		"a numeric status":  {body: `res.statusCode = '404';`, err: "statusCode must be a number"},
		"a status in range": {body: `res.statusCode = 99;`, err: "statusCode 99 is outside 200-599"},
		"unexpected field":  {body: `res.bodyEncoding = 'text';`, err: "the response object has an unexpected field: bodyEncoding"},
	} {
		t.Run(name, func(t *testing.T) {
			f := load(t, jsruntime.Runtime20, "function handler(event) { var res = event.response; "+c.body+" return res; }", nil)
			in := vresp()
			out, err := f.Response(context.Background(), cfg, request(), in, nil)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("want %q, got %v", c.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := c.want(out); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

func TestGeneratedResponseResults(t *testing.T) {
	for body, want := range map[string]string{
		`return {headers: {}};`:                                       "", // no statusCode: a request with an unexpected field
		`return {statusCode: 700};`:                                   "statusCode 700 is outside 200-599",
		`return {statusCode: 200, body: {encoding: 'x', data: 'a'}};`: "encoding x must be text or base64",
		`return 'nope';`:                                              "the function returned the string \"nope\"; it must return the request or a response object",
		`return {statusCode: 200, body: 'x'.repeat(41 * 1024)};`:      "response.body is 41984 bytes; the limit is 40960",
	} {
		f := load(t, jsruntime.Runtime20, "function handler(event) { "+body+" }", nil)
		_, _, err := f.Request(context.Background(), vrCfg, request(), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", body, want, err)
		}
	}
}

func expect(got, want string) string {
	if got != want {
		return fmt.Sprintf("got %q, want %q", got, want)
	}
	return ""
}

func expectValues(list []event.HeaderValue, want ...string) string {
	got := make([]string, len(list))
	for i, hv := range list {
		got[i] = hv.Value
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		return fmt.Sprintf("got %q, want %q", got, want)
	}
	return ""
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
