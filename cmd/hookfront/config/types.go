// Package config reads hookfront's YAML (or JSON) config into typed values, with defaults and
// strict validation. Every problem is reported with the file, the line and the field.
package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is the config file's shape.
type File struct {
	Listen         string          `yaml:"listen"`
	HooksDir       string          `yaml:"hooks_dir"`
	DomainName     string          `yaml:"domain_name"`
	DistributionID string          `yaml:"distribution_id"`
	Origins        []Origin        `yaml:"origins"`
	OriginGroups   []OriginGroup   `yaml:"origin_groups"`
	ErrorPages     []ErrorPage     `yaml:"error_pages"`
	Behaviors      []Behavior      `yaml:"behaviors"`
	Cache          Cache           `yaml:"cache"`
	HookTimeouts   HookTimeouts    `yaml:"hook_timeouts"`
	Server         ServerSettings  `yaml:"server"`
	Watch          Watch           `yaml:"watch"`
	KeyValueStores []KeyValueStore `yaml:"key_value_stores"`

	CachePolicies           []CachePolicy           `yaml:"cache_policies"`
	OriginRequestPolicies   []OriginRequestPolicy   `yaml:"origin_request_policies"`
	ResponseHeadersPolicies []ResponseHeadersPolicy `yaml:"response_headers_policies"`
	Viewer                  *Viewer                 `yaml:"viewer"`
	DefaultRootObject       string                  `yaml:"default_root_object"`
	Admin                   Admin                   `yaml:"admin"`
	TLS                     *TLS                    `yaml:"tls"`
	AccessLog               *AccessLog              `yaml:"access_log"`
}

// Watch tunes how the hooks folder and the config file are watched.
type Watch struct {
	Debounce     Duration `yaml:"debounce"`
	PollInterval Duration `yaml:"poll_interval"`
	Poll         bool     `yaml:"poll"`
	// InvalidateOnReload empties the cache when a reload changes origin-hook code.
	InvalidateOnReload Switch `yaml:"invalidate_on_reload"`
}

// Origin is one entry of origins.
type Origin struct {
	ID                 string            `yaml:"id"`
	URL                string            `yaml:"url"`
	ConnectionAttempts int               `yaml:"connection_attempts"`
	ConnectionTimeout  Duration          `yaml:"connection_timeout"`
	ResponseTimeout    Duration          `yaml:"response_timeout"`
	KeepaliveTimeout   Duration          `yaml:"keepalive_timeout"`
	CustomHeaders      map[string]string `yaml:"custom_headers"`

	OriginProtocolPolicy string `yaml:"origin_protocol_policy"` // http-only, https-only, match-viewer
	HTTPPort             int    `yaml:"http_port"`              // match-viewer, https:// url: where HTTP viewers go
	HTTPSPort            int    `yaml:"https_port"`             // match-viewer, http:// url: where HTTPS viewers go
	TLSCA                string `yaml:"tls_ca"`                 // PEM CA certificates trusted beside the system roots
	TLSServerName        string `yaml:"tls_server_name"`
}

// OriginGroup is one entry of origin_groups.
type OriginGroup struct {
	ID                  string         `yaml:"id"`
	Primary             string         `yaml:"primary"`
	Secondary           string         `yaml:"secondary"`
	Members             []string       `yaml:"members"` // instead of primary/secondary: two or more, in order
	FailoverStatusCodes []int          `yaml:"failover_status_codes"`
	WriteFailover       *WriteFailover `yaml:"write_failover"`
	ErrorPages          GroupErrorPage `yaml:"error_pages"`
	Health              *GroupHealth   `yaml:"health"`
}

// MemberIDs are the group's origins in the order they are tried.
func (g *OriginGroup) MemberIDs() []string {
	if len(g.Members) > 0 {
		return g.Members
	}
	return []string{g.Primary, g.Secondary}
}

// WriteFailover is the opt-in to failover for write methods.
type WriteFailover struct {
	Methods        []string    `yaml:"methods"`
	MaxBody        ByteSize    `yaml:"max_body"`
	On             []string    `yaml:"on"` // connect_failure and statuses; default [connect_failure]
	IdempotencyKey string      `yaml:"idempotency_key"`
	Queue          *WriteQueue `yaml:"queue"`
}

// GroupErrorPage holds a group's pages by role, and by member origin id.
type GroupErrorPage struct {
	Primary   []ErrorPage            `yaml:"primary"`
	Secondary []ErrorPage            `yaml:"secondary"`
	Members   map[string][]ErrorPage `yaml:"members"`
}

// ErrorPage is a custom error response.
type ErrorPage struct {
	Status       int      `yaml:"status"`
	Page         string   `yaml:"page"`
	PagePath     string   `yaml:"page_path"`
	ResponseCode int      `yaml:"response_code"`
	CacheTTL     Duration `yaml:"cache_ttl"`
}

// Behavior is a cache behavior.
type Behavior struct {
	PathPattern    string                     `yaml:"path_pattern"`
	Target         string                     `yaml:"target"`
	AllowedMethods []string                   `yaml:"allowed_methods"`
	CachedMethods  []string                   `yaml:"cached_methods"`
	TTL            TTL                        `yaml:"ttl"`
	IncludeBody    bool                       `yaml:"include_body"`
	Hooks          map[string]HookBinding     `yaml:"hooks"`
	Functions      map[string]FunctionBinding `yaml:"functions"`

	CachePolicy           string           `yaml:"cache_policy"` // a name, or a managed policy's ID
	OriginRequestPolicy   string           `yaml:"origin_request_policy"`
	ResponseHeadersPolicy string           `yaml:"response_headers_policy"`
	ForwardedValues       *ForwardedValues `yaml:"forwarded_values"`

	ViewerProtocolPolicy string `yaml:"viewer_protocol_policy"` // allow-all, redirect-to-https, https-only
	Compress             bool   `yaml:"compress"`
}

// TTL is a behavior's min/default/max.
type TTL struct {
	Min     Duration `yaml:"min"`
	Default Duration `yaml:"default"`
	Max     Duration `yaml:"max"`
}

// HookBinding binds a hook file to a trigger: a file name, or {file, handler}.
type HookBinding struct {
	File    string `yaml:"file"`
	Handler string `yaml:"handler"`
}

// UnmarshalYAML accepts the short form "file.js" as well as the mapping.
func (h *HookBinding) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		h.File = n.Value
		return nil
	}
	type plain HookBinding
	if err := n.Decode((*plain)(h)); err != nil {
		return err
	}
	// Node.Decode does not refuse unknown fields as the file's decoder does: refuse them here.
	var unknown []string
	for i := 0; n.Kind == yaml.MappingNode && i < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Value != "file" && k.Value != "handler" {
			unknown = append(unknown, fmt.Sprintf("line %d: %s", k.Line, UnknownField(k.Value, []string{"file", "handler"})))
		}
	}
	if len(unknown) > 0 {
		return &yaml.TypeError{Errors: unknown}
	}
	return nil
}

// Cache is the cache section.
type Cache struct {
	MaxSize   ByteSize    `yaml:"max_size"`
	MaxObject ByteSize    `yaml:"max_object"`
	Key       CacheKey    `yaml:"key"`
	Enabled   Switch      `yaml:"enabled"` // default true
	Shared    SharedCache `yaml:"shared"`
}

// CacheKey says what goes into the cache key besides host and path.
type CacheKey struct {
	QueryStrings QueryStrings `yaml:"query_strings"`
	Headers      []string     `yaml:"headers"`
	Cookies      []string     `yaml:"cookies"`
}

// QueryStrings is "all", "none", or a list of parameter names.
type QueryStrings struct {
	Mode  string // all, none or include
	Names []string
}

// UnmarshalYAML reads the scalar or list form.
func (q *QueryStrings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		q.Mode = "include"
		return n.Decode(&q.Names)
	}
	switch n.Value {
	case "all", "none":
		q.Mode = n.Value
		return nil
	}
	return typeErr(n, "query_strings must be all, none or a list of names, not %q", n.Value)
}

// HookTimeouts are the per-call limits of hooks.
type HookTimeouts struct {
	Viewer   Duration `yaml:"viewer"`
	Origin   Duration `yaml:"origin"`
	Function Duration `yaml:"function"` // CloudFront Functions' compute budget per call
}

// ServerSettings tune the listening HTTP server.
type ServerSettings struct {
	ReadHeaderTimeout Duration `yaml:"read_header_timeout"`
	ReadBodyTimeout   Duration `yaml:"read_body_timeout"`
	IdleTimeout       Duration `yaml:"idle_timeout"`
	MaxHeaderBytes    ByteSize `yaml:"max_header_bytes"`
	ShutdownTimeout   Duration `yaml:"shutdown_timeout"`
	// ShutdownDelay is how long the edge keeps serving after SIGTERM while /readyz already
	// says 503, so that load balancers stop sending before the listener closes.
	ShutdownDelay Duration `yaml:"shutdown_delay"`
	// WriteBuffer bounds the write bodies buffered for failover at once, all writes together.
	WriteBuffer ByteSize `yaml:"write_buffer"`
}

// Duration is a time.Duration written as "10s", "1m30s" or a number of seconds.
type Duration struct {
	time.Duration
	Set bool // written in the file (tells an explicit 0 from a default)
}

// UnmarshalYAML parses the duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if secs, err := strconv.ParseFloat(n.Value, 64); err == nil {
		d.Duration, d.Set = time.Duration(secs*float64(time.Second)), true
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return typeErr(n, "%q is not a duration (write 10s, 500ms, 1h)", n.Value)
	}
	d.Duration, d.Set = v, true
	return nil
}

// ByteSize is a size written as "256MB", "64KiB" or a number of bytes. KB, MB and GB are
// binary (1024-based), as in most proxies' configs.
type ByteSize int64

// UnmarshalYAML parses the size.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return typeErr(n, "%v", err)
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize parses "256MB", "1GiB", "512k", "1024".
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size (write 256MB, 64KB or a number of bytes)", s)
	}
	return n * mult, nil
}

// typeErr is a decoding error that yaml collects with the others instead of stopping at it.
func typeErr(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ", n.Line) + fmt.Sprintf(format, args...)}}
}
