package writequeue

import (
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/hookfront/hookfront/edge"
)

// States of a queued write.
const (
	Queued     = "queued"     // waiting for its next delivery
	Delivering = "delivering" // being sent; found so after a crash, it is sent again with its key
	Delivered  = "delivered"  // a member answered below 400
	Rejected   = "rejected"   // a member answered 400 or more that is not a failover condition
	Expired    = "expired"    // not delivered within max_age: given up, kept (with its body) for retry
)

// Record is a queued write and what became of it: what is stored, and what the admin API shows.
type Record struct {
	ID        string      `json:"id"`
	Group     string      `json:"group"`
	State     string      `json:"state"`
	Method    string      `json:"method"`
	URI       string      `json:"uri"`
	RawQuery  string      `json:"query,omitempty"`
	HasQuery  bool        `json:"has_query,omitempty"`
	Host      string      `json:"host"`
	Behavior  string      `json:"behavior"`
	Header    http.Header `json:"headers"`
	ClientIP  string      `json:"client_ip"`
	RequestID string      `json:"request_id"` // the viewer's request, which got the receipt
	BodyBytes int         `json:"body_bytes"`
	Size      int64       `json:"bytes"`      // what it counts toward max_bytes while it holds its body
	KeyHeader string      `json:"key_header"` // the header of its idempotency key
	OrderKey  string      `json:"order_key,omitempty"`
	Received  time.Time   `json:"received"`
	Expires   time.Time   `json:"expires"` // given up then, unless delivered
	Attempts  int         `json:"attempts"`
	// Interrupted counts deliveries cut off by a crash or a stop: the origin may have got them,
	// and the next one carries the same idempotency key.
	Interrupted  int       `json:"interrupted,omitempty"`
	NextAttempt  time.Time `json:"next_attempt,omitzero"`
	LastAttempt  time.Time `json:"last_attempt,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastDelivery string    `json:"last_delivery,omitempty"` // request id of the last delivery (its trace)
	Owner        string    `json:"owner,omitempty"`         // the replica that delivers it (redis)
	Status       int       `json:"status,omitempty"`        // the answer that ended it
	Origin       string    `json:"origin,omitempty"`
	Response     *Answer   `json:"response,omitempty"`
	Finished     time.Time `json:"finished,omitzero"`
	Seq          uint64    `json:"seq,omitempty"` // arrival order in the disk store
	// RetryNow: an operator asked for it (POST …/retry); it is sent next, whatever the queue's
	// wait after deliveries that found every member down.
	RetryNow bool `json:"retry_now,omitempty"`
}

// key is the write's idempotency key as sent.
func (r *Record) key() string { return r.KeyHeader + ": " + r.Header.Get(r.KeyHeader) }

// Answer is the start of the answer that ended a write.
type Answer struct {
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"`
	Body        string `json:"body,omitempty"` // as text when it is UTF-8 (first 16 KiB)
	BodyBase64  []byte `json:"body_base64,omitempty"`
}

// holdsBody: the record still has its body (it may yet be delivered) and counts toward max_bytes.
func holdsBody(state string) bool {
	return state == Queued || state == Delivering || state == Expired
}

// finished: nothing more happens to the write.
func finished(state string) bool { return state == Delivered || state == Rejected }

// write is the record as the edge delivers it.
func (r *Record) write(body []byte) *edge.QueuedWrite {
	return &edge.QueuedWrite{Group: r.Group, Behavior: r.Behavior, RequestID: r.RequestID, Received: r.Received,
		Method: r.Method, URI: r.URI, RawQuery: r.RawQuery, HasQuery: r.HasQuery, Host: r.Host,
		Header: r.Header, Body: body, ClientIP: r.ClientIP}
}

func answer(d *edge.Delivery) *Answer {
	a := &Answer{ContentType: d.Header.Get("Content-Type"), Location: d.Header.Get("Location")}
	if utf8.Valid(d.Body) {
		a.Body = string(d.Body)
	} else {
		a.BodyBase64 = d.Body
	}
	return a
}

func (r *Record) clone() *Record {
	c := *r
	c.Header = r.Header.Clone()
	if r.Response != nil {
		a := *r.Response
		c.Response = &a
	}
	return &c
}
