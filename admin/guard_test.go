package admin

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// serveAdmin serves an admin handler with an invalidation counter on 127.0.0.1:0, with the
// given token, and returns its address and how many invalidations ran.
func serveAdmin(t *testing.T, token string) (string, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := New(Options{Token: token, Log: quiet, Invalidate: func(paths []string) (int, error) {
		calls.Add(1)
		return len(paths), nil
	}})
	srv.HandlePublic("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go Serve(ctx, l, srv, quiet)
	return l.Addr().String(), &calls
}

// send makes one request to the admin listener at addr; host, when set, is the Host header.
func send(t *testing.T, method, addr, path, host, body string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCrossSiteWritesAreRefused: a web page cannot make a browser change the edge through the
// admin listener. Without a token any page can send a "simple" POST (text/plain needs no
// preflight); with a token the cookie of /?token= goes along with requests from any page of the
// same site — and every port of 127.0.0.1 is the same site, the edge's own viewer listener
// (which serves whatever the origins serve) included. SameSite=Strict does not stop those.
func TestCrossSiteWritesAreRefused(t *testing.T) {
	const inv = `{"paths": ["/*"]}`
	for _, token := range []string{"", "s3cret"} {
		addr, calls := serveAdmin(t, token)
		var cred []string
		if token != "" {
			status, _ := send(t, "GET", addr, "/?token="+token, "", "")
			if status != http.StatusSeeOther {
				t.Fatalf("token link: %d", status)
			}
			cred = []string{"Cookie", tokenCookie + "=" + token}
		}
		for _, c := range []struct {
			name string
			hdr  []string
		}{
			{"another site", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "Content-Type", "text/plain"}},
			{"the same site, another port", []string{"Origin", "http://127.0.0.1:8080", "Sec-Fetch-Site", "same-site", "Content-Type", "text/plain"}},
			{"an older browser, Origin only", []string{"Origin", "http://127.0.0.1:8080", "Content-Type", "text/plain"}},
		} {
			status, body := send(t, "POST", addr, "/api/invalidations", "", inv, append(c.hdr, cred...)...)
			if status != http.StatusForbidden || !strings.Contains(body, `"error"`) {
				t.Errorf("token %q, POST from %s: %d %s, want 403", token, c.name, status, body)
			}
		}
		if n := calls.Load(); n != 0 {
			t.Fatalf("token %q: %d cross-site invalidations ran", token, n)
		}
		// The inspector's own page, and a client that is no browser (hookfront invalidate), may.
		if status, body := send(t, "POST", addr, "/api/invalidations", "", inv,
			append([]string{"Origin", "http://" + addr, "Sec-Fetch-Site", "same-origin"}, cred...)...); status != 200 {
			t.Fatalf("token %q, same-origin POST: %d %s", token, status, body)
		}
		if token != "" {
			cred = []string{"Authorization", "Bearer " + token}
		}
		if status, body := send(t, "POST", addr, "/api/invalidations", "", inv, cred...); status != 200 {
			t.Fatalf("token %q, POST without Origin: %d %s", token, status, body)
		}
		if n := calls.Load(); n != 2 {
			t.Fatalf("token %q: %d invalidations ran, want 2", token, n)
		}
	}
}

// TestWithoutATokenOnlyLoopbackNamesAreAnswered: without a token the admin listener is on
// loopback, but a web page can still reach it by DNS rebinding (a name of its own that resolves
// to 127.0.0.1 a moment later), and then read every request's headers as a same-origin page.
// The Host of such a request is the page's name, so only loopback names are answered; with a
// token, rebinding gains nothing (no cookie, no header) and any name is answered.
func TestWithoutATokenOnlyLoopbackNamesAreAnswered(t *testing.T) {
	addr, _ := serveAdmin(t, "")
	_, port, _ := net.SplitHostPort(addr)
	for _, host := range []string{"", "127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "localhost", "127.0.0.1"} {
		if status, body := send(t, "GET", addr, "/api/hooks", host, ""); status != 200 {
			t.Errorf("Host %q: %d %s, want 200", host, status, body)
		}
	}
	for _, host := range []string{"rebind.evil.example:" + port, "evil.example", "10.0.0.1:" + port, "localhost.evil.example:" + port} {
		status, body := send(t, "GET", addr, "/api/requests", host, "")
		if status != http.StatusForbidden || !strings.Contains(body, "admin.token") {
			t.Errorf("Host %q: %d %s, want 403 naming admin.token", host, status, body)
		}
	}
	// Probes answer whatever the name: they tell nothing.
	if status, _ := send(t, "GET", addr, "/healthz", "pod-ip.internal:"+port, ""); status != 200 {
		t.Errorf("/healthz by another name: %d", status)
	}

	tokAddr, _ := serveAdmin(t, "s3cret")
	if status, body := send(t, "GET", tokAddr, "/api/hooks", "edge-1.example.internal:9901", "", "Authorization", "Bearer s3cret"); status != 200 {
		t.Errorf("with a token, another name: %d %s", status, body)
	}
}
