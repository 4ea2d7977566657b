// Package edge is the proxy core: cache behaviors, origins and origin groups with CloudFront's
// failover rules, the byte-bounded cache, custom error pages and the points where hooks run.
// It never imports the JavaScript runtime: hooks reach it through the HookSet interface.
package edge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/errorpages"
	"github.com/hookfront/hookfront/hooks/event"
)

// x-cache values, as CloudFront spells them with our name.
const (
	xHit       = "Hit from hookfront"
	xRefresh   = "RefreshHit from hookfront"
	xMiss      = "Miss from hookfront"
	xError     = "Error from hookfront"
	xGenerated = "LambdaGeneratedResponse from hookfront"
)

// Options configures a Server beyond its Distribution.
type Options struct {
	Logger *slog.Logger
	Hooks  HookSource // nil: no hooks run
	// CacheBytes bounds the cache (bodies + headers); 0 means 256 MiB, <0 disables caching.
	CacheBytes int64
	// MaxObjectBytes is the largest body stored; larger ones stream through. 0: CacheBytes/16.
	MaxObjectBytes int64
	// Observers follow each request's steps (traces, metrics…); none costs nothing.
	Observers []Observer
	// Shared is the second cache tier replicas share (cache.shared); nil: none.
	Shared SharedTier
}

// Server is the edge: an http.Handler.
type Server struct {
	dist   atomic.Pointer[Distribution]
	cache  *Cache
	hooks  HookSource
	log    *slog.Logger
	flight flight
	// observer is nil when nothing observes requests.
	observer Observer
	shared   SharedTier // nil without a shared tier, or with the cache off
}

// NewServer prepares d and returns a Server for it.
func NewServer(d *Distribution, opt Options) (*Server, error) {
	s := &Server{hooks: opt.Hooks, log: opt.Logger, observer: combine(opt.Observers)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if opt.CacheBytes == 0 {
		opt.CacheBytes = 256 << 20
	}
	if opt.CacheBytes > 0 {
		s.cache = NewCache(opt.CacheBytes, opt.MaxObjectBytes)
		s.shared = opt.Shared
	}
	if err := s.Swap(d); err != nil {
		return nil, err
	}
	return s, nil
}

// Swap prepares d and makes it the distribution new requests use. Requests in flight finish on
// the one they started with.
func (s *Server) Swap(d *Distribution) error {
	if err := d.Prepare(); err != nil {
		return fmt.Errorf("preparing distribution: %w", err)
	}
	s.dist.Store(d)
	return nil
}

// Distribution returns the current distribution.
func (s *Server) Distribution() *Distribution { return s.dist.Load() }

// Cache returns the cache, or nil when caching is off.
func (s *Server) Cache() *Cache { return s.cache }

// response is what goes to the viewer. header may be shared with a cache entry: it is never
// changed in place, only replaced.
type response struct {
	status  int
	header  http.Header
	body    []byte        // a whole body (cache entry, page, generated)
	stream  io.ReadCloser // or a body still streaming from the origin
	xcache  string
	age     time.Duration
	hasAge  bool
	noVResp bool   // viewer-response does not run (error page, edge error)
	hit     bool   // served from the cache: may answer ranges and conditionals from body
	entry   *Entry // the cache entry served, if any
	// policyDone: the behavior's response headers policy has been applied.
	policyDone bool
}

// ServeHTTP runs one viewer request through the pipeline.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := s.dist.Load()
	d.applyRootObject(r)
	tx := &exchange{id: newRequestID(), start: time.Now(), r: r, d: d, b: d.match(r.URL.Path)}
	if src := d.Hooks; src != nil {
		tx.hooks = src.Current()
	} else if s.hooks != nil {
		tx.hooks = s.hooks.Current()
	}
	s.observe(tx)
	defer s.finish(tx)
	ctx := r.Context()

	if reason := checkPath(r); reason != "" {
		s.write(w, tx, s.edgeError(http.StatusBadRequest, reason, tx))
		return
	}
	if !tx.b.allowed.has(r.Method) {
		s.write(w, tx, s.edgeError(http.StatusForbidden, "This distribution is not configured to allow the HTTP request method that was used for this request.", tx))
		return
	}
	if r.Method == http.MethodGet && (r.ContentLength > 0 || len(r.TransferEncoding) > 0) {
		s.write(w, tx, s.edgeError(http.StatusForbidden, "A GET request may not carry a body.", tx))
		return
	}
	if resp := s.edgePreflight(tx); resp != nil {
		s.write(w, tx, resp)
		return
	}
	vr := newViewerRequest(r)
	d.initPolicy(vr, tx.b, r)
	if g := tx.b.group; g != nil && g.WriteFailover.applies(r.Method) {
		if err := vr.bufferBody(g.WriteFailover.MaxBody); err != nil {
			if ctx.Err() != nil {
				tx.status, tx.note = 499, "viewer went away while sending the body"
				return
			}
			s.write(w, tx, s.edgeError(http.StatusBadRequest, "The request body could not be read.", tx))
			return
		}
	}
	if tx.b.IncludeBody && (tx.has(event.ViewerRequest) || tx.has(event.OriginRequest)) {
		if err := vr.readPrefix(); err != nil {
			s.write(w, tx, s.edgeError(http.StatusBadRequest, "The request body could not be read.", tx))
			return
		}
	}
	if tx.has(event.ViewerRequest) {
		out, gen, err := tx.requestHook(ctx, event.ViewerRequest, vr.event())
		if err != nil {
			s.write(w, tx, s.hookFailure(&hookError{trigger: event.ViewerRequest, err: err}, tx))
			return
		}
		if gen != nil {
			status, h, body := applyEventResponse(gen)
			s.write(w, tx, &response{status: status, header: h, body: body, xcache: tx.generatedXCache(), noVResp: true})
			return
		}
		if out != vr.ev { // the hook changed the request
			vr.apply(out)
		}
		if out.Route != nil { // a function chose the origin
			if err := tx.route(out.Route); err != nil {
				s.write(w, tx, s.hookFailure(&hookError{trigger: event.ViewerRequest, err: err}, tx))
				return
			}
		}
	}
	resp := s.respond(ctx, tx, vr, true)
	if resp == nil {
		tx.status, tx.note = 499, "viewer went away"
		return
	}
	resp = s.withResponsePolicy(tx, resp)
	if !resp.noVResp && resp.status < 400 && tx.has(event.ViewerResponse) {
		resp = s.viewerResponse(ctx, tx, vr, resp)
	}
	s.write(w, tx, resp)
}

// viewerResponse runs the viewer-response hook on a copy of the response's headers.
func (s *Server) viewerResponse(ctx context.Context, tx *exchange, vr *viewerRequest, resp *response) *response {
	var in *event.Response
	if e := resp.entry; e != nil && !e.pass {
		in = &event.Response{Status: resp.status, StatusDescription: http.StatusText(resp.status), Headers: e.eventHeaders()}
	} else {
		in = eventResponse(resp.status, resp.header)
	}
	out, err := tx.responseHook(ctx, event.ViewerResponse, vr.event(), in)
	if err != nil {
		if resp.stream != nil {
			drainClose(resp.stream)
		}
		return s.hookFailure(&hookError{trigger: event.ViewerResponse, err: err}, tx)
	}
	if out == in { // unchanged
		return resp
	}
	next := *resp
	// Only a CloudFront Function may change the status here; a hook's result never does.
	next.status, next.header, next.body = applyEventResponse(out)
	if next.body == nil {
		next.body = resp.body
	} else if resp.stream != nil {
		drainClose(resp.stream)
		next.stream = nil
	}
	return &next
}

// respond answers a request after viewer-request: from the cache or the origins, with custom
// error pages when withPages (a page fetch itself gets none). nil means the viewer went away.
func (s *Server) respond(ctx context.Context, tx *exchange, vr *viewerRequest, withPages bool) *response {
	b := tx.b
	if s.cache == nil || !b.cached.has(vr.method) {
		tx.cacheStep("", CacheNotCachable, notCachedWhy(s.cache == nil), 0)
		return s.fromOrigin(ctx, tx, vr, "", nil, withPages)
	}
	key := s.cacheKey(tx, vr)
	e, ok := s.cache.Get(key)
	if ok && e.pass {
		if e.Fresh(time.Now()) {
			// Lately uncacheable: collapsing would only make requests wait for a response
			// they cannot share.
			tx.cacheStep(key, CacheMiss, "the last response for this key could not be stored (hit-for-miss)", 0)
			return s.fromOrigin(ctx, tx, vr, key, nil, withPages)
		}
		e, ok = nil, false
	}
	if ok && e.Fresh(time.Now()) {
		tx.cacheStep(key, CacheHit, "", 0)
		return hitResponse(e, xHit)
	}
	if vr.method == http.MethodHead {
		if s.shared != nil {
			if resp := s.sharedHead(ctx, tx, key); resp != nil {
				return resp
			}
		}
		// A HEAD miss goes to the origin as HEAD; only GET fills the cache.
		tx.cacheStep(key, lookupDecision(e), "a HEAD miss goes to the origin as HEAD; only GET fills the cache", 0)
		return s.fromOrigin(ctx, tx, vr, "", e, withPages)
	}
	leader, done, release := s.flight.join(key)
	if !leader {
		select {
		case <-done:
			s.flight.waiting.Add(-1)
		case <-ctx.Done():
			s.flight.waiting.Add(-1)
			return nil
		}
		if e2, ok := s.cache.Get(key); ok && !e2.pass && e2.Fresh(time.Now()) {
			tx.note = "collapsed"
			tx.cacheStep(key, CacheHit, "collapsed: waited for a concurrent request for the same key", 0)
			return hitResponse(e2, xHit)
		}
		tx.cacheStep(key, lookupDecision(e), "collapsed: the concurrent request's response could not be shared", 0)
		return s.fromOrigin(ctx, tx, vr, key, e, withPages)
	}
	defer release()
	if s.shared != nil {
		return s.missShared(ctx, tx, vr, key, e, withPages)
	}
	tx.cacheStep(key, lookupDecision(e), "", 0)
	return s.fromOrigin(ctx, tx, vr, key, e, withPages)
}

func hitResponse(e *Entry, xcache string) *response {
	return &response{status: e.Status, header: e.Header, body: e.Body, xcache: xcache,
		age: time.Since(e.Stored), hasAge: true, hit: true, noVResp: e.Status >= 400, entry: e}
}

// fromOrigin runs the attempts and decides what to store and serve. key is "" when the response
// may not be stored; stale is the expired entry for the key, if any.
func (s *Server) fromOrigin(ctx context.Context, tx *exchange, vr *viewerRequest, key string, stale *Entry, withPages bool) *response {
	var revalidate *Entry
	if key != "" && stale != nil && (stale.Header.Get("Etag") != "" || stale.Header.Get("Last-Modified") != "") {
		revalidate = stale
	}
	res, err := s.attempts(ctx, tx, vr, revalidate)
	if err != nil {
		var he *hookError
		switch {
		case errors.Is(err, errClientGone):
			return nil
		case errors.As(err, &he):
			return s.hookFailure(he, tx)
		case stale != nil:
			return s.serveStale(tx, key, stale, err.Error())
		}
		var oe *originError
		errors.As(err, &oe)
		status, reason := oe.status()
		tx.note = reason
		return s.errorResponse(ctx, tx, key, status, nil, s.edgeError(status, reason, tx), withPages)
	}
	now := time.Now()
	if revalidate != nil && res.status == http.StatusNotModified && !res.generated {
		res.close()
		return s.refresh(tx, key, revalidate, res.header, now)
	}
	if stale != nil && res.status >= 500 {
		res.close()
		return s.serveStale(tx, key, stale, fmt.Sprintf("origin answered %d", res.status))
	}
	xcache := xMiss
	if res.generated {
		xcache = xGenerated
	}
	if res.status >= 400 {
		xcache = xError
		if withPages {
			if page, ok := s.page(tx, res.status); ok && page.HasPage() {
				res.close()
				return s.errorResponse(ctx, tx, key, res.status, res.header, nil, withPages)
			}
		}
	}
	ttl := time.Duration(0)
	if key != "" {
		ttl = tx.b.TTL.ttlFor(res.status, res.header, s.errorTTL(tx, res.status), now)
	}
	if ttl <= 0 || res.bytes != nil {
		if ttl > 0 {
			s.store(key, res.status, res.header, res.bytes, now, ttl)
			tx.cacheStep(key, CacheStored, "", ttl)
		} else {
			s.markPass(key, now)
			tx.notStored(key, res.status, res.header)
		}
		return &response{status: res.status, header: res.header, body: res.bytes, stream: res.body, xcache: xcache, noVResp: res.generated && res.status >= 400}
	}
	// A cacheable response: read the body whole (bounded), so that a body cut off mid-stream is
	// never stored, and store it; a body too large for the cache streams through.
	body, rest, err := readBounded(res.body, s.cache.MaxObject(), res.header)
	if err != nil {
		tx.attempts[len(tx.attempts)-1].err = "body_" + errorKind(err)
		if ctx.Err() != nil {
			return nil
		}
		if stale != nil {
			return s.serveStale(tx, key, stale, "origin body failed: "+err.Error())
		}
		status, reason := (&originError{origin: res.member.ID, err: err}).status()
		tx.note = reason
		return s.edgeError(status, reason, tx)
	}
	if rest != nil {
		s.markPass(key, now)
		tx.note = "too large to cache"
		tx.cacheStep(key, CacheNotStored, "larger than cache.max_object", 0)
		return &response{status: res.status, header: res.header, stream: rest, xcache: xcache}
	}
	s.store(key, res.status, res.header, body, now, ttl)
	tx.cacheStep(key, CacheStored, "", ttl)
	return &response{status: res.status, header: res.header, body: body, xcache: xcache}
}

// readBounded reads a response body whole when it fits in limit; one larger (by Content-Length
// or found while reading) comes back as rest, to stream. The body is closed when read whole or
// when reading failed.
func readBounded(rc io.ReadCloser, limit int64, h http.Header) (body []byte, rest io.ReadCloser, err error) {
	if n, perr := strconv.ParseInt(h.Get("Content-Length"), 10, 64); perr == nil && n > limit {
		return nil, rc, nil
	}
	body, rest, err = readAtMost(rc, limit)
	if rest == nil {
		_ = rc.Close()
	}
	return body, rest, err
}

func (s *Server) store(key string, status int, h http.Header, body []byte, now time.Time, ttl time.Duration) {
	if key == "" || ttl <= 0 {
		return
	}
	e := &Entry{Status: status, Header: h.Clone(), Body: body, Stored: now, Expires: now.Add(ttl)}
	s.cache.Put(key, e)
	s.share(key, e, now)
}

// passTTL is how long a key whose response could not be stored is not collapsed.
const passTTL = 10 * time.Second

// markPass remembers that key's response could not be stored.
func (s *Server) markPass(key string, now time.Time) {
	if key != "" {
		e := &Entry{Header: http.Header{}, Stored: now, Expires: now.Add(passTTL), pass: true}
		s.cache.Put(key, e)
		s.share(key, e, now)
	}
}

// refresh serves a stale entry the origin confirmed with 304, with the 304's headers merged in
// and a new TTL.
func (s *Server) refresh(tx *exchange, key string, e *Entry, h304 http.Header, now time.Time) *response {
	h := e.Header.Clone()
	for k, v := range h304 {
		if k == "Content-Length" {
			continue
		}
		h[k] = v
	}
	ne := &Entry{Status: e.Status, Header: h, Body: e.Body, Stored: now, Expires: now.Add(tx.b.TTL.ttlFor(e.Status, h, s.errorTTL(tx, e.Status), now))}
	if ne.Expires.After(now) {
		s.cache.Put(key, ne)
		s.share(key, ne, now)
	}
	tx.cacheStep(key, CacheRefreshHit, "the origin answered 304 Not Modified", ne.Expires.Sub(now))
	return hitResponse(ne, xRefresh)
}

// serveStale serves an expired entry when the origin failed, and keeps serving it for the
// error-caching TTL before the origin is tried again (CloudFront's stale-on-error).
func (s *Server) serveStale(tx *exchange, key string, e *Entry, why string) *response {
	tx.note = "stale served: " + why
	tx.cacheStep(key, CacheStaleServed, why, 0)
	now := time.Now()
	if key != "" {
		s.cache.Put(key, &Entry{Status: e.Status, Header: e.Header, Body: e.Body, Stored: e.Stored,
			Expires: now.Add(s.errorTTL(tx, http.StatusInternalServerError))})
	}
	return hitResponse(e, xHit)
}

// page looks up the custom error page for status, by the group role of the member that answered.
func (s *Server) page(tx *exchange, status int) (*errorpages.Page, bool) {
	group, role, member := tx.pageRole()
	return tx.d.Pages.Lookup(group, role, member, status)
}

// errorTTL is the error-caching minimum TTL for status: the page entry's cache_ttl or 10 s.
func (s *Server) errorTTL(tx *exchange, status int) time.Duration {
	if p, ok := s.page(tx, status); ok && p.HasTTL {
		return p.CacheTTL
	}
	return DefaultErrorCachingTTL
}

// errorResponse answers an error status: with its custom page when one is configured (then
// stored, if the request is cacheable, for the error TTL), otherwise with fallback.
func (s *Server) errorResponse(ctx context.Context, tx *exchange, key string, status int, h http.Header, fallback *response, withPages bool) *response {
	p, ok := s.page(tx, status)
	if !withPages || !ok || !p.HasPage() {
		if fallback != nil && key != "" {
			if ttl := tx.b.TTL.ttlFor(status, http.Header{}, s.errorTTL(tx, status), time.Now()); ttl > 0 {
				s.store(key, fallback.status, fallback.header, fallback.body, time.Now(), ttl)
				tx.cacheStep(key, CacheStored, "an edge error, kept for the error-caching TTL", ttl)
			}
		}
		return fallback
	}
	tx.pageStep(status)
	var resp *response
	if p.Path != "" {
		resp = s.fetchPage(ctx, tx, p)
		if resp == nil {
			return nil
		}
	} else {
		resp = &response{status: p.Code(), header: http.Header{"Content-Type": {p.ContentType}}, body: p.Body}
	}
	resp.xcache, resp.noVResp, resp.hit, resp.hasAge = xError, true, false, false
	tx.note = fmt.Sprintf("custom error page for %d", status)
	if key != "" && resp.status == p.Code() {
		ttl := tx.b.TTL.errorTTL(orEmpty(h), s.errorTTL(tx, status), time.Now())
		s.store(key, resp.status, resp.header, resp.body, time.Now(), ttl)
		tx.cacheStep(key, CacheStored, "the custom error page, for the error-caching TTL", ttl)
	}
	return resp
}

func orEmpty(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h
}

// fetchPage fetches a page_path through the edge's own behaviors, as CloudFront fetches a
// ResponsePagePath: no viewer-request hook, origin hooks of the matching behavior do run. When
// the fetch fails the viewer gets the status of the fetch.
func (s *Server) fetchPage(ctx context.Context, tx *exchange, p *errorpages.Page) *response {
	ptx := &exchange{id: tx.id, start: time.Now(), r: tx.r, d: tx.d, b: tx.d.match(p.Path), hooks: tx.hooks,
		rec: tx.rec, detail: tx.detail, forPage: true}
	pr := &viewerRequest{method: http.MethodGet, uri: p.Path, host: tx.r.Host, header: http.Header{}, ip: clientIP(tx.r)}
	tx.d.initPolicy(pr, ptx.b, tx.r)
	resp := s.respond(ctx, ptx, pr, false)
	for _, a := range ptx.attempts {
		a.page = true
		tx.attempts = append(tx.attempts, a)
	}
	if resp == nil {
		return nil
	}
	if resp.stream != nil {
		body, err := io.ReadAll(io.LimitReader(resp.stream, 1<<20))
		_ = resp.stream.Close()
		if err != nil {
			return s.edgeError(http.StatusBadGateway, "The custom error page could not be fetched.", tx)
		}
		resp.body, resp.stream = body, nil
	}
	out := &response{status: resp.status, header: resp.header, body: resp.body}
	if resp.status >= 200 && resp.status < 300 {
		out.status = p.Code()
	}
	return out
}

// edgeError is the built-in page for an error the edge made itself. It is never cached.
func (s *Server) edgeError(status int, reason string, tx *exchange) *response {
	return &response{
		status:  status,
		header:  http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Cache-Control": {"no-store"}},
		body:    errorpages.Builtin(status, reason, tx.id),
		xcache:  xError,
		noVResp: true,
	}
}

// hookFailure is the built-in page for a failed hook (CloudFront's Lambda errors).
func (s *Server) hookFailure(he *hookError, tx *exchange) *response {
	status, class := he.status()
	tx.note = he.Error()
	kind := "hook"
	if tx.isFunction(he.trigger) {
		kind = "function"
	}
	s.log.LogAttrs(tx.r.Context(), slog.LevelWarn, kind+" failed", slog.String("id", tx.id),
		slog.String("trigger", string(he.trigger)), slog.String("class", class), slog.String("error", he.err.Error()))
	reason := fmt.Sprintf("The %s %s failed (%s).", he.trigger, kind, class)
	return s.edgeError(status, reason, tx)
}

// checkPath refuses paths that could reach something the behaviors did not mean to expose:
// dot segments (also percent-encoded) and encoded slashes or backslashes. It runs on every
// request, so it scans without allocating.
func checkPath(r *http.Request) string {
	raw := r.URL.RawPath
	if raw == "" {
		raw = r.URL.Path
	}
	if !strings.HasPrefix(raw, "/") {
		return "The request path must start with a slash."
	}
	if strings.IndexByte(raw, '\\') >= 0 {
		return "Encoded slashes are not allowed in the request path."
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] == '%' && i+2 < len(raw) && (raw[i+1] == '2' && (raw[i+2] == 'f' || raw[i+2] == 'F') || raw[i+1] == '5' && (raw[i+2] == 'c' || raw[i+2] == 'C')) {
			return "Encoded slashes are not allowed in the request path."
		}
	}
	// Walk the segments; a segment of only "." or "%2e" units, one or two of them, is a dot segment.
	for start := 1; start <= len(raw); {
		end := strings.IndexByte(raw[start:], '/')
		if end < 0 {
			end = len(raw)
		} else {
			end += start
		}
		if dots := dotUnits(raw[start:end]); dots == 1 || dots == 2 {
			return "Dot segments are not allowed in the request path."
		}
		start = end + 1
	}
	return ""
}

// dotUnits counts the dots of a segment made only of "." and "%2e"; -1 when it has anything else.
func dotUnits(seg string) int {
	n := 0
	for i := 0; i < len(seg); {
		switch {
		case seg[i] == '.':
			i++
		case len(seg)-i >= 3 && seg[i] == '%' && seg[i+1] == '2' && (seg[i+2] == 'e' || seg[i+2] == 'E'):
			i += 3
		default:
			return -1
		}
		n++
	}
	return n
}
