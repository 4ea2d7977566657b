package config

import (
	"go.yaml.in/yaml/v3"
)

// PolicyNames is a policy's headers, cookies or query strings: {behavior, items}. The short
// forms are a behavior alone (`none`, `all`, `allViewer`) and a list of names (a whitelist).
type PolicyNames struct {
	Behavior string   `yaml:"behavior"`
	Items    []string `yaml:"items"`
}

// UnmarshalYAML accepts the mapping and the two short forms.
func (p *PolicyNames) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		p.Behavior = n.Value
		return nil
	case yaml.SequenceNode:
		p.Behavior = "whitelist"
		return n.Decode(&p.Items)
	}
	type plain PolicyNames
	return n.Decode((*plain)(p))
}

// CachePolicy is one entry of cache_policies (CloudFront's CachePolicyConfig).
type CachePolicy struct {
	Name    string    `yaml:"name"`
	ID      string    `yaml:"id"`
	Comment string    `yaml:"comment"`
	TTL     TTL       `yaml:"ttl"`
	Key     PolicyKey `yaml:"key"`
	Gzip    bool      `yaml:"gzip"`
	Brotli  bool      `yaml:"brotli"`
}

// PolicyKey is what a cache policy puts into the cache key.
type PolicyKey struct {
	Headers      PolicyNames `yaml:"headers"`
	Cookies      PolicyNames `yaml:"cookies"`
	QueryStrings PolicyNames `yaml:"query_strings"`
}

// OriginRequestPolicy is one entry of origin_request_policies.
type OriginRequestPolicy struct {
	Name         string      `yaml:"name"`
	ID           string      `yaml:"id"`
	Comment      string      `yaml:"comment"`
	Headers      PolicyNames `yaml:"headers"`
	Cookies      PolicyNames `yaml:"cookies"`
	QueryStrings PolicyNames `yaml:"query_strings"`
}

// ResponseHeadersPolicy is one entry of response_headers_policies.
type ResponseHeadersPolicy struct {
	Name            string           `yaml:"name"`
	ID              string           `yaml:"id"`
	Comment         string           `yaml:"comment"`
	CORS            *CORS            `yaml:"cors"`
	SecurityHeaders *SecurityHeaders `yaml:"security_headers"`
	CustomHeaders   []ResponseHeader `yaml:"custom_headers"`
	RemoveHeaders   []string         `yaml:"remove_headers"`
	ServerTiming    *ServerTiming    `yaml:"server_timing"`
}

// CORS is a response headers policy's CORS section.
type CORS struct {
	AllowOrigins     []string  `yaml:"allow_origins"`
	AllowHeaders     []string  `yaml:"allow_headers"`
	AllowMethods     []string  `yaml:"allow_methods"`
	AllowCredentials bool      `yaml:"allow_credentials"`
	ExposeHeaders    []string  `yaml:"expose_headers"`
	MaxAge           *Duration `yaml:"max_age"`
	OriginOverride   bool      `yaml:"origin_override"`
	AnswerPreflight  bool      `yaml:"answer_preflight"`
}

// SecurityHeaders is a response headers policy's security headers section.
type SecurityHeaders struct {
	ContentSecurityPolicy   *ValueHeader   `yaml:"content_security_policy"`
	ContentTypeOptions      *ValueHeader   `yaml:"content_type_options"` // the value is always nosniff
	FrameOptions            *ValueHeader   `yaml:"frame_options"`
	ReferrerPolicy          *ValueHeader   `yaml:"referrer_policy"`
	StrictTransportSecurity *HSTS          `yaml:"strict_transport_security"`
	XSSProtection           *XSSProtection `yaml:"xss_protection"`
}

// ValueHeader is a security header's value and whether it replaces the origin's.
type ValueHeader struct {
	Value    string `yaml:"value"`
	Override bool   `yaml:"override"`
}

// HSTS is Strict-Transport-Security.
type HSTS struct {
	MaxAge            Duration `yaml:"max_age"`
	IncludeSubdomains bool     `yaml:"include_subdomains"`
	Preload           bool     `yaml:"preload"`
	Override          bool     `yaml:"override"`
}

// XSSProtection is X-XSS-Protection.
type XSSProtection struct {
	Protection bool   `yaml:"protection"`
	ModeBlock  bool   `yaml:"mode_block"`
	ReportURI  string `yaml:"report_uri"`
	Override   bool   `yaml:"override"`
}

// ResponseHeader is a custom header a response headers policy adds.
type ResponseHeader struct {
	Name     string `yaml:"name"`
	Value    string `yaml:"value"`
	Override bool   `yaml:"override"`
}

// ServerTiming turns on the Server-Timing header.
type ServerTiming struct {
	Enabled      bool     `yaml:"enabled"`
	SamplingRate *float64 `yaml:"sampling_rate"`
}

// ForwardedValues is a behavior's legacy cache settings, as imported from a distribution that
// predates policies.
type ForwardedValues struct {
	QueryString          bool          `yaml:"query_string"`
	QueryStringCacheKeys []string      `yaml:"query_string_cache_keys"`
	Headers              []string      `yaml:"headers"`
	Cookies              LegacyCookies `yaml:"cookies"`
}

// LegacyCookies is ForwardedValues.Cookies.
type LegacyCookies struct {
	Forward string   `yaml:"forward"` // none, whitelist, all
	Names   []string `yaml:"names"`
}

// Viewer is the simulated viewer behind the CloudFront-Viewer-* headers.
type Viewer struct {
	Country           string `yaml:"country"`
	CountryName       string `yaml:"country_name"`
	CountryRegion     string `yaml:"country_region"`
	CountryRegionName string `yaml:"country_region_name"`
	City              string `yaml:"city"`
	PostalCode        string `yaml:"postal_code"`
	TimeZone          string `yaml:"time_zone"`
	Latitude          string `yaml:"latitude"`
	Longitude         string `yaml:"longitude"`
	MetroCode         string `yaml:"metro_code"`
	ASN               string `yaml:"asn"`
	AllowOverride     *bool  `yaml:"allow_override"`
}
