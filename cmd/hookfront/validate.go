package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/hookfront/hookfront/jsruntime"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
)

// errReported means the problems were printed already; the exit code is 1.
var errReported = errors.New("the config has problems")

func validateCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (YAML or JSON)")
	strict := fs.Bool("strict", false, "also warn where the edge would behave differently from CloudFront; any warning fails")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cfgPath == "" {
		return usageError{"give --config FILE"}
	}
	cfg, err := config.Load(*cfgPath)
	var problems config.Errors
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(stderr, "error:", p)
		}
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(problems), *cfgPath)
		return errReported
	}
	if err != nil {
		return err
	}
	warnings := cfg.Warnings
	if *strict {
		warnings = append(warnings, cfg.Parity...)
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if _, err := cfg.Distribution(); err != nil {
		return err
	}
	if _, err := loadHooks(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		ps := hookProblems(err)
		for _, p := range ps {
			fmt.Fprintln(stderr, "error:", hookPath(cfg, p))
		}
		fmt.Fprintf(stderr, "%d problem(s) in the hooks of %s\n", len(ps), *cfgPath)
		return errReported
	}
	if *strict && len(warnings) > 0 {
		fmt.Fprintf(stderr, "%d warning(s) in %s (--strict)\n", len(warnings), *cfgPath)
		return errReported
	}
	fmt.Fprintf(stdout, "%s: OK (%s)\n", *cfgPath, cfg.Describe())
	return nil
}

// hookPath prefixes a hook problem with the hooks folder, so that the file:line:col it names
// can be opened from where validate ran.
func hookPath(cfg *config.Config, err error) string {
	var se *jsruntime.ScriptError
	if errors.As(err, &se) && se.File != "" {
		c := *se
		c.File = filepath.Join(cfg.Resolve(cfg.HooksDir), se.File)
		return c.Error()
	}
	return err.Error()
}
