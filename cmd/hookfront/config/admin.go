package config

import (
	"net"

	"go.yaml.in/yaml/v3"
)

// Admin is the admin listener's section.
type Admin struct {
	// Listen is host:port or "off"; empty means the default (127.0.0.1:9901), which may be
	// skipped when taken, while an address written here must be had.
	Listen        string `yaml:"listen"`
	Token         string `yaml:"token"`
	Trace         string `yaml:"trace"` // summary (default), full or off
	TraceRequests int    `yaml:"trace_requests"`
	Metrics       Switch `yaml:"metrics"` // GET /metrics (default true)
}

// Trace modes.
const (
	TraceSummary = "summary"
	TraceFull    = "full"
	TraceOff     = "off"
)

// Admin defaults.
const (
	DefaultTraceRequests = 1000
	MaxTraceRequests     = 100000
)

// Switch is a yes/no setting that knows whether it was written (its default may depend on
// other settings). It stays comparable, so that configs can be compared with ==.
type Switch struct{ On, Set bool }

// UnmarshalYAML reads a boolean.
func (s *Switch) UnmarshalYAML(n *yaml.Node) error {
	if err := n.Decode(&s.On); err != nil {
		return typeErr(n, "%q is not true or false", n.Value)
	}
	s.Set = true
	return nil
}

func (c *Config) validateAdmin(ck *checker) {
	a := &c.Admin
	if a.Listen != "" && a.Listen != "off" {
		if _, _, err := net.SplitHostPort(a.Listen); err != nil {
			ck.errorf("admin.listen", "%q is not host:port (or off)", a.Listen)
		}
	}
	switch a.Trace {
	case "":
		a.Trace = TraceSummary
	case TraceSummary, TraceFull, TraceOff:
	default:
		ck.errorf("admin.trace", "%q must be summary, full or off", a.Trace)
	}
	if a.TraceRequests == 0 {
		a.TraceRequests = DefaultTraceRequests
	} else if a.TraceRequests < 1 || a.TraceRequests > MaxTraceRequests {
		ck.errorf("admin.trace_requests", "%d is out of range (1 to %d)", a.TraceRequests, MaxTraceRequests)
	}
	if !c.Cache.Enabled.Set {
		c.Cache.Enabled.On = true
	}
	if !a.Metrics.Set {
		a.Metrics.On = true
	}
}
