package edge

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

// rhpEdge serves behavior "*" (all methods allowed, GET/HEAD cached) with policy p in front of
// an origin that answers with the headers the test gives.
func rhpEdge(t *testing.T, p *ResponseHeadersPolicy, hooks HookSource, originHeaders ...string) (*Server, string, *origin) {
	t.Helper()
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(originHeaders); i += 2 {
			w.Header().Set(originHeaders[i], originHeaders[i+1])
		}
		if strings.HasSuffix(r.URL.Path, "/missing") {
			w.WriteHeader(http.StatusNotFound)
		}
		_, _ = io.WriteString(w, "body")
	})
	b := behavior(t, "*", "o")
	b.AllowedMethods = KnownMethods
	b.ResponseHeadersPolicy = p
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	s, ts := edgeServer(t, d, Options{Hooks: hooks})
	return s, ts.URL, o
}

func TestManagedResponseHeadersPolicies(t *testing.T) {
	security := map[string]string{"Referrer-Policy": "strict-origin-when-cross-origin", "Strict-Transport-Security": "max-age=31536000",
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN", "X-Xss-Protection": "1; mode=block"}
	noSecurity := map[string]string{"Referrer-Policy": "", "Strict-Transport-Security": "", "X-Content-Type-Options": "", "X-Frame-Options": "", "X-Xss-Protection": ""}
	simple := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "", "Access-Control-Expose-Headers": ""}
	simplePreflight := simple
	withPreflight := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "*", "Access-Control-Allow-Methods": ""}
	preflight := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "*",
		"Access-Control-Allow-Methods": "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"}
	noCORS := map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": "", "Access-Control-Expose-Headers": ""}
	cases := []struct {
		policy                   string
		security, get, preflight map[string]string
	}{
		{"CORS-and-SecurityHeadersPolicy", security, simple, simplePreflight},
		{"CORS-With-Preflight", noSecurity, withPreflight, preflight},
		{"CORS-with-preflight-and-SecurityHeadersPolicy", security, withPreflight, preflight},
		{"SecurityHeadersPolicy", security, noCORS, noCORS},
		{"SimpleCORS", noSecurity, simple, simplePreflight},
	}
	if len(cases) != len(ManagedResponseHeadersPolicies) {
		t.Fatalf("%d cases for %d managed response headers policies", len(cases), len(ManagedResponseHeadersPolicies))
	}
	for _, c := range cases {
		t.Run(c.policy, func(t *testing.T) {
			_, base, _ := rhpEdge(t, ManagedResponseHeadersPolicy(c.policy), nil)
			check := func(r result, want ...map[string]string) {
				t.Helper()
				for _, m := range want {
					for h, v := range m {
						if got := r.header.Get(h); got != v {
							t.Errorf("%s = %q, want %q", h, got, v)
						}
					}
				}
			}
			check(send(t, "GET", base+"/x", "", "Origin", "https://app.example"), c.security, c.get)
			check(send(t, "OPTIONS", base+"/x", "", "Origin", "https://app.example", "Access-Control-Request-Method", "PUT"), c.security, c.preflight)
			check(send(t, "GET", base+"/x", ""), c.security, noCORS) // not a CORS request
		})
	}
}

func TestResponseHeadersPolicyOverrideRules(t *testing.T) {
	// The origin sends its own values: without override they stay, with override the policy's win.
	_, base, _ := rhpEdge(t, ManagedResponseHeadersPolicy("CORS-with-preflight-and-SecurityHeadersPolicy"), nil,
		"X-Frame-Options", "DENY", "X-Content-Type-Options", "sniff-me", "Access-Control-Allow-Origin", "https://origin.example")
	r := send(t, "GET", base+"/x", "", "Origin", "https://app.example")
	if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("X-Content-Type-Options") != "nosniff" ||
		r.header.Get("Access-Control-Allow-Origin") != "https://origin.example" || r.header.Get("Strict-Transport-Security") != "max-age=31536000" {
		t.Errorf("headers %v", r.header)
	}
}

func TestCustomResponseHeadersPolicy(t *testing.T) {
	p := &ResponseHeadersPolicy{
		CORS: &CORSConfig{AllowOrigins: []string{"https://app.example", "https://*.example.org"}, AllowHeaders: []string{"Content-Type", "X-Token"},
			AllowMethods: []string{"ALL"}, AllowCredentials: true, ExposeHeaders: []string{"X-Total"}, MaxAgeSec: 600, OriginOverride: true, AnswerPreflight: true},
		Security: &SecurityHeaders{ContentSecurityPolicy: &CustomHeader{Value: "default-src 'self'", Override: true},
			StrictTransportSecurity: &HSTS{MaxAgeSec: 63072000, IncludeSubdomains: true, Preload: true, Override: true},
			XSSProtection:           &XSSProtection{Protection: true, ReportURI: "https://r.example/xss"}},
		Custom: []CustomHeader{{Name: "cache-control", Value: "max-age=5", Override: true}, {Name: "X-Env", Value: "dev"}},
		Remove: []string{"X-Powered-By", "Server", "X-Env"},
	}
	_, base, o := rhpEdge(t, p, nil, "X-Powered-By", "php", "Server", "nginx", "Cache-Control", "max-age=60",
		"Access-Control-Allow-Origin", "https://wrong.example", "X-Env", "prod")

	r := send(t, "GET", base+"/x", "", "Origin", "https://api.example.org")
	want := map[string]string{"Access-Control-Allow-Origin": "https://api.example.org", "Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers": "X-Total", "Access-Control-Allow-Methods": "", "Access-Control-Max-Age": "",
		"Content-Security-Policy": "default-src 'self'", "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
		"X-Xss-Protection": "1; report=https://r.example/xss", "Cache-Control": "max-age=5",
		// Removed, then added back by the same policy: the policy's value is sent.
		"X-Env":        "dev",
		"X-Powered-By": "", "Server": "hookfront"}
	for h, v := range want {
		if got := r.header.Get(h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	if send(t, "GET", base+"/x", "", "Origin", "https://evil.example").header.Get("Access-Control-Allow-Origin") != "https://wrong.example" {
		t.Error("an origin the policy does not allow must get no policy CORS headers")
	}

	hits := o.hits.Load()
	r = send(t, "OPTIONS", base+"/x", "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
	expect(t, r, http.StatusNoContent, xPreflight)
	if o.hits.Load() != hits {
		t.Error("an answered preflight reached the origin")
	}
	for h, v := range map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": "GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT",
		"Access-Control-Allow-Headers": "Content-Type, X-Token", "Access-Control-Max-Age": "600", "Access-Control-Allow-Credentials": "true"} {
		if got := r.header.Get(h); got != v {
			t.Errorf("preflight %s = %q, want %q", h, got, v)
		}
	}
	// A preflight from an origin the policy does not allow goes on to the origin.
	expect(t, send(t, "OPTIONS", base+"/x", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST"), 200, "")
	if o.hits.Load() != hits+1 {
		t.Error("a preflight from a disallowed origin must reach the origin")
	}
}

func TestResponseHeadersPolicyOrderAndCache(t *testing.T) {
	var vrSaw []string
	rec := &recorder{bound: map[event.Trigger]bool{event.ViewerResponse: true, event.OriginResponse: true}}
	rec.onResp = func(tr event.Trigger, w *event.Response) (*event.Response, error) {
		if tr == event.OriginResponse && w.Headers.Get("Access-Control-Allow-Origin") != "" {
			t.Error("origin-response saw a policy header: the policy applies after the cache")
		}
		if tr == event.ViewerResponse {
			vrSaw = append(vrSaw, w.Headers.Get("Access-Control-Allow-Origin"))
			w.Headers.Set("X-Frame-Options", "DENY") // a viewer-response hook has the last word
		}
		return w, nil
	}
	p := &ResponseHeadersPolicy{CORS: &CORSConfig{AllowOrigins: []string{"https://a.example", "https://b.example"}, MaxAgeSec: -1},
		Security: &SecurityHeaders{FrameOptions: &CustomHeader{Value: "SAMEORIGIN", Override: true}}}
	s, base, _ := rhpEdge(t, p, rec, "Cache-Control", "max-age=60")
	r := send(t, "GET", base+"/x", "", "Origin", "https://a.example")
	expect(t, r, 200, xMiss)
	r2 := send(t, "GET", base+"/x", "", "Origin", "https://b.example")
	expect(t, r2, 200, xHit)
	if r.header.Get("Access-Control-Allow-Origin") != "https://a.example" || r2.header.Get("Access-Control-Allow-Origin") != "https://b.example" {
		t.Errorf("CORS per request: %q then %q", r.header.Get("Access-Control-Allow-Origin"), r2.header.Get("Access-Control-Allow-Origin"))
	}
	if strings.Join(vrSaw, ",") != "https://a.example,https://b.example" {
		t.Errorf("viewer-response saw %v, want the policy's headers on the miss and on the hit", vrSaw)
	}
	if r2.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("X-Frame-Options = %q, want the viewer-response hook's", r2.header.Get("X-Frame-Options"))
	}
	e, ok := s.Cache().Get(s.Cache().keyOf("127.0.0.1:" + strings.Split(base, ":")[2] + "/x"))
	if !ok || e.Header.Get("Access-Control-Allow-Origin") != "" || e.Header.Get("X-Frame-Options") != "" {
		t.Errorf("the cache entry holds policy headers: %v", e)
	}
}

func TestResponseHeadersPolicyOnErrors(t *testing.T) {
	p := &ResponseHeadersPolicy{Custom: []CustomHeader{{Name: "X-Policy", Value: "1"}}}
	_, base, _ := rhpEdge(t, p, nil)
	expect(t, send(t, "GET", base+"/missing", ""), 404, xError)
	for _, r := range []result{send(t, "GET", base+"/missing", ""), send(t, "GET", base+"/a/%2e%2e/b", ""), send(t, "BREW", base+"/x", "")} {
		if r.header.Get("X-Policy") != "1" {
			t.Errorf("%d %s: no policy header", r.status, r.header.Get("X-Cache"))
		}
	}
}

func TestServerTiming(t *testing.T) {
	p := &ResponseHeadersPolicy{ServerTiming: &ServerTiming{Enabled: true, SamplingRate: 0}}
	_, base, _ := rhpEdge(t, p, nil, "Cache-Control", "max-age=60", "Server-Timing", "db;dur=53")
	if send(t, "GET", base+"/x", "").header.Get("Server-Timing") != "db;dur=53" {
		t.Error("sampling rate 0 without Pragma: the origin's Server-Timing must pass alone")
	}
	miss := send(t, "GET", base+"/y", "", "Pragma", "server-timing").header.Get("Server-Timing")
	hit := send(t, "GET", base+"/y", "", "Pragma", "server-timing").header.Get("Server-Timing")
	if !strings.HasPrefix(miss, "db;dur=53,cdn-cache-miss,cdn-upstream-layer;desc=\"EDGE\",cdn-upstream-fbl;dur=") ||
		!strings.Contains(miss, "cdn-rid;desc=") || !strings.Contains(miss, "cdn-downstream-fbl;dur=") {
		t.Errorf("miss Server-Timing = %q", miss)
	}
	if !strings.HasPrefix(hit, "cdn-cache-hit,cdn-pop;desc=\"hookfront\"") || strings.Contains(hit, "db;dur") {
		t.Errorf("hit Server-Timing = %q", hit)
	}
}
