package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A bound hook or function file that is not in the hooks folder is a problem of the config line
// that binds it, named like every other config problem, with the missing file's path.
func TestMissingHookFileNamesTheBindingLine(t *testing.T) {
	dir := t.TempDir()
	hooksDir := filepath.Join(dir, "hooks")
	writeFile(t, hooksDir, "ok.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	cfg := writeFile(t, dir, "hookfront.yaml", `hooks_dir: hooks
origins:
  - id: a
    url: http://127.0.0.1:9
behaviors:
  - path_pattern: /a/*
    target: a
    hooks:
      viewer-request: x.js
      origin-request: ok.js
  - path_pattern: "*"
    target: a
    hooks:
      origin-request:
        file: x.js
    functions: {viewer-request: fn.js}
`)
	missingHook := filepath.Join(hooksDir, "x.js") + ": hook file not found in the hooks folder"
	missingFn := filepath.Join(hooksDir, "fn.js") + ": function file not found in the hooks folder"
	want := []string{
		cfg + ":9: behaviors[0].hooks.viewer-request: " + missingHook,
		cfg + ":15: behaviors[1].hooks.origin-request: " + missingHook,
		cfg + ":16: behaviors[1].functions.viewer-request: " + missingFn,
	}

	_, errOut, code := runIn(t, "validate", "--config", cfg)
	if code != 1 {
		t.Fatalf("validate: exit %d:\n%s", code, errOut)
	}
	for _, w := range want {
		wantAll(t, errOut, "error: "+w)
	}
	wantAll(t, errOut, "3 problem(s)")

	_, errOut, code = runBinary(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--admin", "off")
	if code != 1 {
		t.Fatalf("serve: exit %d:\n%s", code, errOut)
	}
	wantAll(t, errOut, want...)
	if strings.Count(errOut, "not found") != len(want) {
		t.Errorf("serve names each missing binding once:\n%s", errOut)
	}
}
