package edge

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// Header values the edge sets on every response, allocated once (net/http only reads them).
var (
	viaValue     = []string{"1.1 hookfront"}
	xcacheValues = map[string][]string{}
)

func init() {
	for _, v := range []string{xHit, xRefresh, xMiss, xError, xGenerated} {
		xcacheValues[v] = []string{v}
	}
}

// write sends resp to the viewer with the edge's own headers. A failure after the headers went
// out aborts the connection (http.ErrAbortHandler), as net/http/httputil does: an error page can
// no longer be sent then.
func (s *Server) write(w http.ResponseWriter, tx *exchange, resp *response) {
	resp = s.withResponsePolicy(tx, resp)
	tx.status, tx.xcache = resp.status, resp.xcache
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h["X-Cache"] = xcacheValues[resp.xcache]
	h["Via"] = viaValue
	h["X-Hookfront-Request-Id"] = []string{tx.id}
	if resp.hasAge {
		h["Age"] = []string{strconv.FormatInt(int64(resp.age/time.Second), 10)}
	}
	r := tx.r
	if resp.stream == nil {
		if resp.hit && resp.status == http.StatusOK && wantsServeContent(r) {
			// Ranges and conditional requests are answered from the cached bytes.
			delete(h, "Content-Length")
			modtime, _ := http.ParseTime(h.Get("Last-Modified"))
			sw := &statusWriter{ResponseWriter: w, status: resp.status}
			http.ServeContent(sw, r, "", modtime, bytes.NewReader(resp.body))
			tx.status = sw.status
			return
		}
		if bodyAllowed(resp.status) {
			h["Content-Length"] = []string{strconv.Itoa(len(resp.body))}
		}
		w.WriteHeader(resp.status)
		if r.Method != http.MethodHead && bodyAllowed(resp.status) {
			_, _ = w.Write(resp.body)
		}
		return
	}
	defer resp.stream.Close()
	w.WriteHeader(resp.status)
	if r.Method == http.MethodHead {
		return
	}
	flush := h.Get("Content-Length") == "" || h.Get("Content-Type") == "text/event-stream"
	if err := copyBody(w, resp.stream, flush); err != nil {
		tx.note = "body copy failed: " + err.Error()
		panic(http.ErrAbortHandler)
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

func wantsServeContent(r *http.Request) bool {
	h := r.Header
	return h.Get("Range") != "" || h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" ||
		h.Get("If-Match") != "" || h.Get("If-Unmodified-Since") != ""
}

// statusWriter records the status ServeContent chose (206, 304, 412…) for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// copyBody streams an origin body to the viewer, flushing every write when the length is
// unknown or the body is an event stream (net/http/httputil's rule).
func copyBody(w http.ResponseWriter, body io.Reader, flush bool) error {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	rc := http.NewResponseController(w)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			if flush {
				_ = rc.Flush()
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}
