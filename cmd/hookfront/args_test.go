package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFlagsAfterAnArgumentAreRead: a flag written after a command's file, trigger or path is
// read as one written before it, and an argument too many is refused, never ignored.
func TestFlagsAfterAnArgumentAreRead(t *testing.T) {
	dir := t.TempDir()

	t.Run("event", func(t *testing.T) {
		out, errOut, code := runIn(t, "event", "--uri", "/x", "origin-request", "--method", "POST")
		if code != 0 || !strings.Contains(out, `"method": "POST"`) || !strings.Contains(out, `"uri": "/x"`) {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		_, errOut, code = runIn(t, "event", "origin-request", "/x")
		if code != 2 || !strings.Contains(errOut, "one trigger, not 2 arguments (origin-request /x)") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})

	t.Run("invoke", func(t *testing.T) {
		hook := writeFile(t, dir, "h.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
		ev, _, _ := runIn(t, "event", "viewer-request")
		evPath := writeFile(t, dir, "e.json", ev)
		_, errOut, code := runIn(t, "invoke", "--event", evPath, hook, "--timeout", "0s")
		if code != 2 || !strings.Contains(errOut, "--timeout must be more than 0") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})

	t.Run("import", func(t *testing.T) {
		ex := filepath.Join("..", "..", "examples", "imported")
		cfg := filepath.Join(dir, "imported.yaml")
		out, errOut, code := runIn(t, "import", "--origin", "web-bucket=http://localhost:9101", filepath.Join(ex, "distribution.json"), "-o", cfg,
			"--origin", "api-east=http://localhost:9102", "--origin", "api-west=http://localhost:9103", "--policies", filepath.Join(ex, "policies.json"))
		if code != 0 || strings.Contains(out, "origins:") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		if _, err := os.Stat(cfg); err != nil {
			t.Fatalf("-o after the file was not followed: %v", err)
		}
	})

	t.Run("invalidate", func(t *testing.T) {
		var got []string
		admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct{ Paths []string }
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Error(err)
			}
			got = body.Paths
			w.Write([]byte(`{"removed": 3}`))
		}))
		defer admin.Close()
		out, errOut, code := runIn(t, "invalidate", "/a.html", "/img/*", "--admin", admin.URL)
		if code != 0 || !strings.Contains(out, "removed 3") || !slices.Equal(got, []string{"/a.html", "/img/*"}) {
			t.Fatalf("exit %d, paths sent %q\n%s\n%s", code, got, out, errOut)
		}
	})

	t.Run("flags-only commands refuse an argument, and say what it was meant for", func(t *testing.T) {
		cfg := writeFile(t, dir, "hookfront.yaml", "listen: 127.0.0.1:0\norigins: [{id: o, url: \"http://127.0.0.1:1\"}]\nbehaviors: [{path_pattern: \"*\", target: o}]\n")
		// serve and demo would run until stopped if they took the argument for nothing.
		for _, args := range [][]string{{"serve", "--admin", "off", cfg}, {"validate", cfg}, {"demo", "--listen", "127.0.0.1:0", "--admin", "off", cfg}} {
			want := `unexpected argument "` + cfg + `": this command takes flags only (did you mean --config ` + cfg + "?)"
			if args[0] == "demo" { // which has no --config
				want = `unexpected argument "` + cfg + `": this command takes flags only` + "\n"
			}
			r := runBackground(t, args...)
			select {
			case code := <-r.code:
				r.code <- code // for the cleanup's exit
				if errOut := r.err.String(); code != 2 || !strings.Contains(errOut, want) {
					t.Errorf("%s: exit %d\n%s", args[0], code, errOut)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("%s ran with an argument it ignored", args[0])
			}
		}
		_, errOut, code := runIn(t, "validate", dir)
		if code != 2 || !strings.Contains(errOut, "(did you mean --hooks "+dir+"?)") {
			t.Errorf("validate DIR: exit %d\n%s", code, errOut)
		}
	})

	t.Run("an unknown flag or a bad value is a usage error, exit 2", func(t *testing.T) {
		for _, args := range [][]string{{"serve", "--bogus"}, {"invoke", "h.js", "--timeout", "abc"}, {"test", "--jsn"}, {"validate", "--strict=maybe"}} {
			out, errOut, code := runIn(t, args...)
			if code != 2 || out != "" || !strings.Contains(errOut, "Usage of "+args[0]) {
				t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
			}
		}
	})
}
