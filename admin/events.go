package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/edge/trace"
)

// Buffers of one event-stream client: events it has not taken yet. A client that falls further
// behind loses events (it is told how many) rather than holding anything up.
const (
	eventBuffer  = 256
	reloadBuffer = 16
	// writeTimeout ends a stream whose client has not read for this long.
	writeTimeout = 30 * time.Second
	pingEvery    = 15 * time.Second
)

type reloadWatcher struct {
	c       chan Reload
	dropped atomic.Int64
}

// Reloaded records the outcome of a hooks or config reload and sends it to event-stream clients.
// It is the notification seam the command calls at each outcome.
func (s *Server) Reloaded(rl Reload) {
	if rl.Time.IsZero() {
		rl.Time = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last[rl.Kind] = rl
	for w := range s.watchers {
		select {
		case w.c <- rl:
		default:
			w.dropped.Add(1)
		}
	}
}

// events is the Server-Sent Events stream: "request" with each new trace summary, "reload"
// with each reload outcome, "dropped" when this client fell behind and lost events.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	rw := &reloadWatcher{c: make(chan Reload, reloadBuffer)}
	s.mu.Lock()
	s.watchers[rw] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watchers, rw)
		s.mu.Unlock()
	}()
	var requests chan *trace.Trace
	var dropped func() int64 = func() int64 { return 0 }
	if s.opt.Traces != nil {
		sub := s.opt.Traces.Subscribe(eventBuffer)
		defer sub.Close()
		requests, dropped = sub.C, sub.Dropped
	}

	send := func(event string, v any) bool {
		if n := dropped() + rw.dropped.Swap(0); n > 0 && event != "" {
			if !send1(w, rc, "dropped", map[string]any{"dropped": n, "reason": "this client did not keep up; events were dropped, not queued"}) {
				return false
			}
		}
		if event == "" {
			_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
			_, err := fmt.Fprint(w, ": ping\n\n")
			return err == nil && rc.Flush() == nil
		}
		return send1(w, rc, event, v)
	}
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := fmt.Fprint(w, "retry: 2000\n: connected\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		var ok bool
		select {
		case <-r.Context().Done():
			return
		case t := <-requests:
			ok = send("request", t.SummaryJSON())
		case rl := <-rw.c:
			ok = send("reload", rl)
		case <-ping.C:
			ok = send("", nil)
		}
		if !ok {
			return
		}
	}
}

// send1 writes one event; a client that does not read for writeTimeout is let go.
func send1(w http.ResponseWriter, rc *http.ResponseController, event string, v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		data, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
		return false
	}
	return rc.Flush() == nil
}
