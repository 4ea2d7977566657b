package edge

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strconv"
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
	sent    viewerWriter // what went to the viewer, noted for observed requests (observe_writer.go)
	health  healthPlan   // which group members origin health skips (health.go)

	members  []*Origin // where a function's Route sends the attempts; nil: the behavior's members
	group    *Group    // the group that goes with members
	member   int       // index of the member that gave the final answer
	flight   *call     // the collapsed request this one leads, until its response is stored or not
	attempts []attemptLog
	status   int
	xcache   string
	note     string // why the response is what it is, when that is not obvious (stale, hook error…)

	queueable bool // the last member failed a write that goes to its group's queue (mayQueue)
	// connReused: an earlier request used the viewer's TLS connection (CloudFront-Viewer-TLS).
	connReused bool
}

// attemptLog is one origin attempt as the access log shows it.
type attemptLog struct {
	origin string
	group  string // the group the origin was tried in, "" for a single origin
	start  time.Time
	url    *url.URL // as sent
	status int      // 0 when no response
	err    string   // connect_failure, timeout, error (body_… when the body failed), viewer_body_…, when no usable response
	dur    time.Duration
	next   string // why the next member was tried, when one was
	stop   string // why the next member was not tried, when a GET would have been
	page   bool   // the attempt fetched a custom error page
	skip   string // why the member was skipped without being tried ("ejected")
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
