package main

import (
	"strings"
	"testing"
)

// The config check names a CloudFront Function bound where CloudFront refuses it at its line;
// the hooks registry applies the same rules, and validate must not print the problem again.
func TestValidatePrintsAFunctionPlacementProblemOnce(t *testing.T) {
	cases := []struct {
		name, bind, rule, at string
	}{
		{"beside a Lambda@Edge viewer hook", "hooks: {viewer-request: h.js}\n    functions: {viewer-response: f.js}",
			"CloudFront does not combine the two on viewer triggers of one behavior", ":6: behaviors[0].hooks.viewer-request: "},
		{"on an origin trigger", "hooks: {origin-response: h.js}\n    functions: {origin-request: f.js}",
			"CloudFront Functions run only on viewer-request and viewer-response", ":7: behaviors[0].functions.origin-request: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "hooks/h.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
			writeFile(t, dir, "hooks/f.js", "function handler(event) { return event.request; }\n")
			cfg := writeFile(t, dir, "hookfront.yaml", "hooks_dir: hooks\norigins: [{id: a, url: \"http://127.0.0.1:9\"}]\nbehaviors:\n  - path_pattern: \"*\"\n    target: a\n    "+c.bind+"\n")
			_, errOut, code := runIn(t, "validate", "--config", cfg)
			if code != 1 {
				t.Fatalf("exit %d:\n%s", code, errOut)
			}
			if n := strings.Count(errOut, c.rule); n != 1 {
				t.Errorf("%q printed %d times:\n%s", c.rule, n, errOut)
			}
			wantAll(t, errOut, "error: "+cfg+c.at, "1 problem(s)")
		})
	}
}
