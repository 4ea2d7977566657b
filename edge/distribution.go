package edge

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/hookfront/hookfront/errorpages"
)

// Distribution is everything a config describes: origins, groups, behaviors, error pages and the
// cache key. It is immutable once prepared, so that a reload can swap it atomically while
// in-flight requests finish on the one they started with.
type Distribution struct {
	DomainName string // cf.config.distributionDomainName
	ID         string // cf.config.distributionId
	Origins    []*Origin
	Groups     []*Group
	Behaviors  []*Behavior // first match wins; the last one is "*"
	Pages      *errorpages.Set
	CacheKey   CacheKeyPolicy
	// DefaultRootObject is served for requests of "/" (CloudFront's DefaultRootObject), "" for none.
	DefaultRootObject string
	// Viewer is the simulated viewer behind the CloudFront-Viewer-* headers; nil is DefaultViewer.
	Viewer *Viewer
	// HTTPSPort is the port of the edge's HTTPS listener, where redirect-to-https sends viewers
	// (0: 443).
	HTTPSPort int
	// Hooks, when set, are this distribution's hooks (a config reload swaps them together with
	// the behaviors they bind to); otherwise Options.Hooks are used.
	Hooks HookSource

	policies bool // some behavior has a cache policy or legacy settings
}

// Behavior is a cache behavior.
type Behavior struct {
	Pattern        Pattern
	Target         string   // an origin id or an origin group id
	AllowedMethods []string // default GET, HEAD
	CachedMethods  []string // default GET, HEAD
	TTL            TTL
	IncludeBody    bool
	// Policies, as CloudFront's; without a cache policy (or legacy ForwardedValues) every viewer
	// header, cookie and query string reaches the origin and CacheKey makes the key.
	CachePolicy           *CachePolicy
	OriginRequestPolicy   *OriginRequestPolicy
	ResponseHeadersPolicy *ResponseHeadersPolicy
	ForwardedValues       *ForwardedValues
	// ViewerProtocolPolicy is CloudFront's: "" or allow-all, redirect-to-https, https-only.
	ViewerProtocolPolicy string
	// Compress compresses responses as CloudFront's "compress objects automatically" does.
	Compress bool

	allowed, cached  methodSet
	makeGzip, makeBr bool        // the formats Compress makes (compress.go)
	fwd              *forwarding // nil without policies
	members          []*Origin
	group            *Group // nil when the target is a single origin
}

// ID names the behavior in hook bindings and logs: its path pattern.
func (b *Behavior) ID() string { return b.Pattern.String() }

// Prepare resolves references, fills defaults and builds the origins' transports.
func (d *Distribution) Prepare() error {
	d.policies = false
	origins := make(map[string]*Origin, len(d.Origins))
	for _, o := range d.Origins {
		if _, dup := origins[o.ID]; dup {
			return fmt.Errorf("origin id %q is used twice", o.ID)
		}
		if err := o.prepare(); err != nil {
			return err
		}
		origins[o.ID] = o
	}
	groups := make(map[string]*Group, len(d.Groups))
	for _, g := range d.Groups {
		if _, dup := origins[g.ID]; dup {
			return fmt.Errorf("origin group id %q is also an origin id", g.ID)
		}
		if len(g.Members) < 2 {
			return fmt.Errorf("origin group %q needs at least two members", g.ID)
		}
		if wf := g.WriteFailover; wf != nil {
			if err := wf.prepare(); err != nil {
				return fmt.Errorf("origin group %q: write_failover: %w", g.ID, err)
			}
		}
		if g.FailoverOn == nil {
			g.FailoverOn = map[int]bool{}
			for _, c := range DefaultFailoverStatusCodes {
				g.FailoverOn[c] = true
			}
		}
		groups[g.ID] = g
	}
	if len(d.Behaviors) == 0 || d.Behaviors[len(d.Behaviors)-1].Pattern.String() != "*" {
		return fmt.Errorf(`the last behavior must be the default one, with path_pattern "*"`)
	}
	for _, b := range d.Behaviors {
		if g, ok := groups[b.Target]; ok {
			b.group, b.members = g, g.Members
		} else if o, ok := origins[b.Target]; ok {
			b.members = []*Origin{o}
		} else {
			return fmt.Errorf("behavior %s: target %q is neither an origin nor an origin group", b.ID(), b.Target)
		}
		var err error
		if b.allowed, err = parseMethods(b.AllowedMethods); err != nil {
			return fmt.Errorf("behavior %s: allowed_methods: %w", b.ID(), err)
		}
		if b.cached, err = parseMethods(b.CachedMethods); err != nil {
			return fmt.Errorf("behavior %s: cached_methods: %w", b.ID(), err)
		}
		if err := checkViewerProtocol(b.ViewerProtocolPolicy); err != nil {
			return fmt.Errorf("behavior %s: %w", b.ID(), err)
		}
		b.prepareCompression()
		if b.TTL == (TTL{}) {
			b.TTL = DefaultTTL
		}
		idempotencyKey := ""
		if b.group != nil && b.group.WriteFailover != nil {
			idempotencyKey = b.group.WriteFailover.IdempotencyKey
		}
		if err := b.compilePolicies(idempotencyKey); err != nil {
			return err
		}
		d.policies = d.policies || b.fwd != nil
		if p := b.ResponseHeadersPolicy; p != nil {
			p.prepare()
		}
	}
	if d.Viewer != nil {
		d.Viewer.prepare()
	}
	return nil
}

// Close releases the origins' idle connections.
func (d *Distribution) Close() {
	for _, o := range d.Origins {
		o.Close()
	}
}

// match returns the first behavior whose pattern matches path; the default "*" always does.
// path is the decoded path (URL.Path): a percent-encoded character matches as the character it
// stands for, so "%2A" or "%61dmin" cannot step around a pattern. CloudFront does not document
// which form it matches; the decoded one is what the origin acts on. For the same reason runs of
// slashes match as one: many origins merge them (nginx does by default), so "//admin/x" must
// not step around "/admin/*". The path forwarded and the cache key keep them.
func (d *Distribution) match(path string) *Behavior {
	if strings.Contains(path, "//") {
		path = mergeSlashes(path)
	}
	for _, b := range d.Behaviors {
		if b.Pattern.Match(path) {
			return b
		}
	}
	return d.Behaviors[len(d.Behaviors)-1]
}

// mergeSlashes replaces each run of slashes in path by one.
func mergeSlashes(path string) string {
	var b strings.Builder
	b.Grow(len(path))
	for i := 0; i < len(path); i++ {
		if path[i] == '/' && i > 0 && path[i-1] == '/' {
			continue
		}
		b.WriteByte(path[i])
	}
	return b.String()
}

// methodSet is a small bit set of the methods a behavior knows.
type methodSet uint8

var methodBits = map[string]methodSet{
	http.MethodGet: 1, http.MethodHead: 2, http.MethodOptions: 4, http.MethodPut: 8,
	http.MethodPatch: 16, http.MethodPost: 32, http.MethodDelete: 64,
}

// KnownMethods lists the methods a behavior may allow, in CloudFront's order.
var KnownMethods = []string{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}

func parseMethods(list []string) (methodSet, error) {
	if len(list) == 0 {
		return methodBits[http.MethodGet] | methodBits[http.MethodHead], nil
	}
	var s methodSet
	for _, m := range list {
		bit, ok := methodBits[strings.ToUpper(m)]
		if !ok {
			return 0, fmt.Errorf("unknown method %q (known: %s)", m, strings.Join(KnownMethods, ", "))
		}
		s |= bit
	}
	return s, nil
}

func (s methodSet) has(m string) bool { return s&methodBits[m] != 0 }
