package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/cmd/hookfront/deploylimits"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/jsruntime"
)

// errReported means the problems were printed already; the exit code is 1.
var errReported = errors.New("the config has problems")

// findings are what validate prints: problems fail it, warnings do not; what CloudFront would
// refuse to deploy is a warning, or a problem with --strict.
type findings struct{ problems, warnings, deploy []string }

func validateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (YAML or JSON)")
	hooksDir := fs.String("hooks", "", "hooks folder, bound as serve --hooks binds it (files named after a trigger bind to it)")
	strict := fs.Bool("strict", false, "also warn where the edge would behave differently from CloudFront, and make what CloudFront would refuse to deploy an error; any warning fails")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(rest, true); err != nil {
		return err
	}
	if (*cfgPath == "") == (*hooksDir == "") {
		return usageError{"give --config FILE or --hooks DIR"}
	}
	var f findings
	var what, summary string
	if *cfgPath != "" {
		what = *cfgPath
		summary, err = validateConfig(ctx, *cfgPath, *strict, &f)
	} else {
		what = *hooksDir
		summary, err = validateHooksDir(ctx, *hooksDir, &f)
	}
	if err != nil {
		return err
	}
	for _, d := range f.deploy {
		d = "CloudFront would refuse this: " + d
		if *strict {
			f.problems = append(f.problems, d)
		} else {
			f.warnings = append(f.warnings, d)
		}
	}
	for _, p := range f.problems {
		fmt.Fprintln(stderr, "error:", p)
	}
	for _, w := range f.warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if len(f.problems) > 0 {
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(f.problems), what)
		return errReported
	}
	if *strict && len(f.warnings) > 0 {
		fmt.Fprintf(stderr, "%d warning(s) in %s (--strict)\n", len(f.warnings), what)
		return errReported
	}
	fmt.Fprintf(stdout, "%s: OK (%s)\n", what, summary)
	return nil
}

// validateConfig checks the config at path and every hook it binds. Problems in the config do
// not stop the hooks from being checked, as long as the file is YAML and names a hooks folder.
// With strict, where the edge would behave differently from CloudFront is a warning too.
func validateConfig(ctx context.Context, path string, strict bool, f *findings) (string, error) {
	cfg, problems, err := config.Inspect(path)
	if err != nil {
		return "", err
	}
	for _, p := range problems {
		f.problems = append(f.problems, p.String())
	}
	if cfg == nil {
		return "", nil
	}
	warnings := cfg.Warnings
	if strict {
		warnings = append(warnings, cfg.Parity...)
	}
	for _, w := range warnings {
		f.warnings = append(f.warnings, w.String())
	}
	if len(problems) == 0 {
		if _, err := cfg.Distribution(); err != nil { // error page files are read here
			f.problems = append(f.problems, err.Error())
		}
	}
	dir := cfg.Resolve(cfg.HooksDir)
	if st, err := os.Stat(dir); cfg.HooksDir == "" || err != nil || !st.IsDir() {
		deployLimits(cfg, "", jsruntime.Source{}, nil, f)
		return cfg.Describe(), nil // no hooks, or a folder the config problems name already
	}
	src := checkHooks(ctx, cfg, dir, newHooks(cfg, quietLog(), nil), f)
	bindings, _ := cfg.Hooks()(src)
	deployLimits(cfg, dir, src, bindings, f)
	return cfg.Describe(), nil
}

// validateHooksDir checks a hooks folder as `serve --hooks DIR` binds it: each file named after a
// trigger must load, and a file named nearly like one gets a warning.
func validateHooksDir(ctx context.Context, dir string, f *findings) (string, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s is not a folder", dir)
	}
	bind := hooks.ByTriggerName("*")
	src := checkHooks(ctx, nil, dir, hooks.NewRegistry(hooks.Options{Log: quietLog()}, bind), f)
	for _, n := range triggerNameHints(src) {
		f.warnings = append(f.warnings, fmt.Sprintf("%s: binds no trigger; did you mean %s?", filepath.Join(dir, n.file), n.suggestion))
	}
	bindings, _ := bind(src) // an error is among the problems already
	deployLimits(nil, dir, src, bindings, f)
	var bound []string
	for _, b := range bindings["*"] {
		bound = append(bound, b.File)
	}
	sort.Strings(bound)
	if len(bound) == 0 {
		return "no hooks: name files viewer-request.js, origin-request.js, origin-response.js or viewer-response.js", nil
	}
	return "hooks: " + strings.Join(bound, ", "), nil
}

// checkHooks reads the folder and adds every problem of the hooks reg binds in it, a missing file
// at the lines of cfg (nil without a config file) that bind it. It returns what it read.
func checkHooks(ctx context.Context, cfg *config.Config, dir string, reg *hooks.Registry, f *findings) jsruntime.Source {
	src, err := hooks.ReadDir(dir)
	if err != nil {
		f.problems = append(f.problems, err.Error())
		return src
	}
	for _, err := range reg.Check(ctx, src) {
		if cfg != nil && errors.Is(err, hooks.ErrFunctionPlacement) {
			continue // the config's own check names it at the binding's line
		}
		for _, p := range hookProblems(placeMissing(cfg, dir, src, err)) {
			f.problems = append(f.problems, hookPath(dir, p))
		}
	}
	return src
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// hookPath prefixes a hook problem with the hooks folder, so that the file:line:col it names
// can be opened from where validate ran.
func hookPath(dir string, err error) string {
	var se *jsruntime.ScriptError
	if errors.As(err, &se) && se.File != "" {
		c := *se
		c.File = filepath.Join(dir, se.File)
		return c.Error()
	}
	return err.Error()
}

// deployLimits adds what CloudFront would refuse to deploy.
func deployLimits(cfg *config.Config, dir string, src jsruntime.Source, bindings hooks.Bindings, f *findings) {
	for _, d := range deploylimits.Check(cfg, dir, src, bindings) {
		f.deploy = append(f.deploy, d.String())
	}
}
