package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/jsruntime"
)

// invokeCmd runs one hook once on an event, like `sam local invoke`: the handler's result is
// printed as JSON on stdout; logs and validation problems go to stderr.
func invokeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	eventPath := fs.String("event", "", "event JSON file (required)")
	ctxPath := fs.String("context", "", "JSON file whose fields are laid over the context object")
	handler := fs.String("handler", "handler", "name of the exported handler")
	root := fs.String("hooks", "", "folder relative requires resolve in (default: the hook file's folder)")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit of the call (at most 60s)")
	strict := fs.Bool("strict", false, "exit 1 when CloudFront would reject the result (a LambdaValidationError), not only warn")
	var fn functionFlags
	fn.register(fs)
	var lf logFlags
	lf.register(fs)
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	file, err := oneArg(rest, "hook file")
	if err != nil {
		return err
	}
	if file == "" || *eventPath == "" {
		return usageError{"usage: hookfront invoke FILE.js --event EVENT.json [--context CONTEXT.json] [--handler NAME] [--hooks DIR] [--timeout 30s] [--strict] | [--runtime cloudfront-js-2.0 [--kvs FILE] [--now RFC3339]]"}
	}
	if *timeout <= 0 || *timeout > jsruntime.MaxTimeout {
		return usageError{fmt.Sprintf("--timeout must be more than 0 and at most %v", jsruntime.MaxTimeout)}
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	if fn.runtime != "" {
		return invokeFunction(ctx, fs, file, *eventPath, fn, stdout, stderr, log)
	}
	eventJSON, err := os.ReadFile(*eventPath)
	if err != nil {
		return fmt.Errorf("reading the event: %w", err)
	}
	var ctxJSON []byte
	if *ctxPath != "" {
		if ctxJSON, err = os.ReadFile(*ctxPath); err != nil {
			return fmt.Errorf("reading the context: %w", err)
		}
	}
	dir := *root
	if dir == "" {
		dir = filepath.Dir(file)
	}
	rel, err := filepath.Rel(dir, file)
	if err != nil {
		return fmt.Errorf("the hook file must be inside --hooks: %w", err)
	}
	rel = filepath.ToSlash(rel)
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("reading the hook: %w", err)
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return usageError{fmt.Sprintf("%s is outside --hooks %s, the folder its requires resolve in", file, dir)}
	}
	src, err := hooks.NewFolder(dir, log).Read() // warns about links leading outside the folder
	if err != nil {
		return err
	}
	if _, ok := src.Files[rel]; !ok {
		return fmt.Errorf("%s: not a hook file (want .js, .cjs, .mjs, .ts, .mts or .cts)", file)
	}
	bundle, err := jsruntime.Compile(src, []string{rel}, jsruntime.Options{Log: log, MaxPool: 1, DefaultTimeout: *timeout})
	if err != nil {
		return scriptErr(dir, err)
	}
	pool := jsruntime.NewPool(bundle)
	defer pool.Close()
	res, err := pool.Call(ctx, jsruntime.Call{Entry: rel, Export: *handler, EventJSON: string(eventJSON), ContextJSON: string(ctxJSON),
		Timeout: *timeout, FunctionName: filepath.Base(file), RequestID: "invoke", JSON: true})
	if err != nil {
		return scriptErr(dir, err)
	}
	fmt.Fprintln(stdout, res.(string))
	if verr := hooks.CheckResult(string(eventJSON), res.(string)); verr != nil {
		if hooks.IsInvalidResult(verr) {
			verr = fmt.Errorf("CloudFront would reject this result (LambdaValidationError, 502): %w", verr)
		} else {
			verr = fmt.Errorf("cannot check the result against CloudFront's rules: %w", verr)
		}
		if *strict {
			return verr
		}
		fmt.Fprintln(stderr, "warning:", verr)
	}
	return nil
}

// scriptErr prefixes script errors with the folder, so that file:line:col can be opened.
func scriptErr(dir string, err error) error {
	var out []string
	for _, p := range hookProblems(err) {
		var se *jsruntime.ScriptError
		if errors.As(p, &se) && se.File != "" {
			c := *se
			c.File = filepath.Join(dir, se.File)
			out = append(out, c.Error())
		} else {
			out = append(out, p.Error())
		}
	}
	if len(out) == 1 {
		return errors.New(out[0])
	}
	return fmt.Errorf("%d problems:\n%s", len(out), strings.Join(out, "\n"))
}
