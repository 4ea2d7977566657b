package edge

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// Compression as CloudFront's "compress objects automatically" (ServingCompressedFiles.html):
// a behavior with compress on encodes a response when the viewer accepts gzip or br, the origin
// did not encode it, it declares its length and that is 1,000 to 10,000,000 bytes, and its
// Content-Type is one CloudFront compresses. Brotli is made only when the cache policy caches
// Brotli objects (a behavior without any policy, hookfront's own mode, makes both); the viewer
// gets Brotli when it accepts both. The body is encoded as it streams, and what the cache keeps
// is the encoded body, as the variant for the viewer's normalised Accept-Encoding.

// Size bounds of a body CloudFront compresses.
const (
	compressMin = 1000
	compressMax = 10_000_000
)

// compressibleTypes are the media types CloudFront compresses ("File types that CloudFront
// compresses").
var compressibleTypes = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`application/dash+xml application/eot application/font application/font-sfnt
		application/javascript application/json application/opentype application/otf application/pkcs7-mime
		application/protobuf application/rss+xml application/truetype application/ttf application/vnd.apple.mpegurl
		application/vnd.ms-fontobject application/xhtml+xml application/xml application/x-font-opentype
		application/x-font-truetype application/x-font-ttf application/x-httpd-cgi application/x-javascript
		application/x-mpegurl application/x-opentype application/x-otf application/x-perl application/x-ttf
		font/eot font/opentype font/otf font/ttf image/svg+xml text/css text/csv text/html text/javascript text/js
		text/plain text/richtext text/tab-separated-values text/xml text/x-component text/x-java-source
		text/x-script vnd.apple.mpegurl`) {
		compressibleTypes[t] = true
	}
}

// prepareCompression works out the formats a compressing behavior makes.
func (b *Behavior) prepareCompression() {
	b.makeGzip, b.makeBr = false, false
	if !b.Compress {
		return
	}
	b.makeGzip = true
	switch {
	case b.CachePolicy != nil:
		b.makeBr = b.CachePolicy.Brotli
	case b.ForwardedValues != nil: // legacy settings: CloudFront compresses with gzip only
	default:
		b.makeBr = true
	}
}

// encodings are the formats the edge may encode a response to this request in: those the
// behavior makes and the viewer accepts. An HTTP/1.0 request gets none (CloudFront removes its
// Accept-Encoding).
func (b *Behavior) encodings(r *http.Request, h http.Header) acceptEncoding {
	if !b.Compress || !r.ProtoAtLeast(1, 1) {
		return aeNone
	}
	return normAcceptEncoding(h).only(b.makeGzip, b.makeBr)
}

// compress encodes res for the viewer when the behavior compresses and the response qualifies,
// and marks a response that qualifies as varying on Accept-Encoding either way.
func (s *Server) compress(tx *exchange, vr *viewerRequest, res *originResult) {
	length := res.length
	if res.bytes != nil {
		length = int64(len(res.bytes))
	}
	if !compressible(res.status, res.header, length) {
		return
	}
	addVary(res.header, "Accept-Encoding")
	enc := tx.b.encodings(tx.r, vr.header)
	switch {
	case enc == aeNone:
		return
	case enc&aeBr != 0:
		enc = aeBr
	default:
		enc = aeGzip
	}
	h := res.header
	h["Content-Encoding"] = []string{enc.String()}
	delete(h, "Content-Length")
	// The encoded body is another representation: its ETag can only be a weak one
	// ("ETag header conversion"); a malformed one is dropped.
	if etag := h.Get("Etag"); strings.HasPrefix(etag, `"`) {
		h["Etag"] = []string{"W/" + etag}
	} else if !strings.HasPrefix(etag, "W/") {
		delete(h, "Etag")
	}
	switch {
	case res.bytes != nil:
		res.bytes = encodeBytes(res.bytes, enc)
	case res.body != nil && vr.method != http.MethodHead:
		res.body = newEncoder(res.body, enc)
	}
	res.length = -1
}

// compressible reports whether a response may be compressed: a body of a type CloudFront
// compresses, of a declared length within the bounds, not encoded by the origin, not a range
// (206), and not marked no-transform (a proxy must not change such a body, RFC 9111 §5.2.2.6).
func compressible(status int, h http.Header, length int64) bool {
	if !bodyAllowed(status) || status == http.StatusPartialContent || length < compressMin || length > compressMax {
		return false
	}
	if _, ok := h["Content-Encoding"]; ok {
		return false // whatever its value: CloudFront does not encode it again
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !compressibleTypes[mt] {
		return false
	}
	for _, cc := range h["Cache-Control"] {
		if strings.Contains(strings.ToLower(cc), "no-transform") {
			return false
		}
	}
	return true
}

// addVary adds name to the response's Vary unless it is there.
func addVary(h http.Header, name string) {
	if vary := h["Vary"]; hasToken(vary, "*") || hasToken(vary, name) {
		return
	}
	h["Vary"] = append(h["Vary"][:len(h["Vary"]):len(h["Vary"])], name)
}

// Encoders are large (the compressors' windows and tables): they are kept for reuse.
var (
	gzipWriters = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
		return w
	}}
	brWriters = sync.Pool{New: func() any {
		return brotli.NewWriterOptions(io.Discard, brotli.WriterOptions{Quality: 5, LGWin: 20})
	}}
)

type encodeWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

func getWriter(enc acceptEncoding, dst io.Writer) (encodeWriter, *sync.Pool) {
	pool := &gzipWriters
	if enc == aeBr {
		pool = &brWriters
	}
	w := pool.Get().(encodeWriter)
	w.Reset(dst)
	return w, pool
}

// encodeBytes encodes a body already in memory (one a hook made).
func encodeBytes(b []byte, enc acceptEncoding) []byte {
	var out bytes.Buffer
	w, pool := getWriter(enc, &out)
	_, _ = w.Write(b) // into memory: it cannot fail
	_ = w.Close()
	w.Reset(io.Discard)
	pool.Put(w)
	return out.Bytes()
}

// encoder encodes an origin body as it is read: each read takes what the origin has sent and
// returns it encoded, so the body streams to the viewer (and into the cache's copy) without
// being held whole.
type encoder struct {
	src  io.ReadCloser
	w    encodeWriter // nil once finished
	pool *sync.Pool
	out  bytes.Buffer // encoded bytes not yet read
	in   *[]byte      // a copy buffer, for reading src
	err  error        // what src ended with, after out is read
}

func newEncoder(src io.ReadCloser, enc acceptEncoding) *encoder {
	e := &encoder{src: src, in: copyBufs.Get().(*[]byte)}
	e.w, e.pool = getWriter(enc, &e.out)
	return e
}

func (e *encoder) Read(p []byte) (int, error) {
	for e.out.Len() == 0 {
		if e.err != nil {
			return 0, e.err
		}
		n, err := e.src.Read(*e.in)
		if n > 0 {
			_, _ = e.w.Write((*e.in)[:n]) // into e.out: it cannot fail
		}
		switch {
		case err == io.EOF:
			_ = e.w.Close() // the end of the encoded stream goes into e.out
			e.release()
			e.err = io.EOF
		case err != nil:
			e.release()
			e.err = err
		}
	}
	return e.out.Read(p)
}

// release gives the writer and the buffer back for reuse.
func (e *encoder) release() {
	if e.w == nil {
		return
	}
	e.w.Reset(io.Discard)
	e.pool.Put(e.w)
	copyBufs.Put(e.in)
	e.w, e.in = nil, nil
}

func (e *encoder) Close() error {
	e.release()
	return e.src.Close()
}
