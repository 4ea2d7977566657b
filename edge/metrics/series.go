package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookfront/hookfront/hooks/event"
)

// A request finds its series with one lookup by a string (behavior, origin or hook file) and
// then by small integers, which cost far less than hashing every label value.

// pair is a counter and a histogram a step updates together.
type pair struct {
	count prometheus.Counter
	time  prometheus.Observer
}

// labelled holds the histogram of one behavior or origin and its counters by an integer code
// (status and cache result, or status and failure kind).
type labelled struct {
	time   prometheus.Observer
	counts children[int, prometheus.Counter]
}

func (l *labelled) count(k int, make func() prometheus.Counter) prometheus.Counter {
	return l.counts.get(k, func(int) prometheus.Counter { return make() })
}

// triggers in the order of hookSeries' index.
var triggers = [...]event.Trigger{event.ViewerRequest, event.OriginRequest, event.OriginResponse, event.ViewerResponse}

func triggerIndex(t event.Trigger) int {
	for i, tr := range triggers {
		if tr == t {
			return i
		}
	}
	return 0
}

// hookSeries holds one hook file's series by trigger and result.
type hookSeries struct {
	pairs [len(triggers)][len(hookResults)]atomic.Pointer[pair]
}

func newHookSeries(string) *hookSeries { return &hookSeries{} }

func (h *hookSeries) get(t, res int, make func(t, res int) pair) pair {
	if p := h.pairs[t][res].Load(); p != nil {
		return *p
	}
	p := make(t, res) // two requests may make it at once: the vector hands both the same series
	h.pairs[t][res].Store(&p)
	return p
}
