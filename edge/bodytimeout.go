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

// timedBody is a viewer's request body that may be silent for at most d between bytes
// (server.read_body_timeout): before each read the viewer connection's read deadline moves
// forward, which costs a deadline update per read and nothing for requests without a body.
// Reads happen on the origin transport's goroutine, hence the atomic.
type timedBody struct {
	rc       io.ReadCloser
	ctl      *http.ResponseController
	d        time.Duration
	timedOut atomic.Bool
}

func (b *timedBody) Read(p []byte) (int, error) {
	if b.ctl.SetReadDeadline(time.Now().Add(b.d)) != nil {
		return b.rc.Read(p) // the writer cannot set deadlines: no limit
	}
	n, err := b.rc.Read(p)
	switch {
	case err == nil:
	case isTimeout(err):
		b.timedOut.Store(true)
		err = fmt.Errorf("%w (%v): %w", errBodyTimeout, b.d, err)
	default:
		// The body is done (or failed): the server's own deadlines rule the connection again. Left
		// set, the deadline would end net/http's background read and cancel the request.
		_ = b.ctl.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (b *timedBody) Close() error { return b.rc.Close() }

// limitBody puts the body timeout on the viewer's body, when there is one.
func (vr *viewerRequest) limitBody(w http.ResponseWriter, d time.Duration) {
	if d <= 0 || vr.body == nil {
		return
	}
	vr.timeout = &timedBody{rc: vr.body, ctl: http.NewResponseController(w), d: d}
	vr.body = vr.timeout
}

// bodyTimedOut reports whether reading the viewer's body hit the body timeout.
func (vr *viewerRequest) bodyTimedOut() bool {
	return vr.timeout != nil && vr.timeout.timedOut.Load()
}

// viewerBodyTimeout answers a viewer that stopped sending its body: 408, and the connection is
// closed (the rest of the body will not be read).
func (s *Server) viewerBodyTimeout(tx *exchange) *response {
	tx.note = fmt.Sprintf("viewer body timed out: nothing arrived for %v", s.readBodyTimeout)
	resp := s.edgeError(http.StatusRequestTimeout, "The request body did not arrive in time.", tx)
	resp.header["Connection"] = []string{"close"}
	return resp
}
