package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// FlagConfig describes a config given on the command line instead of a file.
type FlagConfig struct {
	Origin        string
	Secondary     string
	HooksDir      string
	Listen        string
	FailoverCodes string // comma-separated; default 500,502,503,504
}

// FlagsPath is the Path of a config built from flags.
const FlagsPath = "command line"

// FromFlags builds and validates the config of `serve --origin URL [--secondary URL]`: one
// behavior "*" with the origin, or a group of the two.
func FromFlags(fc FlagConfig) (*Config, error) {
	c := &Config{Path: FlagsPath, Dir: "."}
	f := &c.File
	f.Listen, f.HooksDir = fc.Listen, fc.HooksDir
	if fc.HooksDir != "" {
		abs, err := filepath.Abs(fc.HooksDir)
		if err != nil {
			return nil, fmt.Errorf("hooks folder: %w", err)
		}
		f.HooksDir = abs
	}
	if fc.FailoverCodes != "" && fc.Secondary == "" {
		return nil, Errors{{File: c.Path, Field: "--failover-codes", Msg: "it chooses when an origin group fails over: give --secondary URL too"}}
	}
	f.Origins = []Origin{{ID: "origin", URL: fc.Origin}}
	target := "origin"
	if fc.Secondary != "" {
		f.Origins[0].ID = "primary"
		f.Origins = append(f.Origins, Origin{ID: "secondary", URL: fc.Secondary})
		g := OriginGroup{ID: "group", Primary: "primary", Secondary: "secondary"}
		if fc.FailoverCodes != "" {
			for _, s := range strings.Split(fc.FailoverCodes, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil {
					return nil, Errors{{File: c.Path, Field: "--failover-codes", Msg: fmt.Sprintf("%q is not a status code", s)}}
				}
				g.FailoverStatusCodes = append(g.FailoverStatusCodes, n)
			}
		}
		f.OriginGroups = []OriginGroup{g}
		target = "group"
	}
	f.Behaviors = []Behavior{{PathPattern: "*", Target: target}}
	// Without a config file hookfront is a development tool: full traces, and a hooks edit is
	// never hidden behind responses cached by the old code.
	f.Admin.Trace = TraceFull
	f.Watch.InvalidateOnReload = Switch{On: true, Set: true}
	ck := &checker{file: c.Path}
	c.validate(ck)
	c.Warnings = ck.warnings
	if len(ck.errs) > 0 {
		for i := range ck.errs {
			ck.errs[i].Field = flagName(ck.errs[i].Field)
		}
		return nil, ck.errs
	}
	return c, nil
}

// flagName maps a config field back to the flag that set it.
func flagName(field string) string {
	switch {
	case strings.HasPrefix(field, "origins[0]"):
		return "--origin"
	case strings.HasPrefix(field, "origins[1]"):
		return "--secondary"
	case strings.HasPrefix(field, "origin_groups"):
		return "--failover-codes"
	case field == "listen":
		return "--listen"
	case field == "hooks_dir":
		return "--hooks"
	}
	return field
}
