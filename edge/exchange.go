package edge

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// exchange is one viewer request's state: what every stage needs and what the access log shows.
type exchange struct {
	id    string
	start time.Time
	r     *http.Request
	d     *Distribution
	b     *Behavior
	hooks HookSet // nil when no hook set is loaded

	rec     Recorder // nil when no observer follows the request (see observe.go)
	detail  Detail
	forPage bool // the exchange fetches a custom error page for another
	sentURL *url.URL

	members  []*Origin // where a function's Route sends the attempts; nil: the behavior's members
	group    *Group    // the group that goes with members
	member   int       // index of the member that gave the final answer
	flight   *call     // the collapsed request this one leads, until its response is stored or not
	attempts []attemptLog
	status   int
	xcache   string
	note     string // why the response is what it is, when that is not obvious (stale, hook error…)
}

// attemptLog is one origin attempt as the access log shows it.
type attemptLog struct {
	origin string
	start  time.Time
	url    *url.URL // as sent
	status int      // 0 when no response
	err    string   // connect_failure, timeout, error (body_… when the body failed), when no usable response
	dur    time.Duration
	next   string // why the next member was tried, when one was
	stop   string // why the next member was not tried, when a GET would have been
	page   bool   // the attempt fetched a custom error page
}

func (tx *exchange) config(t event.Trigger) event.Config {
	return event.Config{DistributionDomainName: tx.d.DomainName, DistributionID: tx.d.ID, EventType: t, RequestID: tx.id}
}

func (tx *exchange) has(t event.Trigger) bool {
	return tx.hooks != nil && tx.hooks.Has(tx.b.ID(), t)
}

// Request ids are a random per-process prefix and a counter: unique, and cheap on the hot path.
var (
	idPrefix  = newIDPrefix()
	idCounter atomic.Uint64
)

func newIDPrefix() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func newRequestID() string {
	return idPrefix + strconv.FormatUint(idCounter.Add(1), 36)
}

// clientIP is the viewer's address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// logAccess writes the one access-log line of a request.
func (s *Server) logAccess(tx *exchange) {
	if !s.log.Enabled(tx.r.Context(), slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{
		slog.String("id", tx.id),
		slog.String("method", tx.r.Method),
		slog.String("path", tx.r.URL.RequestURI()),
		slog.Int("status", tx.status),
		slog.String("x_cache", tx.xcache),
		slog.String("behavior", tx.b.ID()),
		slog.Duration("duration", time.Since(tx.start)),
	}
	if len(tx.attempts) > 0 {
		attrs = append(attrs, slog.String("attempts", formatAttempts(tx.attempts)))
	}
	if g, ok := tx.hooks.(interface{ GenerationID() int64 }); ok {
		attrs = append(attrs, slog.Int64("generation", g.GenerationID()))
	}
	if tx.note != "" {
		attrs = append(attrs, slog.String("note", tx.note))
	}
	s.log.LogAttrs(tx.r.Context(), slog.LevelInfo, "request", attrs...)
}

// formatAttempts renders attempts as "primary 503 12ms (failover: status 503), backup 200 3ms".
func formatAttempts(as []attemptLog) string {
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteString(", ")
		}
		if a.page {
			b.WriteString("page:")
		}
		b.WriteString(a.origin)
		b.WriteByte(' ')
		if a.err != "" {
			b.WriteString(a.err)
		} else {
			b.WriteString(strconv.Itoa(a.status))
		}
		b.WriteByte(' ')
		b.WriteString(a.dur.Round(time.Microsecond).String())
		if a.next != "" {
			b.WriteString(" (failover: ")
			b.WriteString(a.next)
			b.WriteByte(')')
		}
		if a.stop != "" {
			b.WriteString(" (no failover: ")
			b.WriteString(a.stop)
			b.WriteByte(')')
		}
	}
	return b.String()
}
