package testrun

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/event/sample"
	"github.com/hookfront/hookfront/jsruntime"
)

// suite is what a group of test files runs against: a config (from --config, or one made as
// `serve --hooks DIR` makes it) and its hooks folder as read at the start of the run.
type suite struct {
	cfg      *config.Config
	byName   bool   // no config file: hooks bind by file name, origins are "origin" or primary/secondary
	hooksDir string // "" when the config has no hooks folder
	src      jsruntime.Source
	srcErr   error    // the hooks folder could not be read
	paths    []string // its test files
	files    []*testFile
	hookRT   *hookRuntime
}

// read snapshots the hooks folder and compiles the hooks the suite's hook cases name.
func (s *suite) read() {
	s.src, s.srcErr = jsruntime.Source{Files: map[string][]byte{}}, nil
	if s.hooksDir != "" {
		s.src, s.srcErr = hooks.ReadDir(s.hooksDir)
	}
	var entries []string
	for _, f := range s.files {
		for _, c := range f.cases {
			if hc, ok := c.run.(*hookCase); ok {
				if _, exists := s.src.Files[hc.Hook]; exists && !slices.Contains(entries, hc.Hook) {
					entries = append(entries, hc.Hook)
				}
			}
		}
	}
	slices.Sort(entries)
	s.hookRT = newHookRuntime(s.src, entries)
}

// bindings are how the suite's config binds hook files.
func (s *suite) bindings() hooks.Bindings {
	b, _ := s.cfg.Hooks()(s.src) // a binding error fails distribution cases when they load
	return b
}

// binder names what binds hook files in this suite, for messages.
func (s *suite) binder() string {
	if s.byName {
		return "its name (without --config, a file binds by its name: viewer-request.js, functions/viewer-request.js, ...)"
	}
	return "the config"
}

// configHint points at a config file in a folder bound by name, which the user probably meant
// the run to use: `hookfront test examples/hooks/x.test.yaml` binds nothing without it.
func (s *suite) configHint() string {
	if !s.byName {
		return ""
	}
	for _, name := range []string{"hookfront.yaml", "hookfront.yml", "hookfront.json"} {
		if cfg := filepath.Join(s.hooksDir, name); fileExists(cfg) {
			return "; to bind it as " + shownPath(cfg) + " does, run with --config " + shownPath(cfg)
		}
	}
	return ""
}

// triggersOf lists the triggers file is bound to by the bindings match accepts.
func (s *suite) triggersOf(file string, match func(hooks.Binding) bool) []event.Trigger {
	var out []event.Trigger
	for _, triggers := range s.bindings() {
		for t, b := range triggers {
			if b.File == file && match(b) && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}

// timeout is the time limit of trigger t's hooks.
func (s *suite) timeout(t event.Trigger) time.Duration {
	if t.IsViewer() {
		return s.cfg.HookTimeouts.Viewer.Duration
	}
	return s.cfg.HookTimeouts.Origin.Duration
}

// eventDefaults are what the short events of a hook file's cases are completed with: the
// config's names, and in origin events the origin of the behavior the file is bound to (the
// group's primary); CloudFront's example values when there is no config file.
func (s *suite) eventDefaults(file string, t event.Trigger) sample.Defaults {
	if s.byName {
		return sample.Defaults{}
	}
	d := sample.Defaults{DomainName: s.cfg.DomainName, DistributionID: s.cfg.DistributionID}
	for _, b := range s.cfg.Behaviors {
		if hb, ok := b.Hooks[string(t)]; !ok || hb.File != file {
			continue
		}
		target := b.Target
		for _, g := range s.cfg.OriginGroups {
			if g.ID == target {
				target = g.MemberIDs()[0]
			}
		}
		for _, o := range s.cfg.Origins {
			if o.ID == target {
				d.Origin = originFields(o)
			}
		}
		break
	}
	return d
}

// originFields are request.origin.custom as the edge shows origin o to hooks.
func originFields(o config.Origin) map[string]any {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		port = p
	}
	headers := map[string]any{}
	for k, v := range o.CustomHeaders {
		headers[k] = v
	}
	return map[string]any{"domainName": u.Hostname(), "port": float64(port), "protocol": u.Scheme,
		"path": strings.TrimSuffix(u.Path, "/"), "readTimeout": o.ResponseTimeout.Seconds(),
		"keepaliveTimeout": o.KeepaliveTimeout.Seconds(), "customHeaders": headers, "sslProtocols": []any{"TLSv1.2"}}
}

// hookPath is a hook file as the report names it.
func (s *suite) hookPath(file string) string {
	if s.hooksDir == "" {
		return file
	}
	return filepath.Join(s.hooksDir, filepath.FromSlash(file))
}

// runCase runs one case; it never panics the run.
func (s *suite) runCase(ctx context.Context, c *testCase) *result {
	r := &result{File: c.file.shown, Name: c.name, Kind: c.kind, Line: c.line}
	start := time.Now()
	c.run.run(ctx, s, r)
	r.Duration = time.Since(start)
	return r
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
