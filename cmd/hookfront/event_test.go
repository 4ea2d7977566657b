package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestEventIsAcceptedByInvoke checks, for every trigger, that invoke runs a hook on what event
// prints, and that CloudFront's validation finds nothing wrong with the event handed back.
func TestEventIsAcceptedByInvoke(t *testing.T) {
	dir := t.TempDir()
	request := writeFile(t, dir, "request.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	response := writeFile(t, dir, "response.js", "exports.handler = async (e) => e.Records[0].cf.response;\n")
	cases := []struct {
		trigger string
		args    []string
		hook    string
		check   func(t *testing.T, cf map[string]any)
	}{
		{"viewer-request", []string{"--uri", "/a/b?x=1", "--method", "post", "--header", "X-A: 1", "--header", "x-a: 2", "--body", "hello"}, request,
			func(t *testing.T, cf map[string]any) {
				req := cf["request"].(map[string]any)
				h := req["headers"].(map[string]any)
				if req["uri"] != "/a/b" || req["querystring"] != "x=1" || req["method"] != "POST" || len(h["x-a"].([]any)) != 2 ||
					req["body"].(map[string]any)["data"] != "aGVsbG8=" || h["host"].([]any)[0].(map[string]any)["value"] != "d111111abcdef8.cloudfront.net" {
					t.Errorf("%v", req)
				}
			}},
		{"origin-request", []string{"--origin", "http://api.example.com:8080/v1"}, request,
			func(t *testing.T, cf map[string]any) {
				req := cf["request"].(map[string]any)
				custom := req["origin"].(map[string]any)["custom"].(map[string]any)
				h := req["headers"].(map[string]any)
				if custom["domainName"] != "api.example.com" || custom["port"] != 8080.0 || custom["path"] != "/v1" || custom["protocol"] != "http" ||
					h["host"].([]any)[0].(map[string]any)["value"] != "api.example.com" || h["via"] == nil || h["x-forwarded-for"] == nil {
					t.Errorf("%v", req)
				}
			}},
		{"origin-response", []string{"--status", "503"}, response,
			func(t *testing.T, cf map[string]any) {
				resp := cf["response"].(map[string]any)
				if resp["status"] != "503" || resp["statusDescription"] != "Service Unavailable" || cf["request"].(map[string]any)["origin"] == nil {
					t.Errorf("%v", cf)
				}
			}},
		{"viewer-response", nil, response,
			func(t *testing.T, cf map[string]any) {
				if cf["response"].(map[string]any)["status"] != "200" || cf["request"].(map[string]any)["origin"] != nil {
					t.Errorf("%v", cf)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.trigger, func(t *testing.T) {
			out, errOut, code := runIn(t, append([]string{"event", c.trigger}, c.args...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("event: exit %d\n%s", code, errOut)
			}
			var ev struct {
				Records []struct{ CF map[string]any } `json:"Records"`
			}
			if err := json.Unmarshal([]byte(out), &ev); err != nil || len(ev.Records) != 1 {
				t.Fatalf("%v\n%s", err, out)
			}
			cf := ev.Records[0].CF
			if cf["config"].(map[string]any)["eventType"] != c.trigger {
				t.Errorf("eventType %v", cf["config"])
			}
			c.check(t, cf)
			file := writeFile(t, dir, c.trigger+".json", out)
			res, errOut, code := runIn(t, "invoke", c.hook, "--event", file)
			if code != 0 || errOut != "" {
				t.Fatalf("invoke: exit %d\n%s", code, errOut) // a warning here would mean CloudFront rejects it
			}
			var got any
			if err := json.Unmarshal([]byte(res), &got); err != nil {
				t.Fatal(err)
			}
			want := cf["request"]
			if strings.HasSuffix(c.trigger, "-response") {
				want = cf["response"]
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("invoke returned\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestEventUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"event"},
		{"event", "viewer-reqest"},
		{"event", "viewer-request", "--status", "404"},
		{"event", "viewer-response", "--body", "x"},
		{"event", "viewer-request", "--origin", "http://a.example"},
		{"event", "origin-request", "--header", "no colon"},
		{"event", "origin-request", "--origin", "ftp://a.example"},
	} {
		if out, errOut, code := runIn(t, args...); code != 2 || out != "" || !strings.HasPrefix(errOut, "hookfront event: ") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	// A misspelt trigger is named, with the one meant.
	if _, errOut, code := runIn(t, "event", "viewer-reqest"); code != 2 || !strings.Contains(errOut, `"viewer-reqest" is not a trigger (did you mean viewer-request?)`) {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}
