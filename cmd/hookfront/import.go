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

func importCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the config to this file (and stubs for hooks, functions and stores next to it) instead of stdout")
	origins := &pairs{flag: "--origin", m: map[string]string{}}
	functions := &pairs{flag: "--function", m: map[string]string{}}
	stores := &pairs{flag: "--kvs", m: map[string]string{}}
	var policies, fnConfigs files
	fs.Var(origins, "origin", "ID=URL: the URL for origin ID (needed for S3 origins); repeatable")
	fs.Var(functions, "function", "NAME-or-ARN=FILE: the file (in --hooks-dir) of a Lambda@Edge function or a CloudFront Function; repeatable")
	hooksDir := fs.String("hooks-dir", "hooks", "the hooks folder, relative to the config")
	fs.Var(&policies, "policies", "FILE: JSON of get-cache-policy, get-origin-request-policy or get-response-headers-policy (or list-*); repeatable")
	fs.Var(&fnConfigs, "function-config", "FILE: JSON of describe-function (or list-functions): a CloudFront Function's runtime and key value store; repeatable")
	fs.Var(stores, "kvs", "NAME-or-ARN=FILE: the file (relative to the config, CloudFront's import format) of a key value store; NAME is the last part of its ARN; repeatable")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: hookfront import FILE.json [-o hookfront.yaml] [--origin ID=URL]... [--function NAME-or-ARN=FILE]... [--hooks-dir DIR] [--policies FILE]... [--function-config FILE]... [--kvs NAME-or-ARN=FILE]...")
		fs.PrintDefaults()
	}
	cmdline := args
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	src, err := oneArg(rest, "distribution file")
	if err != nil {
		return err
	}
	if src == "" {
		return usageError{"give the distribution: hookfront import FILE.json (the output of aws cloudfront get-distribution-config)"}
	}
	data, err := readImportFile(src)
	if err != nil {
		return fmt.Errorf("reading the distribution: %w", err)
	}
	opt := importer.Options{Source: src, Origins: origins.m, Functions: functions.m, HooksDir: filepath.ToSlash(*hooksDir),
		Stores: stores.m, Command: "hookfront import " + strings.Join(cmdline, " ")}
	if opt.Policies, err = readFiles("--policies", policies); err != nil {
		return err
	}
	if opt.FunctionConfigs, err = readFiles("--function-config", fnConfigs); err != nil {
		return err
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

func readFiles(flag string, names []string) ([]importer.File, error) {
	var out []importer.File
	for _, n := range names {
		b, err := readImportFile(n)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", flag, err)
		}
		out = append(out, importer.File{Name: n, Data: b})
	}
	return out, nil
}

// maxImportBytes bounds a file import reads. CloudFront's quotas keep a distribution's JSON and
// its policies' far below it; decoding JSON takes about a hundred times a file's size in memory.
const maxImportBytes = 4 << 20

// readImportFile reads a JSON file of at most maxImportBytes.
func readImportFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxImportBytes {
		return nil, fmt.Errorf("%s is larger than %d MB: no CloudFront distribution's JSON is this large", name, maxImportBytes>>20)
	}
	return b, nil
}

// writeImport writes the config and, next to it, a pass-through stub for every bound hook or
// function that no --function named and an empty store for every key value store no --kvs
// named, each unless the file exists (existing files are never overwritten).
func writeImport(path string, res *importer.Result) error {
	base := filepath.Dir(path)
	if res.HooksDir != "" {
		dir := filepath.Join(base, filepath.FromSlash(res.HooksDir))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating the hooks folder: %w", err)
		}
		for _, s := range res.Stubs {
			if err := writeNew(filepath.Join(dir, filepath.FromSlash(s.File)), s.Code()); err != nil {
				return fmt.Errorf("writing a stub for %s: %w", s.Function, err)
			}
		}
	}
	for _, f := range res.Stores {
		if err := writeNew(filepath.Join(base, filepath.FromSlash(f)), []byte(importer.EmptyStore)); err != nil {
			return fmt.Errorf("writing an empty key value store: %w", err)
		}
	}
	if err := os.WriteFile(path, res.Config, 0o644); err != nil {
		return fmt.Errorf("writing the config: %w", err)
	}
	return nil
}

// writeNew writes a file, and its folder, unless the file exists.
func writeNew(path string, data []byte) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
