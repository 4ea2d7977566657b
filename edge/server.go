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
	"maps"
	"net/http"
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
	// ReadBodyTimeout is the longest silence while a viewer's body is read; past it the viewer
	// gets 408 and the origin attempt is abandoned. 0: no limit.
	ReadBodyTimeout time.Duration
	// MaxHeaderBytes refuses requests with a larger head (request line and headers) with 431;
	// 0: no limit here (net/http's own applies). Run net/http with NetHTTPMaxHeaderBytes.
	MaxHeaderBytes int
	// AccessLog is where the access log's slog lines go; nil means Logger. A logger that does
	// not write info records writes none (another format is then an Observer).
	AccessLog *slog.Logger
	// Shared is the second cache tier replicas share (cache.shared); nil: none.
	Shared SharedTier
	// WriteBufferBytes bounds the write bodies buffered for failover at once, all writes
	// together (writebuffer.go); 0 means DefaultWriteBufferBytes.
	WriteBufferBytes int64
}

// Server is the edge: an http.Handler.
type Server struct {
	dist   atomic.Pointer[Distribution]
	cache  *Cache
	hooks  HookSource
	log    *slog.Logger
	flight flight
	// observer is nil when nothing observes requests.
	observer        Observer
	readBodyTimeout time.Duration
	maxHeaderBytes  int
	queue           WriteQueue      // nil: no group queues writes
	health          *healthRegistry // origin health of the groups that opt in (health.go)
	shared          SharedTier      // nil without a shared tier, or with the cache off
	writeBufs       writeBuffers
}

// NewServer prepares d and returns a Server for it.
func NewServer(d *Distribution, opt Options) (*Server, error) {
	s := &Server{hooks: opt.Hooks, log: opt.Logger, readBodyTimeout: opt.ReadBodyTimeout, maxHeaderBytes: opt.MaxHeaderBytes}
	if s.log == nil {
		s.log = slog.Default()
	}
	if opt.AccessLog == nil {
		opt.AccessLog = s.log
	}
	s.observer = combine(append([]Observer{&accessLog{log: opt.AccessLog}}, opt.Observers...))
	s.health = newHealthRegistry(s.log)
	s.writeBufs.max = opt.WriteBufferBytes
	if s.writeBufs.max <= 0 {
		s.writeBufs.max = DefaultWriteBufferBytes
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
	if err := s.health.attach(d); err != nil {
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
	status int
	header http.Header
	body   []byte        // a whole body (cache entry, page, generated)
	stream io.ReadCloser // or a body still streaming from the origin
	// declared is the stream's length as the origin declared it, -1 when unknown: what the
	// viewer is told, whatever Content-Length a hook set.
	declared int64
	xcache   string
	age      time.Duration
	hasAge   bool
	noVResp  bool   // viewer-response does not run (error page, edge error)
	hit      bool   // served from the cache: may answer ranges and conditionals from body
	entry    *Entry // the cache entry served, if any
	// policyDone: the behavior's response headers policy has been applied.
	policyDone bool
}

// ServeHTTP runs one viewer request through the pipeline.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := s.dist.Load()
	d.applyRootObject(r)
	tx := &exchange{id: newRequestID(), start: time.Now(), r: r, d: d, b: d.match(r.URL.Path)}
	if r.TLS != nil && d.policies { // only policies send CloudFront-Viewer-TLS
		tx.connReused = connReused(r) // counted for every request, whatever becomes of it
	}
	tx.hooks = s.currentHooks(d)
	s.observe(tx)
	defer s.finish(tx)
	w = tx.watch(w)
	ctx := r.Context()

	if s.maxHeaderBytes > 0 && requestHeaderSize(r) > s.maxHeaderBytes {
		tx.note = fmt.Sprintf("request head over server.max_header_bytes (%d)", s.maxHeaderBytes)
		s.write(w, tx, s.edgeError(http.StatusRequestHeaderFieldsTooLarge, "The request headers are too large.", tx))
		return
	}
	if reason := checkPath(r); reason != "" {
		s.write(w, tx, s.edgeError(http.StatusBadRequest, reason, tx))
		return
	}
	if resp := s.viewerProtocol(tx); resp != nil {
		s.write(w, tx, resp)
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
	vr.connReused = tx.connReused
	d.initPolicy(vr, tx.b, r)
	vr.limitBody(w, s.readBodyTimeout)
	if g := tx.b.group; g != nil && g.WriteFailover.applies(r.Method) {
		held, err := s.bufferWrite(vr, g.WriteFailover.MaxBody)
		defer s.writeBufs.release(held)
		if err != nil {
			s.bodyReadFailed(w, tx, vr)
			return
		}
	}
	if tx.b.IncludeBody && (tx.has(event.ViewerRequest) || tx.has(event.OriginRequest)) {
		if err := vr.readPrefix(); err != nil {
			s.bodyReadFailed(w, tx, vr)
			return
		}
	}
	if tx.has(event.ViewerRequest) {
		out, gen, err := tx.requestHook(ctx, event.ViewerRequest, tx.viewerEvent(vr, event.ViewerRequest))
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
	if isWebSocket(r) {
		s.webSocket(ctx, w, tx, vr)
		return
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

// bodyReadFailed answers a request whose body could not be read before any attempt.
func (s *Server) bodyReadFailed(w http.ResponseWriter, tx *exchange, vr *viewerRequest) {
	switch {
	case vr.bodyTimedOut():
		s.write(w, tx, s.viewerBodyTimeout(tx))
	case tx.r.Context().Err() != nil:
		tx.status, tx.note = 499, "viewer went away while sending the body"
	default:
		s.write(w, tx, s.edgeError(http.StatusBadRequest, "The request body could not be read.", tx))
	}
}

// viewerResponse runs the viewer-response hook on a copy of the response's headers.
func (s *Server) viewerResponse(ctx context.Context, tx *exchange, vr *viewerRequest, resp *response) *response {
	var in *event.Response
	if e := resp.entry; e != nil {
		in = &event.Response{Status: resp.status, StatusDescription: http.StatusText(resp.status), Headers: e.eventHeaders()}
	} else {
		in = eventResponse(resp.status, resp.header)
	}
	out, err := tx.responseHook(ctx, event.ViewerResponse, tx.viewerEvent(vr, event.ViewerResponse), in)
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
		if f, ok := resp.stream.(*fill); ok {
			f.complete() // the origin's body may still be stored
		} else {
			drainClose(resp.stream)
		}
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
		return s.fromOrigin(ctx, tx, vr, "", "", nil, withPages)
	}
	if b.fwd != nil && b.fwd.noCache {
		// CloudFront sends every request of such a behavior to the origin: errors, which may
		// depend on any header too, are not kept either.
		tx.cacheStep("", CacheNotCachable, `the behavior forwards every header (forwarded_values headers: ["*"])`, 0)
		return s.fromOrigin(ctx, tx, vr, "", "", nil, withPages)
	}
	// The viewer's Accept-Encoding counts as CloudFront normalises it, for the cache (responses
	// that vary on it are stored per value) and for the origin, which gets the normalised value
	// (under policies, the value their gzip and brotli settings make).
	if vr.pol != nil {
		vr.ae = vr.pol.acceptEncoding(vr)
	} else if !b.keysWithoutAcceptEncoding() { // else the origins get none (acceptencoding_drop.go)
		vr.ae, vr.aeNormal = normAcceptEncoding(vr.header), true
	}
	if tx.b.Compress { // the formats the edge encodes in count too (compress.go)
		vr.ae |= tx.b.encodings(tx.r, vr.header)
	}
	base := s.cacheKey(tx, vr)
	key, e, ok := s.lookup(base, vr.ae)
	now := time.Now()
	if ok && e.Fresh(now) {
		tx.cacheStep(key, CacheHit, "", 0)
		return hitResponse(e, xHit)
	}
	if vr.method == http.MethodHead {
		if s.shared != nil {
			if resp := s.sharedHead(ctx, tx, vr, base, key); resp != nil {
				return resp
			}
		}
		// A HEAD miss goes to the origin as HEAD; only GET fills the cache.
		tx.cacheStep(key, lookupDecision(e), "a HEAD miss goes to the origin as HEAD; only GET fills the cache", 0)
		return s.fromOrigin(ctx, tx, vr, "", "", e, withPages)
	}
	if s.cache.Passing(key, now) {
		// Lately uncacheable: collapsing would only make requests wait for a response they
		// cannot share.
		tx.cacheStep(key, lookupDecision(e), "the last response for this key could not be stored (hit-for-miss)", 0)
		return s.fromOrigin(ctx, tx, vr, base, key, e, withPages)
	}
	leader, c := s.flight.join(key)
	if !leader {
		if !c.wait(ctx) {
			return nil
		}
		if _, e2, ok := s.lookup(base, vr.ae); ok && e2.Fresh(time.Now()) {
			tx.note = "collapsed"
			tx.cacheStep(key, CacheHit, "collapsed: waited for a concurrent request for the same key", 0)
			return hitResponse(e2, xHit)
		}
		tx.cacheStep(key, lookupDecision(e), "collapsed: the concurrent request's response could not be shared", 0)
		return s.fromOrigin(ctx, tx, vr, base, key, e, withPages)
	}
	tx.flight = c
	defer func() { tx.flight.release() }() // unless handed on to a body still filling
	if s.shared != nil {
		return s.missShared(ctx, tx, vr, base, key, e, withPages)
	}
	tx.cacheStep(key, lookupDecision(e), "", 0)
	return s.fromOrigin(ctx, tx, vr, base, key, e, withPages)
}

func hitResponse(e *Entry, xcache string) *response {
	return &response{status: e.Status, header: e.Header, body: e.Body, xcache: xcache,
		age: time.Since(e.Stored), hasAge: true, hit: true, noVResp: e.Status >= 400, entry: e}
}

// readFirstMax is the largest body, of known length, that is read whole before the response
// goes out: a failure while reading it can still be answered with the stale copy or a clean
// 502/504. Longer and unknown-length bodies stream, and are stored when they arrived whole.
const readFirstMax = 64 << 10

// fromOrigin runs the attempts and decides what to store and serve. base is the request's
// cache key and key where it was looked up (its Accept-Encoding variant when the URL varies on
// it); both are "" when the response may not be stored. stale is the expired entry, if any.
func (s *Server) fromOrigin(ctx context.Context, tx *exchange, vr *viewerRequest, base, key string, stale *Entry, withPages bool) *response {
	var revalidate *Entry
	if key != "" && stale != nil && (stale.Header.Get("Etag") != "" || stale.Header.Get("Last-Modified") != "") {
		revalidate = stale
	}
	res, err := s.attempts(ctx, tx, vr, revalidate)
	if tx.queueable {
		resp, why := s.enqueue(ctx, tx, vr)
		if resp != nil {
			if res != nil {
				res.close()
			}
			return resp
		}
		defer func() { tx.note = strings.TrimPrefix(tx.note+"; not queued: "+why, "; ") }()
	}
	if err != nil {
		var he *hookError
		switch {
		case errors.Is(err, errClientGone):
			return nil
		case errors.Is(err, errBodyTimeout):
			return s.viewerBodyTimeout(tx)
		case errors.Is(err, errViewerBody):
			return s.badViewerBody(tx)
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
	if tx.b.Compress {
		s.compress(tx, vr, res)
	}
	out := &response{status: res.status, header: res.header, body: res.bytes, stream: res.body, declared: res.length,
		xcache: xcache, noVResp: res.generated && res.status >= 400}
	var (
		plan storePlan
		why  string
	)
	if key != "" {
		keyed := tx.d.CacheKey.keyedHeader
		if vr.pol != nil {
			keyed = vr.pol.keyedHeader
		}
		plan, why = planStore(keyed, base, key, vr.ae, res.header, tx.b.TTL.ttlFor(res.status, res.header, s.errorTTL(tx, res.status), now))
		if plan.key != "" && vr.unkeyedAuthorization(tx.d) && !sharedDespiteAuthorization(res.header) {
			plan, why = storePlan{}, "the request carried Authorization, which is not in the cache key, and the response is not marked public"
		}
		if why != "" {
			tx.note = "not cached: " + why
		}
	}
	switch {
	case plan.key == "":
		s.markPass(key, now)
		if why != "" {
			tx.cacheStep(key, CacheNotStored, why, 0)
		} else {
			tx.notStored(key, res.status, res.header)
		}
		return out
	case res.bytes != nil:
		s.store(plan, res.status, res.bytes, now)
		tx.cacheStep(plan.key, CacheStored, "", plan.ttl)
		return out
	case res.length > s.cache.MaxObject():
		s.markPass(key, now)
		tx.note = "too large to cache"
		tx.cacheStep(key, CacheNotStored, "larger than cache.max_object", 0)
		return out
	case res.length >= 0 && res.length <= readFirstMax:
		return s.readFirst(ctx, tx, key, stale, plan, out, now)
	}
	// Stream to the viewer while keeping a copy; followers of a collapsed request wait for the
	// copy (for a while), so the flight ends with the fill, not here.
	c := tx.flight
	tx.flight = nil
	if c != nil {
		c.stream()
	}
	out.stream = newFill(res.body, res.length, s.cache, func(body []byte, why dropReason) {
		switch why {
		case whole:
			s.store(plan, out.status, body, now)
			tx.cacheStep(plan.key, CacheStored, "", plan.ttl)
		case dropTooLarge:
			s.markPass(key, now)
			tx.cacheStep(key, CacheNotStored, "larger than cache.max_object (found while streaming)", 0)
		case dropFailed:
			tx.cacheStep(key, CacheNotStored, "the body did not arrive whole", 0)
		case dropBudget:
			tx.cacheStep(key, CacheNotStored, "too many bodies were being copied for the cache at once", 0)
		}
		c.release()
	})
	return out
}

// readFirst reads a small body of known length whole before anything goes out, and stores it.
func (s *Server) readFirst(ctx context.Context, tx *exchange, key string, stale *Entry, plan storePlan, out *response, now time.Time) *response {
	body := make([]byte, out.declared)
	_, err := io.ReadFull(out.stream, body)
	if err == nil {
		// The transport reports a body longer than its Content-Length as an error.
		var one [1]byte
		if _, err = out.stream.Read(one[:]); err == io.EOF {
			err = nil
		}
	}
	_ = out.stream.Close()
	if err != nil {
		tx.bodyFailed(err)
		if ctx.Err() != nil {
			return nil
		}
		if stale != nil {
			return s.serveStale(tx, key, stale, "origin body failed: "+err.Error())
		}
		status, reason := (&originError{origin: tx.b.members[tx.member].ID, err: err}).status()
		tx.note = reason
		return s.edgeError(status, reason, tx)
	}
	s.store(plan, out.status, body, now)
	tx.cacheStep(plan.key, CacheStored, "", plan.ttl)
	out.body, out.stream = body, nil
	return out
}

// store stores a response as plan says: here, with the marker of a URL that varies on
// Accept-Encoding (markVaries), and in the shared tier, if any (share).
func (s *Server) store(plan storePlan, status int, body []byte, now time.Time) {
	if plan.key == "" {
		return
	}
	e := &Entry{Status: status, Header: plan.header, Body: body, Stored: now, Expires: now.Add(plan.ttl)}
	s.cache.Put(plan.key, e)
	if plan.base != "" {
		s.markVaries(plan.base, now)
	}
	s.share(plan, e, now)
}

// markVaries puts the marker that sends lookups of a URL that varies on Accept-Encoding on to
// its variants.
func (s *Server) markVaries(base string, now time.Time) {
	if e, ok := s.cache.Get(base); !ok || !e.varyAE {
		s.cache.Put(base, &Entry{varyAE: true, Stored: now})
	}
}

// passTTL is how long a key whose response could not be stored is not collapsed.
const passTTL = 10 * time.Second

// markPass remembers that key's response could not be stored.
func (s *Server) markPass(key string, now time.Time) {
	if key != "" {
		s.cache.MarkPass(key, now.Add(passTTL))
		s.sharePass(key, now.Add(passTTL))
	}
}

// refresh serves a stale entry the origin confirmed with 304, with the 304's headers merged in
// and a new TTL. A Set-Cookie on the 304, and any field its qualified no-cache names, go to
// this viewer only, never into the entry.
func (s *Server) refresh(tx *exchange, key string, e *Entry, h304 http.Header, now time.Time) *response {
	h := maps.Clone(e.Header) // values are only replaced, never changed: compactHeader copies them below
	omit := noCacheFields(h304)
	var own http.Header // the fields for this viewer only
	for k, v := range h304 {
		switch {
		case k == "Content-Length":
		case k == "Set-Cookie" || omit[strings.ToLower(k)]:
			if own == nil {
				own = http.Header{}
			}
			own[k] = v
		default:
			h[k] = v
		}
	}
	for name := range omit {
		h.Del(name)
	}
	if etag := h.Get("Etag"); strings.HasPrefix(e.Header.Get("Etag"), "W/") && strings.HasPrefix(etag, `"`) {
		// The entry's validator was weak (the edge compressed it, ETag conversion): the 304's
		// strong one is its origin body's, not these bytes'.
		h["Etag"] = []string{"W/" + etag}
	}
	h = compactHeader(h)
	ne := &Entry{Status: e.Status, Header: h, Body: e.Body, Stored: now, Expires: now.Add(tx.b.TTL.ttlFor(e.Status, h, s.errorTTL(tx, e.Status), now))}
	if ne.Expires.After(now) {
		s.cache.Put(key, ne)
		s.share(storePlan{key: key, ttl: ne.Expires.Sub(now)}, ne, now)
	}
	tx.cacheStep(key, CacheRefreshHit, "the origin answered 304 Not Modified", ne.Expires.Sub(now))
	resp := hitResponse(ne, xRefresh)
	if own != nil {
		resp.header = h.Clone()
		for k, v := range own {
			resp.header[k] = v
		}
		resp.entry = nil
	}
	return resp
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
			s.storeError(tx, key, fallback, tx.b.TTL.ttlFor(status, http.Header{}, s.errorTTL(tx, status), time.Now()), "an edge error")
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
		s.storeError(tx, key, resp, tx.b.TTL.errorTTL(orEmpty(h), s.errorTTL(tx, status), time.Now()), "the custom error page")
	}
	return resp
}

// storeError stores an error answer (an edge error or a custom page) under key for ttl, by the
// same rules as an origin's response.
func (s *Server) storeError(tx *exchange, key string, resp *response, ttl time.Duration, what string) {
	plan, _ := planStore(tx.d.CacheKey.keyedHeader, key, key, aeNone, resp.header, ttl)
	s.store(plan, resp.status, resp.body, time.Now())
	if plan.key != "" {
		tx.cacheStep(plan.key, CacheStored, what+", for the error-caching TTL", plan.ttl)
	}
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
	pr := &viewerRequest{method: http.MethodGet, uri: p.Path, host: tx.r.Host, header: http.Header{}, ip: clientIP(tx.r), tls: tx.r.TLS != nil,
		connReused: tx.connReused}
	tx.d.initPolicy(pr, ptx.b, tx.r)
	if pr.pol != nil {
		pr.pol.facts.vr = nil // the page's request has no User-Agent: the device is the viewer's
	}
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

// currentHooks is the hook set a request starting now runs: the distribution's own, else the
// server's.
func (s *Server) currentHooks(d *Distribution) HookSet {
	if src := d.Hooks; src != nil {
		return src.Current()
	} else if s.hooks != nil {
		return s.hooks.Current()
	}
	return nil
}
