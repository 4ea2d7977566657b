package edge

import (
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Health is an origin group's opt-in to origin health, which CloudFront does not have: without
// it a group tries its primary first on every request, whatever happened to the last one.
// With it, a member that keeps failing is skipped for a while (Passive), or while background
// probes fail (Active), so that requests go straight to the next member without paying a
// connection or response timeout. Health is kept per origin and per method class (reads: GET,
// HEAD, OPTIONS; writes: the others), since a member whose writes fail may serve reads well.
type Health struct {
	Passive *PassiveHealth
	Active  *ActiveHealth
}

// PassiveHealth ejects a member after Failures failures (connection failures, timeouts, resets,
// failover statuses) within Window, for EjectFor; then one request probes it (half-open), and
// its success restores the member.
type PassiveHealth struct {
	Failures int
	Window   time.Duration
	EjectFor time.Duration
}

// ActiveHealth probes every member in the background: GET Path (the reads class) and, when
// WritePath is set, WriteMethod WritePath (the writes class), every Interval, each probe
// bounded by Timeout. A member is down after Unhealthy failed probes in a row and up again after
// Healthy good ones; a probe is good when its status is in ExpectStatus (any 2xx when empty).
type ActiveHealth struct {
	Path         string
	WritePath    string
	WriteMethod  string // default POST
	Interval     time.Duration
	Timeout      time.Duration
	Healthy      int
	Unhealthy    int
	ExpectStatus []int
}

// Method classes health is kept for.
const (
	classReads = iota
	classWrites
	numClasses
)

var classNames = [numClasses]string{"reads", "writes"}

func methodClass(method string) int {
	if failoverMethod(method) {
		return classReads
	}
	return classWrites
}

// memberKey identifies an origin across config reloads: the same id at the same URL keeps its
// health state; an origin whose URL changed is a new one.
type memberKey struct{ id, url string }

// healthRegistry holds the health of every origin in a group with health. It belongs to the
// Server, not to a Distribution, so the state survives config reloads for origins that are still
// there (as caddy keeps upstream health in a pool that outlives its config).
type healthRegistry struct {
	log *slog.Logger

	mu      sync.Mutex
	members map[memberKey]*memberHealth
}

func newHealthRegistry(log *slog.Logger) *healthRegistry {
	return &healthRegistry{log: log, members: map[memberKey]*memberHealth{}}
}

// attach gives d's groups with health their members' state, creating it for new members and
// dropping (and stopping the probes of) members d no longer has. Settings may change across
// reloads; the state stays.
func (h *healthRegistry) attach(d *Distribution) error {
	type use struct {
		cfg    *Health
		group  string
		origin *Origin
		groups []string
	}
	uses := map[memberKey]*use{}
	for _, g := range d.Groups {
		g.health = nil
		if g.Health == nil {
			continue
		}
		if err := g.Health.check(); err != nil {
			return fmt.Errorf("origin group %q: health: %w", g.ID, err)
		}
		for _, o := range g.Members {
			k := memberKey{o.ID, o.URL.String()}
			if u, ok := uses[k]; ok {
				if !reflect.DeepEqual(u.cfg, g.Health) {
					return fmt.Errorf("origin %q is a member of groups %q and %q with different health settings; health is kept per origin, so give both groups the same", o.ID, u.group, g.ID)
				}
				u.groups = append(u.groups, g.ID)
				continue
			}
			uses[k] = &use{cfg: g.Health, group: g.ID, origin: o, groups: []string{g.ID}}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, m := range h.members {
		if _, ok := uses[k]; !ok {
			m.stop()
			delete(h.members, k)
		}
	}
	for k, u := range uses {
		m := h.members[k]
		if m == nil {
			m = newMemberHealth(k.id, h.log)
			h.members[k] = m
		}
		m.configure(u.cfg, u.origin, u.groups)
	}
	for _, g := range d.Groups {
		if g.Health == nil {
			continue
		}
		g.health = make([]*memberHealth, len(g.Members))
		for i, o := range g.Members {
			g.health[i] = h.members[memberKey{o.ID, o.URL.String()}]
		}
	}
	return nil
}

// close stops every active probe.
func (h *healthRegistry) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.members {
		m.stop()
	}
}

func (c *Health) check() error {
	if c.Passive == nil && c.Active == nil {
		return fmt.Errorf("give passive, active or both")
	}
	if p := c.Passive; p != nil && (p.Failures < 1 || p.Window <= 0 || p.EjectFor <= 0) {
		return fmt.Errorf("passive needs failures, window and eject_for")
	}
	if a := c.Active; a != nil && (a.Path == "" || a.Interval <= 0 || a.Timeout <= 0 || a.Healthy < 1 || a.Unhealthy < 1) {
		return fmt.Errorf("active needs path, interval, timeout, healthy and unhealthy")
	}
	return nil
}

// Close stops the background work of the server (active health probes).
func (s *Server) Close() { s.health.close() }

// MemberHealth is one origin's health, as /api/health and /metrics show it.
type MemberHealth struct {
	Origin  string                      `json:"origin"`
	URL     string                      `json:"url"`
	Groups  []string                    `json:"groups"`
	Passive bool                        `json:"passive"`
	Active  bool                        `json:"active"`
	Classes map[string]ClassHealthState `json:"classes"` // "reads", "writes"
}

// ClassHealthState is the health of one origin for one method class.
type ClassHealthState struct {
	Healthy bool `json:"healthy"` // requests try it (not ejected, not down)
	// State is healthy; ejected (passive, until Until); half-open (a request may probe it, or
	// one is probing it now); or down (active probes fail).
	State string     `json:"state"`
	Since time.Time  `json:"since"`
	Until *time.Time `json:"until,omitempty"`
	// Reason says why it is ejected or down.
	Reason   string `json:"reason,omitempty"`
	Failures int    `json:"recent_failures"` // passive: failures within the window
	// Ejections counts how often the class was ejected or went down.
	Ejections int64 `json:"ejections"`
	// Probe is the last active probe of this class, when it is probed.
	Probe *ProbeResult `json:"last_probe,omitempty"`
}

// ProbeResult is one active health probe.
type ProbeResult struct {
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status,omitempty"`
	Error      string    `json:"error,omitempty"`
	OK         bool      `json:"ok"`
	DurationMS float64   `json:"duration_ms"`
}

// Health returns the health of every origin in a group with health, by origin id.
func (s *Server) Health() []MemberHealth {
	h := s.health
	h.mu.Lock()
	out := make([]MemberHealth, 0, len(h.members))
	for k, m := range h.members {
		out = append(out, m.snapshot(k.url, time.Now()))
	}
	h.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Origin < out[j].Origin })
	return out
}

// healthPlan is one request's view of its group's health: which members it skips. A member is
// skipped while ejected or down, unless every member is — then all are tried in order, as
// without health, so that health never makes an outage of its own.
type healthPlan struct {
	members []*memberHealth // nil: the group has no health
	class   int
	all     bool   // every member was out: try them all, as without health
	skip    uint64 // bit i: member i is skipped (members past the 64th are never skipped)
	probe   int    // the member this request probes half-open, -1 when none
}

// planHealth decides which members of the request's group are skipped.
func (tx *exchange) planHealth(method string) {
	g := tx.b.group
	tx.health = healthPlan{probe: -1}
	if g == nil || g.health == nil || tx.members != nil {
		// A function's route (tx.members) names other origins, or the group's in other roles:
		// the group's health, kept by member, does not apply to it.
		return
	}
	p := &tx.health
	p.members, p.class = g.health, methodClass(method)
	now := time.Now().UnixNano()
	p.all = true
	for i, m := range p.members {
		if i < 64 && !m.class[p.class].usable(now) {
			p.skip |= 1 << i
		} else {
			p.all = false
		}
	}
	if p.all {
		p.skip = 0
	}
}

// skipped says whether member i is skipped. A member whose ejection has run out is probed by
// exactly one request (half-open), the one that claims it; the others skip it meanwhile, unless
// it is the last member they could try.
func (p *healthPlan) skipped(i int) bool {
	if p.members == nil || p.all || i >= 64 {
		return false
	}
	if p.skip&(1<<i) != 0 {
		return true
	}
	ok, probe := p.members[i].class[p.class].claim(time.Now().UnixNano())
	if !ok && !p.last(i, len(p.members)) {
		p.skip |= 1 << i
		return true
	}
	if probe {
		p.probe = i
	}
	return false
}

// last says whether member i of n is the last one the request may try.
func (p *healthPlan) last(i, n int) bool {
	if i == n-1 {
		return true
	}
	if p.members == nil || n > 64 {
		return false
	}
	later := uint64(1)<<n - 1&^(uint64(1)<<(i+1)-1)
	return later&^p.skip == 0
}

// Outcomes of an attempt, for passive health.
const (
	outcomeNeutral = iota // nothing learnt: the viewer went away, a hook answered, the hook failed
	outcomeSuccess
	outcomeFailure
)

// observed tells member i's health what its attempt showed: the error err, or the raw status
// of the origin's answer.
func (p *healthPlan) observed(i int, g *Group, method string, err error, status int) {
	if p.members == nil || i >= len(p.members) {
		return
	}
	outcome, why := attemptOutcome(g, method, err, status)
	p.tell(i, outcome, why)
}

// unknown tells member i's health that its attempt showed nothing: the viewer went away, or an
// origin-request hook answered or failed before anything was sent. A probe claim is given back.
func (p *healthPlan) unknown(i int) {
	if p.members != nil && i < len(p.members) {
		p.tell(i, outcomeNeutral, "")
	}
}

func (p *healthPlan) tell(i, outcome int, why string) {
	m := p.members[i]
	m.class[p.class].report(m, p.class, outcome, why, i == p.probe)
	if i == p.probe {
		p.probe = -1
	}
}

// attemptOutcome classifies an attempt that failed with err or answered status, and says why
// a failure is one.
func attemptOutcome(g *Group, method string, err error, status int) (int, string) {
	if err != nil {
		return outcomeFailure, errorKind(err)
	}
	if g.FailoverOn[status] || (!failoverMethod(method) && g.WriteFailover != nil && g.WriteFailover.OnStatus[status]) {
		return outcomeFailure, "status " + strconv.Itoa(status)
	}
	return outcomeSuccess, ""
}

// skippedAttempt is the access log's and the trace's record of a member health skipped.
func skippedAttempt(m *Origin, g *Group) attemptLog {
	return attemptLog{origin: m.ID, group: g.ID, start: time.Now(), skip: "ejected"}
}
