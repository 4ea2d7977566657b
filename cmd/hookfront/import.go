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

	"github.com/hookfront/hookfront/cmd/hookfront/importer"
)

// pairs is a repeatable NAME=VALUE flag.
type pairs struct {
	flag string
	m    map[string]string
}

func (p *pairs) String() string { return "" }

func (p *pairs) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" || val == "" {
		return fmt.Errorf("%s wants NAME=VALUE, not %q", p.flag, v)
	}
	p.m[k] = val
	return nil
}

// files is a repeatable file flag.
type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

const stubHook = `// Written by ` + "`hookfront import`" + ` for the Lambda@Edge function
//   %s (%s)
// Put the function's code here; until then this passes the request or response through.
'use strict';

exports.handler = async (event) => {
  const cf = event.Records[0].cf;
  return cf.response || cf.request;
};
`

func importCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the config to this file (and hook stubs next to it) instead of stdout")
	origins := &pairs{flag: "--origin", m: map[string]string{}}
	functions := &pairs{flag: "--function", m: map[string]string{}}
	var policies files
	fs.Var(origins, "origin", "ID=URL: the URL for origin ID (needed for S3 origins); repeatable")
	fs.Var(functions, "function", "NAME-or-ARN=FILE: the hook file (in --hooks-dir) of a Lambda@Edge function; repeatable")
	hooksDir := fs.String("hooks-dir", "hooks", "the hooks folder, relative to the config")
	fs.Var(&policies, "policies", "FILE: JSON of get-cache-policy, get-origin-request-policy or get-response-headers-policy (or list-*); repeatable")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: hookfront import FILE.json [-o hookfront.yaml] [--origin ID=URL]... [--function NAME-or-ARN=FILE]... [--hooks-dir DIR] [--policies FILE]...")
		fs.PrintDefaults()
	}
	cmdline := args
	// The file may come before the flags, as the usage line writes it.
	var src string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		src, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if src == "" && fs.NArg() > 0 {
		src = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("one distribution file at a time (also got %s)", strings.Join(fs.Args(), " "))}
	}
	if src == "" {
		return usageError{"give the distribution: hookfront import FILE.json (the output of aws cloudfront get-distribution-config)"}
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("reading the distribution: %w", err)
	}
	opt := importer.Options{Source: src, Origins: origins.m, Functions: functions.m, HooksDir: filepath.ToSlash(*hooksDir),
		Command: "hookfront import " + strings.Join(cmdline, " ")}
	for _, p := range policies {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("reading --policies: %w", err)
		}
		opt.Policies = append(opt.Policies, importer.PolicyFile{Name: p, Data: b})
	}
	res, err := importer.Import(data, opt)
	var ie *importer.InputError
	if errors.As(err, &ie) {
		fmt.Fprintln(stderr, "hookfront import:", ie.Msg)
		return errReported
	}
	if err != nil {
		return err
	}
	for _, n := range res.Unmapped {
		fmt.Fprintln(stderr, "not mapped:", n)
	}
	for _, n := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", n)
	}
	if *out == "" {
		_, err := stdout.Write(res.Config)
		fmt.Fprintf(stderr, "imported %s: %s; %d field(s) not mapped\n", src, res.Summary, len(res.Unmapped))
		return err
	}
	if err := writeImport(*out, res); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "imported %s into %s: %s; %d field(s) not mapped\n", src, *out, res.Summary, len(res.Unmapped))
	// What was written must pass validate; say so, or say why not.
	return validateCmd(context.Background(), []string{"--config", *out}, stdout, stderr)
}

// writeImport writes the config and, next to it, a pass-through stub for every bound hook that
// no --function named and that does not exist yet (existing files are never overwritten).
func writeImport(path string, res *importer.Result) error {
	if res.HooksDir != "" {
		dir := filepath.Join(filepath.Dir(path), filepath.FromSlash(res.HooksDir))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating the hooks folder: %w", err)
		}
		for _, s := range res.Stubs {
			f := filepath.Join(dir, filepath.FromSlash(s.File))
			if _, err := os.Stat(f); err == nil {
				continue
			}
			if err := os.WriteFile(f, fmt.Appendf(nil, stubHook, s.Function, s.Trigger), 0o644); err != nil {
				return fmt.Errorf("writing a hook stub: %w", err)
			}
		}
	}
	if err := os.WriteFile(path, res.Config, 0o644); err != nil {
		return fmt.Errorf("writing the config: %w", err)
	}
	return nil
}
