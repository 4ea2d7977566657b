package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// watchers counts, in this process, the goroutines running hooks.Watch and the inotify
// instances open (one per watch that is not polling only).
func watchers(t *testing.T) (goroutines, inotify int) {
	t.Helper()
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	goroutines = strings.Count(string(buf), "github.com/hookfront/hookfront/hooks.Watch(")
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == "anon_inode:inotify" {
			inotify++
		}
	}
	return goroutines, inotify
}

// waitWatchers waits (bounded) until this process runs g watch goroutines and n inotify
// instances: a stopped watch ends a moment after its context.
func waitWatchers(t *testing.T, what string, g, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		gotG, gotN := watchers(t)
		if gotG == g && gotN == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d watch goroutines and %d inotify instances, want %d and %d", what, gotG, gotN, g, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var configReloaded = regexp.MustCompile(`msg="config reloaded"`)

// reloadN rewrites the config n times, each time changing what rebuilds the hooks registry (and
// with it the watchers of the hooks folder and of the stores), and waits for each reload.
func reloadN(t *testing.T, r *running, cfg, text string, n int) {
	t.Helper()
	base := len(configReloaded.FindAllString(r.err.String(), -1))
	for i := range n {
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf(text, 2+i%2)), 0o644); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for len(configReloaded.FindAllString(r.err.String(), -1)) < base+i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("reload %d not seen within 15s:\n%s", i+1, r.err.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// leakConfig is a config with a hooks folder and a key value store outside it: three watches
// (config, hooks folder, store folder). %d is the viewer hook timeout in seconds.
func leakConfig(t *testing.T, origin string) (dir, cfg, text string) {
	dir = t.TempDir()
	writeFile(t, dir, "hooks/vr.js", `exports.handler = async (e) => e.Records[0].cf.request;`)
	writeFile(t, dir, "hooks/f.js", "async function handler(event) { return event.request; }\n")
	writeFile(t, dir, "stores/s.json", `{"data": []}`)
	text = `hooks_dir: hooks
hook_timeouts: {viewer: %ds}
watch: {debounce: 10ms}
origins: [{id: o, url: "` + origin + `"}]
key_value_stores: [{name: s, file: stores/s.json}]
behaviors:
  - {path_pattern: /f/*, target: o, functions: {viewer-request: {file: f.js, key_value_store: s}}}
  - {path_pattern: "*", target: o, hooks: {viewer-request: vr.js}}
`
	cfg = writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(text, 1))
	return dir, cfg, text
}

// TestConfigReloadsLeakNoWatchers: each config reload that rebuilds the hooks registry stops the
// watchers of the registry it retires, so that after many reloads the process runs as many
// watch goroutines and inotify instances as after the first start.
func TestConfigReloadsLeakNoWatchers(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer o.Close()
	_, cfg, text := leakConfig(t, o.URL)
	g0, n0 := watchers(t)
	r := runBackground(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--admin", "off")
	r.err.wait(t, "msg=listening")
	waitWatchers(t, "after start", g0+3, n0+3)
	reloadN(t, r, cfg, text, 20)
	waitWatchers(t, "after 20 config reloads", g0+3, n0+3)
	if code := r.exit(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.err.String())
	}
	waitWatchers(t, "after the edge stopped", g0, n0)
}

// TestPollSurvivesAConfigReload: --poll is for filesystems without events (and for hosts out of
// inotify instances): the watchers a config reload starts poll too, as the flags said, instead
// of falling back to the file's watch settings.
func TestPollSurvivesAConfigReload(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer o.Close()
	_, cfg, text := leakConfig(t, o.URL)
	g0, n0 := watchers(t)
	r := runBackground(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--admin", "off", "--poll", "--poll-interval", "20ms")
	r.err.wait(t, "msg=listening")
	waitWatchers(t, "after start with --poll", g0+3, n0)
	reloadN(t, r, cfg, text, 2)
	waitWatchers(t, "after config reloads with --poll", g0+3, n0)
	if code := r.exit(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.err.String())
	}
}
