package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestFunctionEventIsAcceptedByInvoke checks that invoke --runtime runs a function on what
// event --runtime prints, for both triggers and both runtimes, and hands the request or response
// back as it was given.
func TestFunctionEventIsAcceptedByInvoke(t *testing.T) {
	dir := t.TempDir()
	request := writeFile(t, dir, "request.js", "function handler(event) { return event.request; }\n")
	response := writeFile(t, dir, "response.js", "function handler(event) { return event.response; }\n")
	for _, c := range []struct {
		trigger, runtime, fn, member string
		args                         []string
	}{
		{"viewer-request", "cloudfront-js-2.0", request, "request",
			[]string{"--uri", "/a?x=1&x=2", "--method", "get", "--header", "X-A: 1", "--header", "Cookie: c=1; d=2", "--client-ip", "198.51.100.9"}},
		{"viewer-request", "cloudfront-js-1.0", request, "request", nil},
		{"viewer-response", "cloudfront-js-2.0", response, "response", []string{"--status", "404"}},
	} {
		t.Run(c.trigger+" "+c.runtime, func(t *testing.T) {
			out, errOut, code := runIn(t, append([]string{"event", c.trigger, "--runtime", c.runtime}, c.args...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("event: exit %d\n%s", code, errOut)
			}
			var ev map[string]any
			if err := json.Unmarshal([]byte(out), &ev); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if ev["version"] != "1.0" || ev["context"].(map[string]any)["eventType"] != c.trigger {
				t.Errorf("%v", ev)
			}
			file := writeFile(t, dir, c.trigger+c.runtime+".json", out)
			res, errOut, code := runIn(t, "invoke", c.fn, "--event", file, "--runtime", c.runtime)
			if code != 0 {
				t.Fatalf("invoke: exit %d\n%s\n%s", code, res, errOut)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(res), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got[c.member], ev[c.member]) {
				t.Errorf("invoke returned\n%v\nwant\n%v", got[c.member], ev[c.member])
			}
		})
	}
	out, _, _ := runIn(t, "event", "viewer-request", "--runtime", "cloudfront-js-2.0", "--uri", "/a?x=1&x=2", "--header", "Cookie: c=1", "--client-ip", "198.51.100.9")
	for _, want := range []string{`"multiValue"`, `"cookies": {
      "c": {
        "value": "1"`, `"ip": "198.51.100.9"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}

func TestFunctionEventUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"event", "viewer-request", "--runtime", "cloudfront-js-3.0"},
		{"event", "origin-request", "--runtime", "cloudfront-js-2.0"},
		{"event", "viewer-request", "--runtime", "cloudfront-js-2.0", "--body", "x"},
		{"event", "viewer-request", "--runtime", "cloudfront-js-2.0", "--status", "404"},
		{"event", "viewer-request", "--runtime", "cloudfront-js-2.0", "--origin", "http://a.example"},
		{"event", "viewer-request", "--runtime", "cloudfront-js-2.0", "--header", "no colon"},
	} {
		if out, errOut, code := runIn(t, args...); code != 2 || out != "" || !strings.HasPrefix(errOut, "hookfront event: ") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}

// TestInvokeFunctionWithALambdaEventSaysWhichEventItTakes: a Lambda@Edge event given to a
// CloudFront Function names the mix-up and the command that prints the right event.
func TestInvokeFunctionWithALambdaEventSaysWhichEventItTakes(t *testing.T) {
	dir := t.TempDir()
	fn := writeFile(t, dir, "f.js", "function handler(event) { return event.request; }\n")
	ev, _, _ := runIn(t, "event", "viewer-request")
	file := writeFile(t, dir, "lambda.json", ev)
	out, _, code := runIn(t, "invoke", fn, "--event", file, "--runtime", "cloudfront-js-2.0")
	if code != 1 || !strings.Contains(out, "this is a Lambda@Edge event (Records); a CloudFront Function takes {version, context, viewer, request}, as `hookfront event viewer-request --runtime cloudfront-js-2.0` prints it") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}
