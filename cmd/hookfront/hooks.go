package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/jsruntime"
)

// loadHooks builds the hooks registry of cfg and loads the folder once. It returns nil when the
// config has no hooks folder.
func loadHooks(ctx context.Context, cfg *config.Config, log *slog.Logger) (*hooks.Registry, error) {
	if cfg.HooksDir == "" {
		return nil, nil
	}
	opt := cfg.HooksOptions()
	opt.Log = log
	reg := hooks.NewRegistry(opt, cfg.Hooks())
	src, err := hooks.ReadDir(cfg.Resolve(cfg.HooksDir))
	if err != nil {
		return nil, err
	}
	res, err := reg.Load(ctx, src)
	if err != nil {
		return nil, err
	}
	log.Info("hooks loaded", "generation", res.Generation.ID, "files", res.Generation.Files, "took", res.Took)
	return reg, nil
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
