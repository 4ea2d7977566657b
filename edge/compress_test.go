package edge

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// fetchEnc fetches u with exactly the Accept-Encoding given (none when ""), without decoding.
func fetchEnc(t *testing.T, method, u, ae string, hdr ...string) result {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	if ae != "" {
		req.Header.Set("Accept-Encoding", ae)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

// decode undoes a Content-Encoding.
func decode(t *testing.T, r result) string {
	t.Helper()
	var rd io.Reader = strings.NewReader(r.body)
	switch r.header.Get("Content-Encoding") {
	case "":
		return r.body
	case "gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	case "br":
		rd = brotli.NewReader(rd)
	default:
		t.Fatalf("unexpected Content-Encoding %q", r.header.Get("Content-Encoding"))
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("decoding %s: %v", r.header.Get("Content-Encoding"), err)
	}
	return string(b)
}

// text is n bytes of compressible text.
func text(n int) string {
	return strings.Repeat("hookfront compresses text as CloudFront does. ", n/46+1)[:n]
}

// compressOrigin answers by path: /N.type is N bytes of that type; /pre is already gzipped;
// /chunked has no length; /notransform says no-transform.
func compressOrigin(t *testing.T) *origin {
	return newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Etag", `"v1"`)
		p := strings.TrimPrefix(r.URL.Path, "/")
		switch {
		case p == "pre":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, "already encoded by the origin, as it says")
		case p == "chunked":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, text(2000))
			w.(http.Flusher).Flush() // no Content-Length
		case p == "notransform":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Cache-Control", "max-age=60, no-transform")
			io.WriteString(w, text(2000))
		default:
			name, ext, _ := strings.Cut(p, ".")
			n, _ := strconv.Atoi(name)
			w.Header().Set("Content-Type", map[string]string{"html": "text/html; charset=utf-8", "js": "application/javascript", "png": "image/png"}[ext])
			w.Header().Set("Content-Length", strconv.Itoa(n))
			io.WriteString(w, text(n))
		}
	})
}

func compressEdge(t *testing.T, o *origin, setup func(b *Behavior)) string {
	t.Helper()
	b := behavior(t, "*", "o")
	b.Compress = true
	if setup != nil {
		setup(b)
	}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	_, ts := edgeServer(t, d, Options{})
	return ts.URL
}

func TestCompressionRules(t *testing.T) {
	o := compressOrigin(t)
	base := compressEdge(t, o, nil)
	for _, c := range []struct {
		path, ae, enc string
		vary          bool
	}{
		{"/5000.html", "gzip, deflate, br", "br", true}, // both accepted: Brotli
		{"/5001.html", "gzip;q=1.0, deflate", "gzip", true},
		{"/5002.html", "br;q=0, gzip", "gzip", true}, // q=0 refuses br
		{"/5003.html", "", "", true},                 // not accepted: identity, but it varies
		{"/5004.js", "gzip", "gzip", true},
		{"/1000.html", "gzip", "gzip", true}, // the bounds: 1,000 bytes is compressed,
		{"/999.html", "gzip", "", false},     // 999 is not
		{"/5000.png", "gzip", "", false},     // not a type CloudFront compresses
		{"/chunked", "gzip", "", false},      // no Content-Length
		{"/notransform", "gzip", "", false},
	} {
		r := fetchEnc(t, "GET", base+c.path, c.ae)
		if r.status != 200 || r.header.Get("Content-Encoding") != c.enc || strings.Contains(r.header.Get("Vary"), "Accept-Encoding") != c.vary {
			t.Errorf("%s (Accept-Encoding %q): %d, Content-Encoding %q, Vary %q; want %q, varying %v",
				c.path, c.ae, r.status, r.header.Get("Content-Encoding"), r.header.Get("Vary"), c.enc, c.vary)
			continue
		}
		n, err := strconv.Atoi(strings.Split(strings.TrimPrefix(c.path, "/"), ".")[0])
		if err != nil {
			n = 2000 // /chunked, /notransform
		}
		if got := decode(t, r); got != text(n) {
			t.Errorf("%s: the decoded body differs from the origin's (%d bytes, want %d)", c.path, len(got), n)
		}
		wantETag := `"v1"`
		if c.enc != "" {
			wantETag = `W/"v1"` // another representation: a weak ETag
		}
		if r.header.Get("Etag") != wantETag {
			t.Errorf("%s: ETag %q, want %q", c.path, r.header.Get("Etag"), wantETag)
		}
	}
	// The origin's own encoding is served untouched.
	r := fetchEnc(t, "GET", base+"/pre", "gzip, br")
	if r.header.Get("Content-Encoding") != "gzip" || r.body != "already encoded by the origin, as it says" {
		t.Errorf("an origin-encoded body was changed: %q %q", r.header.Get("Content-Encoding"), r.body)
	}
	// HTTP/1.0 viewers get no compression (CloudFront removes their Accept-Encoding).
	if ce := rawHeader(t, base, "GET /6000.html HTTP/1.0\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n", "Content-Encoding"); ce != "" {
		t.Errorf("HTTP/1.0: Content-Encoding %q", ce)
	}
}

// rawHeader sends a request as written and returns one header of the response.
func rawHeader(t *testing.T, base, request, name string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, request)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get(name)
}

func TestCompressedVariantsAreCachedApart(t *testing.T) {
	o := compressOrigin(t)
	base := compressEdge(t, o, nil)
	for i, c := range []struct{ ae, enc, xcache string }{
		{"br, gzip", "br", xMiss},
		{"gzip, br", "br", xHit}, // the same normalised Accept-Encoding
		{"gzip", "gzip", xMiss},
		{"deflate, gzip", "gzip", xHit},
		{"", "", xMiss},
		{"deflate", "", xHit},
	} {
		r := fetchEnc(t, "GET", base+"/8000.html", c.ae)
		if r.header.Get("X-Cache") != c.xcache || r.header.Get("Content-Encoding") != c.enc || decode(t, r) != text(8000) {
			t.Fatalf("request %d (Accept-Encoding %q): x-cache %q, Content-Encoding %q; want %q, %q", i, c.ae, r.header.Get("X-Cache"), r.header.Get("Content-Encoding"), c.xcache, c.enc)
		}
		if c.xcache == xHit && c.enc != "" && r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
			t.Fatalf("a compressed hit's Content-Length %q is not its %d bytes", r.header.Get("Content-Length"), len(r.body))
		}
	}
	if n := o.hits.Load(); n != 3 {
		t.Fatalf("the origin was asked %d times, want 3 (one per variant)", n)
	}

	// HEAD from the compressed entry; ranges of the compressed bytes.
	full := fetchEnc(t, "GET", base+"/8000.html", "gzip")
	head := fetchEnc(t, "HEAD", base+"/8000.html", "gzip")
	if head.header.Get("Content-Encoding") != "gzip" || head.header.Get("Content-Length") != strconv.Itoa(len(full.body)) || head.body != "" {
		t.Fatalf("HEAD on a compressed hit: %v", head.header)
	}
	part := fetchEnc(t, "GET", base+"/8000.html", "gzip", "Range", "bytes=0-9")
	if part.status != http.StatusPartialContent || part.body != full.body[:10] || part.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("a range of a compressed hit: %d %q, want 206 with the first 10 encoded bytes", part.status, part.body)
	}
	// A HEAD miss says what a GET would get, without a length it cannot know.
	head = fetchEnc(t, "HEAD", base+"/9000.html", "gzip")
	if head.header.Get("Content-Encoding") != "gzip" || head.header.Get("Content-Length") != "" || head.header.Get("X-Cache") != xMiss {
		t.Fatalf("HEAD miss: %v", head.header)
	}
}

func TestCompressionFormatsFollowThePolicies(t *testing.T) {
	o := compressOrigin(t)
	gzipOnly := ManagedCachePolicy("CachingOptimized")
	cp := *gzipOnly
	cp.Brotli = false
	for _, c := range []struct {
		name  string
		setup func(b *Behavior)
		enc   string
	}{
		{"a cache policy with Brotli", func(b *Behavior) { b.CachePolicy = gzipOnly }, "br"},
		{"a cache policy without Brotli", func(b *Behavior) { b.CachePolicy = &cp }, "gzip"},
		{"legacy settings", func(b *Behavior) { b.ForwardedValues = &ForwardedValues{Cookies: FilterNone} }, "gzip"},
		{"compress off", func(b *Behavior) { b.Compress = false }, ""},
	} {
		base := compressEdge(t, o, c.setup)
		r := fetchEnc(t, "GET", base+"/4000.html", "gzip, br")
		if r.header.Get("Content-Encoding") != c.enc || decode(t, r) != text(4000) {
			t.Errorf("%s: Content-Encoding %q, want %q", c.name, r.header.Get("Content-Encoding"), c.enc)
		}
	}
}

func TestCompressionStreams(t *testing.T) {
	release := make(chan struct{})
	const first = 512 << 10
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(2*first))
		io.WriteString(w, text(first))
		w.(http.Flusher).Flush()
		select { // the second half only once the viewer has seen the first
		case <-release:
		case <-time.After(20 * time.Second):
		}
		io.WriteString(w, text(first))
	})
	base := compressEdge(t, o, nil)
	req, _ := http.NewRequest("GET", base+"/big", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatalf("no compressed bytes before the origin's body ended: %v", err)
	}
	got := make([]byte, 64<<10)
	if _, err := io.ReadFull(zr, got); err != nil {
		t.Fatalf("reading the first decoded bytes while the origin waits: %v", err)
	}
	close(release)
	rest, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if whole := string(got) + string(rest); whole != text(first)+text(first) {
		t.Fatalf("decoded %d bytes, not the origin's body", len(whole))
	}
	// The encoded body was copied for the cache as it streamed.
	if r := fetchEnc(t, "GET", base+"/big", "gzip"); r.header.Get("X-Cache") != xHit || decode(t, r) != text(first)+text(first) {
		t.Fatalf("the compressed body was not stored: x-cache %q", r.header.Get("X-Cache"))
	}
}

func TestCompressibleBounds(t *testing.T) {
	h := http.Header{"Content-Type": {"text/css"}}
	for n, want := range map[int64]bool{999: false, 1000: true, 10_000_000: true, 10_000_001: false, -1: false} {
		if got := compressible(200, h, n); got != want {
			t.Errorf("%d bytes: %v, want %v", n, got, want)
		}
	}
	for _, st := range []int{206, 204, 304} {
		if compressible(st, h, 5000) {
			t.Errorf("status %d is compressible", st)
		}
	}
	if compressible(200, http.Header{"Content-Type": {"text/css"}, "Content-Encoding": {"identity"}}, 5000) {
		t.Error("a body with any Content-Encoding is compressible")
	}
}

func BenchmarkEncodeGzip(b *testing.B)   { benchEncode(b, aeGzip) }
func BenchmarkEncodeBrotli(b *testing.B) { benchEncode(b, aeBr) }

func benchEncode(b *testing.B, enc acceptEncoding) {
	body := []byte(text(64 << 10))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		e := newEncoder(io.NopCloser(bytes.NewReader(body)), enc)
		if _, err := io.Copy(io.Discard, e); err != nil {
			b.Fatal(err)
		}
		_ = e.Close()
	}
}

// A compressed entry's weak ETag stays weak when a 304 renews it: the origin's 304 carries the
// strong ETag of its own (uncompressed) body, and merged as it is it would claim the encoded
// bytes are byte-for-byte that body (CloudFront's "ETag header conversion" is there to prevent
// it: a range or If-Range across the two representations would mix their bytes). Before, the
// renewed gzip entry carried the origin's strong "v1".
func TestRenewedCompressedEntryKeepsItsWeakETag(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Etag", `"v1"`)
		if strings.Contains(r.Header.Get("If-None-Match"), `"v1"`) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", "5000")
		io.WriteString(w, text(5000))
	})
	b := behavior(t, "*", "o")
	b.Compress = true
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	s, ts := edgeServer(t, d, Options{})
	for _, c := range []struct{ ae, enc, etag string }{{"gzip", "gzip", `W/"v1"`}, {"", "", `"v1"`}} {
		first := fetchEnc(t, "GET", ts.URL+"/p", c.ae)
		expire(s)
		r := fetchEnc(t, "GET", ts.URL+"/p", c.ae)
		if r.header.Get("X-Cache") != xRefresh || r.header.Get("Content-Encoding") != c.enc || decode(t, r) != text(5000) || r.body != first.body {
			t.Fatalf("Accept-Encoding %q: renewed entry: %v", c.ae, r.header)
		}
		if got := r.header.Get("Etag"); got != c.etag {
			t.Errorf("Accept-Encoding %q: the renewed entry's ETag is %s, want %s", c.ae, got, c.etag)
		}
	}
}
