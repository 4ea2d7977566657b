package edge

import (
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// memberHealth is the health of one origin, per method class, and its active prober.
type memberHealth struct {
	id     string
	log    *slog.Logger
	class  [numClasses]classHealth
	origin atomic.Pointer[Origin] // the origin as the current config has it (probes use its transport)

	mu     sync.Mutex
	cfg    *Health
	groups []string
	prober *prober // nil without active probes
}

func newMemberHealth(id string, log *slog.Logger) *memberHealth {
	m := &memberHealth{id: id, log: log}
	now := time.Now()
	for i := range m.class {
		m.class[i].since = now
	}
	return m
}

// configure applies a (re)loaded config to the member, keeping its state.
func (m *memberHealth) configure(cfg *Health, o *Origin, groups []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.origin.Store(o)
	m.groups = groups
	var oldActive *ActiveHealth
	if m.cfg != nil {
		oldActive = m.cfg.Active
	}
	m.cfg = cfg
	for i := range m.class {
		c := &m.class[i]
		c.mu.Lock()
		c.passive = cfg.Passive
		c.probed = cfg.Active != nil && (i == classReads || cfg.Active.WritePath != "")
		if cfg.Passive == nil && c.until.Load() != 0 {
			c.until.Store(0)
			c.probing.Store(false)
			c.failures = c.failures[:0]
		}
		if !c.probed && c.down.Load() {
			c.down.Store(false)
			c.okRun, c.failRun = 0, 0
		}
		c.mu.Unlock()
	}
	if !reflect.DeepEqual(oldActive, cfg.Active) {
		if m.prober != nil {
			m.prober.stop()
			m.prober = nil
		}
		if cfg.Active != nil {
			m.prober = startProber(m, *cfg.Active)
		}
	}
}

// stop ends the member's active probes (it left the config, or the server closes).
func (m *memberHealth) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prober != nil {
		m.prober.stop()
		m.prober = nil
	}
}

func (m *memberHealth) snapshot(url string, now time.Time) MemberHealth {
	m.mu.Lock()
	out := MemberHealth{Origin: m.id, URL: url, Groups: m.groups, Passive: m.cfg.Passive != nil, Active: m.cfg.Active != nil,
		Classes: make(map[string]ClassHealthState, numClasses)}
	m.mu.Unlock()
	for i := range m.class {
		out.Classes[classNames[i]] = m.class[i].snapshot(now)
	}
	return out
}

// classHealth is one origin's health for one method class. The request path reads only the
// atomics; the rest changes under mu, on failures, probes and state changes.
type classHealth struct {
	until   atomic.Int64 // passive: skipped until this time (unix ns); 0 when not ejected
	probing atomic.Bool  // passive: a half-open probe request is in flight
	down    atomic.Bool  // active: the probes say it is down

	mu        sync.Mutex
	passive   *PassiveHealth
	probed    bool    // active probes cover this class
	failures  []int64 // passive: times of recent failures (unix ns)
	since     time.Time
	reason    string
	ejections int64
	okRun     int // active: good probes in a row
	failRun   int // active: failed probes in a row
	last      *ProbeResult
}

// usable says whether requests may try the member now: it is neither down nor ejected, or its
// ejection ran out and no request is probing it yet.
func (c *classHealth) usable(now int64) bool {
	if c.down.Load() {
		return false
	}
	u := c.until.Load()
	return u == 0 || now >= u && !c.probing.Load()
}

// claim is usable for the request that is about to try the member; when the ejection ran out,
// only one request gets it, as the half-open probe.
func (c *classHealth) claim(now int64) (ok, probe bool) {
	if c.down.Load() {
		return false, false
	}
	switch u := c.until.Load(); {
	case u == 0:
		return true, false
	case now < u:
		return false, false
	}
	if c.probing.CompareAndSwap(false, true) {
		return true, true
	}
	return false, false
}

// report records what an attempt showed. A success ends an ejection (the half-open probe's
// does, and so does any other: the member answered well); a failure counts toward ejection, and
// a failed probe ejects the member again.
func (c *classHealth) report(m *memberHealth, class int, outcome int, why string, probe bool) {
	switch outcome {
	case outcomeNeutral:
		if probe {
			c.probing.Store(false)
		}
		return
	case outcomeSuccess:
		if c.until.Load() == 0 {
			if probe {
				c.probing.Store(false)
			}
			return
		}
		c.mu.Lock()
		if c.until.Load() != 0 {
			c.until.Store(0)
			c.failures = c.failures[:0]
			c.since, c.reason = time.Now(), ""
			m.log.Info("origin health: member restored", "origin", m.id, "class", classNames[class], "by", "a request that succeeded")
		}
		c.probing.Store(false)
		c.mu.Unlock()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.passive
	if p == nil {
		if probe {
			c.probing.Store(false)
		}
		return
	}
	now := time.Now()
	ns := now.UnixNano()
	if u := c.until.Load(); u != 0 {
		// Ejected already: a request tried it anyway (every member was out, or it was the probe).
		c.until.Store(now.Add(p.EjectFor).UnixNano())
		if ns >= u { // half-open: the probe failed
			c.ejections++
			c.since, c.reason = now, "the half-open probe failed: "+why
			m.log.Warn("origin health: member ejected again", "origin", m.id, "class", classNames[class], "reason", c.reason, "for", p.EjectFor)
		}
		c.probing.Store(false)
		return
	}
	// Keep the failures within the window; the slice never holds more than Failures of them.
	keep := c.failures[:0]
	for _, t := range c.failures {
		if ns-t < int64(p.Window) {
			keep = append(keep, t)
		}
	}
	c.failures = append(keep, ns)
	if len(c.failures) > p.Failures {
		c.failures = c.failures[len(c.failures)-p.Failures:]
	}
	if len(c.failures) < p.Failures {
		return
	}
	c.failures = c.failures[:0]
	c.until.Store(now.Add(p.EjectFor).UnixNano())
	c.probing.Store(false)
	c.ejections++
	c.since, c.reason = now, fmt.Sprintf("%d failure(s) within %v, the last: %s", p.Failures, p.Window, why)
	m.log.Warn("origin health: member ejected", "origin", m.id, "class", classNames[class], "reason", c.reason, "for", p.EjectFor)
}

// probed records an active probe's result.
func (c *classHealth) probedResult(m *memberHealth, class int, res ProbeResult, a *ActiveHealth) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = &res
	if res.OK {
		c.okRun, c.failRun = c.okRun+1, 0
		if c.down.Load() && c.okRun >= a.Healthy {
			c.down.Store(false)
			c.since, c.reason = res.Time, ""
			m.log.Info("origin health: member up", "origin", m.id, "class", classNames[class], "after", fmt.Sprintf("%d good probe(s)", c.okRun))
		}
		return
	}
	c.failRun, c.okRun = c.failRun+1, 0
	if !c.down.Load() && c.failRun >= a.Unhealthy {
		c.down.Store(true)
		c.ejections++
		c.since = res.Time
		c.reason = fmt.Sprintf("%d failed health probe(s), the last: %s %s %s", c.failRun, res.Method, res.Path, probeFailure(res))
		m.log.Warn("origin health: member down", "origin", m.id, "class", classNames[class], "reason", c.reason)
	}
}

func probeFailure(res ProbeResult) string {
	if res.Error != "" {
		return res.Error
	}
	return fmt.Sprintf("answered %d", res.Status)
}

func (c *classHealth) snapshot(now time.Time) ClassHealthState {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := ClassHealthState{State: "healthy", Since: c.since, Reason: c.reason, Ejections: c.ejections}
	if c.passive != nil {
		for _, t := range c.failures {
			if now.UnixNano()-t < int64(c.passive.Window) {
				st.Failures++
			}
		}
	}
	if c.probed && c.last != nil {
		last := *c.last
		st.Probe = &last
	}
	u := c.until.Load()
	switch {
	case c.down.Load():
		st.State = "down"
	case u != 0 && now.UnixNano() < u:
		st.State = "ejected"
		t := time.Unix(0, u)
		st.Until = &t
	case u != 0:
		st.State = "half-open"
	}
	st.Healthy = st.State == "healthy"
	return st
}
