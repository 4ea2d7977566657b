package trace

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
)

// SummaryJSON is a trace as the request list shows it.
type SummaryJSON struct {
	ID         string        `json:"id"`
	Time       time.Time     `json:"time"`
	Method     string        `json:"method"`
	Path       string        `json:"path"`
	Host       string        `json:"host"`
	Client     string        `json:"client"`
	Behavior   string        `json:"behavior"`
	Generation int64         `json:"generation"`
	Status     int           `json:"status"`
	XCache     string        `json:"x_cache"`
	DurationMS float64       `json:"duration_ms"`
	Note       string        `json:"note,omitempty"`
	Hooks      []HookBrief   `json:"hooks"`    // the hook calls, in order
	Attempts   []AttemptJSON `json:"attempts"` // the origin attempts, in order
}

// HookBrief names one hook call in a summary.
type HookBrief struct {
	Trigger event.Trigger `json:"trigger"`
	Outcome string        `json:"outcome"`
	ForPage bool          `json:"for_page,omitempty"`
	// Function marks a CloudFront Function's call (a "function" step) among the hook calls.
	Function bool `json:"function,omitempty"`
}

// AttemptJSON is one origin attempt.
type AttemptJSON struct {
	Kind       string  `json:"kind,omitempty"` // "attempt" among steps
	AtMS       float64 `json:"at_ms"`
	Origin     string  `json:"origin"`
	Method     string  `json:"method"`
	URL        string  `json:"url,omitempty"`
	Status     int     `json:"status,omitempty"`
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	Failover   string  `json:"failover,omitempty"`
	NoFailover string  `json:"no_failover,omitempty"`
	ForPage    bool    `json:"for_page,omitempty"`
	Group      string  `json:"group,omitempty"`
	// Skipped says why origin health skipped the member ("ejected"); Error then reads
	// "skipped: ejected", and nothing was sent.
	Skipped string `json:"skipped,omitempty"`
}

// HookJSON is one hook call among a trace's steps.
type HookJSON struct {
	Kind           string              `json:"kind"`
	AtMS           float64             `json:"at_ms"`
	DurationMS     float64             `json:"duration_ms"`
	Trigger        event.Trigger       `json:"trigger"`
	File           string              `json:"file,omitempty"`
	Handler        string              `json:"handler,omitempty"`
	Outcome        string              `json:"outcome"`
	Changed        bool                `json:"changed"`
	Error          *HookErrorJSON      `json:"error,omitempty"`
	Console        []event.ConsoleLine `json:"console,omitempty"`
	ConsoleDropped int                 `json:"console_dropped_bytes,omitempty"`
	Event          json.RawMessage     `json:"event,omitempty"`
	Result         json.RawMessage     `json:"result,omitempty"`
	ForPage        bool                `json:"for_page,omitempty"`
	// CloudFront Functions only ("function" steps).
	Runtime            string   `json:"runtime,omitempty"`
	ComputeUtilization *int     `json:"compute_utilization,omitempty"`
	OriginCalls        []string `json:"origin_calls,omitempty"`
}

// HookErrorJSON is why a hook call failed, and where.
type HookErrorJSON struct {
	Class   string `json:"class"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// CacheJSON is a cache decision among a trace's steps.
type CacheJSON struct {
	Kind       string  `json:"kind"`
	AtMS       float64 `json:"at_ms"`
	Key        string  `json:"key,omitempty"`
	Decision   string  `json:"decision"`
	Reason     string  `json:"reason,omitempty"`
	TTLSeconds float64 `json:"ttl_s,omitempty"`
	Tier       string  `json:"tier,omitempty"` // "shared" when the shared tier was asked
	ForPage    bool    `json:"for_page,omitempty"`
}

// PageJSON is the custom error page chosen, among a trace's steps.
type PageJSON struct {
	Kind         string  `json:"kind"`
	AtMS         float64 `json:"at_ms"`
	Status       int     `json:"status"`
	List         string  `json:"list"`
	Member       string  `json:"member,omitempty"`
	File         string  `json:"file,omitempty"`
	Path         string  `json:"path,omitempty"`
	ResponseCode int     `json:"response_code"`
}

// TraceJSON is a whole trace: the summary and the steps in the order they happened.
type TraceJSON struct {
	SummaryJSON
	Steps []any `json:"steps"` // HookJSON, CacheJSON, AttemptJSON, PageJSON
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// SummaryJSON renders the trace's summary.
func (t *Trace) SummaryJSON() SummaryJSON {
	s := t.Summary
	out := SummaryJSON{ID: s.ID, Time: s.Start, Method: s.Method, Path: s.Path, Host: s.Host, Client: s.ClientIP,
		Behavior: s.Behavior, Generation: s.Generation, Status: s.Status, XCache: s.XCache, DurationMS: ms(s.Duration),
		Note: s.Note, Hooks: []HookBrief{}, Attempts: []AttemptJSON{}}
	for _, h := range t.HookSteps {
		out.Hooks = append(out.Hooks, HookBrief{Trigger: h.Trigger, Outcome: h.Outcome, ForPage: h.ForPage, Function: h.Function})
	}
	for _, a := range s.Attempts {
		out.Attempts = append(out.Attempts, t.attempt(a, ""))
	}
	return out
}

func (t *Trace) attempt(a edge.AttemptStep, kind string) AttemptJSON {
	out := AttemptJSON{Kind: kind, AtMS: ms(a.Start.Sub(t.Summary.Start)), Origin: a.Origin, Method: a.Method, URL: a.URL,
		Status: a.Status, Error: a.Error, DurationMS: ms(a.Duration), Failover: a.Failover, NoFailover: a.Stop, ForPage: a.Page,
		Group: a.Group, Skipped: a.Skipped}
	if a.Skipped != "" {
		out.Error = "skipped: " + a.Skipped
	}
	return out
}

// JSON renders the whole trace.
func (t *Trace) JSON() TraceJSON {
	out := TraceJSON{SummaryJSON: t.SummaryJSON()}
	type step struct {
		at time.Time
		v  any
	}
	start := t.Summary.Start
	var steps []step
	for _, h := range t.HookSteps {
		steps = append(steps, step{h.Start, hookJSON(h, start)})
	}
	for _, c := range t.CacheSteps {
		steps = append(steps, step{c.Start, CacheJSON{Kind: "cache", AtMS: ms(c.Start.Sub(start)), Key: readableKey(c.Key),
			Decision: c.Decision, Reason: c.Reason, TTLSeconds: c.TTL.Seconds(), Tier: c.Tier, ForPage: c.ForPage}})
	}
	for _, a := range t.Summary.Attempts {
		steps = append(steps, step{a.Start, t.attempt(a, "attempt")})
	}
	for _, p := range t.PageSteps {
		steps = append(steps, step{p.Start, PageJSON{Kind: "page", AtMS: ms(p.Start.Sub(start)), Status: p.Status, List: p.List,
			Member: p.Member, File: p.File, Path: p.Path, ResponseCode: p.ResponseCode}})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	out.Steps = make([]any, len(steps))
	for i, s := range steps {
		out.Steps[i] = s.v
	}
	return out
}

func hookJSON(h edge.HookStep, start time.Time) HookJSON {
	kind := "hook"
	if h.Function {
		kind = "function"
	}
	out := HookJSON{Kind: kind, AtMS: ms(h.Start.Sub(start)), DurationMS: ms(h.Duration), Trigger: h.Trigger,
		Outcome: h.Outcome, Changed: h.Changed, ForPage: h.ForPage}
	if h.Outcome == edge.HookFailed {
		out.Error = &HookErrorJSON{Class: h.Class, Message: h.Error}
	}
	if c := h.Call; c != nil {
		out.File, out.Handler = c.File, c.Handler
		out.Console, out.ConsoleDropped = c.Console, c.ConsoleDropped
		out.Event, out.Result = c.EventJSON, c.ResultJSON
		if h.Function {
			cu := c.ComputeUtilization
			out.Runtime, out.ComputeUtilization, out.OriginCalls = c.Runtime, &cu, c.OriginCalls
		}
		if out.Error != nil && c.ErrorMessage != "" {
			out.Error.Message = c.ErrorMessage
			out.Error.File, out.Error.Line, out.Error.Column = c.ErrorFile, c.ErrorLine, c.ErrorColumn
		}
	}
	return out
}

// readableKey shows the header and cookie parts of a cache key, which are NUL-separated.
func readableKey(k string) string { return strings.ReplaceAll(k, "\x00", " ") }
