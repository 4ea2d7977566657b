package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInvokeStrictFailsWhatCloudFrontWouldReject(t *testing.T) {
	dir := t.TempDir()
	ev := writeFile(t, dir, "event.json", viewerRequestEvent)
	// An event without a method, as hand-written events often are: the request given back as it
	// came is valid.
	noMethod := writeFile(t, dir, "no-method.json", strings.Replace(viewerRequestEvent, `"method":"GET",`, "", 1))
	same := writeFile(t, dir, "same.js", `exports.handler = async (e) => e.Records[0].cf.request;`)
	bad := writeFile(t, dir, "bad.js", `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.headers.host = [{value: 'x'}]; return r; };`)
	for _, c := range []struct {
		args     []string
		code     int
		stdout   string // a part of it
		stderrIs string // a part of it ("" = empty stderr)
	}{
		{[]string{"invoke", same, "--event", noMethod, "--strict"}, 0, `"uri": "/"`, ""},
		{[]string{"invoke", same, "--event", ev, "--strict"}, 0, `"method": "GET"`, ""},
		{[]string{"invoke", bad, "--event", ev}, 0, `"value": "x"`, "warning: CloudFront would reject this result (LambdaValidationError, 502): the function tried to add, delete, or change the read-only header host"},
		{[]string{"invoke", bad, "--event", ev, "--strict"}, 1, `"value": "x"`, "hookfront invoke: CloudFront would reject this result (LambdaValidationError, 502): the function tried to add, delete, or change the read-only header host"},
		{[]string{"invoke", writeFile(t, dir, "gen.js", `exports.handler = async () => ({status: '200'});`), "--event", writeFile(t, dir, "not-cf.json", `{"a": 1}`), "--strict"}, 1, `"status": "200"`, "hookfront invoke: cannot check the result against CloudFront's rules: the event is not a Lambda@Edge event"},
		{[]string{"invoke", same, "--event", ev, "--timeout", "2m"}, 2, "", "--timeout must be more than 0 and at most 1m0s"},
	} {
		out, errOut, code := runBinary(t, c.args...)
		if code != c.code || !strings.Contains(out, c.stdout) || (c.stderrIs == "") != (errOut == "") || !strings.Contains(errOut, c.stderrIs) {
			t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", c.args[1:], code, out, errOut)
		}
	}
}

// TestInvokeSaysWhyItCannotRunTheFile: a missing hook file, or one outside --hooks, is named as
// such (both were "not a hook file (want .js, …)", although the name ended in .js).
func TestInvokeSaysWhyItCannotRunTheFile(t *testing.T) {
	dir := t.TempDir()
	hook := writeFile(t, dir, "hooks/h.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	ev, _, _ := runIn(t, "event", "viewer-request")
	evPath := writeFile(t, dir, "e.json", ev)
	_, errOut, code := runIn(t, "invoke", filepath.Join(dir, "hooks", "nope.js"), "--event", evPath)
	if code != 1 || !strings.Contains(errOut, "nope.js: no such file or directory") {
		t.Errorf("a missing file: exit %d\n%s", code, errOut)
	}
	other := filepath.Join(dir, "lib")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runIn(t, "invoke", hook, "--hooks", other, "--event", evPath)
	if code != 2 || !strings.Contains(errOut, hook+" is outside --hooks "+other) {
		t.Errorf("a file outside --hooks: exit %d\n%s", code, errOut)
	}
}
