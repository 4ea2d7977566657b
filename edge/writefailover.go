package edge

import (
	"errors"
	"fmt"
	"net/http"
)

// WriteFailover is an origin group's opt-in to failover for write methods, which CloudFront
// never does. It fails a write over only when that is safe by construction:
//
//	(a) every connection attempt failed, so the request never reached the member — if OnConnect;
//	(b) the member answered a status in OnStatus — the user asserts it means "not processed";
//	(c) a timeout or failure after the request was sent — only for idempotent methods (PUT,
//	    DELETE) or when the request carries IdempotencyKey, which is forwarded unchanged.
//
// Bodies up to MaxBody are buffered so that every attempt sends the same bytes; a larger body
// streams to the first member and never fails over.
type WriteFailover struct {
	Methods        []string
	MaxBody        int64
	OnConnect      bool
	OnStatus       map[int]bool
	IdempotencyKey string // a header name; "" means none
	// Queue, when set, keeps writes no member processed, to deliver later (see writequeue.go).
	Queue *QueueSettings

	methods methodSet
}

// DefaultWriteMaxBody is the buffer limit when a group gives none.
const DefaultWriteMaxBody = 1 << 20

func (wf *WriteFailover) prepare() error {
	var err error
	if wf.methods, err = parseMethods(wf.Methods); err != nil {
		return err
	}
	if wf.MaxBody <= 0 {
		wf.MaxBody = DefaultWriteMaxBody
	}
	return nil
}

// applies reports whether the group's write failover covers method.
func (wf *WriteFailover) applies(method string) bool {
	return wf != nil && !failoverMethod(method) && wf.methods.has(method)
}

// decide says whether a write may go to the next member after this attempt, and if not, which
// safety rule stopped it (for the access log). err is the attempt's error, or status its answer.
func (wf *WriteFailover) decide(vr *viewerRequest, err error, status int) (bool, string) {
	if vr.buffered == nil {
		if vr.unbuffered != "" {
			return false, vr.unbuffered
		}
		return false, "body not buffered (over max_body or unread)"
	}
	var ce *ConnectError
	switch {
	case err == nil && wf.OnStatus[status]:
		return true, ""
	case err == nil:
		return false, fmt.Sprintf("status %d not in write_failover.on", status)
	case errors.As(err, &ce) && wf.OnConnect:
		return true, ""
	case errors.As(err, &ce):
		return false, "connect_failure not in write_failover.on"
	case vr.method == http.MethodPut || vr.method == http.MethodDelete:
		return true, "" // idempotent: sending it again is safe
	case wf.IdempotencyKey != "" && vr.header.Get(wf.IdempotencyKey) != "":
		return true, ""
	}
	return false, fmt.Sprintf("%s after the request was sent: %s is not idempotent and has no %s", errorKind(err), vr.method, orNone(wf.IdempotencyKey))
}

func orNone(s string) string {
	if s == "" {
		return "idempotency key"
	}
	return s
}

// bufferBody reads a write's body into memory when it fits in max, so that it can be sent to
// each member in turn. A body larger than max (by Content-Length, or found while reading) is
// not buffered: it streams to the first member, what was read first and then the rest.
func (vr *viewerRequest) bufferBody(max int64) error {
	if vr.body == nil {
		vr.buffered = []byte{}
		return nil
	}
	if vr.bodyLen > max {
		return nil
	}
	b, rest, err := readAtMost(vr.body, max)
	if err != nil {
		return err
	}
	if rest != nil {
		vr.body = rest
		return nil
	}
	vr.buffered = b
	vr.bodyLen = int64(len(b))
	return nil
}
