package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"

	"github.com/hookfront/hookfront/cmd/hookfront/testrun"
)

// testCmd runs test files: hook cases, CloudFront Function cases and distribution cases with
// scripted origins.
func testCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opt := testrun.Options{Stdout: stdout, Stderr: stderr}
	fs.StringVar(&opt.Config, "config", "", "config file: its behaviors, hooks and error pages (default test files: under its hooks folder and tests/ beside it)")
	fs.StringVar(&opt.Hooks, "hooks", "", "hooks folder, bound as serve --hooks DIR binds it (default test files: under it)")
	run := fs.String("run", "", "run only the cases whose name matches this regular expression")
	fs.StringVar(&opt.JUnit, "junit", "", "write JUnit XML to this file")
	fs.BoolVar(&opt.JSON, "json", false, "print the results as JSON on stdout")
	fs.BoolVar(&opt.Watch, "watch", false, "run again, the cases a change affects, on every save")
	paths, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	opt.Paths = paths
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			return usageError{fmt.Sprintf("--run: %v", err)}
		}
		opt.Run = re
	}
	err = testrun.Run(ctx, opt)
	var ue *testrun.UsageError
	switch {
	case errors.As(err, &ue):
		return usageError{ue.Error()}
	case errors.Is(err, testrun.ErrFailed):
		return errReported
	}
	return err
}
