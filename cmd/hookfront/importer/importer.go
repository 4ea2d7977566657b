// Package importer turns a CloudFront distribution (the JSON the AWS CLI prints) into a
// hookfront config, and names every field it could not carry over with the reason.
package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hookfront/hookfront/edge"
)

// Options are the command line's additions to what the JSON says.
type Options struct {
	Source    string            // the file name, for messages and the config's header
	Command   string            // the command line that made it, for the config's header
	Origins   map[string]string // origin id → URL, replacing (or, for S3, supplying) the origin's
	Functions map[string]string // function name or ARN (Lambda's with or without version) → file in HooksDir
	HooksDir  string            // where hook files are, relative to the config; default "hooks"
	Policies  []File            // custom policies the distribution refers to by ID
	// FunctionConfigs say what the distribution does not: a CloudFront Function's runtime and
	// key value store (the output of describe-function or list-functions).
	FunctionConfigs []File
	Stores          map[string]string // key value store name (its ARN's last part) or ARN → file, relative to the config
}

// File is an input file named on the command line (--policies, --function-config).
type File struct {
	Name string
	Data []byte
}

// Note is a field of the input and what became of it.
type Note struct {
	Field, Reason string
}

func (n Note) String() string { return n.Field + ": " + n.Reason }

// Stub is a hook or function file the config binds that no --function named: a pass-through
// to write.
type Stub struct {
	File, Function     string
	Triggers           []string
	CloudFrontFunction bool // a CloudFront Function, not a Lambda@Edge function
}

// Result is an import.
type Result struct {
	Config   []byte
	HooksDir string // "" when no hook is bound
	Stubs    []Stub
	Stores   []string // key value store files no --kvs named, relative to the config: to write empty
	Unmapped []Note   // fields hookfront has no equivalent for
	Warnings []Note   // mapped, with something to know
	Summary  string
}

// InputError is input that is not what the import reads (the command exits 1 with it).
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

var triggerOf = map[string]string{"viewer-request": "viewer-request", "origin-request": "origin-request",
	"origin-response": "origin-response", "viewer-response": "viewer-response"}

// Import maps data — the output of get-distribution-config ({"ETag", "DistributionConfig"}), of
// get-distribution ({"Distribution": {..., "DistributionConfig"}}) or a bare DistributionConfig.
func Import(data []byte, opt Options) (*Result, error) {
	if opt.HooksDir == "" {
		opt.HooksDir = "hooks"
	}
	im := &importer{opt: opt, res: &Result{}, notes: map[string][]string{}, ids: map[string]string{}}
	raw, meta, err := distributionJSON(data, opt.Source)
	if err != nil {
		return nil, err
	}
	var dc distributionConfig
	if err := json.Unmarshal(raw, &dc); err != nil {
		return nil, inputErrorf("%s: the DistributionConfig does not have CloudFront's shape: %v", opt.Source, err)
	}
	if err := im.loadPolicies(); err != nil {
		return nil, err
	}
	if err := im.loadFunctionConfigs(); err != nil {
		return nil, err
	}
	im.unknownFields("DistributionConfig", raw, distributionFields)
	im.distribution(&dc, meta)
	if err := im.origins(&dc); err != nil {
		return nil, err
	}
	im.groups(&dc)
	im.errorPages(&dc)
	if err := im.behaviors(&dc); err != nil {
		return nil, err
	}
	if len(im.missing) > 0 {
		return nil, &InputError{Msg: "the distribution refers to policies that are neither AWS-managed nor in --policies:\n  " +
			strings.Join(im.missing, "\n  ") + "\nexport each with the command shown and give the files with --policies FILE"}
	}
	if err := im.checkPolicies(); err != nil {
		return nil, err
	}
	if err := im.checkFunctionOptions(); err != nil {
		return nil, err
	}
	if len(im.hooked) > 0 {
		im.out.HooksDir = opt.HooksDir
		im.res.HooksDir = opt.HooksDir
	}
	header := []string{fmt.Sprintf("Imported by `hookfront import` from %s%s.", opt.Source, meta.describe())}
	if opt.Command != "" {
		header = append(header, "Made with: "+opt.Command)
	}
	if dc.Comment != "" {
		header = append(header, "Distribution comment: "+dc.Comment)
	}
	if len(im.res.Unmapped) > 0 {
		header = append(header, "Not carried over (hookfront has no equivalent):")
		for _, n := range im.res.Unmapped {
			header = append(header, "  "+n.String())
		}
	}
	if im.res.Config, err = render(&im.out, header, im.notes); err != nil {
		return nil, err
	}
	im.res.Summary = fmt.Sprintf("%d origin(s), %d origin group(s), %d behavior(s), %d custom policy(ies), %d error page(s)",
		len(im.out.Origins), len(im.out.OriginGroups), len(im.out.Behaviors),
		len(im.out.CachePolicies)+len(im.out.OriginRequestPolicies)+len(im.out.ResponseHeadersPolicies), len(im.out.ErrorPages))
	return im.res, nil
}

type importer struct {
	opt     Options
	res     *Result
	out     outFile
	notes   map[string][]string  // comments in the config, by path
	ids     map[string]string    // CloudFront origin/group id → config id
	missing []string             // policy IDs found nowhere
	hooked  map[string]boundFile // hook and function files bound
	cps     map[string]*cachePolicyConfig
	orps    map[string]*originRequestPolicyConfig
	rhps    map[string]*responseHeadersPolicyConfig
	used    map[string]string // custom policy id → config name
	// fnConfigs: --function-config, by function name; defaulted: functions without one (warned)
	fnConfigs map[string]*fnConfig
	defaulted map[string]bool
	// needsTLS: a behavior sends HTTP viewers to HTTPS (said once, on the first such behavior)
	needsTLS bool
}

func (im *importer) unmapped(field, format string, args ...any) {
	im.res.Unmapped = append(im.res.Unmapped, Note{field, fmt.Sprintf(format, args...)})
}

func (im *importer) warn(field, format string, args ...any) {
	im.res.Warnings = append(im.res.Warnings, Note{field, fmt.Sprintf(format, args...)})
}

func (im *importer) note(path, format string, args ...any) {
	im.notes[path] = append(im.notes[path], fmt.Sprintf(format, args...))
}

// meta is what get-distribution adds around the config.
type meta struct {
	ETag, ID, DomainName string
}

func (m meta) describe() string {
	var parts []string
	if m.ID != "" {
		parts = append(parts, "distribution "+m.ID)
	}
	if m.ETag != "" {
		parts = append(parts, "ETag "+m.ETag)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// distributionJSON finds the DistributionConfig in data.
func distributionJSON(data []byte, source string) (json.RawMessage, meta, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, meta{}, inputErrorf("%s:%d: not JSON (%v); expected the output of `aws cloudfront get-distribution-config --id ID`", source, line, err)
		}
		return nil, meta{}, inputErrorf("%s: JSON, but not an object (%v); expected the output of `aws cloudfront get-distribution-config --id ID`", source, err)
	}
	var m meta
	_ = json.Unmarshal(top["ETag"], &m.ETag)
	if d, ok := top["Distribution"]; ok {
		var dist map[string]json.RawMessage
		if json.Unmarshal(d, &dist) == nil && dist["DistributionConfig"] != nil {
			_ = json.Unmarshal(dist["Id"], &m.ID)
			_ = json.Unmarshal(dist["DomainName"], &m.DomainName)
			return dist["DistributionConfig"], m, nil
		}
	}
	if dc, ok := top["DistributionConfig"]; ok {
		return dc, m, nil
	}
	if top["Origins"] != nil && top["DefaultCacheBehavior"] != nil {
		return data, m, nil
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return nil, m, inputErrorf("%s: JSON, but not a CloudFront distribution (its keys: %s); expected the output of "+
		"`aws cloudfront get-distribution-config` ({\"ETag\", \"DistributionConfig\"}), of get-distribution, or a bare "+
		"DistributionConfig with Origins and DefaultCacheBehavior", source, strings.Join(keys, ", "))
}

// The fields the import reads or knows to be unmappable; anything else is reported as unknown.
var (
	distributionFields = []string{"CallerReference", "Aliases", "DefaultRootObject", "Origins", "OriginGroups", "DefaultCacheBehavior",
		"CacheBehaviors", "CustomErrorResponses", "Comment", "Logging", "PriceClass", "Enabled", "ViewerCertificate", "Restrictions",
		"WebACLId", "HttpVersion", "IsIPV6Enabled", "ContinuousDeploymentPolicyId", "Staging", "AnycastIpListId", "TenantConfig", "ConnectionMode"}
	originFields = []string{"Id", "DomainName", "OriginPath", "CustomHeaders", "S3OriginConfig", "CustomOriginConfig", "VpcOriginConfig",
		"ConnectionAttempts", "ConnectionTimeout", "ResponseCompletionTimeout", "OriginShield", "OriginAccessControlId"}
	behaviorFields = []string{"PathPattern", "TargetOriginId", "TrustedSigners", "TrustedKeyGroups", "ViewerProtocolPolicy", "AllowedMethods",
		"SmoothStreaming", "Compress", "LambdaFunctionAssociations", "FunctionAssociations", "FieldLevelEncryptionId", "RealtimeLogConfigArn",
		"CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId", "GrpcConfig", "ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL"}
)

func (im *importer) unknownFields(at string, raw json.RawMessage, known []string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		im.unmapped(at+"."+k, "a field hookfront does not know")
	}
}

func (im *importer) distribution(dc *distributionConfig, m meta) {
	const d = "DistributionConfig"
	im.out.DomainName, im.out.DistributionID = m.DomainName, m.ID
	im.out.DefaultRootObject = dc.DefaultRootObject
	if a := dc.Aliases.items(); len(a) > 0 {
		im.unmapped(d+".Aliases", "hookfront answers for any Host; %s are not checked", strings.Join(a, ", "))
	}
	if l := dc.Logging; l != nil && l.Enabled {
		im.unmapped(d+".Logging", "standard logs to S3 (%s): hookfront writes an access-log line per request to stderr instead", l.Bucket)
	}
	if dc.PriceClass != "" && dc.PriceClass != "PriceClass_All" {
		im.unmapped(d+".PriceClass", "%s: a local edge has no edge locations to choose", dc.PriceClass)
	}
	if dc.Enabled != nil && !*dc.Enabled {
		im.warn(d+".Enabled", "the distribution is disabled in CloudFront; the imported config serves anyway")
	}
	if vc := dc.ViewerCertificate; vc != nil && !vc.CloudFrontDefaultCertificate && (vc.ACMCertificateArn != "" || vc.IAMCertificateId != "") {
		im.unmapped(d+".ViewerCertificate", "the certificate stays in AWS; serve with --tls (a self-signed certificate for localhost), or give tls.cert and tls.key")
	}
	if r := dc.Restrictions; r != nil && r.GeoRestriction.RestrictionType != "" && r.GeoRestriction.RestrictionType != "none" {
		im.unmapped(d+".Restrictions.GeoRestriction", "%s lists are not enforced (the simulated viewer's country is `viewer.country`)", r.GeoRestriction.RestrictionType)
	}
	if dc.WebACLId != "" {
		im.unmapped(d+".WebACLId", "AWS WAF does not run in front of hookfront")
	}
	if dc.HttpVersion != "" && dc.HttpVersion != "http1.1" {
		im.unmapped(d+".HttpVersion", "%s: hookfront speaks HTTP/1.1 to viewers (and HTTP/2 only with TLS)", dc.HttpVersion)
	}
	if dc.ContinuousDeploymentPolicyId != "" || (dc.Staging != nil && *dc.Staging) {
		im.unmapped(d+".ContinuousDeploymentPolicyId", "staging distributions and continuous deployment have no local equivalent")
	}
}

// validID is what the config accepts as an origin or group id; idChars finds what it does not.
var (
	validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)
	idChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
)

// configID maps a CloudFront id to one the config accepts, the same one every time.
func (im *importer) configID(id string) string {
	if c, ok := im.ids[id]; ok {
		return c
	}
	c := id
	if !validID.MatchString(c) {
		c = strings.Trim(idChars.ReplaceAllString(id, "-"), "-._")
		if c == "" {
			c = "origin"
		}
		if len(c) > 128 {
			c = c[:128]
		}
	}
	for base, n := c, 2; slices.Contains(mapValues(im.ids), c); n++ {
		c = base + "-" + strconv.Itoa(n)
	}
	im.ids[id] = c
	return c
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (im *importer) origins(dc *distributionConfig) error {
	known := map[string]bool{}
	for i, raw := range dc.Origins.items() {
		at := fmt.Sprintf("DistributionConfig.Origins.Items[%d]", i)
		im.unknownFields(at, raw, originFields)
		var o origin
		if err := json.Unmarshal(raw, &o); err != nil {
			return inputErrorf("%s: %s is not an origin: %v", im.opt.Source, at, err)
		}
		known[o.Id] = true
		path := fmt.Sprintf("origins[%d]", i)
		id := im.configID(o.Id)
		if id != o.Id {
			im.warn(at+".Id", "%q is not an id the config accepts; it is %q there", o.Id, id)
		}
		oo := outOrigin{ID: id, ConnectionAttempts: o.ConnectionAttempts, ConnectionTimeout: secs(o.ConnectionTimeout)}
		if c := o.CustomOriginConfig; c != nil {
			oo.ResponseTimeout, oo.KeepaliveTimeout = secs(c.OriginReadTimeout), secs(c.OriginKeepaliveTimeout)
			// CloudFront negotiates the best protocol the list allows: with TLSv1.2 in it, that is
			// what hookfront speaks too, and nothing is lost.
			if ps := c.OriginSslProtocols.items(); len(ps) > 0 && !slices.Contains(ps, "TLSv1.2") {
				im.unmapped(at+".CustomOriginConfig.OriginSslProtocols", "hookfront speaks TLS 1.2 or later to origins (Go's defaults), not only %s", strings.Join(ps, ", "))
			}
		}
		if len(o.CustomHeaders.items()) > 0 {
			oo.CustomHeaders = map[string]string{}
			for _, h := range o.CustomHeaders.items() {
				oo.CustomHeaders[h.HeaderName] = h.HeaderValue
			}
		}
		if u, ok := im.opt.Origins[o.Id]; ok {
			oo.URL = withOriginPath(u, o.OriginPath)
			im.note(path, "%s: URL given with --origin (in CloudFront: %s%s)", o.Id, o.DomainName, o.OriginPath)
		} else {
			oo.URL = im.originURL(at, path, &o, &oo)
		}
		if o.ResponseCompletionTimeout > 0 {
			im.unmapped(at+".ResponseCompletionTimeout", "no limit on a whole response in hookfront (response_timeout bounds each wait)")
		}
		if s := o.OriginShield; s != nil && s.Enabled {
			im.unmapped(at+".OriginShield", "no regional cache tier in hookfront")
		}
		im.out.Origins = append(im.out.Origins, oo)
	}
	if len(im.out.Origins) == 0 {
		return inputErrorf("%s: the distribution has no origins", im.opt.Source)
	}
	for id := range im.opt.Origins {
		if !known[id] {
			return inputErrorf("--origin %s=…: the distribution has no origin %q (its origins: %s)", id, id, strings.Join(keys(known), ", "))
		}
	}
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// originURL builds an origin's URL from its CloudFront settings, with the ports CloudFront uses
// for each protocol; a match-viewer origin also gets the HTTP port its HTTP viewers go to.
func (im *importer) originURL(at, path string, o *origin, oo *outOrigin) string {
	u := url.URL{Scheme: "https", Host: o.DomainName, Path: o.OriginPath}
	switch c := o.CustomOriginConfig; {
	case c != nil:
		switch c.OriginProtocolPolicy {
		case "http-only":
			u.Scheme = "http"
			if c.HTTPPort != 0 && c.HTTPPort != 80 {
				u.Host += ":" + strconv.Itoa(c.HTTPPort)
			}
		case "match-viewer":
			oo.ProtocolPolicy = c.OriginProtocolPolicy
			if c.HTTPPort != 0 && c.HTTPPort != 80 {
				oo.HTTPPort = c.HTTPPort
			}
			fallthrough
		default:
			if c.HTTPSPort != 0 && c.HTTPSPort != 443 {
				u.Host += ":" + strconv.Itoa(c.HTTPSPort)
			}
		}
		im.note(path, "%s: %s, ports %d/%d", o.Id, c.OriginProtocolPolicy, c.HTTPPort, c.HTTPSPort)
	case o.S3OriginConfig != nil || isS3(o.DomainName):
		im.unmapped(at+".S3OriginConfig", "S3 origin %s: hookfront sends unsigned requests (no origin access control or identity); give --origin %s=URL for a local copy or a public endpoint", o.Id, o.Id)
		im.note(path, "%s: S3 bucket %s; give --origin %s=URL to point elsewhere", o.Id, o.DomainName, o.Id)
	case len(o.VpcOriginConfig) > 0:
		im.unmapped(at+".VpcOriginConfig", "VPC origins are private to AWS; give --origin %s=URL", o.Id)
	}
	if o.OriginAccessControlId != "" {
		im.unmapped(at+".OriginAccessControlId", "requests are not signed with SigV4")
	}
	return u.String()
}

// withOriginPath keeps the origin's OriginPath on a --origin URL that has no path of its own.
func withOriginPath(u, originPath string) string {
	p, err := url.Parse(u)
	if err != nil || originPath == "" || (p.Path != "" && p.Path != "/") {
		return u
	}
	p.Path = originPath
	return p.String()
}

func isS3(domain string) bool {
	return strings.Contains(domain, ".s3.") || strings.Contains(domain, ".s3-") || strings.HasSuffix(domain, ".s3.amazonaws.com")
}

func (im *importer) groups(dc *distributionConfig) {
	for i, g := range dc.OriginGroups.items() {
		at := fmt.Sprintf("DistributionConfig.OriginGroups.Items[%d]", i)
		members := g.Members.Items
		if len(members) != 2 {
			im.warn(at+".Members", "CloudFront groups have two members; this one has %d", len(members))
			if len(members) < 2 {
				continue
			}
		}
		og := outGroup{ID: im.configID(g.Id), Primary: im.configID(members[0].OriginId), Secondary: im.configID(members[1].OriginId),
			FailoverStatusCodes: g.FailoverCriteria.StatusCodes.Items}
		if g.SelectionCriteria != "" && g.SelectionCriteria != "default" {
			im.unmapped(at+".SelectionCriteria", "%s: hookfront always tries the primary first", g.SelectionCriteria)
		}
		im.out.OriginGroups = append(im.out.OriginGroups, og)
	}
}

func (im *importer) errorPages(dc *distributionConfig) {
	for _, e := range dc.CustomErrorResponses.items() {
		p := outPage{Status: e.ErrorCode, PagePath: e.ResponsePagePath, CacheTTL: secsPtr(e.ErrorCachingMinTTL)}
		if e.ResponseCode != "" {
			p.ResponseCode, _ = strconv.Atoi(e.ResponseCode)
		}
		im.out.ErrorPages = append(im.out.ErrorPages, p)
	}
}

func (im *importer) behaviors(dc *distributionConfig) error {
	raws := dc.CacheBehaviors.items()
	if len(dc.DefaultCacheBehavior) == 0 {
		return inputErrorf("%s: the distribution has no DefaultCacheBehavior", im.opt.Source)
	}
	raws = append(raws, dc.DefaultCacheBehavior)
	im.hooked, im.defaulted = map[string]boundFile{}, map[string]bool{}
	for i, raw := range raws {
		at := fmt.Sprintf("DistributionConfig.CacheBehaviors.Items[%d]", i)
		if i == len(raws)-1 {
			at = "DistributionConfig.DefaultCacheBehavior"
		}
		im.unknownFields(at, raw, behaviorFields)
		var cb cacheBehavior
		if err := json.Unmarshal(raw, &cb); err != nil {
			return inputErrorf("%s: %s is not a cache behavior: %v", im.opt.Source, at, err)
		}
		if i == len(raws)-1 {
			cb.PathPattern = "*"
		}
		b, err := im.behavior(at, fmt.Sprintf("behaviors[%d]", i), &cb)
		if err != nil {
			return err
		}
		im.out.Behaviors = append(im.out.Behaviors, b)
	}
	return nil
}

func (im *importer) behavior(at, path string, cb *cacheBehavior) (outBehav, error) {
	target, ok := im.ids[cb.TargetOriginId]
	if !ok {
		return outBehav{}, inputErrorf("%s: %s.TargetOriginId %q is neither an origin nor an origin group of the distribution", im.opt.Source, at, cb.TargetOriginId)
	}
	b := outBehav{PathPattern: cb.PathPattern, Target: target}
	if m := cb.AllowedMethods; m != nil {
		b.AllowedMethods = ordered(m.Items)
		b.CachedMethods = ordered(m.CachedMethods.items())
	}
	switch {
	case cb.CachePolicyId != "":
		b.CachePolicy = im.policyRef(at+".CachePolicyId", "cache", cb.CachePolicyId)
		if cb.ForwardedValues != nil {
			im.warn(at+".ForwardedValues", "ignored: the cache policy decides what is forwarded")
		}
	case cb.ForwardedValues != nil:
		fv := cb.ForwardedValues
		l := &outLegacy{QueryString: fv.QueryString, QueryStringCacheKeys: fv.QueryStringCacheKeys.items(), Headers: fv.Headers.items()}
		l.Cookies.Forward, l.Cookies.Names = fv.Cookies.Forward, fv.Cookies.WhitelistedNames.items()
		if l.Cookies.Forward == "" {
			l.Cookies.Forward = edge.FilterNone
		}
		b.ForwardedValues = l
		b.TTL = &outTTL{Min: secsPtr(cb.MinTTL), Default: secsPtr(cb.DefaultTTL), Max: secsPtr(cb.MaxTTL)}
		im.note(path, "legacy cache settings (ForwardedValues): every viewer header but the ones CloudFront removes reaches the origin")
	default:
		im.warn(at, "neither a cache policy nor ForwardedValues: the behavior forwards everything, as hookfront does without policies")
	}
	if cb.OriginRequestPolicyId != "" {
		b.OriginRequestPolicy = im.policyRef(at+".OriginRequestPolicyId", "origin", cb.OriginRequestPolicyId)
	}
	if cb.ResponseHeadersPolicyId != "" {
		b.ResponseHeadersPolicy = im.policyRef(at+".ResponseHeadersPolicyId", "response", cb.ResponseHeadersPolicyId)
	}
	bodies := map[bool][]string{} // request triggers by IncludeBody
	for _, a := range cb.LambdaFunctionAssociations.items() {
		trigger, ok := triggerOf[a.EventType]
		if !ok {
			return outBehav{}, inputErrorf("%s: %s.LambdaFunctionAssociations: %q is not an event type", im.opt.Source, at, a.EventType)
		}
		file, stub := im.hookFile(a.LambdaFunctionARN)
		if b.Hooks == nil {
			b.Hooks = map[string]string{}
		}
		b.Hooks[trigger] = file
		if err := im.bind(at+".LambdaFunctionAssociations", file, a.LambdaFunctionARN, trigger, false, stub); err != nil {
			return outBehav{}, err
		}
		if a.IncludeBody {
			b.IncludeBody = true
		}
		if trigger == "viewer-request" || trigger == "origin-request" {
			bodies[a.IncludeBody] = append(bodies[a.IncludeBody], trigger)
		}
	}
	if len(bodies[true]) > 0 && len(bodies[false]) > 0 {
		// include_body is the behavior's: the hook that has no body in CloudFront gets one here.
		im.warn(at+".LambdaFunctionAssociations", "IncludeBody is on for %s and off for %s; include_body shows the body to both request hooks",
			bodies[true][0], bodies[false][0])
	}
	if err := im.functionsOf(at, path, cb, &b); err != nil {
		return outBehav{}, err
	}
	if p := cb.ViewerProtocolPolicy; p == "redirect-to-https" || p == "https-only" {
		b.ViewerProtocolPolicy = p
		if !im.needsTLS {
			im.needsTLS = true
			im.note(path, "%s: HTTP viewers are sent to the HTTPS listener; serve with --tls (self-signed), or add tls: {cert: FILE, key: FILE}", p)
		}
	}
	b.Compress = cb.Compress
	if cb.SmoothStreaming {
		im.unmapped(at+".SmoothStreaming", "Microsoft Smooth Streaming is not supported")
	}
	if (cb.TrustedSigners != nil && cb.TrustedSigners.Enabled) || (cb.TrustedKeyGroups != nil && cb.TrustedKeyGroups.Enabled) {
		im.unmapped(at+".TrustedKeyGroups", "signed URLs and cookies are not checked")
	}
	if cb.FieldLevelEncryptionId != "" {
		im.unmapped(at+".FieldLevelEncryptionId", "field-level encryption is not supported")
	}
	if cb.RealtimeLogConfigArn != "" {
		im.unmapped(at+".RealtimeLogConfigArn", "real-time logs go to Kinesis in AWS; hookfront logs each request to stderr")
	}
	if cb.GrpcConfig != nil && cb.GrpcConfig.Enabled {
		im.unmapped(at+".GrpcConfig", "gRPC is not proxied")
	}
	return b, nil
}

// ordered lists methods in CloudFront's order.
func ordered(methods []string) []string {
	var out []string
	for _, m := range edge.KnownMethods {
		if slices.ContainsFunc(methods, func(x string) bool { return strings.EqualFold(x, m) }) {
			out = append(out, m)
		}
	}
	return out
}

// functionARN splits a Lambda function's ARN, arn:aws:lambda:region:account:function:NAME[:VERSION],
// or a CloudFront Function's, arn:aws:cloudfront::account:function/NAME.
func functionARN(arn string) (name, unversioned string) {
	parts := strings.Split(arn, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[5] == "function" {
		return parts[6], strings.Join(parts[:7], ":")
	}
	if len(parts) == 6 && parts[0] == "arn" && strings.HasPrefix(parts[5], "function/") {
		return strings.TrimPrefix(parts[5], "function/"), arn
	}
	return arn, arn
}

// hookFile is the file for a Lambda function or a CloudFront Function: the --function mapping
// for its ARN, its unversioned ARN or its name; else NAME.js, to be written as a stub.
func (im *importer) hookFile(arn string) (file string, stub bool) {
	name, unversioned := functionARN(arn)
	for _, k := range []string{arn, unversioned, name} {
		if f, ok := im.opt.Functions[k]; ok {
			return strings.TrimPrefix(f, im.opt.HooksDir+"/"), false
		}
	}
	return idChars.ReplaceAllString(name, "-") + ".js", true
}
