package edge

import (
	"net/http"
	"time"
)

// viewerWriter notes what went to the viewer — the headers as sent, the body bytes, the time to
// the response headers — for the Summary of an observed request (CloudFront's log fields need
// them). Unobserved requests write to the ResponseWriter directly and pay nothing.
type viewerWriter struct {
	http.ResponseWriter
	start     time.Time
	header    http.Header // set once the response headers went out
	bytes     int64
	firstByte time.Duration
}

// watch returns the writer the request writes its response through.
func (tx *exchange) watch(w http.ResponseWriter) http.ResponseWriter {
	if tx.rec == nil {
		return w
	}
	tx.sent = viewerWriter{ResponseWriter: w, start: tx.start}
	return &tx.sent
}

func (w *viewerWriter) WriteHeader(code int) {
	if w.header == nil && code >= 200 {
		w.header, w.firstByte = w.ResponseWriter.Header(), time.Since(w.start)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *viewerWriter) Write(p []byte) (int, error) {
	if w.header == nil {
		w.header, w.firstByte = w.ResponseWriter.Header(), time.Since(w.start)
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (Flush, Hijack, deadlines).
func (w *viewerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
