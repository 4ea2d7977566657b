package examples_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/cmd/hookfront/importer"
)

// TestImportedExampleIsWhatImportWrites holds examples/imported/hookfront.yaml to what the
// import makes of distribution.json today, with the command its header names.
func TestImportedExampleIsWhatImportWrites(t *testing.T) {
	data, err := os.ReadFile("imported/distribution.json")
	if err != nil {
		t.Fatal(err)
	}
	policies, err := os.ReadFile("imported/policies.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.Import(data, importer.Options{
		Source:    "distribution.json",
		Command:   "hookfront import distribution.json -o hookfront.yaml --policies policies.json --origin web-bucket=http://127.0.0.1:9101 --origin api-east=http://127.0.0.1:9102 --origin api-west=http://127.0.0.1:9103 --function api-auth=api-auth.js",
		Origins:   map[string]string{"web-bucket": "http://127.0.0.1:9101", "api-east": "http://127.0.0.1:9102", "api-west": "http://127.0.0.1:9103"},
		Functions: map[string]string{"api-auth": "api-auth.js"},
		Policies:  []importer.PolicyFile{{Name: "policies.json", Data: policies}},
	})
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("imported/hookfront.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Config, committed) {
		t.Errorf("imported/hookfront.yaml is not what the import writes now; run the command in its header again.\nimport writes:\n%s", res.Config)
	}
	if len(res.Unmapped) != 8 || len(res.Stubs) != 1 || res.Stubs[0].File != "add-trace-id.js" {
		t.Errorf("%d unmapped fields, stubs %v", len(res.Unmapped), res.Stubs)
	}
}

// shopOrigin is one of the example's origins: it records what it received and answers by path.
type shopOrigin struct {
	*httptest.Server
	mu   sync.Mutex
	last *http.Request
	down map[string]bool // paths answered with 503
}

func newShopOrigin(t *testing.T, name string, down ...string) *shopOrigin {
	o := &shopOrigin{down: map[string]bool{}}
	for _, d := range down {
		o.down[d] = true
	}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.last = r.Clone(r.Context())
		o.mu.Unlock()
		w.Header().Set("Server", "nginx")
		switch {
		case o.down[r.URL.Path]:
			w.WriteHeader(http.StatusServiceUnavailable)
		case name == "web" && r.URL.Path == "/index.html":
			fmt.Fprint(w, "storefront")
		case name == "web" && strings.HasPrefix(r.URL.Path, "/errors/"):
			fmt.Fprint(w, "page "+r.URL.Path)
		case name == "web" && strings.HasPrefix(r.URL.Path, "/assets/"):
			w.Header().Set("Cache-Control", "max-age=3600")
			fmt.Fprint(w, "asset")
		case name == "web":
			w.WriteHeader(http.StatusNotFound)
		default:
			w.Header().Set("Cache-Control", "max-age=60")
			fmt.Fprintf(w, "%s %s", name, r.URL.Path)
		}
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *shopOrigin) saw() *http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.last
	o.last = nil
	return r
}

func shopGet(t *testing.T, method, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	// The imported behaviors send HTTP viewers to HTTPS: the example is served over TLS, whose
	// test certificate is not one to check.
	resp, err := (&http.Transport{DisableCompression: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestImportedExampleServes runs the imported config in front of three local origins and checks
// what CloudFront would do with the distribution: what reaches each origin, the cache key,
// failover, error responses, the response headers policies and the default root object.
func TestImportedExampleServes(t *testing.T) {
	web, east, west := newShopOrigin(t, "web"), newShopOrigin(t, "east", "/v1/api/flaky", "/v1/api/down"), newShopOrigin(t, "west", "/v1/api/down")
	// As `serve` with a tls section: the HTTPS listener, and the plain one beside it.
	secure := httptest.NewUnstartedServer(nil)
	srv := exampleServer(t, "imported/hookfront.yaml", func(c *config.Config) { c.TLS = &config.TLS{Listen: secure.Listener.Addr().String()} },
		web.URL, east.URL+"/v1", west.URL+"/v1")
	secure.Config.Handler = srv
	secure.StartTLS()
	t.Cleanup(secure.Close)
	plain := httptest.NewServer(srv)
	t.Cleanup(plain.Close)
	base := secure.URL

	t.Run("viewer protocol policies", func(t *testing.T) {
		resp, _ := shopGet(t, "GET", plain.URL+"/assets/app.js?v=2")
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != base+"/assets/app.js?v=2" {
			t.Errorf("redirect-to-https over HTTP: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := shopGet(t, "GET", plain.URL+"/api/orders"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("https-only over HTTP: %d, want 403", resp.StatusCode)
		}
	})

	t.Run("root object and storefront headers", func(t *testing.T) {
		resp, body := shopGet(t, "GET", base+"/")
		if body != "storefront" || web.saw().URL.Path != "/index.html" {
			t.Fatalf("GET / = %q", body)
		}
		for h, want := range map[string]string{"X-Frame-Options": "DENY", "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
			"Permissions-Policy": "camera=(), microphone=()", "Server": "hookfront", "X-Trace-Id": resp.Header.Get("X-Hookfront-Request-Id")} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
	})

	t.Run("api forwarding", func(t *testing.T) {
		resp, body := shopGet(t, "GET", base+"/api/orders?id=7&utm_source=mail", "Authorization", "Bearer alice", "Cookie", "cart=3",
			"Origin", "https://m.example-shop.com", "Accept-Encoding", "gzip, deflate, br", "X-Shop-User", "mallory", "Accept", "application/json")
		if body != "east /v1/api/orders" {
			t.Fatalf("body %q", body)
		}
		in := east.saw()
		for h, want := range map[string]string{"Authorization": "Bearer alice", "Cookie": "cart=3", "X-Shop-User": "alice", "Accept": "application/json",
			"Accept-Encoding": "br,gzip", "Cloudfront-Viewer-Country": "US", "X-Origin-Verify": "6f1c9e2a-secret"} {
			if got := in.Header.Get(h); got != want {
				t.Errorf("origin got %s = %q, want %q", h, got, want)
			}
		}
		if in.Host != strings.TrimPrefix(east.URL, "http://") || in.URL.RawQuery != "id=7&utm_source=mail" {
			t.Errorf("origin got Host %q, query %q", in.Host, in.URL.RawQuery)
		}
		for h, want := range map[string]string{"Access-Control-Allow-Origin": "https://m.example-shop.com", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Expose-Headers": "X-Request-Id", "X-Frame-Options": ""} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("viewer got %s = %q, want %q", h, got, want)
			}
		}
	})

	t.Run("api cache key", func(t *testing.T) {
		key := []string{"Authorization", "Bearer alice", "Accept-Encoding", "gzip, br"}
		shopGet(t, "GET", base+"/api/items?id=1&utm_source=a", key...)
		for _, c := range []struct {
			name, query string
			hdr         []string
			xcache      string
		}{
			{"utm parameters are not in the key", "id=1&utm_source=b&utm_campaign=c", key, "Hit"},
			{"another parameter is", "id=2", key, "Miss"},
			{"Authorization is", "id=1", []string{"Authorization", "Bearer bob", "Accept-Encoding", "gzip, br"}, "Miss"},
			{"the viewer's country is", "id=1", append([]string{"X-Hookfront-Viewer-Country", "DE"}, key...), "Miss"},
			{"the normalised Accept-Encoding is", "id=1", []string{"Authorization", "Bearer alice", "Accept-Encoding", "gzip"}, "Miss"},
		} {
			resp, _ := shopGet(t, "GET", base+"/api/items?"+c.query, c.hdr...)
			if got := resp.Header.Get("X-Cache"); got != c.xcache+" from hookfront" {
				t.Errorf("%s: x-cache %q", c.name, got)
			}
		}
	})

	t.Run("failover and error responses", func(t *testing.T) {
		if _, body := shopGet(t, "GET", base+"/api/flaky"); body != "west /v1/api/flaky" {
			t.Errorf("failover: %q", body)
		}
		if resp, body := shopGet(t, "GET", base+"/api/down"); resp.StatusCode != 503 || body != "page /errors/maintenance.html" {
			t.Errorf("both members down: %d %q", resp.StatusCode, body)
		}
		if resp, body := shopGet(t, "GET", base+"/no-such-page"); resp.StatusCode != 404 || body != "page /errors/not-found.html" {
			t.Errorf("missing page: %d %q", resp.StatusCode, body)
		}
	})

	t.Run("legacy catalog behavior", func(t *testing.T) {
		hdr := []string{"Accept-Language", "fr", "Cookie", "cart=3", "Referer", "https://ref.example/", "X-Custom", "1"}
		shopGet(t, "GET", base+"/catalog/list?page=2&sort=price&ref=mail", hdr...)
		in := east.saw()
		if in.Header.Get("Accept-Language") != "fr" || in.Header.Get("X-Custom") != "1" || in.Header.Get("Cookie") != "" ||
			in.Header.Get("Referer") != "" || in.URL.RawQuery != "page=2&sort=price&ref=mail" {
			t.Errorf("origin got %v ?%s", in.Header, in.URL.RawQuery)
		}
		if resp, _ := shopGet(t, "GET", base+"/catalog/list?page=2&sort=price&ref=ad", hdr...); resp.Header.Get("X-Cache") != "Hit from hookfront" {
			t.Errorf("ref is not a cache key parameter: %s", resp.Header.Get("X-Cache"))
		}
		if resp, _ := shopGet(t, "GET", base+"/catalog/list?page=2&sort=price", "Accept-Language", "de"); resp.Header.Get("X-Cache") != "Miss from hookfront" {
			t.Errorf("Accept-Language is in the key: %s", resp.Header.Get("X-Cache"))
		}
	})

	t.Run("assets with CORS", func(t *testing.T) {
		resp, _ := shopGet(t, "GET", base+"/assets/app.js", "Origin", "https://partner.example", "Referer", "https://partner.example/")
		in := web.saw()
		if in.Header.Get("Origin") != "https://partner.example" || in.Header.Get("Referer") != "" || in.Header.Get("User-Agent") != "Amazon CloudFront" {
			t.Errorf("origin got %v", in.Header)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Expose-Headers") != "*" {
			t.Errorf("viewer got %v", resp.Header)
		}
		resp, _ = shopGet(t, "OPTIONS", base+"/assets/app.js", "Origin", "https://partner.example", "Access-Control-Request-Method", "GET")
		if resp.Header.Get("Access-Control-Allow-Methods") != "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT" {
			t.Errorf("preflight: %v", resp.Header)
		}
	})
}
