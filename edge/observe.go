package edge

import (
	"context"
	"net/http"
	"strconv"
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
	// DetailSteps records what the edge sees: trigger, duration, outcome, error class.
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
	Start    time.Time
	Method   string
	URL      string // as sent (after origin-request)
	Status   int    // 0 when there was no response
	Error    string // connect_failure, timeout, error, body_…
	Duration time.Duration
	Failover string // why the next member was tried
	Stop     string // why it was not, when a GET would have been
	Page     bool   // fetched a custom error page
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
	var recs fanRecorder
	for _, o := range f {
		if rec := o.Observe(id, start, r); rec != nil {
			recs = append(recs, rec)
		}
	}
	switch len(recs) {
	case 0:
		return nil
	case 1:
		return recs[0]
	}
	return recs
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

// finish ends a request: its access-log line and its summary to the recorder.
func (s *Server) finish(tx *exchange) {
	s.logAccess(tx)
	if tx.rec == nil {
		return
	}
	r := tx.r
	sum := &Summary{ID: tx.id, Start: tx.start, Method: r.Method, Path: r.URL.RequestURI(), Host: r.Host,
		ClientIP: clientIP(r), Behavior: tx.b.ID(), Status: tx.status, XCache: tx.xcache,
		Duration: time.Since(tx.start), Note: tx.note}
	if g, ok := tx.hooks.(interface{ GenerationID() int64 }); ok {
		sum.Generation = g.GenerationID()
	}
	if len(tx.attempts) > 0 {
		sum.Attempts = make([]AttemptStep, len(tx.attempts))
		for i, a := range tx.attempts {
			st := AttemptStep{Origin: a.origin, Start: a.start, Method: r.Method, Status: a.status, Error: a.err,
				Duration: a.dur, Failover: a.next, Stop: a.stop, Page: a.page}
			if a.page {
				st.Method = http.MethodGet
			}
			if a.url != nil {
				st.URL = a.url.String()
			}
			sum.Attempts[i] = st
		}
	}
	tx.rec.End(sum)
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
	step := HookStep{Trigger: t, Start: start, Duration: time.Since(start), Outcome: HookContinued, Changed: out != in, Call: cfg.Trace, ForPage: tx.forPage, Function: tx.isFunction(t)}
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
	step := HookStep{Trigger: t, Start: start, Duration: time.Since(start), Outcome: HookContinued, Changed: out != in, Call: cfg.Trace, ForPage: tx.forPage, Function: tx.isFunction(t)}
	if err != nil {
		tx.failedStep(&step, err)
	}
	tx.rec.Hook(step)
	return out, err
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

// notStored records a response for a cacheable request that was not stored.
func (tx *exchange) notStored(key string, status int, h http.Header) {
	if tx.rec != nil && key != "" {
		tx.cacheStep(key, CacheNotStored, "TTL 0 for status "+strconv.Itoa(status)+" with Cache-Control "+strconv.Quote(h.Get("Cache-Control"))+" (CloudFront's TTL rules)", 0)
	}
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
