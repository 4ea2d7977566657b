package edge

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// One viewer's Set-Cookie never reaches another from the cache: such a response is not stored
// (each viewer gets its own), unless the origin says no-cache="Set-Cookie", which stores it
// without the cookie (CloudFront's rule).
func TestSetCookieIsNeverServedFromTheCache(t *testing.T) {
	var n atomic.Int64
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		if r.URL.Path == "/qualified" {
			w.Header().Set("Cache-Control", `max-age=60, no-cache="Set-Cookie, X-Session"`)
			w.Header().Set("X-Session", "private")
		}
		w.Header().Add("Set-Cookie", fmt.Sprintf("session=%d", n.Add(1)))
		fmt.Fprint(w, "page")
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	a := get(t, ts.URL+"/login")
	b := get(t, ts.URL+"/login")
	expect(t, a, 200, xMiss)
	expect(t, b, 200, xMiss)
	if a.header.Get("Set-Cookie") == b.header.Get("Set-Cookie") {
		t.Fatalf("two viewers got the same cookie %q", a.header.Get("Set-Cookie"))
	}

	first := get(t, ts.URL+"/qualified")
	expect(t, first, 200, xMiss)
	if first.header.Get("Set-Cookie") == "" {
		t.Fatal("the viewer that caused the response lost its cookie")
	}
	hit := get(t, ts.URL+"/qualified")
	expect(t, hit, 200, xHit)
	if c := hit.header.Get("Set-Cookie"); c != "" || hit.header.Get("X-Session") != "" || hit.body != "page" {
		t.Fatalf("from the cache: Set-Cookie %q, X-Session %q, body %q", c, hit.header.Get("X-Session"), hit.body)
	}
}

// A 304 that renews a stale entry may set a cookie for the viewer that caused it; the renewed
// entry does not keep it.
func TestSetCookieOnRevalidationStaysWithItsViewer(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Etag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.Header().Set("Set-Cookie", "session=renewed")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "page")
	})
	s, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	get(t, ts.URL+"/")
	expire(s)
	r := get(t, ts.URL+"/")
	expect(t, r, 200, xRefresh)
	if r.header.Get("Set-Cookie") != "session=renewed" {
		t.Fatalf("the revalidating viewer got Set-Cookie %q", r.header.Get("Set-Cookie"))
	}
	r = get(t, ts.URL+"/")
	expect(t, r, 200, xHit)
	if c := r.header.Get("Set-Cookie"); c != "" {
		t.Fatalf("a later viewer got Set-Cookie %q", c)
	}
}

// Fields a 304 names in a qualified no-cache are for the viewer that caused it, as Set-Cookie
// is: the renewed entry keeps none of them. Before, refresh merged every field of the 304 but
// Set-Cookie into the entry, and the next viewers got the revalidating viewer's X-Session.
func TestQualifiedNoCacheOnRevalidationStaysWithItsViewer(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", `max-age=60, no-cache="X-Session"`)
		w.Header().Set("Etag", `"v1"`)
		w.Header().Set("X-Session", "for "+r.Header.Get("X-Viewer"))
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "page")
	})
	s, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	get(t, ts.URL+"/", "X-Viewer", "a")
	expire(s)
	r := get(t, ts.URL+"/", "X-Viewer", "b")
	expect(t, r, 200, xRefresh)
	if got := r.header.Get("X-Session"); got != "for b" {
		t.Fatalf("the revalidating viewer got X-Session %q", got)
	}
	r = get(t, ts.URL+"/", "X-Viewer", "c")
	expect(t, r, 200, xHit)
	if got := r.header.Get("X-Session"); got != "" {
		t.Fatalf("a later viewer got X-Session %q", got)
	}
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = io.WriteString(zw, s)
	_ = zw.Close()
	return b.Bytes()
}

// rawGet is a GET whose Accept-Encoding is exactly ae (none when ""), with the body as sent.
func rawGet(t *testing.T, u, ae string) result {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if ae != "" {
		req.Header.Set("Accept-Encoding", ae)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(b)}
}

// A body encoded gzip is never served to a viewer that did not accept it: Accept-Encoding is
// normalised as CloudFront does (only gzip and br count), the origin gets the normalised value,
// and a response that varies on it (by Vary, or by carrying a Content-Encoding) is stored per
// value.
func TestEncodedBodiesAreKeptApartByAcceptEncoding(t *testing.T) {
	seen := make(chan string, 20)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		ae := r.Header.Get("Accept-Encoding")
		seen <- ae
		w.Header().Set("Cache-Control", "max-age=60")
		if r.URL.Path == "/vary" {
			w.Header().Set("Vary", "Accept-Encoding")
		}
		if strings.Contains(ae, "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gzipped("text"))
			return
		}
		fmt.Fprint(w, "text")
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	for _, path := range []string{"/vary", "/novary"} {
		steps := []struct {
			ae, xcache, origin string // origin: the Accept-Encoding the origin got ("-": no request)
			gzip               bool
		}{
			{"gzip, deflate, zstd", xMiss, "gzip", true},
			{"", xMiss, "identity", false},
			{"deflate, gzip;q=0", xHit, "-", false},
			{"gzip", xHit, "-", true},
			{"br, gzip", xMiss, "br,gzip", true},
			{"identity", xHit, "-", false},
		}
		for i, st := range steps {
			r := rawGet(t, ts.URL+path, st.ae)
			expect(t, r, 200, st.xcache)
			isGzip := r.header.Get("Content-Encoding") == "gzip"
			if isGzip != st.gzip || (!isGzip && r.body != "text") {
				t.Fatalf("%s step %d (Accept-Encoding %q): Content-Encoding %q, body %q", path, i, st.ae, r.header.Get("Content-Encoding"), r.body)
			}
			if st.origin != "-" {
				if got := <-seen; got != st.origin {
					t.Fatalf("%s step %d: the origin got Accept-Encoding %q, want %q", path, i, got, st.origin)
				}
			}
		}
	}
}

// An encoding the normalised Accept-Encoding does not include is not stored, whatever the
// origin says.
func TestUnacceptedEncodingIsNotStored(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Content-Encoding", "br")
		fmt.Fprint(w, "brotli bytes")
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	expect(t, rawGet(t, ts.URL+"/", "gzip"), 200, xMiss)
	expect(t, rawGet(t, ts.URL+"/", "gzip"), 200, xMiss)
	expect(t, rawGet(t, ts.URL+"/", ""), 200, xMiss)
}

// Vary on a header outside the cache key is not stored (hookfront forwards every viewer
// header, so the response may differ for viewers the key does not tell apart); on a header in
// cache.key.headers it is, per value. Vary: * never is.
func TestVaryOutsideTheKeyIsNotStored(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Vary", "Accept-Language")
		if r.URL.Path == "/star" {
			w.Header().Set("Vary", "*")
		}
		fmt.Fprint(w, r.Header.Get("Accept-Language"))
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	expect(t, get(t, ts.URL+"/page", "Accept-Language", "de"), 200, xMiss)
	r := get(t, ts.URL+"/page", "Accept-Language", "fr")
	expect(t, r, 200, xMiss)
	if r.body != "fr" {
		t.Fatalf("a French viewer got %q", r.body)
	}

	d := oneOrigin(t, o.URL)
	d.CacheKey.Headers = []string{"accept-language"}
	_, ts2 := edgeServer(t, d, Options{})
	expect(t, get(t, ts2.URL+"/page", "Accept-Language", "de"), 200, xMiss)
	expect(t, get(t, ts2.URL+"/page", "Accept-Language", "fr"), 200, xMiss)
	r = get(t, ts2.URL+"/page", "Accept-Language", "de")
	expect(t, r, 200, xHit)
	if r.body != "de" {
		t.Fatalf("a German viewer got %q from the cache", r.body)
	}
	expect(t, get(t, ts2.URL+"/star", "Accept-Language", "de"), 200, xMiss)
	expect(t, get(t, ts2.URL+"/star", "Accept-Language", "de"), 200, xMiss)
}

func TestNormAcceptEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "identity": "", "*": "", "deflate, zstd": "",
		"gzip": "gzip", "GZIP": "gzip", "x-gzip, gzip;q=0.5": "gzip", "gzip;q=0": "", "gzip; q=0.000": "", "gzip;q=0.001": "gzip",
		"br": "br", "br;q=0, gzip": "gzip", "gzip, deflate, br, zstd": "br,gzip", "br,gzip": "br,gzip",
	} {
		h := http.Header{}
		if in != "" {
			h.Set("Accept-Encoding", in)
		}
		if got := normAcceptEncoding(h).String(); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

// A qualified no-cache only keeps the named fields out; the response itself is cached.
func TestQualifiedNoCacheKeepsTheTTL(t *testing.T) {
	h := http.Header{"Cache-Control": {`no-cache="Set-Cookie, X-A", max-age=30`}}
	if got := DefaultTTL.ttlFor(200, h, time.Second, time.Now()); got != 30*time.Second {
		t.Fatalf("ttl %v", got)
	}
	if f := noCacheFields(h); !f["set-cookie"] || !f["x-a"] || len(f) != 2 {
		t.Fatalf("fields %v", f)
	}
}
