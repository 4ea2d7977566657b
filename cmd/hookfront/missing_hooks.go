package main

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/jsruntime"
)

// missingBinding is the config problem, one per binding, that err stands for when it is about a
// file cfg binds and the folder src was read from (dir) lacks: the hooks registry knows the file
// only by name, while the fix is in the config line that binds it. It is nil for any other error.
func missingBinding(cfg *config.Config, dir string, src jsruntime.Source, err error) config.Errors {
	var se *jsruntime.ScriptError
	if cfg == nil || cfg.Path == config.FlagsPath || !errors.As(err, &se) || se.Line != 0 {
		return nil
	}
	if _, there := src.Files[se.File]; there {
		return nil
	}
	var out config.Errors
	add := func(field string) {
		out = append(out, config.Problem{File: cfg.Path, Line: cfg.Line(field), Field: field,
			Msg: fmt.Sprintf("%s: %s", filepath.Join(dir, se.File), se.Message)})
	}
	for i, b := range cfg.Behaviors {
		for _, t := range slices.Sorted(maps.Keys(b.Hooks)) {
			if b.Hooks[t].File == se.File {
				add(fmt.Sprintf("behaviors[%d].hooks.%s", i, t))
			}
		}
		for _, t := range slices.Sorted(maps.Keys(b.Functions)) {
			if b.Functions[t].File == se.File {
				add(fmt.Sprintf("behaviors[%d].functions.%s", i, t))
			}
		}
	}
	return out
}

// placeMissing is err with each missing bound file named at its bindings (see missingBinding).
func placeMissing(cfg *config.Config, dir string, src jsruntime.Source, err error) error {
	if err == nil {
		return nil
	}
	problems := hookProblems(err)
	out := make([]error, 0, len(problems))
	placed := false
	for _, p := range problems {
		if m := missingBinding(cfg, dir, src, p); m != nil {
			placed = true
			for _, one := range m {
				out = append(out, config.Errors{one})
			}
			continue
		}
		out = append(out, p)
	}
	if !placed {
		return err
	}
	return &jsruntime.LoadError{Problems: out}
}
