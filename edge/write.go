package edge

import (
	"bytes"
	"fmt"
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
	if bodyAllowed(resp.status) {
		declareLength(h, resp.declared)
	}
	w.WriteHeader(resp.status)
	if r.Method == http.MethodHead || !bodyAllowed(resp.status) {
		return // no body may follow (a hook may have made a 200 a 204 or 304): the stream is closed
	}
	flush := resp.declared < 0 || h.Get("Content-Type") == "text/event-stream"
	n, originSide, err := copyBody(w, resp.stream, flush)
	if f, ok := resp.stream.(*fill); ok && f.note != "" {
		tx.note = f.note
	}
	if err != nil {
		if originSide {
			tx.note = truncated(n, resp.declared, err)
			if len(tx.attempts) > 0 {
				tx.bodyFailed(err)
			}
		} else {
			tx.note = "viewer went away during the body: " + err.Error()
		}
		panic(http.ErrAbortHandler)
	}
}

// declareLength makes the Content-Length of a streamed body the length the origin declared, or
// drops it when the origin declared none (the body is then chunked): a hook may have set
// another, which would make the response invalid (too short: net/http refuses the writes; too
// long: the viewer waits for bytes that never come). It allocates only when it changes it.
func declareLength(h http.Header, n int64) {
	if n < 0 {
		delete(h, "Content-Length")
		return
	}
	if cl := h["Content-Length"]; len(cl) == 1 {
		if v, err := strconv.ParseInt(cl[0], 10, 64); err == nil && v == n {
			return
		}
	}
	h["Content-Length"] = []string{strconv.FormatInt(n, 10)}
}

// truncated is the access-log note of a streamed body that broke off.
func truncated(sent, declared int64, err error) string {
	if declared >= 0 {
		return fmt.Sprintf("truncated: the origin's body ended after %d of %d bytes: %v", sent, declared, err)
	}
	return fmt.Sprintf("truncated: the origin's body broke off after %d bytes: %v", sent, err)
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
// unknown or the body is an event stream (net/http/httputil's rule). It returns the bytes
// written and, on failure, whether the origin's side (reading) or the viewer's failed.
func copyBody(w http.ResponseWriter, body io.Reader, flush bool) (n int64, originSide bool, err error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	rc := http.NewResponseController(w)
	for {
		nr, rerr := body.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, false, werr
			}
			if flush {
				_ = rc.Flush()
			}
		}
		if rerr == io.EOF {
			return n, false, nil
		}
		if rerr != nil {
			return n, true, rerr
		}
	}
}
