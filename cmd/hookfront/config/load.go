package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	Path     string    // the file it came from
	Dir      string    // its folder: relative paths in the file are relative to it
	Warnings []Problem // things that are allowed but probably not meant
}

// Load reads and validates the config at path. A config with any error is refused: the returned
// error is an Errors listing every problem with file and line.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(path, data)
}

// Parse validates data as the config file named path.
func Parse(path string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, decodeProblems(path, err)
	}
	c := &Config{Path: path, Dir: filepath.Dir(path)}
	if len(root.Content) == 0 {
		return nil, Errors{{File: path, Msg: "the config is empty"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c.File); err != nil && !errors.Is(err, io.EOF) {
		return nil, decodeProblems(path, err)
	}
	ck := &checker{file: path, root: &root}
	c.validate(ck)
	c.Warnings = ck.warnings
	if len(ck.errs) > 0 {
		return nil, ck.errs
	}
	return c, nil
}

// Resolve makes a path from the config file relative to its folder.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}
