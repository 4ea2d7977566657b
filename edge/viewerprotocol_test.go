package edge

import (
	"bufio"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// dualEdge serves one edge on a plain and a TLS (HTTP/2) listener, as `serve` with tls does;
// HTTPSPort is the TLS listener's. The client trusts the TLS listener's certificate and does not
// follow redirects.
func dualEdge(t *testing.T, d *Distribution, opt Options) (plain, secure string, client *http.Client) {
	t.Helper()
	tl := httptest.NewUnstartedServer(nil) // listening already: its port is known before it serves
	tl.EnableHTTP2 = true
	_, port, _ := net.SplitHostPort(tl.Listener.Addr().String())
	d.HTTPSPort, _ = strconv.Atoi(port)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := NewServer(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	tl.Config.Handler = s
	tl.Config.ConnContext = ConnContext // as hookfront's HTTPS listener (cmd/hookfront/tls.go)
	tl.StartTLS()
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); tl.Close(); d.Close() })
	client = tl.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return ts.URL, tl.URL, client
}

func sendWith(t *testing.T, c *http.Client, method, u string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestViewerProtocolPolicy(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok "+r.URL.RequestURI()) })
	redirect, only, all := behavior(t, "/secure/*", "o"), behavior(t, "/only/*", "o"), behavior(t, "*", "o")
	redirect.ViewerProtocolPolicy, only.ViewerProtocolPolicy, all.ViewerProtocolPolicy = ViewerRedirectToHTTPS, ViewerHTTPSOnly, ViewerAllowAll
	redirect.AllowedMethods = KnownMethods
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{redirect, only, all}}
	plain, secure, client := dualEdge(t, d, Options{})
	su, _ := url.Parse(secure)

	// GET and HEAD over HTTP: 301 to the same path and query on the HTTPS listener.
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		resp, _ := sendWith(t, client, m, plain+"/secure/a.html?x=1&y=2")
		want := "https://127.0.0.1:" + su.Port() + "/secure/a.html?x=1&y=2"
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want || resp.Header.Get("X-Cache") != "Redirect from hookfront" {
			t.Fatalf("%s over HTTP: %d, Location %q, x-cache %q; want 301 to %s", m, resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("X-Cache"), want)
		}
	}
	// Other methods: 307, so that the method and body are sent again.
	if resp, _ := sendWith(t, client, http.MethodPost, plain+"/secure/form"); resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("POST over HTTP: %d, want 307", resp.StatusCode)
	}
	// ... below HTTP/1.1: 403.
	if status := rawStatus(t, plain, "POST /secure/form HTTP/1.0\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n"); status != http.StatusForbidden {
		t.Fatalf("HTTP/1.0 POST over HTTP: %d, want 403", status)
	}
	// A GET over HTTP/1.0 is redirected, to the Host it named.
	if status := rawStatus(t, plain, "GET /secure/a HTTP/1.0\r\nHost: shop.example:8080\r\n\r\n"); status != http.StatusMovedPermanently {
		t.Fatalf("HTTP/1.0 GET over HTTP: %d, want 301", status)
	}
	// https-only: 403 over HTTP.
	if resp, body := sendWith(t, client, http.MethodGet, plain+"/only/x"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "HTTPS") {
		t.Fatalf("https-only over HTTP: %d %q, want 403", resp.StatusCode, body)
	}
	if n := o.hits.Load(); n != 0 {
		t.Fatalf("the origin got %d requests; redirected and refused requests never reach it", n)
	}
	// Over HTTPS every policy lets the request through, and allow-all serves HTTP too.
	for _, u := range []string{secure + "/secure/a.html?x=1", secure + "/only/x", secure + "/any", plain + "/any"} {
		if resp, body := sendWith(t, client, http.MethodGet, u); resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "ok ") {
			t.Fatalf("GET %s: %d %q, want 200 from the origin", u, resp.StatusCode, body)
		}
	}
}

// rawStatus sends a request as written (an HTTP/1.0 one, which net/http's client cannot) and
// returns the status.
func rawStatus(t *testing.T, base, request string) int {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHTTPSViewersGetHTTP2AndTheirTLSHeaders(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	b := behavior(t, "*", "o")
	b.CachePolicy = ManagedCachePolicy("CachingDisabled")
	b.OriginRequestPolicy = &OriginRequestPolicy{Headers: NameFilter{Behavior: FilterWhitelist,
		Items: []string{"CloudFront-Forwarded-Proto", "CloudFront-Viewer-TLS", "CloudFront-Viewer-Http-Version"}}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	plain, secure, client := dualEdge(t, d, Options{})

	resp, _ := sendWith(t, client, http.MethodGet, secure+"/x")
	if resp.ProtoMajor != 2 || resp.TLS == nil || resp.TLS.NegotiatedProtocol != "h2" {
		t.Fatalf("over TLS: %s, ALPN %v; want HTTP/2 negotiated as h2", resp.Proto, resp.TLS)
	}
	h := o.last().Header
	if h.Get("CloudFront-Forwarded-Proto") != "https" || h.Get("CloudFront-Viewer-Http-Version") != "2.0" {
		t.Fatalf("origin got Forwarded-Proto %q, Http-Version %q; want https, 2.0", h.Get("CloudFront-Forwarded-Proto"), h.Get("CloudFront-Viewer-Http-Version"))
	}
	version := map[uint16]string{tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}[resp.TLS.Version]
	if v := h.Get("CloudFront-Viewer-TLS"); !strings.HasPrefix(v, version+":") || !strings.HasSuffix(v, ":fullHandshake") {
		t.Fatalf("CloudFront-Viewer-TLS = %q, want %s:cipher:fullHandshake", v, version)
	}

	sendWith(t, client, http.MethodGet, plain+"/x")
	h = o.last().Header
	if h.Get("CloudFront-Forwarded-Proto") != "http" || h.Get("CloudFront-Viewer-TLS") != "" {
		t.Fatalf("over HTTP: Forwarded-Proto %q, Viewer-TLS %q; want http and none", h.Get("CloudFront-Forwarded-Proto"), h.Get("CloudFront-Viewer-TLS"))
	}
}

// A second request on a viewer's TLS connection reports connectionReused in CloudFront-Viewer-TLS,
// over HTTP/2 and over a kept-alive HTTP/1.1 connection, as CloudFront documents the header; a
// new connection reports its handshake again. Before, every request said fullHandshake.
func TestViewerTLSSaysConnectionReused(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	b := behavior(t, "*", "o")
	b.CachePolicy = ManagedCachePolicy("CachingDisabled")
	b.OriginRequestPolicy = &OriginRequestPolicy{Headers: NameFilter{Behavior: FilterWhitelist, Items: []string{"CloudFront-Viewer-TLS"}}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	_, secure, h2 := dualEdge(t, d, Options{})
	tr := h2.Transport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2, tr.TLSClientConfig.NextProtos = false, []string{"http/1.1"}
	h1 := &http.Client{Transport: tr}
	for _, c := range []struct {
		name   string
		client *http.Client
	}{{"HTTP/2.0", h2}, {"HTTP/1.1", h1}} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for range 3 {
				resp, _ := sendWith(t, c.client, http.MethodGet, secure+"/x")
				if resp.Proto != c.name {
					t.Fatalf("spoke %s", resp.Proto)
				}
				v := o.last().Header.Get("CloudFront-Viewer-TLS")
				got = append(got, v[strings.LastIndexByte(v, ':')+1:])
			}
			c.client.CloseIdleConnections()
			resp, _ := sendWith(t, c.client, http.MethodGet, secure+"/x")
			v := o.last().Header.Get("CloudFront-Viewer-TLS")
			got = append(got, v[strings.LastIndexByte(v, ':')+1:])
			// The new connection may resume the session (the client keeps a session cache).
			if resp.TLS.DidResume {
				got[3] += "(resumed)"
			}
			want := "fullHandshake connectionReused connectionReused "
			if g := strings.Join(got, " "); g != want+"fullHandshake" && g != want+"sessionResumed(resumed)" {
				t.Fatalf("handshakes %q", g)
			}
		})
	}
}
