package edge

import (
	"math/rand/v2"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ResponseHeadersPolicy is a CloudFront response headers policy: headers added to or removed
// from every response of a behavior — from the cache, the origin or the edge — after the cache
// and before the viewer-response hook, which sees them. They are never stored in the cache.
type ResponseHeadersPolicy struct {
	ID, Name, Comment string
	CORS              *CORSConfig
	Security          *SecurityHeaders
	Custom            []CustomHeader
	Remove            []string
	ServerTiming      *ServerTiming

	once   sync.Once      // a policy (a managed one) may serve several behaviors and distributions
	static []policyHeader // security and custom headers, compiled
	remove []string       // canonical
	cors   corsValues
}

// policyHeader is a header the policy sets, with its value ready for an http.Header.
type policyHeader struct {
	name     string
	value    []string
	override bool
}

// corsValues are the CORS header values, made once.
type corsValues struct {
	credentials, expose, methods, headers, maxAge []string
}

// CORSConfig is the policy's CORS section.
type CORSConfig struct {
	AllowOrigins     []string // "*", an origin, or one with a leading wildcard ("https://*.example.com")
	AllowHeaders     []string
	AllowMethods     []string // or ["ALL"]
	AllowCredentials bool
	ExposeHeaders    []string
	MaxAgeSec        int // < 0: no Access-Control-Max-Age
	OriginOverride   bool
	// AnswerPreflight answers CORS preflight requests from an allowed origin at the edge (204,
	// no hook, no origin). CloudFront forwards preflights to the origin; this is hookfront's.
	AnswerPreflight bool
}

// SecurityHeaders is the policy's security headers section; nil fields are not added.
type SecurityHeaders struct {
	ContentSecurityPolicy   *CustomHeader // Name is ignored
	ContentTypeOptions      *CustomHeader // the value is always nosniff
	FrameOptions            *CustomHeader // DENY or SAMEORIGIN
	ReferrerPolicy          *CustomHeader
	StrictTransportSecurity *HSTS
	XSSProtection           *XSSProtection
}

// HSTS is Strict-Transport-Security.
type HSTS struct {
	MaxAgeSec                  int
	IncludeSubdomains, Preload bool
	Override                   bool
}

// XSSProtection is X-XSS-Protection.
type XSSProtection struct {
	Protection, ModeBlock bool
	ReportURI             string
	Override              bool
}

// CustomHeader is a header the policy adds; with Override it replaces the response's own.
type CustomHeader struct {
	Name, Value string
	Override    bool
}

// ServerTiming adds CloudFront's Server-Timing metrics to a share of the responses.
type ServerTiming struct {
	Enabled      bool
	SamplingRate float64 // percent, 0–100; a request with "Pragma: server-timing" always gets it
}

// AllCORSMethods is what "ALL" stands for in Access-Control-Allow-Methods.
var AllCORSMethods = []string{"GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

func (p *ResponseHeadersPolicy) prepare() { p.once.Do(p.compile) }

func (p *ResponseHeadersPolicy) compile() {
	for _, h := range p.Remove {
		p.remove = append(p.remove, textproto.CanonicalMIMEHeaderKey(h))
	}
	if s := p.Security; s != nil {
		add := func(name string, h *CustomHeader, value string) {
			if h != nil {
				p.static = append(p.static, policyHeader{name, []string{value}, h.Override})
			}
		}
		if h := s.ContentSecurityPolicy; h != nil {
			add("Content-Security-Policy", h, h.Value)
		}
		add("X-Content-Type-Options", s.ContentTypeOptions, "nosniff")
		if h := s.FrameOptions; h != nil {
			add("X-Frame-Options", h, h.Value)
		}
		if h := s.ReferrerPolicy; h != nil {
			add("Referrer-Policy", h, h.Value)
		}
		if h := s.StrictTransportSecurity; h != nil {
			v := "max-age=" + strconv.Itoa(h.MaxAgeSec)
			if h.IncludeSubdomains {
				v += "; includeSubDomains"
			}
			if h.Preload {
				v += "; preload"
			}
			p.static = append(p.static, policyHeader{"Strict-Transport-Security", []string{v}, h.Override})
		}
		if h := s.XSSProtection; h != nil {
			v := "0"
			if h.Protection {
				v = "1"
				if h.ModeBlock {
					v += "; mode=block"
				} else if h.ReportURI != "" {
					v += "; report=" + h.ReportURI
				}
			}
			p.static = append(p.static, policyHeader{"X-Xss-Protection", []string{v}, h.Override})
		}
	}
	for _, h := range p.Custom {
		p.static = append(p.static, policyHeader{textproto.CanonicalMIMEHeaderKey(h.Name), []string{h.Value}, h.Override})
	}
	if c := p.CORS; c != nil {
		joined := func(list []string) []string {
			if len(list) == 0 {
				return nil
			}
			return []string{strings.Join(list, ", ")}
		}
		methods := c.AllowMethods
		if slices.Contains(methods, "ALL") {
			methods = AllCORSMethods
		}
		p.cors = corsValues{expose: joined(c.ExposeHeaders), methods: joined(methods), headers: joined(c.AllowHeaders)}
		if c.AllowCredentials {
			p.cors.credentials = []string{"true"}
		}
		if c.MaxAgeSec >= 0 {
			p.cors.maxAge = []string{strconv.Itoa(c.MaxAgeSec)}
		}
	}
}

// withResponsePolicy applies the behavior's response headers policy to resp once, on a copy of
// its headers (they may be a cache entry's). The copy no longer is the entry's, so a
// viewer-response hook converts it afresh.
func (s *Server) withResponsePolicy(tx *exchange, resp *response) *response {
	if tx.b.ResponseHeadersPolicy == nil || resp.policyDone {
		return resp // small enough to inline: a behavior without a policy pays no call
	}
	return s.applyResponsePolicy(tx, resp)
}

func (s *Server) applyResponsePolicy(tx *exchange, resp *response) *response {
	p := tx.b.ResponseHeadersPolicy
	next := *resp
	next.policyDone, next.entry = true, nil
	h := make(http.Header, len(resp.header)+len(p.static)+4)
	for k, v := range resp.header {
		h[k] = v
	}
	for _, k := range p.remove {
		delete(h, k)
		if k == "Server" {
			h["Server"] = serverValue // CloudFront sends its own Server when the origin's is removed
		}
	}
	if c := p.CORS; c != nil {
		c.apply(tx.r, h, &p.cors)
	}
	for _, a := range p.static {
		setPolicyHeader(h, a.name, a.value, a.override)
	}
	if st := p.ServerTiming; st != nil && st.Enabled && st.sampled(tx.r) {
		addServerTiming(h, tx, resp)
	}
	next.header = h
	return &next
}

var serverValue = []string{"hookfront"}

// setPolicyHeader adds a policy header: without override, a header the response already has wins.
func setPolicyHeader(h http.Header, name string, value []string, override bool) {
	if _, ok := h[name]; ok && !override {
		return
	}
	h[name] = value
}

// apply adds the CORS headers for a request from an allowed origin: on every CORS request
// Allow-Origin, Allow-Credentials and Expose-Headers; on a preflight also Allow-Methods,
// Allow-Headers and Max-Age (understanding-response-headers-policies.html).
func (c *CORSConfig) apply(r *http.Request, h http.Header, v *corsValues) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	allow, ok := c.allowOrigin(origin)
	if !ok {
		return
	}
	set := func(name string, value []string) {
		if value != nil {
			setPolicyHeader(h, name, value, c.OriginOverride)
		}
	}
	set("Access-Control-Allow-Origin", []string{allow})
	set("Access-Control-Allow-Credentials", v.credentials)
	set("Access-Control-Expose-Headers", v.expose)
	if isPreflight(r) {
		set("Access-Control-Allow-Methods", v.methods)
		set("Access-Control-Allow-Headers", v.headers)
		set("Access-Control-Max-Age", v.maxAge)
	}
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// allowOrigin is the Access-Control-Allow-Origin value for origin: "*" when the policy allows
// any, the origin itself when it is listed (a "*." prefix matches any subdomain).
func (c *CORSConfig) allowOrigin(origin string) (string, bool) {
	for _, a := range c.AllowOrigins {
		if a == "*" {
			return "*", true
		}
		if strings.EqualFold(a, origin) {
			return origin, true
		}
		if pre, suf, ok := strings.Cut(a, "*"); ok && len(origin) > len(pre)+len(suf) &&
			strings.HasPrefix(strings.ToLower(origin), strings.ToLower(pre)) && strings.HasSuffix(strings.ToLower(origin), strings.ToLower(suf)) {
			return origin, true
		}
	}
	return "", false
}

// edgePreflight answers a CORS preflight at the edge when the behavior's policy says so.
func (s *Server) edgePreflight(tx *exchange) *response {
	if tx.b.ResponseHeadersPolicy == nil {
		return nil // small enough to inline
	}
	return s.answerPreflight(tx)
}

func (s *Server) answerPreflight(tx *exchange) *response {
	p := tx.b.ResponseHeadersPolicy
	if p.CORS == nil || !p.CORS.AnswerPreflight || !isPreflight(tx.r) {
		return nil
	}
	if _, ok := p.CORS.allowOrigin(tx.r.Header.Get("Origin")); !ok {
		return nil
	}
	tx.note = "CORS preflight answered at the edge"
	return &response{status: http.StatusNoContent, header: http.Header{}, xcache: xPreflight, noVResp: true}
}

// xPreflight marks a preflight the edge answered, as a CloudFront Function answering it would be.
const xPreflight = "FunctionGeneratedResponse from hookfront"

func init() { xcacheValues[xPreflight] = []string{xPreflight} }

func (st *ServerTiming) sampled(r *http.Request) bool {
	for _, v := range r.Header.Values("Pragma") {
		if strings.Contains(strings.ToLower(v), "server-timing") {
			return true
		}
	}
	return st.SamplingRate >= 100 || rand.Float64()*100 < st.SamplingRate
}

// addServerTiming adds CloudFront's Server-Timing metrics that a local edge can know: the cache
// outcome, the request id, the origin's time to first byte on a miss and the edge's own time.
// On a miss the origin's Server-Timing is kept in front; on a hit only the edge's is sent.
func addServerTiming(h http.Header, tx *exchange, resp *response) {
	var b strings.Builder
	origin := ""
	switch resp.xcache {
	case xHit:
		b.WriteString("cdn-cache-hit")
	case xRefresh:
		b.WriteString("cdn-cache-refresh")
	default:
		b.WriteString("cdn-cache-miss")
		origin = strings.Join(h.Values("Server-Timing"), ", ")
		if n := len(tx.attempts); n > 0 {
			b.WriteString(",cdn-upstream-layer;desc=\"EDGE\",cdn-upstream-fbl;dur=")
			b.WriteString(strconv.FormatInt(tx.attempts[n-1].dur.Milliseconds(), 10))
		}
	}
	b.WriteString(",cdn-pop;desc=\"hookfront\",cdn-rid;desc=\"")
	b.WriteString(tx.id)
	b.WriteString("\"")
	if resp.xcache == xHit {
		b.WriteString(",cdn-hit-layer;desc=\"EDGE\"")
	}
	b.WriteString(",cdn-downstream-fbl;dur=")
	b.WriteString(strconv.FormatInt(time.Since(tx.start).Milliseconds(), 10))
	v := b.String()
	if origin != "" {
		v = origin + "," + v
	}
	h["Server-Timing"] = []string{v}
}
