package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults.
const (
	DefaultListen            = "127.0.0.1:8080"
	DefaultCacheSize         = 256 << 20
	DefaultViewerHookTimeout = 5 * time.Second
	DefaultOriginHookTimeout = 30 * time.Second
	DefaultDomainName        = "hookfront.local"
	DefaultDistributionID    = "HOOKFRONTLOCAL"
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadBodyTimeout   = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 32 << 10
	DefaultShutdownTimeout   = 10 * time.Second
	DefaultDebounce          = 100 * time.Millisecond
	DefaultPollInterval      = 5 * time.Second
)

// Config is a loaded, validated config.
type Config struct {
	File
	Path string // the file it came from
	// FileListen is listen as the file says (Listen may be overridden by --listen): a reload
	// warns that it cannot change only when the file changed it.
	FileListen string
	Dir        string    // its folder: relative paths in the file are relative to it
	Warnings   []Problem // things that are allowed but probably not meant
	Parity     []Problem // where the edge would behave differently from CloudFront (validate --strict)
	root       *yaml.Node

	// Overrides lays the command line's flags over the file; a reload lays them over the new
	// version too. nil: none.
	Overrides func(*Config)
}

// Load reads and validates the config at path. A config with any error is refused: the returned
// error is an Errors listing every problem with file and line.
func Load(path string) (*Config, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// MaxFileBytes bounds a config file. Real ones are a few KB; YAML takes about 90 times a file's
// size in memory to decode, so a file copied over the config by mistake (a log) must be refused
// unread, above all by a running edge that reloads it.
const MaxFileBytes = 4 << 20

// readFile reads a config file of at most MaxFileBytes.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("reading config: %s is larger than %d MB, the most a config file may be", path, MaxFileBytes>>20)
	}
	return data, nil
}

// Parse validates data as the config file named path.
func Parse(path string, data []byte) (*Config, error) {
	c, errs := parse(path, data)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// Inspect reads the config at path as Load does, but returns what it could read along with
// every problem, so that validate can go on to check the hooks of a config that has errors. The
// config is nil when the file is not YAML at all.
func Inspect(path string) (*Config, Errors, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, nil, err
	}
	c, errs := parse(path, data)
	return c, errs, nil
}

// parse decodes and validates data. Wrong types and unknown fields do not stop it: the rest is
// decoded and validated, and every problem is returned, in the order of their lines.
func parse(path string, data []byte) (*Config, Errors) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errors{SyntaxProblem(path, data, err)}
	}
	if len(root.Content) == 0 {
		return nil, Errors{{File: path, Msg: "the config is empty"}}
	}
	c := &Config{Path: path, Dir: filepath.Dir(path), root: &root}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var errs Errors
	if err := dec.Decode(&c.File); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) { // a duplicate key: decoding stopped there
			return nil, Errors{LineProblem(path, err.Error())}
		}
		errs = typeProblems(path, te)
	}
	ck := &checker{file: path, root: &root}
	c.validate(ck)
	c.Warnings = ck.warnings
	errs = append(errs, ck.errs...)
	slices.SortStableFunc(errs, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	c.FileListen = c.Listen
	c.checkParity(ck)
	return c, errs
}

// Resolve makes a path from the config file relative to its folder.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}
