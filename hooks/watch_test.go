package hooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// watched is a world whose hooks folder is watched for real.
type watched struct {
	*world
	rescans  atomic.Int64
	failures atomic.Int64
}

func hookSrc(v string) string {
	return `exports.handler = async (e) => ({status: '200', body: '` + v + `'});`
}

// watchWorld starts a world and watches dir (or the world's folder) with real fsnotify events.
func watchWorld(t *testing.T, s setup, dir string, bind BindFunc, debounce time.Duration) *watched {
	t.Helper()
	ww := &watched{world: newWorld(t, s)}
	if dir == "" {
		dir = ww.dir
	}
	if bind != nil {
		ww.reg.bind = bind
	}
	ww.dir = dir
	reload := func() {
		ww.rescans.Add(1)
		src, err := ReadDir(dir)
		if err != nil {
			ww.failures.Add(1)
			return
		}
		if _, err := ww.reg.Load(context.Background(), src); err != nil {
			ww.failures.Add(1)
		}
	}
	reload()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = Watch(ctx, dir, WatchOptions{Debounce: debounce, Poll: time.Hour}, reload)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ww
}

// eventually polls the edge until path answers want (bounded).
func (w *watched) eventually(path, want string) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := w.get(path)
		if r.body == want {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s still answers %q (%d), want %q; last load error: %v", path, r.body, r.status, want, w.reg.LastError())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func vr(file string) setup {
	return setup{files: map[string]string{file: hookSrc("v1")}, bind: map[event.Trigger]string{event.ViewerRequest: file}}
}

func TestReloadOnEditorSaves(t *testing.T) {
	w := watchWorld(t, vr("h.js"), "", nil, 50*time.Millisecond)
	w.eventually("/", "v1")
	p := filepath.Join(w.dir, "h.js")

	// vim / VS Code style: write a temporary file, rename it over the hook.
	writeHook(t, w.dir, ".h.js.swp", hookSrc("v2"))
	if err := os.Rename(filepath.Join(w.dir, ".h.js.swp"), p); err != nil {
		t.Fatal(err)
	}
	w.eventually("/", "v2")

	// In place: truncate and write.
	if err := os.WriteFile(p, []byte(hookSrc("v3")), 0o644); err != nil {
		t.Fatal(err)
	}
	w.eventually("/", "v3")

	// JetBrains safe write: write tmp, move the original to a backup, move tmp in, drop the backup.
	writeHook(t, w.dir, "h.js___jb_tmp___", hookSrc("v4"))
	must(t, os.Rename(p, p+"___jb_old___"))
	must(t, os.Rename(p+"___jb_tmp___", p))
	must(t, os.Remove(p+"___jb_old___"))
	w.eventually("/", "v4")

	// A syntax error keeps v4 serving, its fix is live.
	writeHook(t, w.dir, "h.js", "exports.handler = async (e) => {")
	deadline := time.Now().Add(10 * time.Second)
	for w.reg.LastError() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := w.reg.LastError(); err == nil || !strings.Contains(err.Error(), "h.js:1:") {
		t.Fatalf("load error %v", err)
	}
	w.eventually("/", "v4")
	writeHook(t, w.dir, "h.js", hookSrc("v5"))
	w.eventually("/", "v5")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestBurstOfWritesIsOneReload(t *testing.T) {
	w := watchWorld(t, vr("h.js"), "", nil, 300*time.Millisecond)
	w.eventually("/", "v1")
	for i := 0; i < 50; i++ {
		writeHook(t, w.dir, "h.js", hookSrc(fmt.Sprintf("burst%d", i)))
	}
	w.eventually("/", "burst49")
	if g := w.reg.Current().ID; g != 2 {
		t.Fatalf("50 quick writes made %d generations, want 1 reload (generation 2)", g-1)
	}
}

func TestZeroConfigAddAndDelete(t *testing.T) {
	w := watchWorld(t, setup{files: map[string]string{}}, "", ByTriggerName("*"), 50*time.Millisecond)
	w.eventually("/x", "origin0 /x?")
	writeHook(t, w.dir, "viewer-request.js", hookSrc("added"))
	w.eventually("/x", "added")
	must(t, os.Remove(filepath.Join(w.dir, "viewer-request.js")))
	w.eventually("/y", "origin0 /y?") // the trigger is unbound again
}

// A file written after the first load and before Watch has its watches in place sends no event
// Watch can see; without a rescan once the watches are in place it waited for the poll (5 s in
// the product, an hour here). This was why TestZeroConfigAddAndDelete failed now and then.
func TestWriteBeforeTheWatchIsInPlaceIsSeen(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{}})
	w.reg.bind = ByTriggerName("*")
	if _, err := w.load(); err != nil {
		t.Fatal(err)
	}
	writeHook(t, w.dir, "viewer-request.js", hookSrc("early"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = Watch(ctx, w.dir, WatchOptions{Debounce: 10 * time.Millisecond, Poll: time.Hour}, func() { _, _ = w.load() })
	}()
	defer func() { cancel(); <-done }()
	(&watched{world: w}).eventually("/x", "early")
}

func TestDeletedBoundFileKeepsLastGood(t *testing.T) {
	w := watchWorld(t, vr("h.js"), "", nil, 50*time.Millisecond)
	w.eventually("/", "v1")
	must(t, os.Remove(filepath.Join(w.dir, "h.js")))
	deadline := time.Now().Add(10 * time.Second)
	for w.failures.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := w.reg.LastError(); err == nil || !strings.Contains(err.Error(), "h.js: hook file not found") {
		t.Fatalf("load error %v", err)
	}
	w.eventually("/", "v1")
}

func TestFolderDeletedAndRecreated(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "hooks")
	writeHook(t, dir, "h.js", hookSrc("v1"))
	w := watchWorld(t, setup{bind: map[event.Trigger]string{event.ViewerRequest: "h.js"}, files: map[string]string{"h.js": hookSrc("v0")}}, dir, nil, 50*time.Millisecond)
	w.eventually("/", "v1")
	must(t, os.RemoveAll(dir))
	writeHook(t, dir, "h.js", hookSrc("v2"))
	w.eventually("/", "v2")
	writeHook(t, dir, "h.js", hookSrc("v3")) // the new folder is watched too
	w.eventually("/", "v3")
}

func TestKubernetesConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	// The kubelet's layout: files are links into ..data, which links to a timestamped folder.
	mkVersion := func(name, body string) {
		writeHook(t, dir, filepath.Join(name, "h.js"), body)
	}
	mkVersion("..2026_11_21_00_00_00.1", hookSrc("cm1"))
	must(t, os.Symlink("..2026_11_21_00_00_00.1", filepath.Join(dir, "..data")))
	must(t, os.Symlink(filepath.Join("..data", "h.js"), filepath.Join(dir, "h.js")))
	w := watchWorld(t, setup{bind: map[event.Trigger]string{event.ViewerRequest: "h.js"}, files: map[string]string{"h.js": hookSrc("x")}}, dir, nil, 50*time.Millisecond)
	w.eventually("/", "cm1")
	// An update: a new folder, a ..data_tmp link renamed over ..data, the old folder removed.
	mkVersion("..2026_11_21_00_01_00.2", hookSrc("cm2"))
	must(t, os.Symlink("..2026_11_21_00_01_00.2", filepath.Join(dir, "..data_tmp")))
	must(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
	must(t, os.RemoveAll(filepath.Join(dir, "..2026_11_21_00_00_00.1")))
	w.eventually("/", "cm2")
}

func TestPollOnlyNoticesChanges(t *testing.T) {
	w := newWorld(t, vr("h.js"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = Watch(ctx, w.dir, WatchOptions{PollOnly: true, Poll: 20 * time.Millisecond}, func() { _, _ = w.load() })
	}()
	defer func() { cancel(); <-done }()
	writeHook(t, w.dir, "h.js", hookSrc("polled"))
	ww := &watched{world: w}
	ww.eventually("/", "polled")
}

// versioned has two handlers stamping one version: a request that mixed generations would show
// two different versions.
func versioned(v int) string {
	return fmt.Sprintf(`const V = 'v%d';
exports.vreq = async (e) => { const r = e.Records[0].cf.request; r.headers['x-v'] = [{value: V}]; return r; };
exports.vres = async (e) => { const c = e.Records[0].cf; c.response.headers['x-mix'] = [{value: c.request.headers['x-v'][0].value + '/' + V}]; return c.response; };`, v)
}

func TestReloadsUnderLoadNeverFailOrMix(t *testing.T) {
	s := setup{files: map[string]string{"v.js": versioned(0)}}
	bind := Static(Bindings{"*": {event.ViewerRequest: {File: "v.js", Handler: "vreq"}, event.ViewerResponse: {File: "v.js", Handler: "vres"}}})
	w := watchWorld(t, s, "", bind, 5*time.Millisecond)
	w.eventually("/", "origin0 /?")

	stop := make(chan struct{})
	var failed, mixed, served atomic.Int64
	seen := make([]atomic.Int64, 2)
	done := make(chan struct{})
	for c := 0; c < 2; c++ {
		go func() {
			defer func() { done <- struct{}{} }()
			deadline := time.Now().Add(120 * time.Second)
			for i := 0; time.Now().Before(deadline); i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := w.get(fmt.Sprintf("/p%d", i%50), "Cache-Control", "no-cache")
				served.Add(1)
				parts := strings.Split(r.header.Get("X-Mix"), "/")
				switch {
				case r.status != 200:
					failed.Add(1)
				case len(parts) != 2 || parts[0] != parts[1]:
					mixed.Add(1)
				default:
					seen[int(parts[0][1]-'0')%2].Add(1)
				}
			}
		}()
	}
	const reloads = 200
	base := w.reg.Current().ID
	for i := 1; i <= reloads; i++ {
		writeHook(t, w.dir, "v.js", versioned(i%2))
		// Wait for this version's generation before the next save (bounded).
		deadline := time.Now().Add(10 * time.Second)
		for w.reg.Current().ID < base+int64(i) {
			if time.Now().After(deadline) {
				t.Fatalf("reload %d did not happen", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	close(stop)
	<-done
	<-done
	t.Logf("%d reloads under load: %d responses, %d failed, %d mixed, v0 %d, v1 %d", reloads, served.Load(), failed.Load(), mixed.Load(), seen[0].Load(), seen[1].Load())
	if failed.Load() != 0 || mixed.Load() != 0 || seen[0].Load() == 0 || seen[1].Load() == 0 {
		t.Fatalf("failed %d, mixed %d, v0 %d, v1 %d", failed.Load(), mixed.Load(), seen[0].Load(), seen[1].Load())
	}
}

func TestBrokenReloadsUnderLoadNeverFail(t *testing.T) {
	w := watchWorld(t, vr("h.js"), "", nil, 5*time.Millisecond)
	w.eventually("/", "v1")
	stop := make(chan struct{})
	var failed, served atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		deadline := time.Now().Add(120 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-stop:
				return
			default:
			}
			if r := w.get("/"); r.body != "v1" {
				failed.Add(1)
			}
			served.Add(1)
		}
	}()
	const reloads = 200
	for i := 1; i <= reloads; i++ {
		writeHook(t, w.dir, "h.js", fmt.Sprintf("exports.handler = async (e) => { broken %d", i))
		deadline := time.Now().Add(10 * time.Second)
		for w.failures.Load() < int64(i) {
			if time.Now().After(deadline) {
				t.Fatalf("broken save %d was not picked up", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	close(stop)
	<-done
	t.Logf("%d broken saves under load: %d responses, %d failed", reloads, served.Load(), failed.Load())
	if failed.Load() != 0 || w.reg.Current().ID != 1 {
		t.Fatalf("failed %d, generation %d", failed.Load(), w.reg.Current().ID)
	}
}

func TestBindingErrorIsReportedOnce(t *testing.T) {
	w := newWorld(t, setup{})
	w.reg.bind = ByTriggerName("*")
	writeHook(t, w.dir, "viewer-request.js", hookSrc("a"))
	writeHook(t, w.dir, "viewer-request.ts", hookSrc("b"))
	first, err := w.load()
	if err == nil || !strings.Contains(err.Error(), "keep one") || first.Repeated {
		t.Fatalf("%+v %v", first, err)
	}
	again, err := w.load()
	if err == nil || !again.Repeated {
		t.Fatalf("the same broken folder was not marked as already reported: %+v %v", again, err)
	}
}
