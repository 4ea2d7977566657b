package config

import (
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookfront/hookfront/edge"
)

// The rules below are CloudFront's (its API refuses what they refuse); docs/policies.md lists
// them with their sources.

var policyName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// notInCacheKey are headers no cache policy may name: CloudFront caches on any header but these
// (header-caching.html), and Cookie has its own setting.
var notInCacheKey = []string{"Connection", "Cookie", "Proxy-Authorization", "Te", "Upgrade", "Transfer-Encoding"}

// notForwardedByName are headers an origin request policy may not name: Authorization must be
// in the cache key (CloudFront answers 400 otherwise), the rest are hop-by-hop or have settings.
var notForwardedByName = []string{"Authorization", "Connection", "Cookie", "Proxy-Authorization", "Te", "Upgrade", "Transfer-Encoding"}

// unremovable are the headers a response headers policy cannot remove
// (understanding-response-headers-policies.html, "Headers that you can't remove").
var unremovable = []string{"Connection", "Content-Encoding", "Content-Length", "Expect", "Host", "Keep-Alive",
	"Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Trailer", "Transfer-Encoding", "Upgrade", "Via",
	"Warning", "X-Accel-Buffering", "X-Accel-Charset", "X-Accel-Limit-Rate", "X-Accel-Redirect", "X-Amzn-Auth",
	"X-Amzn-Cf-Billing", "X-Amzn-Cf-Id", "X-Amzn-Cf-Xff", "X-Amzn-Errortype", "X-Amzn-Fle-Profile", "X-Amzn-Header-Count",
	"X-Amzn-Header-Order", "X-Amzn-Lambda-Integration-Tag", "X-Amzn-Requestid", "X-Cache", "X-Forwarded-Proto", "X-Real-Ip"}

// policyManaged are the headers a response headers policy sets in its CORS and security sections;
// a custom header may not be one of them.
var policyManaged = []string{"Access-Control-Allow-Credentials", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Max-Age", "Content-Security-Policy",
	"Referrer-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "X-Xss-Protection"}

var referrerPolicies = []string{"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
	"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"}

// validatePolicies checks the three policy lists, the viewer and the default root object.
func (c *Config) validatePolicies(ck *checker) {
	ids := map[string]bool{}
	names := map[string]bool{}
	checkName := func(at, kind, name, id string, managed bool) {
		switch {
		case name == "":
			ck.errorf(at+".name", "a %s needs a name", kind)
		case !policyName.MatchString(name):
			ck.errorf(at+".name", "%q is not a policy name (letters, digits, - and _, at most 128)", name)
		case managed:
			ck.errorf(at+".name", "%q is the name of an AWS-managed %s, which is built in; name yours differently", name, kind)
		case names[kind+name]:
			ck.errorf(at+".name", "%q names another %s already", name, kind)
		}
		names[kind+name] = true
		if id != "" {
			if ids[kind+id] {
				ck.errorf(at+".id", "%q is the id of another %s", id, kind)
			}
			ids[kind+id] = true
		}
	}
	for i := range c.CachePolicies {
		p := &c.CachePolicies[i]
		at := fmt.Sprintf("cache_policies[%d]", i)
		checkName(at, "cache policy", p.Name, p.ID, edge.ManagedCachePolicy(p.Name) != nil || (p.ID != "" && edge.ManagedCachePolicy(p.ID) != nil))
		c.validateCachePolicy(ck, at, p)
	}
	for i := range c.OriginRequestPolicies {
		p := &c.OriginRequestPolicies[i]
		at := fmt.Sprintf("origin_request_policies[%d]", i)
		checkName(at, "origin request policy", p.Name, p.ID, edge.ManagedOriginRequestPolicy(p.Name) != nil || (p.ID != "" && edge.ManagedOriginRequestPolicy(p.ID) != nil))
		validateORP(ck, at, p)
	}
	for i := range c.ResponseHeadersPolicies {
		p := &c.ResponseHeadersPolicies[i]
		at := fmt.Sprintf("response_headers_policies[%d]", i)
		checkName(at, "response headers policy", p.Name, p.ID, edge.ManagedResponseHeadersPolicy(p.Name) != nil || (p.ID != "" && edge.ManagedResponseHeadersPolicy(p.ID) != nil))
		validateRHP(ck, at, p)
	}
	if v := c.Viewer; v != nil {
		validateViewer(ck, v)
	}
	if o := c.DefaultRootObject; o != "" {
		switch {
		case strings.HasPrefix(o, "/") || strings.HasSuffix(o, "/"):
			ck.errorf("default_root_object", "%q must not start or end with / (write index.html or folder/index.html)", o)
		case len(o) > 255:
			ck.errorf("default_root_object", "is %d characters long; CloudFront allows 255", len(o))
		case strings.ContainsAny(o, "?# \t\r\n\\"):
			ck.errorf("default_root_object", "%q has a character an object name cannot have (? # \\ or whitespace)", o)
		}
	}
}

func (c *Config) validateCachePolicy(ck *checker, at string, p *CachePolicy) {
	t := &p.TTL
	defaultDur(&t.Min, 0)
	defaultDur(&t.Default, max(edge.DefaultTTL.Default, t.Min.Duration))
	defaultDur(&t.Max, max(edge.DefaultTTL.Max, t.Default.Duration))
	switch {
	case t.Min.Duration < 0:
		ck.errorf(at+".ttl.min", "must not be negative")
	case t.Default.Duration < t.Min.Duration:
		ck.errorf(at+".ttl.default", "%v is below min %v", t.Default.Duration, t.Min.Duration)
	case t.Max.Duration < t.Default.Duration:
		ck.errorf(at+".ttl.max", "%v is below default %v", t.Max.Duration, t.Default.Duration)
	case t.Max.Duration > 100*365*24*time.Hour:
		ck.errorf(at+".ttl.max", "%v is over CloudFront's 100 years", t.Max.Duration)
	}
	k := &p.Key
	checkBehavior(ck, at+".key.headers", &k.Headers, []string{edge.FilterNone, edge.FilterWhitelist},
		"a cache policy can put only listed headers in the key (to forward all, use an origin request policy)")
	checkBehavior(ck, at+".key.cookies", &k.Cookies, []string{edge.FilterNone, edge.FilterWhitelist, edge.FilterAllExcept, edge.FilterAll}, "")
	checkBehavior(ck, at+".key.query_strings", &k.QueryStrings, []string{edge.FilterNone, edge.FilterWhitelist, edge.FilterAllExcept, edge.FilterAll}, "")
	for j, h := range k.Headers.Items {
		hat := fmt.Sprintf("%s.key.headers.items[%d]", at, j)
		canon := textproto.CanonicalMIMEHeaderKey(h)
		switch {
		case !headerName.MatchString(h):
			ck.errorf(hat, "%q is not a header name", h)
		case slices.Contains(notInCacheKey, canon):
			ck.errorf(hat, "%s cannot be in a cache key (CloudFront refuses it%s)", h, map[bool]string{true: "; use key.cookies", false: ""}[canon == "Cookie"])
		case slices.ContainsFunc(edge.OriginRequestOnlyHeaders, func(o string) bool { return strings.EqualFold(o, h) }):
			ck.errorf(hat, "%s can be added by an origin request policy but not be in a cache key (CloudFront's rule)", h)
		case canon == "Accept-Encoding" && (p.Gzip || p.Brotli):
			ck.errorf(hat, "with gzip or brotli on, the normalised Accept-Encoding is in the key already; CloudFront refuses the header listed too")
		}
		warnUnavailable(ck, hat, h)
	}
	if t.Max.Duration == 0 && (k.Headers.Behavior != edge.FilterNone || k.Cookies.Behavior != edge.FilterNone ||
		k.QueryStrings.Behavior != edge.FilterNone || p.Gzip || p.Brotli) {
		ck.errorf(at+".key", "caching is disabled (ttl.max 0), so nothing may be in the cache key and gzip/brotli must be off (CloudFront refuses it; use an origin request policy to forward values)")
	}
}

func validateORP(ck *checker, at string, p *OriginRequestPolicy) {
	checkBehavior(ck, at+".headers", &p.Headers, []string{edge.FilterNone, edge.FilterWhitelist, edge.FilterAllViewer,
		edge.FilterAllViewerAndCloudFront, edge.FilterAllExcept}, "")
	checkBehavior(ck, at+".cookies", &p.Cookies, []string{edge.FilterNone, edge.FilterWhitelist, edge.FilterAllExcept, edge.FilterAll}, "")
	checkBehavior(ck, at+".query_strings", &p.QueryStrings, []string{edge.FilterNone, edge.FilterWhitelist, edge.FilterAllExcept, edge.FilterAll}, "")
	for j, h := range p.Headers.Items {
		hat := fmt.Sprintf("%s.headers.items[%d]", at, j)
		canon := textproto.CanonicalMIMEHeaderKey(h)
		switch {
		case !headerName.MatchString(h):
			ck.errorf(hat, "%q is not a header name", h)
		case p.Headers.Behavior == edge.FilterAllViewerAndCloudFront && !edge.IsCloudFrontHeader(h):
			ck.errorf(hat, "%s is not a CloudFront header: allViewerAndWhitelistCloudFront lists only CloudFront-* headers (all viewer headers are forwarded anyway)", h)
		case p.Headers.Behavior == edge.FilterWhitelist && slices.Contains(notForwardedByName, canon):
			reason := "CloudFront refuses it"
			if canon == "Authorization" {
				reason = "CloudFront answers 400: Authorization must be in the cache key, so that a cached answer never reaches a viewer without it"
			}
			ck.errorf(hat, "an origin request policy cannot name %s (%s)", h, reason)
		}
		warnUnavailable(ck, hat, h)
	}
}

// warnUnavailable says when a CloudFront header cannot be produced here.
func warnUnavailable(ck *checker, at, h string) {
	if why := edge.UnavailableCloudFrontHeader(h); why != "" {
		ck.warnf(at, "%s is never sent by hookfront: %s", h, why)
	}
}

// checkBehavior checks a {behavior, items} section: the behavior is one of allowed (empty means
// none), and items are given exactly when the behavior needs them.
func checkBehavior(ck *checker, at string, p *PolicyNames, allowed []string, why string) {
	if p.Behavior == "" {
		p.Behavior = edge.FilterNone
	}
	if !slices.Contains(allowed, p.Behavior) {
		msg := fmt.Sprintf("%q is not allowed here (allowed: %s)", p.Behavior, strings.Join(allowed, ", "))
		if why != "" {
			msg += ": " + why
		}
		ck.errorf(at+".behavior", "%s", msg)
		return
	}
	needs := p.Behavior == edge.FilterWhitelist || p.Behavior == edge.FilterAllExcept || p.Behavior == edge.FilterAllViewerAndCloudFront
	switch {
	case needs && len(p.Items) == 0:
		ck.errorf(at+".items", "%s needs the names it applies to", p.Behavior)
	case !needs && len(p.Items) > 0:
		ck.errorf(at+".items", "%s takes no names; items are for whitelist, allExcept and allViewerAndWhitelistCloudFront", p.Behavior)
	}
}

func validateRHP(ck *checker, at string, p *ResponseHeadersPolicy) {
	if p.CORS == nil && p.SecurityHeaders == nil && len(p.CustomHeaders) == 0 && len(p.RemoveHeaders) == 0 && p.ServerTiming == nil {
		ck.errorf(at, "the policy adds and removes nothing (give cors, security_headers, custom_headers, remove_headers or server_timing)")
	}
	if c := p.CORS; c != nil {
		cat := at + ".cors"
		if len(c.AllowOrigins) == 0 {
			ck.errorf(cat+".allow_origins", "list the origins allowed (* for any)")
		}
		for j, o := range c.AllowOrigins {
			if msg := corsOriginProblem(o); msg != "" {
				ck.errorf(fmt.Sprintf("%s.allow_origins[%d]", cat, j), "%s", msg)
			}
		}
		for j, m := range c.AllowMethods {
			c.AllowMethods[j] = strings.ToUpper(m)
			if !slices.Contains(edge.AllCORSMethods, c.AllowMethods[j]) && c.AllowMethods[j] != "ALL" {
				ck.errorf(fmt.Sprintf("%s.allow_methods[%d]", cat, j), "%q is not one of GET DELETE HEAD OPTIONS PATCH POST PUT ALL", m)
			}
		}
		for _, l := range []struct {
			field string
			list  []string
		}{{"allow_headers", c.AllowHeaders}, {"expose_headers", c.ExposeHeaders}} {
			for j, h := range l.list {
				if h != "*" && !headerName.MatchString(h) {
					ck.errorf(fmt.Sprintf("%s.%s[%d]", cat, l.field, j), "%q is not a header name or *", h)
				}
			}
		}
		if c.MaxAge != nil && c.MaxAge.Duration < 0 {
			ck.errorf(cat+".max_age", "must not be negative")
		}
		if c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
			ck.warnf(cat+".allow_credentials", "browsers refuse credentials with Access-Control-Allow-Origin: *")
		}
	}
	if s := p.SecurityHeaders; s != nil {
		sat := at + ".security_headers"
		if h := s.ContentSecurityPolicy; h != nil && (h.Value == "" || len(h.Value) > 1783) {
			ck.errorf(sat+".content_security_policy.value", "give the policy, at most 1783 characters (CloudFront's limit)")
		}
		if h := s.ContentTypeOptions; h != nil && h.Value != "" && !strings.EqualFold(h.Value, "nosniff") {
			ck.errorf(sat+".content_type_options.value", "X-Content-Type-Options is always nosniff: give override alone")
		}
		if h := s.FrameOptions; h != nil {
			h.Value = strings.ToUpper(h.Value)
			if h.Value != "DENY" && h.Value != "SAMEORIGIN" {
				ck.errorf(sat+".frame_options.value", "must be DENY or SAMEORIGIN")
			}
		}
		if h := s.ReferrerPolicy; h != nil && !slices.Contains(referrerPolicies, h.Value) {
			ck.errorf(sat+".referrer_policy.value", "%q is not one of %s", h.Value, strings.Join(referrerPolicies, ", "))
		}
		if h := s.StrictTransportSecurity; h != nil && h.MaxAge.Duration <= 0 {
			ck.errorf(sat+".strict_transport_security.max_age", "give the max-age (a number of seconds or a duration)")
		}
		if h := s.XSSProtection; h != nil {
			switch {
			case h.ModeBlock && h.ReportURI != "":
				ck.errorf(sat+".xss_protection", "give mode_block or report_uri, not both (CloudFront's rule)")
			case !h.Protection && (h.ModeBlock || h.ReportURI != ""):
				ck.errorf(sat+".xss_protection", "mode_block and report_uri need protection: true")
			}
		}
	}
	seen := map[string]bool{}
	for j, h := range p.CustomHeaders {
		hat := fmt.Sprintf("%s.custom_headers[%d]", at, j)
		canon := textproto.CanonicalMIMEHeaderKey(h.Name)
		switch {
		case !headerName.MatchString(h.Name):
			ck.errorf(hat+".name", "%q is not a header name", h.Name)
		case slices.Contains(policyManaged, canon):
			ck.errorf(hat+".name", "%s belongs in the cors or security_headers section (CloudFront refuses it as a custom header)", h.Name)
		case seen[canon]:
			ck.errorf(hat+".name", "%s is listed twice", h.Name)
		case strings.ContainsAny(h.Value, "\r\n"):
			ck.errorf(hat+".value", "the value has a line break")
		}
		seen[canon] = true
	}
	for j, h := range p.RemoveHeaders {
		hat := fmt.Sprintf("%s.remove_headers[%d]", at, j)
		canon := textproto.CanonicalMIMEHeaderKey(h)
		switch {
		case !headerName.MatchString(h):
			ck.errorf(hat, "%q is not a header name", h)
		case slices.Contains(unremovable, canon) || strings.HasPrefix(canon, "X-Amz-Cf-") || strings.HasPrefix(canon, "X-Edge-"):
			ck.errorf(hat, "%s cannot be removed by a response headers policy (CloudFront refuses it)", h)
		}
	}
	if st := p.ServerTiming; st != nil && st.SamplingRate != nil && (*st.SamplingRate < 0 || *st.SamplingRate > 100) {
		ck.errorf(at+".server_timing.sampling_rate", "must be between 0 and 100 (percent)")
	}
}

// corsOriginProblem checks an allowed CORS origin: *, or scheme://host[:port] (or a bare host)
// where a wildcard may only be the leftmost label.
func corsOriginProblem(o string) string {
	if o == "*" {
		return ""
	}
	host := o
	if _, rest, ok := strings.Cut(o, "://"); ok {
		host = rest
	}
	if h, port, ok := strings.Cut(host, ":"); ok {
		if _, err := strconv.Atoi(port); err != nil {
			return fmt.Sprintf("%q has a bad port", o)
		}
		host = h
	}
	if host == "" || strings.ContainsAny(host, "/ ") {
		return fmt.Sprintf("%q is not an origin (write https://app.example.com, https://*.example.com or *)", o)
	}
	if i := strings.Index(host, "*"); i >= 0 && (i != 0 || !strings.HasPrefix(host, "*.") || strings.Count(host, "*") > 1 || strings.Count(host, ".") < 2) {
		return fmt.Sprintf("%q: a wildcard may only be the leftmost part of a domain with a parent (*.example.org)", o)
	}
	return ""
}

func validateViewer(ck *checker, v *Viewer) {
	if v.Country != "" {
		v.Country = strings.ToUpper(v.Country)
		if len(v.Country) != 2 || strings.Trim(v.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			ck.errorf("viewer.country", "%q is not an ISO 3166-1 alpha-2 code (US, DE, JP, …)", v.Country)
		}
	}
	if len(v.CountryRegion) > 3 {
		ck.errorf("viewer.country_region", "%q is longer than CloudFront's three characters (the ISO 3166-2 subdivision code, WA)", v.CountryRegion)
	}
	for _, f := range []struct {
		field, value string
		lo, hi       float64
	}{{"latitude", v.Latitude, -90, 90}, {"longitude", v.Longitude, -180, 180}} {
		if f.value == "" {
			continue
		}
		if n, err := strconv.ParseFloat(f.value, 64); err != nil || n < f.lo || n > f.hi {
			ck.errorf("viewer."+f.field, "%q is not a %s (%v to %v)", f.value, f.field, f.lo, f.hi)
		}
	}
	for _, f := range []struct{ field, value string }{{"country_name", v.CountryName}, {"country_region_name", v.CountryRegionName},
		{"city", v.City}, {"postal_code", v.PostalCode}, {"time_zone", v.TimeZone}, {"metro_code", v.MetroCode}, {"asn", v.ASN}} {
		if strings.ContainsAny(f.value, "\r\n") {
			ck.errorf("viewer."+f.field, "the value has a line break")
		}
	}
}

// validateBehaviorPolicies checks a behavior's references to policies and its legacy settings.
func (c *Config) validateBehaviorPolicies(ck *checker, at string, b *Behavior) {
	if b.CachePolicy != "" && c.cachePolicy(b.CachePolicy) == nil {
		ck.errorf(at+".cache_policy", "%q is neither a cache policy of this file nor an AWS-managed one (known: %s)", b.CachePolicy, c.knownPolicies("cache"))
	}
	if b.OriginRequestPolicy != "" {
		if c.originRequestPolicy(b.OriginRequestPolicy) == nil {
			ck.errorf(at+".origin_request_policy", "%q is neither an origin request policy of this file nor an AWS-managed one (known: %s)", b.OriginRequestPolicy, c.knownPolicies("origin"))
		}
		if b.CachePolicy == "" {
			ck.errorf(at+".origin_request_policy", "an origin request policy needs a cache_policy on the same behavior (CloudFront's rule)")
		}
	}
	if b.ResponseHeadersPolicy != "" {
		p := c.responseHeadersPolicy(b.ResponseHeadersPolicy)
		if p == nil {
			ck.errorf(at+".response_headers_policy", "%q is neither a response headers policy of this file nor an AWS-managed one (known: %s)", b.ResponseHeadersPolicy, c.knownPolicies("response"))
		} else if p.CORS != nil && p.CORS.AnswerPreflight && !slices.Contains(b.AllowedMethods, "OPTIONS") {
			ck.warnf(at+".response_headers_policy", "its cors.answer_preflight never applies: OPTIONS is not in allowed_methods, so preflights get 403")
		}
	}
	if b.CachePolicy != "" && (b.TTL.Min.Set || b.TTL.Default.Set || b.TTL.Max.Set) {
		ck.errorf(at+".ttl", "the TTLs come from the cache policy; a behavior with cache_policy takes no ttl (CloudFront's rule)")
	}
	fv := b.ForwardedValues
	if fv == nil {
		return
	}
	fat := at + ".forwarded_values"
	if b.CachePolicy != "" || b.OriginRequestPolicy != "" {
		ck.errorf(fat, "legacy forwarded_values cannot be combined with policies (CloudFront's rule)")
	}
	for j, h := range fv.Headers {
		switch {
		case h == "*" && len(fv.Headers) > 1:
			ck.errorf(fmt.Sprintf("%s.headers[%d]", fat, j), "* forwards every header; it stands alone")
		case h != "*" && !headerName.MatchString(h):
			ck.errorf(fmt.Sprintf("%s.headers[%d]", fat, j), "%q is not a header name", h)
		case slices.Contains(notInCacheKey, textproto.CanonicalMIMEHeaderKey(h)):
			ck.errorf(fmt.Sprintf("%s.headers[%d]", fat, j), "%s cannot be forwarded by name (CloudFront refuses it)", h)
		}
	}
	if len(fv.QueryStringCacheKeys) > 0 && !fv.QueryString {
		ck.errorf(fat+".query_string_cache_keys", "needs query_string: true")
	}
	switch fv.Cookies.Forward {
	case "", edge.FilterNone, edge.FilterAll:
		if len(fv.Cookies.Names) > 0 {
			ck.errorf(fat+".cookies.names", "names are for forward: whitelist")
		}
	case edge.FilterWhitelist:
		if len(fv.Cookies.Names) == 0 {
			ck.errorf(fat+".cookies.names", "list the cookies to forward")
		}
	default:
		ck.errorf(fat+".cookies.forward", "%q is not none, whitelist or all", fv.Cookies.Forward)
	}
}

// knownPolicies lists the names a behavior may use for a kind of policy, to help with a typo.
func (c *Config) knownPolicies(kind string) string {
	var names []string
	switch kind {
	case "cache":
		for _, p := range c.CachePolicies {
			names = append(names, p.Name)
		}
		for _, p := range edge.ManagedCachePolicies {
			names = append(names, p.Name)
		}
	case "origin":
		for _, p := range c.OriginRequestPolicies {
			names = append(names, p.Name)
		}
		for _, p := range edge.ManagedOriginRequestPolicies {
			names = append(names, p.Name)
		}
	default:
		for _, p := range c.ResponseHeadersPolicies {
			names = append(names, p.Name)
		}
		for _, p := range edge.ManagedResponseHeadersPolicies {
			names = append(names, p.Name)
		}
	}
	return strings.Join(names, ", ")
}

// CheckPolicies validates the policy lists of f on their own, as the import does with the
// policies it read; fields are named as in a config file (cache_policies[0].key…).
func CheckPolicies(f File) (errs, warnings []Problem) {
	c := &Config{File: f}
	ck := &checker{}
	c.validatePolicies(ck)
	return ck.errs, ck.warnings
}
