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
	"time"

	"github.com/hookfront/hookfront/hooks/functions"
	"github.com/hookfront/hookfront/jsruntime"
)

// functionFlags are invoke's flags for a CloudFront Function.
type functionFlags struct {
	runtime string
	kvs     string
	now     string
}

func (f *functionFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.runtime, "runtime", "", "run FILE as a CloudFront Function of this runtime (cloudfront-js-1.0 or cloudfront-js-2.0), as CloudFront's TestFunction does")
	fs.StringVar(&f.kvs, "kvs", "", "key value store file (CloudFront's import format) that cf.kvs() opens; with --runtime")
	fs.StringVar(&f.now, "now", "", "the function's clock, RFC 3339 (2030-01-02T03:04:05Z); with --runtime")
}

// invokeFunction runs a CloudFront Function once, as CloudFront's TestFunction does: stdout gets
// the FunctionOutput ({"request": ...} or {"response": ...}, with the origin helper calls made),
// or {"error": "..."} and exit code 1; the compute utilization and the console lines (as log
// lines) go to stderr.
func invokeFunction(ctx context.Context, fs *flag.FlagSet, file, eventPath string, ff functionFlags, stdout, stderr io.Writer, log *slog.Logger) error {
	rt := jsruntime.FunctionRuntime(ff.runtime)
	if !rt.Valid() {
		return usageError{fmt.Sprintf("--runtime %q: give cloudfront-js-1.0 or cloudfront-js-2.0", ff.runtime)}
	}
	budget := time.Second // a dev tool's cold runtime on a busy machine; the edge uses hook_timeouts.function
	if set(fs, "timeout") {
		budget = fs.Lookup("timeout").Value.(flag.Getter).Get().(time.Duration)
	}
	var now time.Time
	if ff.now != "" {
		t, err := time.Parse(time.RFC3339Nano, ff.now)
		if err != nil {
			return usageError{fmt.Sprintf("--now %q is not an RFC 3339 time such as 2030-01-02T03:04:05Z", ff.now)}
		}
		now = t
	}
	fail := func(err error) error {
		_, _ = stdout.Write(functions.FormatTestError(err))
		return errReported
	}
	eventJSON, err := os.ReadFile(eventPath)
	if err != nil {
		return fail(fmt.Errorf("reading the event: %w", err))
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return fail(fmt.Errorf("reading the function: %w", err))
	}
	var store *functions.Store
	if ff.kvs != "" {
		data, err := os.ReadFile(ff.kvs)
		if err != nil {
			return fail(fmt.Errorf("reading the key value store: %w", err))
		}
		st, _ := os.Stat(ff.kvs)
		if store, err = functions.ParseStore(filepath.Base(ff.kvs), ff.kvs, data, st.ModTime()); err != nil {
			return fail(err)
		}
	}
	res, err := functions.Test(ctx, filepath.Base(file), src, rt, eventJSON, store, now, functions.Options{Budget: budget, Log: log})
	fmt.Fprintf(stderr, "compute utilization: %d\n", res.ComputeUtilization)
	if err != nil {
		return fail(functionError(filepath.Dir(file), err))
	}
	_, err = stdout.Write(res.Output)
	return err
}

// functionError prefixes the positions in a function's error with its folder, so that
// file:line:column can be opened from where invoke ran.
func functionError(dir string, err error) error {
	var se *jsruntime.ScriptError
	if errors.As(err, &se) && se.File != "" {
		var fe *functions.Error
		if errors.As(err, &fe) {
			return fmt.Errorf("%s: %s", fe.Kind, scriptErr(dir, se))
		}
	}
	return scriptErr(dir, err)
}

// set reports whether the flag was given on the command line.
func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
