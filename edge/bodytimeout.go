package edge

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// errBodyTimeout ends an attempt whose viewer stopped sending its body.
var errBodyTimeout = errors.New("the viewer sent no body bytes within server.read_body_timeout")

// errViewerBody ends an attempt whose viewer sent a body that could not be read (malformed
// chunks, cut short): the viewer's failure, never the origin's.
var errViewerBody = errors.New("the viewer's request body could not be read")

// timedBody is a viewer's request body that may be silent for at most d between bytes
// (server.read_body_timeout): before each read the viewer connection's read deadline moves
// forward, which costs a deadline update per read and nothing for requests without a body. It
// also remembers that the body failed, so that a body the viewer garbled on its way to the
// origin is not taken for the origin's failure. Reads happen on the origin transport's
// goroutine, hence the atomics.
type timedBody struct {
	rc       io.ReadCloser
	ctl      *http.ResponseController // nil: no timeout
	d        time.Duration
	timedOut atomic.Bool
	failed   atomic.Bool
}

func (b *timedBody) Read(p []byte) (int, error) {
	// Without a timeout, or when the writer cannot set deadlines, there is no limit.
	timed := b.ctl != nil && b.ctl.SetReadDeadline(time.Now().Add(b.d)) == nil
	n, err := b.rc.Read(p)
	switch {
	case err == nil:
	case timed && isTimeout(err):
		b.timedOut.Store(true)
		b.failed.Store(true)
		err = fmt.Errorf("%w (%v): %w", errBodyTimeout, b.d, err)
	default:
		if err != io.EOF {
			b.failed.Store(true)
		}
		if timed {
			// The body is done (or failed): the server's own deadlines rule the connection again.
			// Left set, the deadline would end net/http's background read and cancel the request.
			_ = b.ctl.SetReadDeadline(time.Time{})
		}
	}
	return n, err
}

func (b *timedBody) Close() error { return b.rc.Close() }

// limitBody puts the body timeout (d > 0) on the viewer's body, when there is one, and watches
// it for failures.
func (vr *viewerRequest) limitBody(w http.ResponseWriter, d time.Duration) {
	if vr.body == nil {
		return
	}
	vr.timeout = &timedBody{rc: vr.body, d: d}
	if d > 0 {
		vr.timeout.ctl = http.NewResponseController(w)
	}
	vr.body = vr.timeout
}

// bodyTimedOut reports whether reading the viewer's body hit the body timeout.
func (vr *viewerRequest) bodyTimedOut() bool {
	return vr.timeout != nil && vr.timeout.timedOut.Load()
}

// bodyFailed reports whether reading the viewer's body failed (timed out, malformed, cut short).
func (vr *viewerRequest) bodyFailed() bool {
	return vr.timeout != nil && vr.timeout.failed.Load()
}

// badViewerBody answers a viewer whose body could not be read while it went to the origin: 400,
// never stored, and the connection is closed (the rest of the body cannot be read).
func (s *Server) badViewerBody(tx *exchange) *response {
	tx.note = "the viewer's request body could not be read"
	resp := s.edgeError(http.StatusBadRequest, "The request body could not be read.", tx)
	resp.header["Connection"] = []string{"close"}
	return resp
}

// viewerBodyTimeout answers a viewer that stopped sending its body: 408, and the connection is
// closed (the rest of the body will not be read).
func (s *Server) viewerBodyTimeout(tx *exchange) *response {
	tx.note = fmt.Sprintf("viewer body timed out: nothing arrived for %v", s.readBodyTimeout)
	resp := s.edgeError(http.StatusRequestTimeout, "The request body did not arrive in time.", tx)
	resp.header["Connection"] = []string{"close"}
	return resp
}
