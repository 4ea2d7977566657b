package main

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/jsruntime"
)

// newHooks makes the hooks registry of cfg, numbering its generations with gens. It returns nil
// when the config has no hooks folder.
func newHooks(cfg *config.Config, log *slog.Logger, gens *atomic.Int64) *hooks.Registry {
	if cfg.HooksDir == "" {
		return nil
	}
	opt := cfg.HooksOptions()
	opt.Log, opt.Generations = log, gens
	return hooks.NewRegistry(opt, cfg.Hooks())
}

// loadHooks loads src into reg and logs the generation it made.
func loadHooks(ctx context.Context, reg *hooks.Registry, src jsruntime.Source, log *slog.Logger) error {
	res, err := reg.Load(ctx, src)
	if err != nil {
		return err
	}
	log.Info("hooks loaded", "generation", res.Generation.ID, "files", res.Generation.Files, "took", res.Took)
	return nil
}

// hookSource is what the edge asks for the current hooks (nil when there are none).
func hookSource(reg *hooks.Registry) edge.HookSource {
	if reg == nil {
		return nil
	}
	return hooks.EdgeSource{R: reg}
}

// hookProblems lists the problems in a load error, one per file.
func hookProblems(err error) []error {
	var le *jsruntime.LoadError
	if errors.As(err, &le) {
		return le.Problems
	}
	return []error{err}
}
