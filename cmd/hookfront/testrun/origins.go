package testrun

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// scriptedOrigin is a real HTTP server on 127.0.0.1 that answers as a case scripts it: reply by
// reply in the order requests arrive, or one reply for every request. A script of
// {refuse: true} is a closed port; an origin the case does not script fails the case when it
// gets a request.
type scriptedOrigin struct {
	id     string
	script *originScript // nil: not scripted
	url    string
	srv    *http.Server
	done   chan struct{} // closed when the case ends: hanging replies let go

	mu       sync.Mutex
	received []string // "GET /path", in order
	problems []string
}

// startOrigin starts the scripted origin id.
func startOrigin(id string, script *originScript) (*scriptedOrigin, error) {
	o := &scriptedOrigin{id: id, script: script, done: make(chan struct{})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting scripted origin %s: %w", id, err)
	}
	o.url = "http://" + l.Addr().String()
	if script != nil && script.Every != nil && script.Every.Refuse {
		// A port nothing listens on refuses connections, as a dead origin does.
		return o, l.Close()
	}
	o.srv = &http.Server{Handler: o, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = o.srv.Serve(l) }()
	return o, nil
}

// stop releases hanging replies and closes the server.
func (o *scriptedOrigin) stop() {
	close(o.done)
	if o.srv != nil {
		_ = o.srv.Close()
	}
}

// hangs reports whether any reply of the origin hangs (the case then shortens its timeout).
func (o *scriptedOrigin) hangs() bool {
	if o.script == nil {
		return false
	}
	if o.script.Every != nil {
		return o.script.Every.Hang
	}
	for _, r := range o.script.Replies {
		if r.Hang {
			return true
		}
	}
	return false
}

// next takes the reply for the request just received.
func (o *scriptedOrigin) next(r *http.Request) *reply {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(o.received)
	o.received = append(o.received, r.Method+" "+r.URL.RequestURI())
	switch {
	case o.script == nil:
		o.problems = append(o.problems, fmt.Sprintf("origin %s got %s %s, but the case does not script it", o.id, r.Method, r.URL.RequestURI()))
	case o.script.Every != nil:
		return o.script.Every
	case n < len(o.script.Replies):
		return o.script.Replies[n]
	default:
		o.problems = append(o.problems, fmt.Sprintf("origin %s got request %d (%s %s), but the case scripts %d replies for it", o.id, n+1, r.Method, r.URL.RequestURI(), len(o.script.Replies)))
	}
	return nil
}

func (o *scriptedOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	rep := o.next(r)
	switch {
	case rep == nil:
		http.Error(w, "hookfront test: this request is not scripted", http.StatusInternalServerError)
	case rep.Hang:
		o.hang(w)
	case rep.ResetAfterHeaders:
		o.reset(w, rep)
	default:
		for k, v := range rep.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rep.Status)
		_, _ = io.WriteString(w, rep.Body)
	}
}

// hang keeps the connection open without a byte of answer, until the edge gives up on it or
// the case ends.
func (o *scriptedOrigin) hang(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	gone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn) // ends when the edge closes the connection
		close(gone)
	}()
	select {
	case <-gone:
	case <-o.done:
	}
}

// reset sends the status line and headers, promises a body, sends part of it, and resets the
// connection.
func (o *scriptedOrigin) reset(w http.ResponseWriter, rep *reply) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	bw := bufio.NewWriter(conn)
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", rep.Status, http.StatusText(rep.Status))
	names := make([]string, 0, len(rep.Headers))
	for k := range rep.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(bw, "%s: %s\r\n", k, rep.Headers[k])
	}
	fmt.Fprintf(bw, "Content-Length: %d\r\n\r\n%s", len(rep.Body)+1024, rep.Body)
	_ = bw.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close with RST, not FIN
	}
	_ = conn.Close()
}

// report lists what went wrong on the origin's side, and says what it received (which helps
// to read a failing case).
func (o *scriptedOrigin) report() (problems []string, received string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	received = fmt.Sprintf("origin %s received nothing", o.id)
	if len(o.received) > 0 {
		received = fmt.Sprintf("origin %s received: %s", o.id, strings.Join(o.received, ", "))
	}
	return append([]string(nil), o.problems...), received
}
