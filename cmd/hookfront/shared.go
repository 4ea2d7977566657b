package main

import (
	"log/slog"
	"sync/atomic"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/sharedcache"
)

// sharedTier is the shared cache tier of a running edge (cache.shared), or nil.
type sharedTier struct {
	store *sharedcache.Store
	srv   atomic.Pointer[edge.Server] // set once the edge exists; notices may come before
}

// openShared starts connecting to cfg's shared tier in the background: the edge never waits for
// the store to start. nil without cache.shared or with the cache off.
func openShared(cfg *config.Config, log *slog.Logger) (*sharedTier, error) {
	sc := cfg.Cache.Shared
	if !sc.On() || !cfg.Cache.Enabled.On {
		return nil, nil
	}
	t := &sharedTier{}
	store, err := sharedcache.New(sharedcache.Options{URL: sc.URL, KeyPrefix: sc.KeyPrefix, MaxObject: int64(sc.MaxObject),
		Timeout: sc.Timeout.Duration, Logger: log, OnInvalidate: func(paths []string) {
			if srv := t.srv.Load(); srv != nil {
				n, _ := srv.InvalidateLocal(paths)
				log.Info("cache invalidated by another replica", "paths", len(paths), "removed", n)
			}
		}})
	if err != nil {
		return nil, err // the URL was checked with the config; this is a bug if it happens
	}
	t.store = store
	return t, nil
}

// tier is what the edge is given: a nil interface when there is no shared tier.
func (t *sharedTier) tier() edge.SharedTier {
	if t == nil {
		return nil
	}
	return t.store
}

// serving tells the tier which edge's local tier other replicas' invalidations apply to.
func (t *sharedTier) serving(srv *edge.Server) {
	if t != nil {
		t.srv.Store(srv)
	}
}

func (t *sharedTier) close() {
	if t != nil {
		t.store.Close()
	}
}
