package edge

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
)

// forwarding is a behavior's cache policy and origin request policy (or legacy settings),
// compiled: what reaches the origin and the origin hooks, and what makes up the cache key.
type forwarding struct {
	allHeaders bool            // every viewer header reaches the origin, but except
	except     map[string]bool // canonical names held back in allHeaders mode
	headers    []string        // canonical viewer header names forwarded by name
	generated  []cfHeader      // CloudFront headers the edge adds for the origin
	always     []string        // forwarded whenever present (ranges, conditionals, idempotency key)
	cookies    nameSet
	query      nameSet

	keyHeaders   []string // canonical viewer header names in the key (Host is the viewer's Host)
	keyGenerated []cfHeader
	keyCookies   nameSet
	keyQuery     nameSet

	gzip, brotli bool // Accept-Encoding is normalised (CloudFront's "cache compressed objects")
	host         bool // the viewer's Host reaches the origin (else the origin's own)
	userAgent    bool // the viewer's User-Agent reaches the origin (else "Amazon CloudFront")
	noCookies    bool // no cookie is forwarded, so Set-Cookie is removed from responses
	noCache      bool // legacy "forward all headers": nothing is cached

	legacy            bool // legacy settings: the headers CloudFront removes are held back
	legacyAuth        bool // legacy: Authorization is dropped on GET and HEAD (and cached OPTIONS)
	legacyAuthOptions bool
}

// dropsAuthorization reports whether legacy settings keep the viewer's Authorization from the
// origin for a request of method.
func (f *forwarding) dropsAuthorization(method string) bool {
	return f.legacyAuth && (method == http.MethodGet || method == http.MethodHead || (method == http.MethodOptions && f.legacyAuthOptions))
}

// alwaysForwarded are viewer headers that reach the origin under any policy: range requests and
// conditional requests are forwarded as CloudFront's request-header table says, and Lambda@Edge
// lists the conditionals as read-only in origin-request events, which presumes they are there.
var alwaysForwarded = []string{"Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"}

// bodyHeaders describe a request body; they travel with it.
var bodyHeaders = []string{"Content-Type", "Content-Encoding", "Content-Md5"}

var amazonCloudFrontUA = []string{"Amazon CloudFront"}

func (f *forwarding) finish() {
	named := func(h string) bool {
		return slices.Contains(f.keyHeaders, h) || slices.Contains(f.headers, h)
	}
	if f.legacy {
		f.host, f.userAgent = named("Host"), named("User-Agent")
	} else {
		f.host = named("Host") || (f.allHeaders && !f.except["Host"])
		f.userAgent = named("User-Agent") || (f.allHeaders && !f.except["User-Agent"])
	}
	f.noCookies = f.cookies.mode == setNone
	// Host, Cookie and a normalised Accept-Encoding have rules of their own.
	f.headers = slices.DeleteFunc(f.headers, func(h string) bool {
		return h == "Host" || h == "Cookie" || (h == "Accept-Encoding" && (f.gzip || f.brotli))
	})
}

// policyState is one request seen through its behavior's policies; nil when it has none.
type policyState struct {
	fwd       *forwarding
	facts     viewerFacts
	query     string
	queryDone bool
	ev        *event.Request // what origin hooks see, without the per-attempt Host
	cfAdded   bool           // the viewer event carries the CloudFront headers (functionheaders.go)
	noAE      bool           // the origins drop Accept-Encoding: it is not in the key (acceptencoding_drop.go)
}

// originQuery is the query string the origin gets.
func (ps *policyState) originQuery(raw string) string {
	if !ps.queryDone {
		ps.query, ps.queryDone = filterQuery(raw, ps.fwd.query), true
	}
	return ps.query
}

// originHeader builds the headers the origin gets, without Host: a fresh map whose value slices
// are the viewer's own, capped so that appending to one never writes into the viewer's.
func (ps *policyState) originHeader(vr *viewerRequest) http.Header {
	f, vh := ps.fwd, vr.header
	out := make(http.Header, len(f.headers)+len(f.generated)+8)
	if f.allHeaders {
		for k, v := range vh {
			if f.except[k] || k == "Cookie" || (k == "Accept-Encoding" && (f.gzip || f.brotli)) ||
				isGenerated(k) || (f.legacy && strings.HasPrefix(k, "X-Edge-")) {
				continue
			}
			out[k] = v[:len(v):len(v)]
		}
	} else {
		for _, k := range f.headers {
			if v, ok := vh[k]; ok {
				out[k] = v[:len(v):len(v)]
			}
		}
	}
	for _, k := range f.always {
		if v, ok := vh[k]; ok && !f.except[k] {
			out[k] = v[:len(v):len(v)]
		}
	}
	if vr.body != nil || len(vr.buffered) > 0 {
		for _, k := range bodyHeaders {
			if v, ok := vh[k]; ok {
				out[k] = v[:len(v):len(v)]
			}
		}
	}
	if f.dropsAuthorization(vr.method) {
		delete(out, "Authorization")
	}
	if c, ok := vh["Connection"]; ok {
		// The headers the viewer's Connection lists belong to its connection (RFC 9110 §7.6.1);
		// applied here, it cannot reach the headers the edge adds below.
		out["Connection"] = c
		removeHopHeaders(out)
	}
	if c := filterCookies(vh["Cookie"], f.cookies); c != "" {
		out["Cookie"] = []string{c}
	}
	if f.gzip || f.brotli {
		if ae, ok := vh["Accept-Encoding"]; ok {
			// A viewer that accepts neither format gets identity from the origin, as CloudFront asks.
			out["Accept-Encoding"] = aeToOrigin[normAEValues(ae).only(f.gzip, f.brotli)]
		}
	}
	if !f.userAgent {
		out["User-Agent"] = amazonCloudFrontUA
	}
	for _, g := range f.generated {
		if v := ps.facts.value(g); v != nil {
			out[cfHeaderNames[g]] = v
		}
	}
	return out
}

// originEvent is cf.request for origin hooks on an attempt on m: the viewer's request, or with
// policies exactly what they forward, with the Host the origin will get.
func (vr *viewerRequest) originEvent(m *Origin) event.Request {
	ps := vr.pol
	if ps == nil {
		return *vr.event()
	}
	if ps.ev == nil {
		ps.ev = &event.Request{ClientIP: vr.ip, Method: vr.method, URI: vr.uri,
			QueryString: ps.originQuery(vr.rawQuery), Headers: event.FromHTTPHeader(ps.originHeader(vr), "")}
	}
	c := *ps.ev
	host := vr.host
	if !ps.fwd.host {
		host = m.urlFor(vr.tls).Host
	}
	c.Headers = make(event.Headers, len(ps.ev.Headers)+1)
	maps.Copy(c.Headers, ps.ev.Headers)
	c.Headers["host"] = []event.HeaderValue{{Key: "Host", Value: host}}
	return c
}

// dropSetCookie removes Set-Cookie from an origin response when the behavior forwards no cookie:
// CloudFront does so when it does not forward cookies (Cookies.html).
func (ps *policyState) dropSetCookie(h http.Header) {
	if ps != nil && ps.fwd.noCookies {
		delete(h, "Set-Cookie")
	}
}

// cacheKey is the key under a cache policy: the distribution's domain and the path, then exactly
// what the policy names. OPTIONS is keyed apart, as CloudFront does.
func (ps *policyState) cacheKey(domain string, vr *viewerRequest) string {
	f := ps.fwd
	var b strings.Builder
	b.Grow(len(domain) + len(vr.uri) + len(vr.rawQuery) + 16)
	if vr.method == http.MethodOptions {
		b.WriteString("OPTIONS ")
	}
	b.WriteString(strings.ToLower(domain))
	b.WriteString(vr.uri)
	if q := filterQuery(vr.rawQuery, f.keyQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	for _, name := range f.keyHeaders {
		b.WriteString("\x00h:")
		b.WriteString(name)
		b.WriteByte('=')
		if name == "Host" {
			b.WriteString(strings.ToLower(vr.host))
		} else {
			b.WriteString(keyPart(vr.header[name]))
		}
	}
	for _, g := range f.keyGenerated {
		b.WriteString("\x00h:")
		b.WriteString(cfHeaderNames[g])
		b.WriteByte('=')
		if v := ps.facts.value(g); v != nil {
			b.WriteString(v[0])
		}
	}
	if f.keyCookies.mode != setNone {
		b.WriteString("\x00c:")
		b.WriteString(filterCookies(vr.header["Cookie"], f.keyCookies))
	}
	if f.gzip || f.brotli {
		if ae := vr.pol.acceptEncoding(vr); ae != aeNone {
			b.WriteString("\x00ae:")
			b.WriteString(ae.String())
		}
	}
	return b.String()
}

// keyPart joins header values for the cache key (values keep their case, names do not matter).
func keyPart(vals []string) string {
	if len(vals) == 1 {
		return vals[0]
	}
	return strings.Join(vals, ",")
}

// acceptEncoding is the viewer's Accept-Encoding as the cache policy normalises it: only the
// formats its gzip and brotli settings enable (controlling-the-cache-key.html, "Compression
// support"); aeNone when it enables neither.
func (ps *policyState) acceptEncoding(vr *viewerRequest) acceptEncoding {
	f := ps.fwd
	if (!f.gzip && !f.brotli) || ps.noAE {
		return aeNone
	}
	return normAcceptEncoding(vr.header).only(f.gzip, f.brotli)
}

// keyedHeader reports whether the cache policy puts the header in the key.
func (ps *policyState) keyedHeader(name string) bool {
	return slices.Contains(ps.fwd.keyHeaders, http.CanonicalHeaderKey(name))
}

// filterQuery keeps the parameters s lets through, in the viewer's order (only & separates; the
// name is compared as sent). It allocates only when it must drop something.
func filterQuery(raw string, s nameSet) string {
	switch {
	case s.mode == setAll || raw == "":
		return raw
	case s.mode == setNone:
		return ""
	}
	var b strings.Builder
	dropped := false
	for rest := raw; ; {
		part, next, more := strings.Cut(rest, "&")
		name, _, _ := strings.Cut(part, "=")
		if s.has(name) {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(part)
		} else {
			dropped = true
		}
		if !more {
			break
		}
		rest = next
	}
	if !dropped {
		return raw
	}
	return b.String()
}

// filterCookies keeps the cookies s lets through, as one Cookie value sorted by name: CloudFront
// "sorts the cookies in natural order by cookie name before forwarding the request to your
// origin" (Cookies.html), so that the key does not depend on the viewer's order either. A single
// Cookie line that is already in order and loses nothing is returned as it is, without allocating.
func filterCookies(values []string, s nameSet) string {
	if len(values) == 0 || s.mode == setNone {
		return ""
	}
	if len(values) == 1 && cookiesInOrder(values[0], s) {
		return values[0]
	}
	type cookie struct{ name, pair string }
	var kept []cookie
	for _, line := range values {
		for len(line) > 0 {
			var pair string
			pair, line, _ = strings.Cut(line, ";")
			pair = strings.TrimSpace(pair)
			name, _, _ := strings.Cut(pair, "=")
			if name = strings.TrimSpace(name); pair != "" && s.has(name) {
				kept = append(kept, cookie{name, pair})
			}
		}
	}
	slices.SortStableFunc(kept, func(a, b cookie) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	for i, c := range kept {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.pair)
	}
	return b.String()
}

// cookiesInOrder reports whether every cookie of one Cookie line passes s and the names are
// already sorted.
func cookiesInOrder(line string, s nameSet) bool {
	prev := ""
	for len(line) > 0 {
		var pair string
		pair, line, _ = strings.Cut(line, ";")
		name, _, _ := strings.Cut(strings.TrimSpace(pair), "=")
		name = strings.TrimSpace(name)
		if name == "" || name < prev || !s.has(name) {
			return false
		}
		prev = name
	}
	return true
}

// cacheKey is the request's cache key: its cache policy's, or the distribution's cache.key.
func (s *Server) cacheKey(tx *exchange, vr *viewerRequest) string {
	if vr.pol != nil {
		return vr.pol.cacheKey(tx.d.DomainName, vr)
	}
	return tx.d.CacheKey.key(vr.method, vr.host, vr.uri, vr.rawQuery, vr.header)
}
