package config

import (
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
)

const withPolicies = `origins:
  - {id: app, url: http://127.0.0.1:9001}
default_root_object: index.html
viewer: {country: de, city: Köln, latitude: 50.94, allow_override: false}
cache_policies:
  - name: api
    id: 0f0f0f0f-1111-2222-3333-444455556666
    ttl: {min: 0s, default: 60s, max: 1h}
    key:
      headers: [Authorization, CloudFront-Viewer-Country]
      cookies: none
      query_strings: {behavior: allExcept, items: [utm_source]}
    gzip: true
origin_request_policies:
  - name: api-origin
    headers: {behavior: allViewerAndWhitelistCloudFront, items: [CloudFront-Viewer-Address]}
    cookies: all
    query_strings: all
response_headers_policies:
  - name: site
    cors: {allow_origins: ["https://*.example.org"], allow_methods: [get, post], max_age: 600, answer_preflight: true}
    security_headers:
      frame_options: {value: deny, override: true}
      strict_transport_security: {max_age: 8760h, include_subdomains: true}
    custom_headers: [{name: X-Env, value: dev}]
    remove_headers: [X-Powered-By]
    server_timing: {enabled: true, sampling_rate: 5}
behaviors:
  - path_pattern: /api/*
    target: app
    allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
    cache_policy: api
    origin_request_policy: api-origin
    response_headers_policy: site
  - path_pattern: /old/*
    target: app
    ttl: {default: 1h}
    forwarded_values: {query_string: true, query_string_cache_keys: [page], headers: [Accept-Language], cookies: {forward: whitelist, names: [session]}}
  - path_pattern: /static/*
    target: app
    cache_policy: 658327ea-f89d-4fab-a63d-7e88639e58f6
    response_headers_policy: Managed-SecurityHeadersPolicy
  - path_pattern: "*"
    target: app
    cache_policy: CachingDisabled
    origin_request_policy: AllViewerExceptHostHeader
`

func TestPoliciesInTheConfig(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse(write(t, dir, "hookfront.yaml", withPolicies), []byte(withPolicies))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
	d, err := c.Distribution()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
	if d.DefaultRootObject != "index.html" || d.Viewer.Country != "DE" || d.Viewer.AllowOverride {
		t.Errorf("distribution: root %q viewer %+v", d.DefaultRootObject, d.Viewer)
	}
	api, old, static, def := d.Behaviors[0], d.Behaviors[1], d.Behaviors[2], d.Behaviors[3]
	if api.CachePolicy.Name != "api" || api.TTL != (edge.TTL{Default: time.Minute, Max: time.Hour}) ||
		api.OriginRequestPolicy.Name != "api-origin" || api.ResponseHeadersPolicy.CORS.MaxAgeSec != 600 ||
		api.ResponseHeadersPolicy.Security.FrameOptions.Value != "DENY" || api.ResponseHeadersPolicy.ServerTiming.SamplingRate != 5 ||
		api.ResponseHeadersPolicy.Security.StrictTransportSecurity.MaxAgeSec != 31536000 {
		t.Errorf("api behavior: %+v %+v", api, api.ResponseHeadersPolicy)
	}
	if old.ForwardedValues == nil || old.ForwardedValues.Cookies != "whitelist" || old.TTL.Default != time.Hour {
		t.Errorf("legacy behavior: %+v", old)
	}
	if static.CachePolicy != edge.ManagedCachePolicy("CachingOptimized") || static.ResponseHeadersPolicy != edge.ManagedResponseHeadersPolicy("SecurityHeadersPolicy") {
		t.Error("managed policies by ID and by Managed- name")
	}
	if def.CachePolicy.Name != "CachingDisabled" || def.OriginRequestPolicy.Name != "AllViewerExceptHostHeader" || def.TTL != (edge.TTL{}) {
		t.Errorf("default behavior: %+v", def)
	}
	// A behavior may name a custom policy by its id too.
	again := strings.Replace(withPolicies, "cache_policy: api\n", "cache_policy: 0F0F0F0F-1111-2222-3333-444455556666\n", 1)
	if _, err := Parse(write(t, dir, "again.yaml", again), []byte(again)); err != nil {
		t.Errorf("by id: %v", err)
	}
}

func TestPolicyErrors(t *testing.T) {
	base := "origins: [{id: app, url: 'http://127.0.0.1:9001'}]\n"
	cases := []struct{ name, yaml, want string }{
		{"allViewer in a cache policy", "cache_policies: [{name: c, key: {headers: allViewer}}]\n",
			`cache_policies[0].key.headers.behavior: "allViewer" is not allowed here (allowed: none, whitelist): a cache policy can put only listed headers in the key`},
		{"Authorization in an origin request policy", "origin_request_policies: [{name: o, headers: [Authorization]}]\n",
			"origin_request_policies[0].headers.items[0]: an origin request policy cannot name Authorization (CloudFront answers 400"},
		{"viewer address in a key", "cache_policies: [{name: c, key: {headers: [CloudFront-Viewer-Address]}}]\n",
			"can be added by an origin request policy but not be in a cache key"},
		{"cookie header in a key", "cache_policies: [{name: c, key: {headers: [cookie]}}]\n", "use key.cookies"},
		{"items without a list behavior", "cache_policies: [{name: c, key: {cookies: {behavior: all, items: [a]}}}]\n", "all takes no names"},
		{"whitelist without items", "cache_policies: [{name: c, key: {query_strings: {behavior: whitelist}}}]\n", "whitelist needs the names"},
		{"key with caching disabled", "cache_policies: [{name: c, ttl: {max: 0s}, key: {query_strings: all}}]\n", "caching is disabled (ttl.max 0)"},
		{"managed name", "cache_policies: [{name: Managed-CachingOptimized}]\n", "is the name of an AWS-managed cache policy"},
		{"CloudFront-only list", "origin_request_policies: [{name: o, headers: {behavior: allViewerAndWhitelistCloudFront, items: [X-A]}}]\n", "X-A is not a CloudFront header"},
		{"unremovable", "response_headers_policies: [{name: r, remove_headers: [Content-Length]}]\n", "Content-Length cannot be removed"},
		{"custom CORS header", "response_headers_policies: [{name: r, custom_headers: [{name: Access-Control-Allow-Origin, value: '*'}]}]\n", "belongs in the cors or security_headers section"},
		{"bad wildcard origin", "response_headers_policies: [{name: r, cors: {allow_origins: ['https://a.*.org']}}]\n", "a wildcard may only be the leftmost part"},
		{"content type options value", "response_headers_policies: [{name: r, security_headers: {content_type_options: {value: sniff}}}]\n",
			"security_headers.content_type_options.value: X-Content-Type-Options is always nosniff"},
		{"xss both", "response_headers_policies: [{name: r, security_headers: {xss_protection: {protection: true, mode_block: true, report_uri: 'https://r'}}}]\n", "not both"},
		{"unknown policy", "behaviors: [{path_pattern: '*', target: app, cache_policy: CachingOptimised}]\n",
			`"CachingOptimised" is neither a cache policy of this file nor an AWS-managed one (known: Amplify,`},
		{"origin request policy alone", "behaviors: [{path_pattern: '*', target: app, origin_request_policy: AllViewer}]\n", "needs a cache_policy on the same behavior"},
		{"ttl with a cache policy", "behaviors: [{path_pattern: '*', target: app, cache_policy: CachingOptimized, ttl: {max: 1h}}]\n", "takes no ttl"},
		{"legacy with policies", "behaviors: [{path_pattern: '*', target: app, cache_policy: CachingOptimized, forwarded_values: {query_string: true}}]\n", "cannot be combined with policies"},
		{"bad country", "viewer: {country: USA}\n", "viewer.country"},
		{"root object slash", "default_root_object: /index.html\n", "must not start or end with /"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y := base + c.yaml
			if !strings.Contains(c.yaml, "behaviors:") {
				y += "behaviors: [{path_pattern: '*', target: app}]\n"
			}
			_, err := Parse(write(t, t.TempDir(), "h.yaml", y), []byte(y))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestPolicyWarnings(t *testing.T) {
	y := `origins: [{id: app, url: 'http://127.0.0.1:9001'}]
origin_request_policies: [{name: o, headers: [CloudFront-Viewer-Header-Order]}]
response_headers_policies: [{name: r, cors: {allow_origins: ['*'], answer_preflight: true}}]
behaviors: [{path_pattern: '*', target: app, cache_policy: CachingDisabled, origin_request_policy: o, response_headers_policy: r}]
`
	c, err := Parse(write(t, t.TempDir(), "h.yaml", y), []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, w := range c.Warnings {
		all = append(all, w.String())
	}
	got := strings.Join(all, "\n")
	for _, want := range []string{"CloudFront-Viewer-Header-Order is never sent by hookfront", "answer_preflight never applies"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q lack %q", got, want)
		}
	}
}
