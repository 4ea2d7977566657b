package edge

import (
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// Filter behaviours of CloudFront policies, spelled as the API spells them.
const (
	FilterNone      = "none"
	FilterWhitelist = "whitelist"
	FilterAllExcept = "allExcept"
	FilterAll       = "all"
	// Origin request policy headers only.
	FilterAllViewer              = "allViewer"
	FilterAllViewerAndCloudFront = "allViewerAndWhitelistCloudFront"
)

// NameFilter selects headers, cookies or query strings by name, as a CloudFront policy does.
type NameFilter struct {
	Behavior string // one of the Filter constants; "" is none
	Items    []string
}

// CachePolicy is a CloudFront cache policy: the cache key and the TTLs. What is in the key is
// also forwarded to the origin.
type CachePolicy struct {
	ID, Name, Comment string
	TTL               TTL
	Headers           NameFilter // none or whitelist
	Cookies           NameFilter
	QueryStrings      NameFilter
	Gzip, Brotli      bool // normalise Accept-Encoding into the key and the origin request
}

// OriginRequestPolicy is a CloudFront origin request policy: what reaches the origin besides
// the cache key.
type OriginRequestPolicy struct {
	ID, Name, Comment string
	Headers           NameFilter // none, whitelist, allViewer, allViewerAndWhitelistCloudFront, allExcept
	Cookies           NameFilter
	QueryStrings      NameFilter
}

// ForwardedValues is a behavior's legacy cache settings (CloudFront's ForwardedValues), kept
// for imported distributions: what is named is both in the cache key and forwarded, and, unlike
// policies, every other viewer header reaches the origin except the ones CloudFront removes.
type ForwardedValues struct {
	QueryString          bool
	QueryStringCacheKeys []string // with QueryString: only these are in the key (all are forwarded)
	Headers              []string // ["*"]: every header, and nothing is cached
	Cookies              string   // none, whitelist, all
	CookieNames          []string
}

// nameSet is a compiled NameFilter for cookies or query strings (names are case-sensitive).
type nameSet struct {
	mode  int
	names []string
	globs bool // names may hold the wildcards * and ? (legacy cookie whitelists)
}

const (
	setNone = iota
	setAll
	setOnly
	setExcept
)

func compileSet(f NameFilter) nameSet {
	switch f.Behavior {
	case FilterAll:
		return nameSet{mode: setAll}
	case FilterWhitelist:
		return nameSet{mode: setOnly, names: f.Items}
	case FilterAllExcept:
		return nameSet{mode: setExcept, names: f.Items}
	}
	return nameSet{mode: setNone}
}

func (s nameSet) has(name string) bool {
	switch s.mode {
	case setAll:
		return true
	case setOnly:
		if s.globs {
			return slices.ContainsFunc(s.names, func(p string) bool { return Pattern{glob: p}.Match(name) })
		}
		return slices.Contains(s.names, name)
	case setExcept:
		return !slices.Contains(s.names, name)
	}
	return false
}

// union is what the origin gets when a cache policy names a and an origin request policy b.
// It follows CloudFront's table of how the two combine, including its one exception: two block
// lists exclude what either lists ("understanding-how-origin-request-policies-and-cache-policies-work-together").
func union(a, b nameSet) nameSet {
	switch {
	case a.mode == setNone:
		return b
	case b.mode == setNone:
		return a
	case a.mode == setAll || b.mode == setAll:
		return nameSet{mode: setAll}
	case a.mode == setOnly && b.mode == setOnly:
		return nameSet{mode: setOnly, names: appendNew(slices.Clone(a.names), b.names)}
	case a.mode == setExcept && b.mode == setExcept:
		return nameSet{mode: setExcept, names: appendNew(slices.Clone(a.names), b.names)}
	}
	only, except := a, b
	if a.mode == setExcept {
		only, except = b, a
	}
	var names []string
	for _, n := range except.names {
		if !slices.Contains(only.names, n) {
			names = append(names, n)
		}
	}
	return nameSet{mode: setExcept, names: names}
}

func appendNew(dst, src []string) []string {
	for _, s := range src {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

// legacyRemoved are the viewer headers CloudFront's legacy cache settings remove unless the
// behavior names them (RequestAndResponseBehaviorCustomOrigin.html, "HTTP request headers and
// CloudFront behavior"). Authorization has its own rule (dropped on GET and HEAD).
var legacyRemoved = []string{"Accept", "Accept-Charset", "Accept-Language", "Expect", "Proxy-Authenticate",
	"Proxy-Authorization", "Proxy-Connection", "Referer", "Te", "Trailer", "Upgrade", "X-Forwarded-Proto",
	"X-Http-Method-Override", "X-Real-Ip"}

// compilePolicies turns the behavior's policies (or legacy settings) into its forwarding plan and
// takes the cache policy's TTLs. A behavior with neither keeps forwarding everything.
func (b *Behavior) compilePolicies(idempotencyKey string) error {
	b.fwd = nil
	switch {
	case b.ForwardedValues != nil:
		if b.CachePolicy != nil || b.OriginRequestPolicy != nil {
			return fmt.Errorf("behavior %s: legacy forwarded values cannot be combined with policies", b.ID())
		}
		b.fwd = compileLegacy(b.ForwardedValues, b.cached.has(http.MethodOptions))
		if b.fwd.noCache {
			b.TTL = TTL{}
		}
	case b.CachePolicy != nil:
		b.fwd = compilePolicy(b.CachePolicy, b.OriginRequestPolicy)
		b.TTL = b.CachePolicy.TTL
	case b.OriginRequestPolicy != nil:
		return fmt.Errorf("behavior %s: an origin request policy needs a cache policy (CloudFront's rule)", b.ID())
	}
	if b.fwd != nil && idempotencyKey != "" {
		b.fwd.always = append(slices.Clone(b.fwd.always), textproto.CanonicalMIMEHeaderKey(idempotencyKey))
	}
	return nil
}

func compilePolicy(cp *CachePolicy, orp *OriginRequestPolicy) *forwarding {
	f := &forwarding{gzip: cp.Gzip, brotli: cp.Brotli, always: alwaysForwarded}
	var cpHeaders []string
	if cp.Headers.Behavior == FilterWhitelist {
		cpHeaders = canonicalAll(cp.Headers.Items)
	}
	f.keyQuery, f.keyCookies = compileSet(cp.QueryStrings), compileSet(cp.Cookies)
	f.query, f.cookies = f.keyQuery, f.keyCookies
	named := slices.Clone(cpHeaders)
	if orp != nil {
		f.query = union(f.keyQuery, compileSet(orp.QueryStrings))
		f.cookies = union(f.keyCookies, compileSet(orp.Cookies))
		switch orp.Headers.Behavior {
		case FilterWhitelist, FilterAllViewerAndCloudFront:
			named = appendNew(named, canonicalAll(orp.Headers.Items))
			f.allHeaders = orp.Headers.Behavior == FilterAllViewerAndCloudFront
		case FilterAllViewer:
			f.allHeaders = true
		case FilterAllExcept:
			f.allHeaders = true
			f.except = map[string]bool{}
			for _, h := range canonicalAll(orp.Headers.Items) {
				if !slices.Contains(cpHeaders, h) { // the cache key wins over a block list
					f.except[h] = true
				}
			}
		}
	}
	if f.allHeaders && cp.TTL.Max > 0 && !slices.Contains(cpHeaders, "Authorization") {
		// All viewer headers include Authorization only where nothing is cached: with caching on
		// it reaches the origin only from the cache key, so that the cache cannot answer one
		// viewer with another's authorized response (AWS Knowledge Center,
		// cloudfront-authorization-header: AllViewer and AllViewerExceptHostHeader forward it
		// "if caching is turned off").
		if f.except == nil {
			f.except = map[string]bool{}
		}
		f.except["Authorization"] = true
	}
	f.keyHeaders, f.keyGenerated = splitGenerated(cpHeaders)
	f.headers, f.generated = splitGenerated(named)
	f.finish()
	return f
}

func compileLegacy(fv *ForwardedValues, optionsCached bool) *forwarding {
	f := &forwarding{allHeaders: true, gzip: true, brotli: true, legacy: true, always: alwaysForwarded}
	headers := canonicalAll(fv.Headers)
	if slices.Contains(fv.Headers, "*") {
		f.noCache = true // CloudFront does not cache when every header is forwarded
		f.legacy = false // nor removes or normalises any
		f.gzip, f.brotli = false, false
		headers = nil
	} else {
		f.except = map[string]bool{}
		for _, h := range legacyRemoved {
			if !slices.Contains(headers, h) {
				f.except[h] = true
			}
		}
		f.legacyAuth = !slices.Contains(headers, "Authorization")
		f.legacyAuthOptions = optionsCached
	}
	if slices.Contains(headers, "Accept-Encoding") {
		f.gzip, f.brotli = false, false // named: it is an ordinary header then
	}
	f.keyHeaders, f.keyGenerated = splitGenerated(headers)
	f.headers, f.generated = f.keyHeaders, f.keyGenerated
	if fv.QueryString {
		f.query = nameSet{mode: setAll}
		f.keyQuery = nameSet{mode: setAll}
		if len(fv.QueryStringCacheKeys) > 0 {
			f.keyQuery = nameSet{mode: setOnly, names: fv.QueryStringCacheKeys}
		}
	}
	switch fv.Cookies {
	case FilterAll:
		f.cookies = nameSet{mode: setAll}
	case FilterWhitelist:
		// Legacy whitelists take * (any run of characters) and ? (one character) in cookie
		// names (distribution-web-values-specify.html, "Allowlist cookies": userid_*).
		globs := slices.ContainsFunc(fv.CookieNames, func(n string) bool { return strings.ContainsAny(n, "*?") })
		f.cookies = nameSet{mode: setOnly, names: fv.CookieNames, globs: globs}
	}
	f.keyCookies = f.cookies
	f.finish()
	return f
}

func canonicalAll(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n == "*" {
			continue
		}
		out = appendNew(out, []string{textproto.CanonicalMIMEHeaderKey(n)})
	}
	return out
}

// splitGenerated separates the CloudFront-generated header names (which the edge adds) from
// viewer header names.
func splitGenerated(names []string) (viewer []string, generated []cfHeader) {
	for _, n := range names {
		if g, ok := cfHeaderByCanonical[n]; ok {
			generated = append(generated, g)
		} else {
			viewer = append(viewer, n)
		}
	}
	return viewer, generated
}

// IsCloudFrontHeader reports whether name is a request header CloudFront generates
// (CloudFront-Viewer-Country, CloudFront-Is-Mobile-Viewer, …), any case.
func IsCloudFrontHeader(name string) bool {
	_, ok := cfHeaderByCanonical[textproto.CanonicalMIMEHeaderKey(name)]
	return ok
}

// CloudFrontHeaderNames lists the request headers CloudFront can add, as CloudFront spells them.
func CloudFrontHeaderNames() []string { return slices.Clone(cfHeaderNames[:]) }

// UnavailableCloudFrontHeader says why hookfront cannot produce a CloudFront header, or "".
func UnavailableCloudFrontHeader(name string) string {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Cloudfront-Viewer-Header-Order":
		return "Go's HTTP server does not keep the order of request headers"
	case "Cloudfront-Viewer-Ja3-Fingerprint":
		return "Go's TLS server does not expose the raw ClientHello a JA3 fingerprint is made from"
	}
	return ""
}

// OriginRequestOnlyHeaders are CloudFront headers an origin request policy may add but a cache
// policy may not put in the key (adding-cloudfront-headers.html).
var OriginRequestOnlyHeaders = []string{"CloudFront-Viewer-Address", "CloudFront-Viewer-ASN",
	"CloudFront-Viewer-TLS", "CloudFront-Viewer-JA3-Fingerprint"}
