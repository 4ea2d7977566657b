package config

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/errorpages"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// Distribution builds the edge's view of the config, with page files read into memory.
func (c *Config) Distribution() (*edge.Distribution, error) {
	d := &edge.Distribution{DomainName: c.DomainName, ID: c.DistributionID, DefaultRootObject: c.DefaultRootObject, Viewer: c.Viewer.edge(),
		HTTPSPort: c.httpsPort()}
	origins := map[string]*edge.Origin{}
	for _, o := range c.Origins {
		u, err := url.Parse(o.URL)
		if err != nil {
			return nil, fmt.Errorf("origin %s: %w", o.ID, err)
		}
		h := http.Header{}
		for k, v := range o.CustomHeaders {
			h.Set(k, v)
		}
		eo := &edge.Origin{ID: o.ID, URL: u, ConnectionAttempts: o.ConnectionAttempts,
			ConnectionTimeout: o.ConnectionTimeout.Duration, ResponseTimeout: o.ResponseTimeout.Duration,
			KeepaliveTimeout: o.KeepaliveTimeout.Duration, CustomHeaders: h}
		if err := c.edgeTransport(&o, eo); err != nil {
			return nil, err
		}
		origins[o.ID] = eo
		d.Origins = append(d.Origins, eo)
	}
	pages := &errorpages.Set{Groups: map[string]*errorpages.GroupPages{}}
	var err error
	if pages.Distribution, err = c.pageList(c.ErrorPages); err != nil {
		return nil, err
	}
	for _, g := range c.OriginGroups {
		eg := &edge.Group{ID: g.ID, FailoverOn: map[int]bool{}, Health: g.Health.edge()}
		for _, id := range g.MemberIDs() {
			eg.Members = append(eg.Members, origins[id])
		}
		for _, code := range g.FailoverStatusCodes {
			eg.FailoverOn[code] = true
		}
		if wf := g.WriteFailover; wf != nil {
			ewf := &edge.WriteFailover{Methods: wf.Methods, MaxBody: int64(wf.MaxBody), OnStatus: map[int]bool{}, IdempotencyKey: wf.IdempotencyKey, Queue: wf.Queue.edge()}
			for _, on := range wf.On {
				if on == "connect_failure" {
					ewf.OnConnect = true
				} else if n, err := strconv.Atoi(on); err == nil {
					ewf.OnStatus[n] = true
				}
			}
			eg.WriteFailover = ewf
		}
		d.Groups = append(d.Groups, eg)
		gp := &errorpages.GroupPages{Members: map[string]errorpages.List{}}
		if gp.Primary, err = c.pageList(g.ErrorPages.Primary); err != nil {
			return nil, err
		}
		if gp.Secondary, err = c.pageList(g.ErrorPages.Secondary); err != nil {
			return nil, err
		}
		for id, list := range g.ErrorPages.Members {
			if gp.Members[id], err = c.pageList(list); err != nil {
				return nil, err
			}
		}
		pages.Groups[g.ID] = gp
	}
	d.Pages = pages
	for _, b := range c.Behaviors {
		p, err := edge.ParsePattern(b.PathPattern)
		if err != nil {
			return nil, err
		}
		eb := &edge.Behavior{
			Pattern: p, Target: b.Target, AllowedMethods: b.AllowedMethods, CachedMethods: b.CachedMethods,
			TTL:         edge.TTL{Min: b.TTL.Min.Duration, Default: b.TTL.Default.Duration, Max: b.TTL.Max.Duration},
			IncludeBody: b.IncludeBody, ViewerProtocolPolicy: b.ViewerProtocolPolicy, Compress: b.Compress,
		}
		c.behaviorPolicies(&b, eb)
		d.Behaviors = append(d.Behaviors, eb)
	}
	k := c.Cache.Key
	d.CacheKey = edge.CacheKeyPolicy{QueryStrings: k.QueryStrings.Mode, QueryNames: k.QueryStrings.Names, Headers: k.Headers, Cookies: k.Cookies}
	return d, nil
}

func (c *Config) pageList(list []ErrorPage) (errorpages.List, error) {
	out := errorpages.List{}
	for _, p := range list {
		ep := &errorpages.Page{Status: p.Status, File: p.Page, Path: p.PagePath, ResponseCode: p.ResponseCode,
			CacheTTL: p.CacheTTL.Duration, HasTTL: p.CacheTTL.Set}
		if err := ep.Load(c.Dir); err != nil {
			return nil, err
		}
		out[p.Status] = ep
	}
	return out, nil
}

// Hooks says how hook files bind to behaviors: as the config's behaviors list them, or, for a
// config made from flags, by file name (viewer-request.js, …) on the "*" behavior.
func (c *Config) Hooks() hooks.BindFunc {
	if c.Path == FlagsPath {
		return hooks.ByTriggerName("*")
	}
	out := hooks.Bindings{}
	for _, b := range c.Behaviors {
		if len(b.Hooks) == 0 && len(b.Functions) == 0 {
			continue
		}
		p, _ := edge.ParsePattern(b.PathPattern)
		triggers := map[event.Trigger]hooks.Binding{}
		for t, hb := range b.Hooks {
			triggers[event.Trigger(t)] = hooks.Binding{File: hb.File, Handler: hb.Handler}
		}
		for t, fb := range b.Functions {
			triggers[event.Trigger(t)] = hooks.Binding{File: fb.File, Runtime: jsruntime.FunctionRuntime(fb.Runtime), KeyValueStore: fb.KeyValueStore}
		}
		out[p.String()] = triggers
	}
	return hooks.Static(out)
}

// HooksOptions are the hook runtime settings of the config.
func (c *Config) HooksOptions() hooks.Options {
	return hooks.Options{Timeouts: hooks.Timeouts{Viewer: c.HookTimeouts.Viewer.Duration, Origin: c.HookTimeouts.Origin.Duration,
		Function: c.HookTimeouts.Function.Duration}, KeyValueStores: c.storeFiles()}
}

// Describe is a one-line summary for start-up logs.
func (c *Config) Describe() string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%d origin(s)", len(c.Origins)), fmt.Sprintf("%d group(s)", len(c.OriginGroups)), fmt.Sprintf("%d behavior(s)", len(c.Behaviors)))
	return strings.Join(parts, ", ")
}
