package edge

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hookfront/hookfront/errorpages"
	"github.com/hookfront/hookfront/hooks/event"
)

// Observer follows requests through the edge: request traces now, and whatever else wants the
// same steps (metrics, access logs, a test runner). It is declared here, where it is called, so
// that the edge records plain Go values and knows nothing of JSON, HTTP admin code or
// JavaScript. Options.Observers takes any number; each sees every step.
type Observer interface {
	// Observe is called as a request starts and returns the Recorder for it, or nil to let the
	// request pass unobserved.
	Observe(id string, start time.Time, r *http.Request) Recorder
}

// Recorder receives one request's steps as they happen, and its summary at the end. Its methods
// are called from the request's goroutine only, one at a time.
type Recorder interface {
	// Detail says how much to gather about each hook call; it is asked once per request.
	Detail() Detail
	Hook(HookStep)
	Cache(CacheStep)
	Page(PageStep)
	// End closes the request. The summary's Attempts are the origin attempts the access log
	// prints (one record for both). The Recorder may keep the summary.
	End(*Summary)
}

// Detail is how much a Recorder wants to know about hook calls.
type Detail uint8

const (
	// DetailSteps records what the edge sees: trigger, duration, outcome, error class (cache
	// steps carry only the reasons that cost nothing to give, attempts no URL).
	DetailSteps Detail = iota
	// DetailCalls adds what the hooks package knows (event.CallTrace): file, handler, console
	// lines, the error's position.
	DetailCalls
	// DetailFull adds the event each hook got and the result it returned, as JSON.
	DetailFull
)

// Hook step outcomes.
const (
	HookContinued = "continued" // the request or response went on (see Changed)
	HookGenerated = "generated" // a request hook generated the response
	HookFailed    = "error"     // the hook failed; Class and Error say how
)

// HookStep is one hook call.
type HookStep struct {
	Trigger  event.Trigger
	Start    time.Time
	Duration time.Duration
	Outcome  string
	Changed  bool   // the hook changed the request or response it was given
	Class    string // LambdaExecutionError, LambdaValidationError or LambdaLimitExceeded
	Error    string
	Call     *event.CallTrace // nil at DetailSteps
	Function bool             // a CloudFront Function ran, not a Lambda@Edge hook
	ForPage  bool             // ran while fetching a custom error page (page_path)
	// File is the hook file bound to the trigger, when the hook set names it (at every Detail:
	// metrics count calls per file without paying for a call trace).
	File string
}

// Cache decisions.
const (
	CacheHit         = "hit"
	CacheMiss        = "miss"
	CacheStale       = "stale" // an expired entry: revalidated or fetched again
	CacheRefreshHit  = "refresh-hit"
	CacheStaleServed = "stale-served" // the origin failed; the expired entry was served
	CacheNotCachable = "not-cacheable"
	CacheStored      = "stored"
	CacheNotStored   = "not-stored"
)

// CacheStep is a cache decision: a lookup, or what was done with the response.
type CacheStep struct {
	Start    time.Time
	Key      string
	Decision string
	Reason   string
	TTL      time.Duration // for stored and refresh-hit
	Tier     string        // TierShared when the shared tier was asked; "" for the local tier alone
	ForPage  bool
}

// PageStep is the custom error page chosen for a status.
type PageStep struct {
	Start        time.Time
	Status       int    // the status the page replaced
	List         string // member, primary, secondary or distribution (errorpages.Find)
	Member       string // the origin that answered, when the request went to a group
	File         string // the page file, or
	Path         string // the page_path fetched through the edge
	ResponseCode int
}

// AttemptStep is one origin attempt.
type AttemptStep struct {
	Origin   string
	Group    string // the origin group the origin was tried as a member of; "" for a single origin
	Start    time.Time
	Method   string
	URL      string // as sent (after origin-request); given when a Recorder asks for DetailCalls or more
	Status   int    // 0 when there was no response
	Error    string // connect_failure, timeout, error, body_…; viewer_body_timeout, viewer_body_error: the viewer's body failed, not the origin
	Duration time.Duration
	Failover string // why the next member was tried
	Stop     string // why it was not, when a GET would have been
	Page     bool   // fetched a custom error page
	// Skipped says why the member was not tried at all ("ejected": origin health); nothing was
	// sent, and Status, Error and Duration are zero.
	Skipped string
}

// Summary is a request as a whole.
type Summary struct {
	ID         string
	Start      time.Time
	Method     string
	Path       string // with the query string
	Host       string
	ClientIP   string
	Behavior   string
	Generation int64 // the hooks generation, 0 without hooks
	Status     int
	XCache     string
	Duration   time.Duration
	Note       string
	Attempts   []AttemptStep
	// What went to the viewer: the response headers as sent (read-only; nil when nothing was
	// sent), the body bytes written, and the time from the start to the response headers.
	Header    http.Header
	BodyBytes int64
	FirstByte time.Duration
}

// combine makes one Observer of many.
func combine(obs []Observer) Observer {
	switch len(obs) {
	case 0:
		return nil
	case 1:
		return obs[0]
	}
	return fanOut(obs)
}

type fanOut []Observer

func (f fanOut) Observe(id string, start time.Time, r *http.Request) Recorder {
	// One recorder is handed back as it is: a slice is made only for two or more.
	var first Recorder
	var recs fanRecorder
	for _, o := range f {
		rec := o.Observe(id, start, r)
		switch {
		case rec == nil:
		case first == nil:
			first = rec
		case recs == nil:
			recs = fanRecorder{first, rec}
		default:
			recs = append(recs, rec)
		}
	}
	if recs != nil {
		return recs
	}
	return first
}

type fanRecorder []Recorder

func (f fanRecorder) Detail() Detail {
	d := DetailSteps
	for _, r := range f {
		d = max(d, r.Detail())
	}
	return d
}

func (f fanRecorder) Hook(s HookStep) {
	for _, r := range f {
		r.Hook(s)
	}
}

func (f fanRecorder) Cache(s CacheStep) {
	for _, r := range f {
		r.Cache(s)
	}
}

func (f fanRecorder) Page(s PageStep) {
	for _, r := range f {
		r.Page(s)
	}
}

func (f fanRecorder) End(s *Summary) {
	for _, r := range f {
		r.End(s)
	}
}

// observe asks the observers whether they follow this request.
func (s *Server) observe(tx *exchange) {
	if s.observer == nil {
		return
	}
	if tx.rec = s.observer.Observe(tx.id, tx.start, tx.r); tx.rec != nil {
		tx.detail = tx.rec.Detail()
	}
}

// finish ends a request: its summary to the recorders (the access log is one of them).
func (s *Server) finish(tx *exchange) {
	if tx.rec == nil {
		return
	}
	r := tx.r
	borrowed := borrows(tx.rec)
	var sum *Summary
	if borrowed {
		sum = summaries.Get().(*Summary)
	} else {
		sum = new(Summary)
	}
	// Field by field: a pooled Summary is filled in place, not copied over whole.
	sum.ID, sum.Start, sum.Method, sum.Path, sum.Host = tx.id, tx.start, r.Method, r.URL.RequestURI(), r.Host
	sum.ClientIP, sum.Behavior, sum.Status, sum.XCache = clientIP(r), tx.b.ID(), tx.status, tx.xcache
	sum.Duration, sum.Note = time.Since(tx.start), tx.note
	sum.Header, sum.BodyBytes, sum.FirstByte = tx.sent.header, tx.sent.bytes, tx.sent.firstByte
	if g, ok := tx.hooks.(interface{ GenerationID() int64 }); ok {
		sum.Generation = g.GenerationID()
	}
	if n := len(tx.attempts); n > 0 {
		if cap(sum.Attempts) >= n {
			sum.Attempts = sum.Attempts[:n]
		} else {
			sum.Attempts = make([]AttemptStep, n)
		}
		for i, a := range tx.attempts {
			st := &sum.Attempts[i]
			st.Origin, st.Group, st.Start, st.Method, st.Status, st.Error = a.origin, a.group, a.start, r.Method, a.status, a.err
			st.Duration, st.Failover, st.Stop, st.Page, st.Skipped = a.dur, a.next, a.stop, a.page, a.skip
			if a.page {
				st.Method = http.MethodGet
			}
			if a.url != nil && tx.detail >= DetailCalls { // metrics and access logs never read it
				st.URL = a.url.String()
			}
		}
	}
	tx.rec.End(sum)
	if borrowed {
		// Keep the attempts' room for the next request; drop every reference.
		clear(sum.Attempts)
		*sum = Summary{Attempts: sum.Attempts[:0]}
		summaries.Put(sum)
	}
}

// SummaryBorrower is a Recorder that reads the Summary only while End runs and keeps nothing
// of it (metrics, access logs). When every recorder of a request borrows, the edge reuses its
// Summaries instead of allocating one per request; a Recorder that keeps it (traces) must not
// implement this.
type SummaryBorrower interface {
	BorrowsSummary()
}

var summaries = sync.Pool{New: func() any { return new(Summary) }}

// borrows says whether every recorder of rec only borrows the Summary.
func borrows(rec Recorder) bool {
	switch r := rec.(type) {
	case fanRecorder:
		for _, one := range r {
			if !borrows(one) {
				return false
			}
		}
		return true
	case SummaryBorrower:
		return true
	}
	return false
}

// requestHook runs a request trigger, recording the call when the request is observed.
func (tx *exchange) requestHook(ctx context.Context, t event.Trigger, in *event.Request) (*event.Request, *event.Response, error) {
	cfg := tx.config(t)
	if tx.rec == nil {
		return tx.hooks.Request(ctx, tx.b.ID(), t, cfg, in)
	}
	cfg.Trace = tx.callTrace()
	start := time.Now()
	out, gen, err := tx.hooks.Request(ctx, tx.b.ID(), t, cfg, in)
	step := HookStep{Trigger: t, Start: start, Duration: time.Since(start), Outcome: HookContinued, Changed: out != in, Call: cfg.Trace, ForPage: tx.forPage, File: tx.hookFile(t), Function: tx.isFunction(t)}
	switch {
	case err != nil:
		tx.failedStep(&step, err)
	case gen != nil:
		step.Outcome, step.Changed = HookGenerated, true
	}
	tx.rec.Hook(step)
	return out, gen, err
}

// responseHook runs a response trigger, recording the call when the request is observed.
func (tx *exchange) responseHook(ctx context.Context, t event.Trigger, req *event.Request, in *event.Response) (*event.Response, error) {
	cfg := tx.config(t)
	if tx.rec == nil {
		return tx.hooks.Response(ctx, tx.b.ID(), t, cfg, req, in)
	}
	cfg.Trace = tx.callTrace()
	start := time.Now()
	out, err := tx.hooks.Response(ctx, tx.b.ID(), t, cfg, req, in)
	step := HookStep{Trigger: t, Start: start, Duration: time.Since(start), Outcome: HookContinued, Changed: out != in, Call: cfg.Trace, ForPage: tx.forPage, File: tx.hookFile(t), Function: tx.isFunction(t)}
	if err != nil {
		tx.failedStep(&step, err)
	}
	tx.rec.Hook(step)
	return out, err
}

// hookFiler is what a HookSet may also say: which file is bound to a trigger.
type hookFiler interface {
	HookFile(behavior string, t event.Trigger) string
}

func (tx *exchange) hookFile(t event.Trigger) string {
	if f, ok := tx.hooks.(hookFiler); ok {
		return f.HookFile(tx.b.ID(), t)
	}
	return ""
}

func (tx *exchange) callTrace() *event.CallTrace {
	if tx.detail < DetailCalls {
		return nil
	}
	return &event.CallTrace{Full: tx.detail >= DetailFull}
}

func (tx *exchange) failedStep(step *HookStep, err error) {
	_, step.Class = (&hookError{trigger: step.Trigger, err: err}).status()
	step.Outcome, step.Changed, step.Error = HookFailed, false, err.Error()
}

// cacheStep records a cache decision; the reason is a constant or built only when observed.
func (tx *exchange) cacheStep(key, decision, reason string, ttl time.Duration) {
	if tx.rec != nil {
		tx.rec.Cache(CacheStep{Start: time.Now(), Key: key, Decision: decision, Reason: reason, TTL: ttl, ForPage: tx.forPage})
	}
}

// notStored records a response for a cacheable request that was not stored. Its reason is
// built for recorders that read reasons (DetailCalls and up), not for metrics.
func (tx *exchange) notStored(key string, status int, h http.Header) {
	if tx.rec == nil || key == "" {
		return
	}
	reason := ""
	if tx.detail >= DetailCalls {
		reason = "TTL 0 for status " + strconv.Itoa(status) + " with Cache-Control: " + h.Get("Cache-Control") + " (CloudFront's TTL rules)"
	}
	tx.cacheStep(key, CacheNotStored, reason, 0)
}

// pageStep records the custom error page chosen for status.
func (tx *exchange) pageStep(status int) {
	if tx.rec == nil {
		return
	}
	group, role, member := tx.pageRole()
	p, list, ok := tx.d.Pages.Find(group, role, member, status)
	if !ok {
		return
	}
	tx.rec.Page(PageStep{Start: time.Now(), Status: status, List: list, Member: member, File: p.File, Path: p.Path, ResponseCode: p.Code()})
}

// pageRole is what custom error pages are looked up by: the group, the role of the member
// that answered, and that member.
func (tx *exchange) pageRole() (group string, role errorpages.Role, member string) {
	role = errorpages.Primary
	if members, g := tx.target(); g != nil {
		group = g.ID
		member = members[tx.member].ID
		if tx.member > 0 {
			role = errorpages.Secondary
		}
	}
	return group, role, member
}

// lookupDecision is a miss, or stale when an expired entry was found.
func lookupDecision(stale *Entry) string {
	if stale != nil {
		return CacheStale
	}
	return CacheMiss
}

func notCachedWhy(cacheOff bool) string {
	if cacheOff {
		return "the cache is off"
	}
	return "the method is not in the behavior's cached_methods"
}
