package importer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
)

// policyDoc is one --policies document: the output of get-cache-policy,
// get-origin-request-policy, get-response-headers-policy (a policy with its Id), or of the
// matching list-* command.
type policyDoc struct {
	CachePolicy               *policyWithID[cachePolicyConfig]           `json:"CachePolicy"`
	OriginRequestPolicy       *policyWithID[originRequestPolicyConfig]   `json:"OriginRequestPolicy"`
	ResponseHeadersPolicy     *policyWithID[responseHeadersPolicyConfig] `json:"ResponseHeadersPolicy"`
	CachePolicyList           *list[policyDoc]                           `json:"CachePolicyList"`
	OriginRequestPolicyList   *list[policyDoc]                           `json:"OriginRequestPolicyList"`
	ResponseHeadersPolicyList *list[policyDoc]                           `json:"ResponseHeadersPolicyList"`
	// The *-config commands print the configuration without its Id, which the import needs.
	CachePolicyConfig           json.RawMessage `json:"CachePolicyConfig"`
	OriginRequestPolicyConfig   json.RawMessage `json:"OriginRequestPolicyConfig"`
	ResponseHeadersPolicyConfig json.RawMessage `json:"ResponseHeadersPolicyConfig"`
}

type policyWithID[T any] struct {
	ID                          string `json:"Id"`
	CachePolicyConfig           *T     `json:"CachePolicyConfig"`
	OriginRequestPolicyConfig   *T     `json:"OriginRequestPolicyConfig"`
	ResponseHeadersPolicyConfig *T     `json:"ResponseHeadersPolicyConfig"`
}

func (p *policyWithID[T]) config() *T {
	switch {
	case p.CachePolicyConfig != nil:
		return p.CachePolicyConfig
	case p.OriginRequestPolicyConfig != nil:
		return p.OriginRequestPolicyConfig
	}
	return p.ResponseHeadersPolicyConfig
}

// loadPolicies reads the --policies files into the importer's maps, by policy Id.
func (im *importer) loadPolicies() error {
	im.cps = map[string]*cachePolicyConfig{}
	im.orps = map[string]*originRequestPolicyConfig{}
	im.rhps = map[string]*responseHeadersPolicyConfig{}
	im.used = map[string]string{}
	for _, f := range im.opt.Policies {
		docs, err := oneOrMany[policyDoc](f.Data)
		if err != nil {
			return inputErrorf("--policies %s: not JSON of a policy (%v); expected the output of aws cloudfront get-cache-policy, get-origin-request-policy or get-response-headers-policy", f.Name, err)
		}
		found := 0
		for _, d := range docs {
			n, err := im.addPolicies(f.Name, d)
			if err != nil {
				return err
			}
			found += n
		}
		if found == 0 {
			return inputErrorf("--policies %s: no policy in it; expected the output of aws cloudfront get-cache-policy, get-origin-request-policy or get-response-headers-policy (or a list-* of them)", f.Name)
		}
	}
	return nil
}

func (im *importer) addPolicies(file string, d policyDoc) (int, error) {
	if d.CachePolicyConfig != nil || d.OriginRequestPolicyConfig != nil || d.ResponseHeadersPolicyConfig != nil {
		return 0, inputErrorf("--policies %s: a policy configuration without its Id (get-*-policy-config prints that); use get-cache-policy, get-origin-request-policy or get-response-headers-policy, which print the Id", file)
	}
	n := 0
	if p := d.CachePolicy; p != nil && p.config() != nil {
		im.cps[strings.ToLower(p.ID)], n = p.config(), n+1
	}
	if p := d.OriginRequestPolicy; p != nil && p.config() != nil {
		im.orps[strings.ToLower(p.ID)], n = p.config(), n+1
	}
	if p := d.ResponseHeadersPolicy; p != nil && p.config() != nil {
		im.rhps[strings.ToLower(p.ID)], n = p.config(), n+1
	}
	for _, l := range []*list[policyDoc]{d.CachePolicyList, d.OriginRequestPolicyList, d.ResponseHeadersPolicyList} {
		for _, item := range l.items() {
			k, err := im.addPolicies(file, item)
			if err != nil {
				return 0, err
			}
			n += k
		}
	}
	return n, nil
}

var policyNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// policyRef is the name a behavior uses for policy id of a kind (cache, origin, response): a
// managed policy's name, or a custom one's, which is added to the config on first use.
func (im *importer) policyRef(field, kind, id string) string {
	switch kind {
	case "cache":
		if m := edge.ManagedCachePolicy(id); m != nil {
			return m.Name
		}
		if p := im.cps[strings.ToLower(id)]; p != nil {
			return im.useCustom(kind, id, p.Name, func(name string) { im.out.CachePolicies = append(im.out.CachePolicies, cachePolicyOut(name, id, p)) })
		}
	case "origin":
		if m := edge.ManagedOriginRequestPolicy(id); m != nil {
			return m.Name
		}
		if p := im.orps[strings.ToLower(id)]; p != nil {
			return im.useCustom(kind, id, p.Name, func(name string) {
				im.out.OriginRequestPolicies = append(im.out.OriginRequestPolicies, originRequestPolicyOut(name, id, p))
			})
		}
	default:
		if m := edge.ManagedResponseHeadersPolicy(id); m != nil {
			return m.Name
		}
		if p := im.rhps[strings.ToLower(id)]; p != nil {
			return im.useCustom(kind, id, p.Name, func(name string) {
				im.out.ResponseHeadersPolicies = append(im.out.ResponseHeadersPolicies, responseHeadersPolicyOut(name, id, p))
			})
		}
	}
	command := map[string]string{"cache": "get-cache-policy", "origin": "get-origin-request-policy", "response": "get-response-headers-policy"}[kind]
	entry := fmt.Sprintf("%s %s (%s): aws cloudfront %s --id %s > %s-%s.json", field, id, kindName(kind), command, id, kind, id)
	for _, m := range im.missing {
		if strings.Contains(m, " "+id+" ") {
			return id
		}
	}
	im.missing = append(im.missing, entry)
	return id
}

func kindName(kind string) string {
	return map[string]string{"cache": "cache policy", "origin": "origin request policy", "response": "response headers policy"}[kind]
}

// useCustom names a custom policy in the config (a valid name, unique, and not a managed one's)
// and adds it once.
func (im *importer) useCustom(kind, id, name string, add func(name string)) string {
	if n, ok := im.used[kind+id]; ok {
		return n
	}
	n := strings.Trim(policyNameChars.ReplaceAllString(name, "-"), "-")
	if n == "" {
		n = kind + "-policy"
	}
	if edge.ManagedCachePolicy(n) != nil || edge.ManagedOriginRequestPolicy(n) != nil || edge.ManagedResponseHeadersPolicy(n) != nil {
		n = "custom-" + n
	}
	for base, i := n, 2; ; i++ {
		taken := false
		for k, v := range im.used {
			if strings.HasPrefix(k, kind) && v == n {
				taken = true
			}
		}
		if !taken {
			break
		}
		n = base + "-" + strconv.Itoa(i)
	}
	if n != name {
		im.warn(kindName(kind)+" "+id, "named %q in the config (%q is not a name it accepts, or is taken)", n, name)
	}
	im.used[kind+id] = n
	add(n)
	return n
}

func names(behavior string, items *list[string]) outNames {
	return outNames{Behavior: behavior, Items: items.items()}
}

func cachePolicyOut(name, id string, p *cachePolicyConfig) outCache {
	k := p.Parameters
	return outCache{Name: name, ID: id, Comment: p.Comment,
		TTL: outTTL{Min: secsPtr(p.MinTTL), Default: secsPtr(p.DefaultTTL), Max: secsPtr(p.MaxTTL)},
		Key: outKeys{Headers: names(k.HeadersConfig.HeaderBehavior, k.HeadersConfig.Headers),
			Cookies:      names(k.CookiesConfig.CookieBehavior, k.CookiesConfig.Cookies),
			QueryStrings: names(k.QueryStringsConfig.QueryStringBehavior, k.QueryStringsConfig.QueryStrings)},
		Gzip: k.EnableAcceptEncodingGzip, Brotli: k.EnableAcceptEncodingBrotli}
}

func originRequestPolicyOut(name, id string, p *originRequestPolicyConfig) outOrigReq {
	return outOrigReq{Name: name, ID: id, Comment: p.Comment,
		Headers:      names(p.HeadersConfig.HeaderBehavior, p.HeadersConfig.Headers),
		Cookies:      names(p.CookiesConfig.CookieBehavior, p.CookiesConfig.Cookies),
		QueryStrings: names(p.QueryStringsConfig.QueryStringBehavior, p.QueryStringsConfig.QueryStrings)}
}

func responseHeadersPolicyOut(name, id string, p *responseHeadersPolicyConfig) outRespHdr {
	out := outRespHdr{Name: name, ID: id, Comment: p.Comment}
	if c := p.CorsConfig; c != nil {
		out.CORS = &outCORS{AllowOrigins: c.AccessControlAllowOrigins.Items, AllowHeaders: c.AccessControlAllowHeaders.Items,
			AllowMethods: c.AccessControlAllowMethods.Items, AllowCredentials: c.AccessControlAllowCredentials,
			ExposeHeaders: c.AccessControlExposeHeaders.items(), OriginOverride: c.OriginOverride}
		if c.AccessControlMaxAgeSec != nil {
			s := secs(*c.AccessControlMaxAgeSec)
			out.CORS.MaxAge = &s
		}
	}
	if s := p.SecurityHeadersConfig; s != nil {
		o := &outSecurity{}
		if h := s.ContentSecurityPolicy; h != nil {
			o.ContentSecurityPolicy = &outValue{Value: h.ContentSecurityPolicy, Override: h.Override}
		}
		if h := s.ContentTypeOptions; h != nil {
			o.ContentTypeOptions = &outValue{Override: h.Override}
		}
		if h := s.FrameOptions; h != nil {
			o.FrameOptions = &outValue{Value: h.FrameOption, Override: h.Override}
		}
		if h := s.ReferrerPolicy; h != nil {
			o.ReferrerPolicy = &outValue{Value: h.ReferrerPolicy, Override: h.Override}
		}
		if h := s.StrictTransportSecurity; h != nil {
			o.StrictTransportSecurity = &outHSTS{MaxAge: secs(h.AccessControlMaxAgeSec), IncludeSubdomains: h.IncludeSubdomains, Preload: h.Preload, Override: h.Override}
		}
		if h := s.XSSProtection; h != nil {
			o.XSSProtection = &outXSS{Protection: h.Protection, ModeBlock: h.ModeBlock, ReportURI: h.ReportUri, Override: h.Override}
		}
		out.SecurityHeaders = o
	}
	for _, h := range p.CustomHeadersConfig.items() {
		out.CustomHeaders = append(out.CustomHeaders, outHeader{Name: h.Header, Value: h.Value, Override: h.Override})
	}
	for _, h := range p.RemoveHeadersConfig.items() {
		out.RemoveHeaders = append(out.RemoveHeaders, h.Header)
	}
	if st := p.ServerTimingHeadersConfig; st != nil {
		out.ServerTiming = &outSrvTiming{Enabled: st.Enabled, SamplingRate: st.SamplingRate}
	}
	return out
}

// checkPolicies holds the custom policies to CloudFront's rules (the config's own checks),
// naming each problem's policy and its Id.
func (im *importer) checkPolicies() error {
	data, err := yaml.Marshal(struct {
		CachePolicies           []outCache   `yaml:"cache_policies"`
		OriginRequestPolicies   []outOrigReq `yaml:"origin_request_policies"`
		ResponseHeadersPolicies []outRespHdr `yaml:"response_headers_policies"`
	}{im.out.CachePolicies, im.out.OriginRequestPolicies, im.out.ResponseHeadersPolicies})
	if err != nil {
		return fmt.Errorf("checking the policies: %w", err)
	}
	var f config.File
	if err := yaml.Unmarshal(data, &f); err != nil {
		return inputErrorf("a policy from --policies does not fit the config: %v", err)
	}
	errs, warnings := config.CheckPolicies(f)
	describe := func(p config.Problem) Note {
		field, who := p.Field, ""
		var idx int
		for _, k := range []struct {
			prefix, kind string
			name         func(int) (string, string)
		}{
			{"cache_policies[", "cache policy", func(i int) (string, string) { return im.out.CachePolicies[i].Name, im.out.CachePolicies[i].ID }},
			{"origin_request_policies[", "origin request policy", func(i int) (string, string) {
				return im.out.OriginRequestPolicies[i].Name, im.out.OriginRequestPolicies[i].ID
			}},
			{"response_headers_policies[", "response headers policy", func(i int) (string, string) {
				return im.out.ResponseHeadersPolicies[i].Name, im.out.ResponseHeadersPolicies[i].ID
			}},
		} {
			if rest, ok := strings.CutPrefix(field, k.prefix); ok {
				n, after, _ := strings.Cut(rest, "]")
				idx, _ = strconv.Atoi(n)
				name, id := k.name(idx)
				who, field = fmt.Sprintf("%s %q (Id %s)", k.kind, name, id), strings.TrimPrefix(after, ".")
			}
		}
		return Note{Field: who, Reason: field + ": " + p.Msg}
	}
	for _, w := range warnings {
		n := describe(w)
		im.warn(n.Field, "%s", n.Reason)
	}
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = describe(e).String()
	}
	return &InputError{Msg: "policies that CloudFront's rules refuse:\n  " + strings.Join(lines, "\n  ")}
}
