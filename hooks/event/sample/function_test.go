package sample

import (
	"reflect"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

func TestFunctionEventHasWhatEachTriggerCarries(t *testing.T) {
	for _, tr := range []event.Trigger{event.ViewerRequest, event.ViewerResponse} {
		ev, err := FunctionEvent(tr, nil, Defaults{DomainName: "d.example.net"})
		if err != nil {
			t.Fatal(err)
		}
		ctx := ev["context"].(map[string]any)
		req := ev["request"].(map[string]any)
		if ev["version"] != "1.0" || ctx["eventType"] != string(tr) || ctx["distributionDomainName"] != "d.example.net" || ctx["distributionId"] != exampleID ||
			ctx["requestId"] != exampleRequestID || ev["viewer"].(map[string]any)["ip"] != exampleClientIP {
			t.Errorf("%s: %v", tr, ev)
		}
		if req["method"] != "GET" || req["uri"] != "/" || len(req["querystring"].(map[string]any)) != 0 || len(req["cookies"].(map[string]any)) != 0 ||
			!reflect.DeepEqual(req["headers"].(map[string]any)["host"], map[string]any{"value": "d.example.net"}) {
			t.Errorf("%s: request %v", tr, req)
		}
		resp, hasResponse := ev["response"].(map[string]any)
		if hasResponse != (tr == event.ViewerResponse) {
			t.Errorf("%s: response %v", tr, ev["response"])
		}
		if hasResponse && (resp["statusCode"] != 200.0 || resp["statusDescription"] != "OK" || resp["headers"].(map[string]any)["content-type"] == nil) {
			t.Errorf("%s: response %v", tr, resp)
		}
	}
	if _, err := FunctionEvent(event.OriginRequest, nil, Defaults{}); err == nil {
		t.Error("an origin-request function event was made")
	}
}

func TestFunctionEventShortForms(t *testing.T) {
	ev, err := FunctionEvent(event.ViewerRequest, map[string]any{
		"viewer":  map[string]any{"ip": "198.51.100.7"},
		"context": map[string]any{"requestId": "r1"},
		"request": map[string]any{
			"uri": "/a?x=1&x=2&flag",
			"headers": map[string]any{
				"X-Two":      []any{"1", "2"},
				"accept":     nil,
				"x-obj":      map[string]any{"value": "v"},
				"cookie":     "a=1; b=2",
				"x-count":    3.0,
				"x-multi":    map[string]any{"multiValue": []any{"p", map[string]any{"value": "q"}}},
				"x-aws-typo": map[string]any{"value": "v", "multivalue": []any{}},
			},
			"cookies": map[string]any{"b": "3"},
		},
	}, Defaults{})
	if err != nil {
		t.Fatal(err)
	}
	req := ev["request"].(map[string]any)
	h := req["headers"].(map[string]any)
	want := map[string]any{
		"uri": "/a",
		"querystring": map[string]any{
			"x":    map[string]any{"value": "1", "multiValue": []any{map[string]any{"value": "1"}, map[string]any{"value": "2"}}},
			"flag": map[string]any{"value": ""},
		},
		"cookies": map[string]any{"a": map[string]any{"value": "1"}, "b": map[string]any{"value": "3"}},
	}
	for k, w := range want {
		if !reflect.DeepEqual(req[k], w) {
			t.Errorf("request.%s = %v, want %v", k, req[k], w)
		}
	}
	for name, w := range map[string]any{
		"x-two":      map[string]any{"value": "1", "multiValue": []any{map[string]any{"value": "1"}, map[string]any{"value": "2"}}},
		"x-obj":      map[string]any{"value": "v"},
		"x-count":    map[string]any{"value": "3"},
		"x-multi":    map[string]any{"value": "p", "multiValue": []any{map[string]any{"value": "p"}, map[string]any{"value": "q"}}},
		"x-aws-typo": map[string]any{"value": "v", "multivalue": []any{}},
		"accept":     nil,
		"cookie":     nil, // shown as cookies
	} {
		if got := h[name]; !reflect.DeepEqual(got, w) && (w != nil || got != nil) {
			t.Errorf("headers[%q] = %v, want %v", name, got, w)
		}
	}
	if ev["viewer"].(map[string]any)["ip"] != "198.51.100.7" || ev["context"].(map[string]any)["requestId"] != "r1" {
		t.Errorf("%v %v", ev["viewer"], ev["context"])
	}

	ev, err = FunctionEvent(event.ViewerResponse, map[string]any{"response": map[string]any{
		"statusCode": 404.0,
		"headers":    map[string]any{"set-cookie": []any{"s=1; Path=/", "t=2"}, "server": nil},
		"cookies":    map[string]any{"u": "3"},
	}}, Defaults{})
	if err != nil {
		t.Fatal(err)
	}
	resp := ev["response"].(map[string]any)
	wantCookies := map[string]any{
		"s": map[string]any{"value": "1", "attributes": "Path=/"},
		"t": map[string]any{"value": "2", "attributes": ""},
		"u": map[string]any{"value": "3", "attributes": ""},
	}
	if resp["statusCode"] != 404.0 || resp["statusDescription"] != "Not Found" || !reflect.DeepEqual(resp["cookies"], wantCookies) ||
		resp["headers"].(map[string]any)["set-cookie"] != nil || resp["headers"].(map[string]any)["server"] != nil {
		t.Errorf("%v", resp)
	}
}

func TestFunctionEventWholeAndWrong(t *testing.T) {
	whole := map[string]any{"version": "1.0", "request": map[string]any{"uri": "/as-given"}}
	if ev, err := FunctionEvent(event.ViewerRequest, whole, Defaults{}); err != nil || !reflect.DeepEqual(ev, whole) {
		t.Errorf("a whole event changed: %v %v", ev, err)
	}
	for _, short := range []map[string]any{
		{"Records": []any{}},
		{"request": map[string]any{"body": "x"}},
		{"request": map[string]any{"uri": 3.0}},
		{"request": map[string]any{"headers": map[string]any{"a": map[string]any{"vaule": "x"}}}},
		{"request": map[string]any{"headers": map[string]any{"a": []any{[]any{}}}}},
		{"response": map[string]any{}},
	} {
		if _, err := FunctionEvent(event.ViewerRequest, short, Defaults{}); err == nil {
			t.Errorf("%v: no error", short)
		}
	}
	if _, err := FunctionEvent(event.ViewerResponse, map[string]any{"response": map[string]any{"statusCode": "abc"}}, Defaults{}); err == nil {
		t.Error("statusCode abc: no error")
	}
}
