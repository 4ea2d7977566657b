package sample

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

// cf returns Records[0].cf of an event.
func cf(t *testing.T, ev map[string]any) map[string]any {
	t.Helper()
	return ev["Records"].([]any)[0].(map[string]any)["cf"].(map[string]any)
}

func header(req map[string]any, name string) []any {
	list, _ := req["headers"].(map[string]any)[name].([]any)
	return list
}

func TestEventHasWhatEachTriggerCarries(t *testing.T) {
	for _, c := range []struct {
		t              event.Trigger
		origin, answer bool
		host           string
	}{
		{event.ViewerRequest, false, false, exampleDomain},
		{event.OriginRequest, true, false, exampleOrigin},
		{event.OriginResponse, true, true, exampleOrigin},
		{event.ViewerResponse, false, true, exampleDomain},
	} {
		ev, err := Event(c.t, nil, Defaults{})
		if err != nil {
			t.Fatal(err)
		}
		rec := cf(t, ev)
		req := rec["request"].(map[string]any)
		if rec["config"].(map[string]any)["eventType"] != string(c.t) || (req["origin"] != nil) != c.origin || (rec["response"] != nil) != c.answer {
			t.Errorf("%s: %v", c.t, rec)
		}
		if h := header(req, "host"); h[0].(map[string]any)["value"] != c.host {
			t.Errorf("%s: host %v", c.t, h)
		}
		if c.origin && (header(req, "via") == nil || header(req, "x-forwarded-for") == nil || header(req, "user-agent")[0].(map[string]any)["value"] != "Amazon CloudFront") {
			t.Errorf("%s: the headers CloudFront adds are missing: %v", c.t, req["headers"])
		}
		if _, err := json.Marshal(ev); err != nil {
			t.Fatal(err)
		}
	}
}

func TestShortFormsAreCompleted(t *testing.T) {
	ev, err := Event(event.OriginRequest, map[string]any{
		"config": map[string]any{"requestId": "r1"},
		"request": map[string]any{
			"uri": "/a?x=1",
			"headers": map[string]any{
				"accept-language": "de",
				"X-Custom":        []any{"1", map[string]any{"value": "2"}},
				"user-agent":      nil,
			},
			"origin": map[string]any{"custom": map[string]any{"domainName": "api.example.com", "port": 8443}},
			"body":   strings.Repeat("x", event.OriginBodyLimit+1),
		},
	}, Defaults{DomainName: "d.example", Origin: map[string]any{"protocol": "http", "port": 8080}})
	if err != nil {
		t.Fatal(err)
	}
	rec := cf(t, ev)
	req := rec["request"].(map[string]any)
	custom := req["origin"].(map[string]any)["custom"].(map[string]any)
	body := req["body"].(map[string]any)
	switch {
	case rec["config"].(map[string]any)["requestId"] != "r1" || rec["config"].(map[string]any)["distributionDomainName"] != "d.example":
		t.Errorf("config %v", rec["config"])
	case req["uri"] != "/a" || req["querystring"] != "x=1":
		t.Errorf("uri %v query %v", req["uri"], req["querystring"])
	case header(req, "accept-language")[0].(map[string]any)["key"] != "Accept-Language" || len(header(req, "x-custom")) != 2 ||
		header(req, "x-custom")[1].(map[string]any)["key"] != "X-Custom" || header(req, "user-agent") != nil:
		t.Errorf("headers %v", req["headers"])
	case custom["domainName"] != "api.example.com" || custom["port"] != 8443.0 || custom["protocol"] != "http":
		t.Errorf("origin %v", custom)
	case header(req, "host")[0].(map[string]any)["value"] != "api.example.com":
		t.Errorf("host follows the origin: %v", header(req, "host"))
	case body["inputTruncated"] != true || body["encoding"] != "base64":
		t.Errorf("body %v", body)
	}

	resp, err := Event(event.ViewerResponse, map[string]any{"response": map[string]any{"status": 404, "headers": map[string]any{"etag": nil}}}, Defaults{})
	if err != nil {
		t.Fatal(err)
	}
	r := cf(t, resp)["response"].(map[string]any)
	if r["status"] != "404" || r["statusDescription"] != "Not Found" || r["headers"].(map[string]any)["etag"] != nil {
		t.Errorf("response %v", r)
	}

	whole := map[string]any{"Records": []any{}}
	if got, err := Event(event.ViewerRequest, whole, Defaults{}); err != nil || len(got["Records"].([]any)) != 0 {
		t.Errorf("a whole event is kept as given: %v %v", got, err)
	}
}

func TestShortFormMistakesAreErrors(t *testing.T) {
	for _, c := range []struct {
		t     event.Trigger
		short map[string]any
		want  string
	}{
		{event.ViewerRequest, map[string]any{"requst": map[string]any{}}, `unknown field "requst"`},
		{event.ViewerRequest, map[string]any{"request": map[string]any{"url": "/"}}, `request has no field "url"`},
		{event.ViewerRequest, map[string]any{"response": map[string]any{}}, "a viewer-request event has no response"},
		{event.ViewerRequest, map[string]any{"request": map[string]any{"origin": map[string]any{}}}, "request.origin is only in origin"},
		{event.ViewerResponse, map[string]any{"request": map[string]any{"body": "x"}}, "has no request body"},
		{event.OriginResponse, map[string]any{"response": map[string]any{"body": "x"}}, `response has no field "body"`},
		{event.OriginResponse, map[string]any{"response": map[string]any{"status": "abc"}}, "is not a number"},
		{event.ViewerRequest, map[string]any{"request": map[string]any{"headers": map[string]any{"a": 1}}}, "must be a string, a list, or null"},
		{"viewer-reqest", nil, "is not a trigger"},
	} {
		if _, err := Event(c.t, c.short, Defaults{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.short, err, c.want)
		}
	}
}
