package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The config the import writes, field for field hookfront's config file (cmd/hookfront/config),
// with empty fields left out.

type outFile struct {
	HooksDir                string       `yaml:"hooks_dir,omitempty"`
	DomainName              string       `yaml:"domain_name,omitempty"`
	DistributionID          string       `yaml:"distribution_id,omitempty"`
	DefaultRootObject       string       `yaml:"default_root_object,omitempty"`
	Origins                 []outOrigin  `yaml:"origins"`
	OriginGroups            []outGroup   `yaml:"origin_groups,omitempty"`
	ErrorPages              []outPage    `yaml:"error_pages,omitempty"`
	CachePolicies           []outCache   `yaml:"cache_policies,omitempty"`
	OriginRequestPolicies   []outOrigReq `yaml:"origin_request_policies,omitempty"`
	ResponseHeadersPolicies []outRespHdr `yaml:"response_headers_policies,omitempty"`
	Behaviors               []outBehav   `yaml:"behaviors"`
}

type outOrigin struct {
	ID                 string            `yaml:"id"`
	URL                string            `yaml:"url"`
	ConnectionAttempts int               `yaml:"connection_attempts,omitempty"`
	ConnectionTimeout  secs              `yaml:"connection_timeout,omitempty"`
	ResponseTimeout    secs              `yaml:"response_timeout,omitempty"`
	KeepaliveTimeout   secs              `yaml:"keepalive_timeout,omitempty"`
	CustomHeaders      map[string]string `yaml:"custom_headers,omitempty"`
	ProtocolPolicy     string            `yaml:"origin_protocol_policy,omitempty"`
	HTTPPort           int               `yaml:"http_port,omitempty"`
}

type outGroup struct {
	ID                  string `yaml:"id"`
	Primary             string `yaml:"primary"`
	Secondary           string `yaml:"secondary"`
	FailoverStatusCodes []int  `yaml:"failover_status_codes,flow"`
}

type outPage struct {
	Status       int    `yaml:"status"`
	PagePath     string `yaml:"page_path,omitempty"`
	ResponseCode int    `yaml:"response_code,omitempty"`
	CacheTTL     *secs  `yaml:"cache_ttl,omitempty"`
}

type outTTL struct {
	Min     *secs `yaml:"min,omitempty"`
	Default *secs `yaml:"default,omitempty"`
	Max     *secs `yaml:"max,omitempty"`
}

type outNames struct {
	Behavior string   `yaml:"behavior"`
	Items    []string `yaml:"items,omitempty,flow"`
}

type outCache struct {
	Name    string  `yaml:"name"`
	ID      string  `yaml:"id,omitempty"`
	Comment string  `yaml:"comment,omitempty"`
	TTL     outTTL  `yaml:"ttl"`
	Key     outKeys `yaml:"key"`
	Gzip    bool    `yaml:"gzip,omitempty"`
	Brotli  bool    `yaml:"brotli,omitempty"`
}

type outKeys struct {
	Headers      outNames `yaml:"headers"`
	Cookies      outNames `yaml:"cookies"`
	QueryStrings outNames `yaml:"query_strings"`
}

type outOrigReq struct {
	Name         string   `yaml:"name"`
	ID           string   `yaml:"id,omitempty"`
	Comment      string   `yaml:"comment,omitempty"`
	Headers      outNames `yaml:"headers"`
	Cookies      outNames `yaml:"cookies"`
	QueryStrings outNames `yaml:"query_strings"`
}

type outRespHdr struct {
	Name            string        `yaml:"name"`
	ID              string        `yaml:"id,omitempty"`
	Comment         string        `yaml:"comment,omitempty"`
	CORS            *outCORS      `yaml:"cors,omitempty"`
	SecurityHeaders *outSecurity  `yaml:"security_headers,omitempty"`
	CustomHeaders   []outHeader   `yaml:"custom_headers,omitempty"`
	RemoveHeaders   []string      `yaml:"remove_headers,omitempty,flow"`
	ServerTiming    *outSrvTiming `yaml:"server_timing,omitempty"`
}

type outCORS struct {
	AllowOrigins     []string `yaml:"allow_origins,flow"`
	AllowHeaders     []string `yaml:"allow_headers,omitempty,flow"`
	AllowMethods     []string `yaml:"allow_methods,omitempty,flow"`
	AllowCredentials bool     `yaml:"allow_credentials,omitempty"`
	ExposeHeaders    []string `yaml:"expose_headers,omitempty,flow"`
	MaxAge           *secs    `yaml:"max_age,omitempty"`
	OriginOverride   bool     `yaml:"origin_override,omitempty"`
}

type outValue struct {
	Value    string `yaml:"value,omitempty"`
	Override bool   `yaml:"override"`
}

type outSecurity struct {
	ContentSecurityPolicy   *outValue `yaml:"content_security_policy,omitempty"`
	ContentTypeOptions      *outValue `yaml:"content_type_options,omitempty"`
	FrameOptions            *outValue `yaml:"frame_options,omitempty"`
	ReferrerPolicy          *outValue `yaml:"referrer_policy,omitempty"`
	StrictTransportSecurity *outHSTS  `yaml:"strict_transport_security,omitempty"`
	XSSProtection           *outXSS   `yaml:"xss_protection,omitempty"`
}

type outHSTS struct {
	MaxAge            secs `yaml:"max_age"`
	IncludeSubdomains bool `yaml:"include_subdomains,omitempty"`
	Preload           bool `yaml:"preload,omitempty"`
	Override          bool `yaml:"override"`
}

type outXSS struct {
	Protection bool   `yaml:"protection"`
	ModeBlock  bool   `yaml:"mode_block,omitempty"`
	ReportURI  string `yaml:"report_uri,omitempty"`
	Override   bool   `yaml:"override"`
}

type outHeader struct {
	Name     string `yaml:"name"`
	Value    string `yaml:"value"`
	Override bool   `yaml:"override"`
}

type outSrvTiming struct {
	Enabled      bool     `yaml:"enabled"`
	SamplingRate *float64 `yaml:"sampling_rate,omitempty"`
}

type outBehav struct {
	PathPattern           string            `yaml:"path_pattern"`
	Target                string            `yaml:"target"`
	AllowedMethods        []string          `yaml:"allowed_methods,omitempty,flow"`
	CachedMethods         []string          `yaml:"cached_methods,omitempty,flow"`
	CachePolicy           string            `yaml:"cache_policy,omitempty"`
	OriginRequestPolicy   string            `yaml:"origin_request_policy,omitempty"`
	ResponseHeadersPolicy string            `yaml:"response_headers_policy,omitempty"`
	ForwardedValues       *outLegacy        `yaml:"forwarded_values,omitempty"`
	TTL                   *outTTL           `yaml:"ttl,omitempty"`
	IncludeBody           bool              `yaml:"include_body,omitempty"`
	Hooks                 map[string]string `yaml:"hooks,omitempty"`
	ViewerProtocolPolicy  string            `yaml:"viewer_protocol_policy,omitempty"`
	Compress              bool              `yaml:"compress,omitempty"`
}

type outLegacy struct {
	QueryString          bool     `yaml:"query_string"`
	QueryStringCacheKeys []string `yaml:"query_string_cache_keys,omitempty,flow"`
	Headers              []string `yaml:"headers,omitempty,flow"`
	Cookies              struct {
		Forward string   `yaml:"forward"`
		Names   []string `yaml:"names,omitempty,flow"`
	} `yaml:"cookies"`
}

// secs is a number of seconds, written as a duration the config reads ("30s", "5m", "24h").
type secs int64

func (s secs) MarshalYAML() (any, error) {
	n := int64(s)
	switch {
	case n != 0 && n%3600 == 0:
		return strconv.FormatInt(n/3600, 10) + "h", nil
	case n != 0 && n%60 == 0:
		return strconv.FormatInt(n/60, 10) + "m", nil
	}
	return strconv.FormatInt(n, 10) + "s", nil
}

func secsPtr(n *int64) *secs {
	if n == nil {
		return nil
	}
	s := secs(*n)
	return &s
}

// render writes the config as YAML with the notes as comments: header at the top, and each
// path's note ("behaviors[2]") above that element.
func render(f *outFile, header []string, notes map[string][]string) ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(f); err != nil {
		return nil, fmt.Errorf("rendering the config: %w", err)
	}
	for path, lines := range notes {
		if n := find(&doc, path); n != nil {
			n.HeadComment = strings.Join(lines, "\n")
		}
	}
	var b strings.Builder
	for _, h := range header {
		b.WriteString("# " + h + "\n")
	}
	b.WriteString("\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("rendering the config: %w", err)
	}
	return []byte(b.String()), nil
}

var pathStep = regexp.MustCompile(`([a-z_]+)(?:\[(\d+)\])?`)

// find locates "origins[1]" or "behaviors[0]" in an encoded document: the key node of a
// top-level field, or the mapping of a list element.
func find(n *yaml.Node, path string) *yaml.Node {
	m := pathStep.FindStringSubmatch(path)
	if m == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != m[1] {
			continue
		}
		if m[2] == "" {
			return n.Content[i]
		}
		idx, _ := strconv.Atoi(m[2])
		if seq := n.Content[i+1]; seq.Kind == yaml.SequenceNode && idx < len(seq.Content) {
			return seq.Content[idx]
		}
	}
	return nil
}
