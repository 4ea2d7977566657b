package config

import (
	"strings"
	"time"

	"github.com/hookfront/hookfront/edge"
)

// cachePolicy resolves a behavior's cache_policy: a policy of this file by name or id, else an
// AWS-managed one by name or ID. nil when there is none.
func (c *Config) cachePolicy(ref string) *edge.CachePolicy {
	for i := range c.CachePolicies {
		if p := &c.CachePolicies[i]; refersTo(ref, p.Name, p.ID) {
			return p.edge()
		}
	}
	return edge.ManagedCachePolicy(ref)
}

func (c *Config) originRequestPolicy(ref string) *edge.OriginRequestPolicy {
	for i := range c.OriginRequestPolicies {
		if p := &c.OriginRequestPolicies[i]; refersTo(ref, p.Name, p.ID) {
			return p.edge()
		}
	}
	return edge.ManagedOriginRequestPolicy(ref)
}

func (c *Config) responseHeadersPolicy(ref string) *edge.ResponseHeadersPolicy {
	for i := range c.ResponseHeadersPolicies {
		if p := &c.ResponseHeadersPolicies[i]; refersTo(ref, p.Name, p.ID) {
			return p.edge()
		}
	}
	return edge.ManagedResponseHeadersPolicy(ref)
}

func refersTo(ref, name, id string) bool {
	return ref == name || (id != "" && strings.EqualFold(ref, id))
}

func (n PolicyNames) edge() edge.NameFilter {
	return edge.NameFilter{Behavior: n.Behavior, Items: n.Items}
}

func (p *CachePolicy) edge() *edge.CachePolicy {
	return &edge.CachePolicy{ID: p.ID, Name: p.Name, Comment: p.Comment,
		TTL:     edge.TTL{Min: p.TTL.Min.Duration, Default: p.TTL.Default.Duration, Max: p.TTL.Max.Duration},
		Headers: p.Key.Headers.edge(), Cookies: p.Key.Cookies.edge(), QueryStrings: p.Key.QueryStrings.edge(),
		Gzip: p.Gzip, Brotli: p.Brotli}
}

func (p *OriginRequestPolicy) edge() *edge.OriginRequestPolicy {
	return &edge.OriginRequestPolicy{ID: p.ID, Name: p.Name, Comment: p.Comment,
		Headers: p.Headers.edge(), Cookies: p.Cookies.edge(), QueryStrings: p.QueryStrings.edge()}
}

func seconds(d time.Duration) int { return int(d / time.Second) }

func (p *ResponseHeadersPolicy) edge() *edge.ResponseHeadersPolicy {
	out := &edge.ResponseHeadersPolicy{ID: p.ID, Name: p.Name, Comment: p.Comment, Remove: p.RemoveHeaders}
	if c := p.CORS; c != nil {
		out.CORS = &edge.CORSConfig{AllowOrigins: c.AllowOrigins, AllowHeaders: c.AllowHeaders, AllowMethods: c.AllowMethods,
			AllowCredentials: c.AllowCredentials, ExposeHeaders: c.ExposeHeaders, MaxAgeSec: -1,
			OriginOverride: c.OriginOverride, AnswerPreflight: c.AnswerPreflight}
		if c.MaxAge != nil {
			out.CORS.MaxAgeSec = seconds(c.MaxAge.Duration)
		}
	}
	if s := p.SecurityHeaders; s != nil {
		v := func(h *ValueHeader) *edge.CustomHeader {
			if h == nil {
				return nil
			}
			return &edge.CustomHeader{Value: h.Value, Override: h.Override}
		}
		out.Security = &edge.SecurityHeaders{ContentSecurityPolicy: v(s.ContentSecurityPolicy), ContentTypeOptions: v(s.ContentTypeOptions),
			FrameOptions: v(s.FrameOptions), ReferrerPolicy: v(s.ReferrerPolicy)}
		if h := s.StrictTransportSecurity; h != nil {
			out.Security.StrictTransportSecurity = &edge.HSTS{MaxAgeSec: seconds(h.MaxAge.Duration), IncludeSubdomains: h.IncludeSubdomains,
				Preload: h.Preload, Override: h.Override}
		}
		if h := s.XSSProtection; h != nil {
			out.Security.XSSProtection = &edge.XSSProtection{Protection: h.Protection, ModeBlock: h.ModeBlock, ReportURI: h.ReportURI, Override: h.Override}
		}
	}
	for _, h := range p.CustomHeaders {
		out.Custom = append(out.Custom, edge.CustomHeader{Name: h.Name, Value: h.Value, Override: h.Override})
	}
	if st := p.ServerTiming; st != nil {
		out.ServerTiming = &edge.ServerTiming{Enabled: st.Enabled, SamplingRate: 100}
		if st.SamplingRate != nil {
			out.ServerTiming.SamplingRate = *st.SamplingRate
		}
	}
	return out
}

func (fv *ForwardedValues) edge() *edge.ForwardedValues {
	if fv == nil {
		return nil
	}
	cookies := fv.Cookies.Forward
	if cookies == "" {
		cookies = edge.FilterNone
	}
	return &edge.ForwardedValues{QueryString: fv.QueryString, QueryStringCacheKeys: fv.QueryStringCacheKeys,
		Headers: fv.Headers, Cookies: cookies, CookieNames: fv.Cookies.Names}
}

func (v *Viewer) edge() *edge.Viewer {
	if v == nil {
		return nil
	}
	allow := v.AllowOverride == nil || *v.AllowOverride
	return &edge.Viewer{Country: v.Country, CountryName: v.CountryName, CountryRegion: v.CountryRegion,
		CountryRegionName: v.CountryRegionName, City: v.City, PostalCode: v.PostalCode, TimeZone: v.TimeZone,
		Latitude: v.Latitude, Longitude: v.Longitude, MetroCode: v.MetroCode, ASN: v.ASN, AllowOverride: allow}
}

// behaviorPolicies sets a behavior's policies (already validated) on its edge form.
func (c *Config) behaviorPolicies(b *Behavior, eb *edge.Behavior) {
	if b.CachePolicy != "" {
		eb.CachePolicy = c.cachePolicy(b.CachePolicy)
	}
	if b.OriginRequestPolicy != "" {
		eb.OriginRequestPolicy = c.originRequestPolicy(b.OriginRequestPolicy)
	}
	if b.ResponseHeadersPolicy != "" {
		eb.ResponseHeadersPolicy = c.responseHeadersPolicy(b.ResponseHeadersPolicy)
	}
	eb.ForwardedValues = b.ForwardedValues.edge()
}
