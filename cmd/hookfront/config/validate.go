package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/errorpages"
	"github.com/hookfront/hookfront/hooks/event"
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)
var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// refusedCustomHeaders are the origin custom headers CloudFront refuses to add.
var refusedCustomHeaders = []string{"cache-control", "connection", "content-length", "cookie", "host",
	"if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "max-forwards",
	"pragma", "proxy-authorization", "proxy-connection", "range", "request-range", "te", "trailer",
	"transfer-encoding", "upgrade", "via", "x-real-ip"}

func (c *Config) validate(ck *checker) {
	f := &c.File
	if f.Listen == "" {
		f.Listen = DefaultListen
	} else if _, _, err := net.SplitHostPort(f.Listen); err != nil {
		ck.errorf("listen", "%q is not host:port", f.Listen)
	}
	if f.DomainName == "" {
		f.DomainName = DefaultDomainName
	}
	if f.DistributionID == "" {
		f.DistributionID = DefaultDistributionID
	}
	if f.HooksDir != "" {
		if st, err := os.Stat(c.Resolve(f.HooksDir)); err != nil || !st.IsDir() {
			ck.errorf("hooks_dir", "%q is not a folder", f.HooksDir)
		}
	}

	ids := map[string]string{} // id → "origin" or "origin group"
	for i := range f.Origins {
		c.validateOrigin(ck, i, ids)
	}
	if len(f.Origins) == 0 {
		ck.errorf("origins", "at least one origin is needed")
	}
	for i := range f.OriginGroups {
		c.validateGroup(ck, i, ids)
	}
	c.validatePages(ck, "error_pages", f.ErrorPages, nil)
	c.validatePolicies(ck)
	c.validateBehaviors(ck, ids)
	c.validateWriteFailoverMethods(ck)
	c.validateCache(ck)
	c.validateAdmin(ck)
	c.validateShared(ck)
	c.validateTLS(ck)
	c.validateSharedHealth(ck)
	c.validateAccessLog(ck)

	ht := &f.HookTimeouts
	if !ht.Viewer.Set {
		ht.Viewer.Duration = DefaultViewerHookTimeout
	}
	if !ht.Origin.Set {
		ht.Origin.Duration = DefaultOriginHookTimeout
	}
	rangeCheck(ck, "hook_timeouts.viewer", ht.Viewer.Duration, time.Millisecond, 30*time.Second)
	rangeCheck(ck, "hook_timeouts.origin", ht.Origin.Duration, time.Millisecond, 60*time.Second)
	c.validateFunctions(ck)

	wt := &f.Watch
	defaultDur(&wt.Debounce, DefaultDebounce)
	if !wt.PollInterval.Set {
		wt.PollInterval.Duration = DefaultPollInterval
		if wt.Poll {
			wt.PollInterval.Duration = time.Second
		}
	}
	rangeCheck(ck, "watch.debounce", wt.Debounce.Duration, time.Millisecond, 10*time.Second)
	rangeCheck(ck, "watch.poll_interval", wt.PollInterval.Duration, 100*time.Millisecond, time.Hour)

	sv := &f.Server
	defaultDur(&sv.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	defaultDur(&sv.ReadBodyTimeout, DefaultReadBodyTimeout)
	rangeCheck(ck, "server.read_body_timeout", sv.ReadBodyTimeout.Duration, time.Second, time.Hour)
	defaultDur(&sv.IdleTimeout, DefaultIdleTimeout)
	defaultDur(&sv.ShutdownTimeout, DefaultShutdownTimeout)
	rangeCheck(ck, "server.shutdown_delay", sv.ShutdownDelay.Duration, 0, 5*time.Minute)
	if sv.MaxHeaderBytes == 0 {
		sv.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if sv.WriteBuffer == 0 {
		sv.WriteBuffer = edge.DefaultWriteBufferBytes
	} else if sv.WriteBuffer < 1<<20 || sv.WriteBuffer > 64<<30 {
		ck.errorf("server.write_buffer", "must be between 1MB and 64GB")
	}
	for i, g := range f.OriginGroups {
		if wf := g.WriteFailover; wf != nil && wf.MaxBody > sv.WriteBuffer {
			ck.errorf(fmt.Sprintf("origin_groups[%d].write_failover.max_body", i), "%d bytes is more than server.write_buffer (%d), which bounds all buffered write bodies together: no such body could be buffered", wf.MaxBody, sv.WriteBuffer)
		}
	}
}

func defaultDur(d *Duration, v time.Duration) {
	if !d.Set {
		d.Duration = v
	}
}

func rangeCheck(ck *checker, path string, v, lo, hi time.Duration) {
	if v < lo || v > hi {
		ck.errorf(path, "%v is out of range (%v to %v)", v, lo, hi)
	}
}

func (c *Config) validateOrigin(ck *checker, i int, ids map[string]string) {
	o := &c.Origins[i]
	at := fmt.Sprintf("origins[%d]", i)
	c.checkID(ck, at+".id", o.ID, "origin", ids)
	u, err := url.Parse(o.URL)
	switch {
	case o.URL == "":
		ck.errorf(at+".url", "url is required")
	case !strings.Contains(o.URL, "://"):
		// Without a scheme, url.Parse either fails ("first path segment in URL cannot contain
		// colon") or takes the host for a scheme: say what is missing instead.
		ck.errorf(at+".url", "%q needs http:// or https:// (write http://%s)", o.URL, strings.TrimPrefix(o.URL, "//"))
	case err != nil:
		ck.errorf(at+".url", "%v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		ck.errorf(at+".url", "%q must start with http:// or https://", o.URL)
	case u.Host == "":
		ck.errorf(at+".url", "%q has no host", o.URL)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		ck.errorf(at+".url", "%q may only have scheme, host, port and path", o.URL)
	}
	if o.ConnectionAttempts == 0 {
		o.ConnectionAttempts = edge.DefaultConnectionAttempts
	} else if o.ConnectionAttempts < 1 || o.ConnectionAttempts > 3 {
		ck.errorf(at+".connection_attempts", "%d is out of range (1 to 3)", o.ConnectionAttempts)
	}
	defaultDur(&o.ConnectionTimeout, edge.DefaultConnectionTimeout)
	defaultDur(&o.ResponseTimeout, edge.DefaultResponseTimeout)
	defaultDur(&o.KeepaliveTimeout, edge.DefaultKeepaliveTimeout)
	rangeCheck(ck, at+".connection_timeout", o.ConnectionTimeout.Duration, time.Second, 10*time.Second)
	rangeCheck(ck, at+".response_timeout", o.ResponseTimeout.Duration, time.Second, 120*time.Second)
	rangeCheck(ck, at+".keepalive_timeout", o.KeepaliveTimeout.Duration, time.Second, 120*time.Second)
	c.validateOriginTransport(ck, at, o)
	for name, v := range o.CustomHeaders {
		lower := strings.ToLower(name)
		switch {
		case !headerName.MatchString(name):
			ck.errorf(at+".custom_headers."+name, "%q is not a valid header name", name)
		case slices.Contains(refusedCustomHeaders, lower) || strings.HasPrefix(lower, "x-amz-") || strings.HasPrefix(lower, "x-edge-"):
			ck.errorf(at+".custom_headers."+name, "%s cannot be set as an origin custom header (CloudFront refuses it too)", name)
		case strings.ContainsAny(v, "\r\n"):
			ck.errorf(at+".custom_headers."+name, "the value has a line break")
		}
	}
}

func (c *Config) checkID(ck *checker, at, id, kind string, ids map[string]string) {
	switch {
	case id == "":
		ck.errorf(at, "id is required")
	case !idPattern.MatchString(id):
		ck.errorf(at, "%q is not a valid id (letters, digits, _ . -)", id)
	case ids[id] != "":
		ck.errorf(at, "%q is already used by an %s", id, ids[id])
	default:
		ids[id] = kind
	}
}

func (c *Config) validateGroup(ck *checker, i int, ids map[string]string) {
	g := &c.OriginGroups[i]
	at := fmt.Sprintf("origin_groups[%d]", i)
	c.checkID(ck, at+".id", g.ID, "origin group", ids)
	type member struct{ field, id string }
	var members []member
	if len(g.Members) > 0 {
		if g.Primary != "" || g.Secondary != "" {
			ck.errorf(at+".members", "give members, or primary and secondary, not both")
		}
		if len(g.Members) < 2 {
			ck.errorf(at+".members", "a group needs at least two members")
		}
		for j, id := range g.Members {
			members = append(members, member{fmt.Sprintf("members[%d]", j), id})
		}
	} else {
		members = []member{{"primary", g.Primary}, {"secondary", g.Secondary}}
	}
	seen := map[string]bool{}
	for _, m := range members {
		switch {
		case m.id == "":
			ck.errorf(at+"."+m.field, "%s is required", m.field)
		case ids[m.id] != "origin":
			ck.errorf(at+"."+m.field, "%q is not an origin id%s", m.id, c.known("origin", ids))
		case seen[m.id]:
			ck.errorf(at+"."+m.field, "%q is already a member of this group", m.id)
		}
		seen[m.id] = true
	}
	if len(g.FailoverStatusCodes) == 0 {
		g.FailoverStatusCodes = slices.Clone(edge.DefaultFailoverStatusCodes)
	}
	for j, code := range g.FailoverStatusCodes {
		if !slices.Contains(edge.FailoverStatusCodes, code) {
			ck.errorf(fmt.Sprintf("%s.failover_status_codes[%d]", at, j), "%d cannot trigger failover (allowed: 400 403 404 416 500 502 503 504)", code)
		}
	}
	if wf := g.WriteFailover; wf != nil {
		c.validateWriteFailover(ck, at+".write_failover", wf)
	}
	if h := g.Health; h != nil {
		c.validateHealth(ck, at+".health", h)
	}
	c.validatePages(ck, at+".error_pages.primary", g.ErrorPages.Primary, g.FailoverStatusCodes)
	c.validatePages(ck, at+".error_pages.secondary", g.ErrorPages.Secondary, nil)
	for id, pages := range g.ErrorPages.Members {
		if !seen[id] {
			ck.errorf(at+".error_pages.members."+id, "%q is not a member of this group", id)
		}
		c.validatePages(ck, at+".error_pages.members."+id, pages, nil)
	}
}

func (c *Config) validateWriteFailover(ck *checker, at string, wf *WriteFailover) {
	if len(wf.Methods) == 0 {
		ck.errorf(at+".methods", "list the write methods that may fail over (POST, PUT, PATCH, DELETE)")
	}
	for j, m := range wf.Methods {
		wf.Methods[j] = strings.ToUpper(m)
		if !slices.Contains([]string{"POST", "PUT", "PATCH", "DELETE"}, wf.Methods[j]) {
			ck.errorf(fmt.Sprintf("%s.methods[%d]", at, j), "%q is not a write method (GET, HEAD and OPTIONS fail over anyway)", m)
		}
	}
	if wf.MaxBody == 0 {
		wf.MaxBody = edge.DefaultWriteMaxBody
	} else if wf.MaxBody < 0 || wf.MaxBody > 64<<20 {
		ck.errorf(at+".max_body", "must be between 1 byte and 64MB")
	}
	if len(wf.On) == 0 {
		wf.On = []string{"connect_failure"}
	}
	for j, on := range wf.On {
		if on == "connect_failure" {
			continue
		}
		if n, err := strconv.Atoi(on); err != nil || n < 400 || n > 599 {
			ck.errorf(fmt.Sprintf("%s.on[%d]", at, j), "%q must be connect_failure or a status from 400 to 599 (timeouts fail over by the safety rules)", on)
		}
	}
	if wf.IdempotencyKey != "" && !headerName.MatchString(wf.IdempotencyKey) {
		ck.errorf(at+".idempotency_key", "%q is not a header name", wf.IdempotencyKey)
	}
	c.validateWriteQueue(ck, at+".queue", wf.Queue)
}

// known lists the ids of a kind, to help with a typo.
func (c *Config) known(kind string, ids map[string]string) string {
	var names []string
	for id, k := range ids {
		if k == kind || kind == "" {
			names = append(names, id)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return " (known: " + strings.Join(names, ", ") + ")"
}

// validatePages checks a page list; failover lists the group's failover codes for primary pages.
func (c *Config) validatePages(ck *checker, at string, pages []ErrorPage, failover []int) {
	seen := map[int]bool{}
	for i := range pages {
		p := &pages[i]
		pat := fmt.Sprintf("%s[%d]", at, i)
		if !slices.Contains(errorpages.ErrorCodes, p.Status) {
			ck.errorf(pat+".status", "%d cannot have an error page (allowed: 400 403 404 405 414 416 500 501 502 503 504)", p.Status)
		}
		if seen[p.Status] {
			ck.errorf(pat+".status", "%d is listed twice", p.Status)
		}
		seen[p.Status] = true
		if p.Page != "" && p.PagePath != "" {
			ck.errorf(pat, "give page (a file) or page_path (fetched through the edge), not both")
		}
		if p.Page != "" {
			if st, err := os.Stat(c.Resolve(p.Page)); err != nil || st.IsDir() {
				ck.errorf(pat+".page", "the page file %q cannot be read", p.Page)
			}
		}
		if p.PagePath != "" && !strings.HasPrefix(p.PagePath, "/") {
			ck.errorf(pat+".page_path", "%q must start with /", p.PagePath)
		}
		if p.ResponseCode != 0 {
			if !slices.Contains(errorpages.ResponseCodes, p.ResponseCode) {
				ck.errorf(pat+".response_code", "%d is not allowed (200 or one of the error codes)", p.ResponseCode)
			}
			if p.Page == "" && p.PagePath == "" {
				ck.errorf(pat+".response_code", "response_code needs a page or a page_path")
			}
		}
		if p.CacheTTL.Duration < 0 {
			ck.errorf(pat+".cache_ttl", "must not be negative")
		}
		if slices.Contains(failover, p.Status) {
			ck.warnf(pat+".status", "%d is a failover code of this group, so the primary's page for it never applies", p.Status)
		}
	}
}

func (c *Config) validateBehaviors(ck *checker, ids map[string]string) {
	bs := c.Behaviors
	if len(bs) == 0 {
		ck.errorf("behaviors", `at least the default behavior (path_pattern "*") is needed`)
		return
	}
	seen := map[string]bool{}
	for i := range bs {
		b := &bs[i]
		at := fmt.Sprintf("behaviors[%d]", i)
		p, err := edge.ParsePattern(b.PathPattern)
		if err != nil {
			ck.errorf(at+".path_pattern", "%v", err)
		} else if seen[p.String()] {
			ck.errorf(at+".path_pattern", "%q is already used by an earlier behavior", b.PathPattern)
		} else {
			seen[p.String()] = true
		}
		last := i == len(bs)-1
		if b.PathPattern == "*" && !last {
			ck.errorf(at+".path_pattern", `the default behavior "*" must come last`)
		}
		if last && b.PathPattern != "*" {
			ck.errorf(at+".path_pattern", `the last behavior must be the default one, with path_pattern "*"`)
		}
		if b.Target == "" {
			ck.errorf(at+".target", "target is required")
		} else if ids[b.Target] == "" {
			ck.errorf(at+".target", "%q is not an origin or origin group id%s", b.Target, c.known("", ids))
		}
		c.validateMethods(ck, at, b)
		c.validateViewerProtocol(ck, at, b)
		c.validateBehaviorPolicies(ck, at, b)
		c.validateTTL(ck, at, b)
		for trig, h := range b.Hooks {
			hat := at + ".hooks." + trig
			if !event.Trigger(trig).Valid() {
				if near, ok := Nearest(trig, triggerNames); ok {
					ck.errorf(hat, "%q is not a trigger (did you mean %q?)", trig, near)
				} else {
					ck.errorf(hat, "%q is not a trigger (%s)", trig, strings.Join(triggerNames, ", "))
				}
			}
			if h.File == "" {
				ck.errorf(hat, "the hook file is missing")
			} else if filepath := h.File; strings.HasPrefix(filepath, "/") || strings.Contains(filepath, "..") {
				ck.errorf(hat, "%q must be a path inside hooks_dir", h.File)
			} else if c.HooksDir == "" {
				ck.errorf(hat, "hooks are bound but hooks_dir is not set")
			}
		}
	}
}

// validateWriteFailoverMethods checks that each write_failover method is allowed by at least one
// behavior that targets the group; otherwise the setting could never apply.
func (c *Config) validateWriteFailoverMethods(ck *checker) {
	for i, g := range c.OriginGroups {
		if g.WriteFailover == nil {
			continue
		}
		for j, m := range g.WriteFailover.Methods {
			allowed := false
			for _, b := range c.Behaviors {
				if b.Target == g.ID && slices.Contains(b.AllowedMethods, m) {
					allowed = true
				}
			}
			if !allowed {
				ck.errorf(fmt.Sprintf("origin_groups[%d].write_failover.methods[%d]", i, j), "no behavior that targets %q allows %s, so its write failover can never apply", g.ID, m)
			}
		}
	}
}

func (c *Config) validateMethods(ck *checker, at string, b *Behavior) {
	norm := func(field string, list []string, def []string) []string {
		if len(list) == 0 {
			return def
		}
		out := make([]string, len(list))
		for j, m := range list {
			out[j] = strings.ToUpper(m)
			if !slices.Contains(edge.KnownMethods, out[j]) {
				ck.errorf(fmt.Sprintf("%s.%s[%d]", at, field, j), "%q is not a method (known: %s)", m, strings.Join(edge.KnownMethods, ", "))
			}
		}
		return out
	}
	b.AllowedMethods = norm("allowed_methods", b.AllowedMethods, []string{"GET", "HEAD"})
	b.CachedMethods = norm("cached_methods", b.CachedMethods, []string{"GET", "HEAD"})
	for _, m := range []string{"GET", "HEAD"} {
		if !slices.Contains(b.AllowedMethods, m) {
			ck.errorf(at+".allowed_methods", "must include GET and HEAD (as in CloudFront)")
			break
		}
	}
	for _, m := range b.CachedMethods {
		if m != "GET" && m != "HEAD" && m != "OPTIONS" {
			ck.errorf(at+".cached_methods", "only GET, HEAD and OPTIONS can be cached, not %s", m)
		} else if !slices.Contains(b.AllowedMethods, m) {
			ck.errorf(at+".cached_methods", "%s is cached but not allowed", m)
		}
	}
}

func (c *Config) validateTTL(ck *checker, at string, b *Behavior) {
	t := &b.TTL
	defaultDur(&t.Min, edge.DefaultTTL.Min)
	defaultDur(&t.Default, max(edge.DefaultTTL.Default, t.Min.Duration))
	defaultDur(&t.Max, max(edge.DefaultTTL.Max, t.Default.Duration))
	if t.Min.Duration < 0 {
		ck.errorf(at+".ttl.min", "must not be negative")
	}
	if t.Default.Duration < t.Min.Duration {
		ck.errorf(at+".ttl.default", "%v is below min %v", t.Default.Duration, t.Min.Duration)
	}
	if t.Max.Duration < t.Default.Duration {
		ck.errorf(at+".ttl.max", "%v is below default %v", t.Max.Duration, t.Default.Duration)
	}
}

func (c *Config) validateCache(ck *checker) {
	cc := &c.Cache
	if cc.MaxSize == 0 {
		cc.MaxSize = DefaultCacheSize
	}
	if cc.MaxObject < 0 || (cc.MaxObject > 0 && cc.MaxObject > cc.MaxSize) {
		ck.errorf("cache.max_object", "must be between 0 and max_size")
	}
	if cc.Key.QueryStrings.Mode == "" {
		cc.Key.QueryStrings.Mode = "all"
	}
	for i, h := range cc.Key.Headers {
		if !headerName.MatchString(h) {
			ck.errorf(fmt.Sprintf("cache.key.headers[%d]", i), "%q is not a header name", h)
		}
	}
}
