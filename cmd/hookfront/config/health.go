package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hookfront/hookfront/edge"
)

// GroupHealth is an origin group's health section (beyond CloudFront, opt-in).
type GroupHealth struct {
	Passive *PassiveHealth `yaml:"passive"`
	Active  *ActiveHealth  `yaml:"active"`
}

// PassiveHealth ejects a member after failures within a window.
type PassiveHealth struct {
	Failures int      `yaml:"failures"`
	Window   Duration `yaml:"window"`
	EjectFor Duration `yaml:"eject_for"`
}

// ActiveHealth probes every member in the background.
type ActiveHealth struct {
	Path         string   `yaml:"path"`
	Interval     Duration `yaml:"interval"`
	Timeout      Duration `yaml:"timeout"`
	Healthy      int      `yaml:"healthy"`
	Unhealthy    int      `yaml:"unhealthy"`
	ExpectStatus []int    `yaml:"expect_status"`
	WritePath    string   `yaml:"write_path"`
	WriteMethod  string   `yaml:"write_method"`
}

// Health defaults.
const (
	DefaultHealthFailures  = 5
	DefaultHealthWindow    = 10 * time.Second
	DefaultHealthEjectFor  = 30 * time.Second
	DefaultHealthInterval  = 5 * time.Second
	DefaultHealthTimeout   = 2 * time.Second
	DefaultHealthHealthy   = 2
	DefaultHealthUnhealthy = 3
)

func (c *Config) validateHealth(ck *checker, at string, h *GroupHealth) {
	if h.Passive == nil && h.Active == nil {
		ck.errorf(at, "give passive, active or both")
		return
	}
	if p := h.Passive; p != nil {
		if p.Failures == 0 {
			p.Failures = DefaultHealthFailures
		} else if p.Failures < 1 || p.Failures > 100 {
			ck.errorf(at+".passive.failures", "%d is out of range (1 to 100)", p.Failures)
		}
		defaultDur(&p.Window, DefaultHealthWindow)
		defaultDur(&p.EjectFor, DefaultHealthEjectFor)
		rangeCheck(ck, at+".passive.window", p.Window.Duration, time.Second, time.Hour)
		rangeCheck(ck, at+".passive.eject_for", p.EjectFor.Duration, time.Second, time.Hour)
	}
	a := h.Active
	if a == nil {
		return
	}
	if !strings.HasPrefix(a.Path, "/") {
		ck.errorf(at+".active.path", "give the path probed, starting with / (e.g. /healthz)")
	}
	defaultDur(&a.Interval, DefaultHealthInterval)
	defaultDur(&a.Timeout, DefaultHealthTimeout)
	rangeCheck(ck, at+".active.interval", a.Interval.Duration, time.Second, time.Hour)
	rangeCheck(ck, at+".active.timeout", a.Timeout.Duration, 100*time.Millisecond, time.Minute)
	for _, n := range []struct {
		field string
		v     *int
		def   int
	}{{"healthy", &a.Healthy, DefaultHealthHealthy}, {"unhealthy", &a.Unhealthy, DefaultHealthUnhealthy}} {
		if *n.v == 0 {
			*n.v = n.def
		} else if *n.v < 1 || *n.v > 10 {
			ck.errorf(at+".active."+n.field, "%d is out of range (1 to 10)", *n.v)
		}
	}
	for j, st := range a.ExpectStatus {
		if st < 100 || st > 599 {
			ck.errorf(fmt.Sprintf("%s.active.expect_status[%d]", at, j), "%d is not a status code", st)
		}
	}
	switch {
	case a.WritePath == "" && a.WriteMethod != "":
		ck.errorf(at+".active.write_method", "needs write_path: the path probed with it")
	case a.WritePath == "":
	case !strings.HasPrefix(a.WritePath, "/"):
		ck.errorf(at+".active.write_path", "%q must start with /", a.WritePath)
	case a.WriteMethod == "":
		a.WriteMethod = "POST"
	default:
		a.WriteMethod = strings.ToUpper(a.WriteMethod)
		if !slices.Contains([]string{"POST", "PUT", "PATCH", "DELETE"}, a.WriteMethod) {
			ck.errorf(at+".active.write_method", "%q is not a write method (POST, PUT, PATCH or DELETE)", a.WriteMethod)
		}
	}
}

// validateSharedHealth refuses an origin that two groups with health describe differently:
// health is kept per origin.
func (c *Config) validateSharedHealth(ck *checker) {
	first := map[string]int{} // origin id → index of the first group with health that has it
	for i, g := range c.OriginGroups {
		if g.Health == nil {
			continue
		}
		for _, id := range g.MemberIDs() {
			j, seen := first[id]
			if !seen {
				first[id] = i
				continue
			}
			if !reflect.DeepEqual(c.OriginGroups[j].Health, g.Health) {
				ck.errorf(fmt.Sprintf("origin_groups[%d].health", i), "origin %q is also in group %q, whose health settings differ; health is kept per origin, so give both groups the same", id, c.OriginGroups[j].ID)
			}
		}
	}
}

// edge turns the section into the edge's settings (nil: no health).
func (h *GroupHealth) edge() *edge.Health {
	if h == nil {
		return nil
	}
	out := &edge.Health{}
	if p := h.Passive; p != nil {
		out.Passive = &edge.PassiveHealth{Failures: p.Failures, Window: p.Window.Duration, EjectFor: p.EjectFor.Duration}
	}
	if a := h.Active; a != nil {
		out.Active = &edge.ActiveHealth{Path: a.Path, WritePath: a.WritePath, WriteMethod: a.WriteMethod, Interval: a.Interval.Duration,
			Timeout: a.Timeout.Duration, Healthy: a.Healthy, Unhealthy: a.Unhealthy, ExpectStatus: a.ExpectStatus}
	}
	return out
}
