package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromium finds Debian's headless-capable Chromium; a missing browser fails the test with how
// to install it (never a skip that passes).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed; the inspector is tested in a real browser. Install it with:\n" +
		"  apt-get update && apt-get install -y --no-install-recommends chromium\n(.ci/run does this when it is missing)")
	return ""
}

// The inspector in real Chromium: rows arrive live, a click shows the trace with the hook's
// change highlighted, a broken hook raises the banner and the fix clears it, and the page
// writes nothing to the console on the way.
func TestInspectorInChromium(t *testing.T) {
	browser := chromium(t)
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/flaky/") {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprintln(w, "primary", r.URL.Path)
	}))
	defer primary.Close()
	secondary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprintln(w, "secondary", r.URL.Path)
	}))
	defer secondary.Close()
	dir := t.TempDir()
	hook := `exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  console.log('viewer-request for ' + request.uri);
  request.headers['x-inspected'] = [{key: 'X-Inspected', value: 'by viewer-request.js'}];
  return request;
};
`
	writeFile(t, dir, "viewer-request.js", hook)
	writeFile(t, dir, "origin-response.js", `exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers['x-origin-status'] = [{key: 'X-Origin-Status', value: response.status}];
  return response;
};
`)
	writeFile(t, dir, "lib/format.js", "exports.format = (s) => s.trim();\n") // bound to nothing
	p, admin := startWithAdmin(t, "serve", "--origin", primary.URL, "--secondary", secondary.URL, "--hooks", dir, "--listen", "127.0.0.1:0")
	edgeURL := "http://" + p.addr

	// A test-wide bound: the browser goes when it ends.
	bctx, cancelAll := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancelAll()
	actx, cancelAlloc := chromedp.NewExecAllocator(bctx,
		chromedp.ExecPath(browser),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1600, 900))
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	// Everything the page writes to the console (calls, uncaught exceptions, the browser's own
	// log, such as a failed resource) is collected; a warning or an error fails the test.
	var mu sync.Mutex
	var consoleErrors []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				mu.Lock()
				consoleErrors = append(consoleErrors, m.String())
				mu.Unlock()
			}
		}
	}()
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v\nhookfront log:\n%s", what, err, p.logs())
		}
	}
	eval := func(what, js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	poll := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
			t.Fatalf("waiting for %s: %v\nhookfront log:\n%s", what, err, p.logs())
		}
	}

	do("opening the inspector", chromedp.Navigate(admin+"/"))
	poll("the live stream", `document.getElementById('live').textContent === 'live'`)

	// The hooks panel: the serving generation, each behavior's bindings, and the other files.
	poll("the hooks panel", `document.querySelectorAll('#hooks-body .behavior .binding').length === 2`)
	if bindings := eval("the bindings", `[...document.querySelectorAll('#hooks-body .behavior')].map(b => b.querySelector('b').textContent + ': ' +
		[...b.querySelectorAll('.binding')].map(x => x.textContent).join(', ')).join('\n')`); bindings != "*: viewer-request → viewer-request.js, origin-response → origin-response.js" {
		t.Fatalf("the hooks panel shows %q", bindings)
	}
	if other := eval("the other files", `document.querySelector('#hooks-body > .binding').textContent`); other != "lib/format.js" {
		t.Fatalf("the hooks panel's other files: %q", other)
	}
	if gen := eval("the generation", `document.getElementById('generation').textContent`); gen != "hooks generation 1" {
		t.Fatalf("the hooks panel's generation: %q", gen)
	}

	ids := map[string]string{}
	for _, path := range []string{"/hello", "/hello", "/flaky/page", "/about?lang=en"} {
		resp, _ := fetch(t, "GET", edgeURL+path)
		ids[path] = resp.Header.Get("X-Hookfront-Request-Id")
	}
	poll("four rows", `document.querySelectorAll('#requests tbody tr').length === 4`)
	if first := eval("the oldest row", `document.querySelector('#requests tbody tr:last-child td.path').textContent`); first != "/hello" {
		t.Fatalf("oldest row shows %q", first)
	}

	// The failover request: its trace, with the hook's added header highlighted in the result.
	do("clicking a row", chromedp.Click(chromedp.CSS(`#requests tbody tr[data-id="`+ids["/flaky/page"]+`"]`)))
	poll("the trace", `document.querySelectorAll('#detail .step').length >= 6`)
	changed := eval("the changes", `[...document.querySelectorAll('#detail .json .ln.changed')].map(e => e.textContent).join('\n')`)
	steps := eval("the timeline", `[...document.querySelectorAll('#detail .step .head')].map(e => e.textContent).join('\n')`)
	if !strings.Contains(changed, `"x-inspected"`) || !strings.Contains(changed, `"by viewer-request.js"`) {
		t.Fatalf("the hook's header is not shown as changed:\n%s", changed)
	}
	for _, want := range []string{"viewer-request viewer-request.js", "origin primary GET", "503", "origin secondary GET", "origin-response origin-response.js", "cache stored"} {
		if !strings.Contains(steps, want) {
			t.Fatalf("the timeline lacks %q:\n%s", want, steps)
		}
	}
	if failover := eval("the failover reason", `document.querySelector('#detail .step.attempt .why').textContent`); !strings.Contains(failover, "status 503") {
		t.Fatalf("failover reason: %q", failover)
	}

	// The filter box.
	do("filtering", chromedp.SendKeys(chromedp.ID("filter"), "flaky"))
	poll("the filter", `[...document.querySelectorAll('#requests tbody tr')].filter(r => !r.hidden).length === 1`)
	do("clearing the filter", chromedp.Click(chromedp.ID("filter")), chromedp.KeyEvent(strings.Repeat(kb.Backspace, 5)))
	poll("the filter cleared", `[...document.querySelectorAll('#requests tbody tr')].filter(r => !r.hidden).length === 4`)

	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	keepArtifact(t, "inspector.png", shot)
	if dst := os.Getenv("HOOKFRONT_SCREENSHOT"); dst != "" { // how docs/inspector.png is made
		if err := os.WriteFile(dst, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A broken save raises the banner with file:line:column; the fix clears it.
	writeFile(t, dir, "viewer-request.js", "exports.handler = async (event) => {\n  return event.Records[0].cf.request.;\n};\n")
	poll("the banner", `!document.getElementById('banner').hidden && document.getElementById('banner').textContent.includes('viewer-request.js:2:')`)
	if banner := eval("the banner", `document.getElementById('banner').textContent`); !strings.Contains(banner, "SyntaxError") || !strings.Contains(banner, "keeps serving") {
		t.Fatalf("banner: %q", banner)
	}
	writeFile(t, dir, "viewer-request.js", hook+"// fixed\n")
	poll("the banner to clear", `document.getElementById('banner').hidden`)
	poll("the panel to show the fixed generation", `document.getElementById('generation').textContent === 'hooks generation 2'`)

	mu.Lock()
	errs := consoleErrors
	mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("the inspector wrote to the console:\n%s", strings.Join(errs, "\n"))
	}
	cancelBrowser()
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
