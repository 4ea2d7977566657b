package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runInProcess runs the command as main does and returns stdout, stderr and the exit code.
func runInProcess(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb strings.Builder
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestImportExampleEndToEnd(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "examples", "imported")
	for _, f := range []string{"distribution.json", "policies.json", "functions.json", "hooks/api-auth.js"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, f, string(b))
	}
	cfg := filepath.Join(dir, "hookfront.yaml")
	out, errOut, code := runInProcess(t, "import", filepath.Join(dir, "distribution.json"), "-o", cfg,
		"--policies", filepath.Join(dir, "policies.json"), "--origin", "web-bucket=http://localhost:9101",
		"--origin", "api-east=http://localhost:9102", "--origin", "api-west=http://localhost:9103", "--function", "api-auth=api-auth.js",
		"--function-config", filepath.Join(dir, "functions.json"))
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"not mapped: DistributionConfig.WebACLId: AWS WAF does not run in front of hookfront",
		"not mapped: DistributionConfig.Origins.Items[1].OriginShield",
		"warning: DistributionConfig.DefaultCacheBehavior.LambdaFunctionAssociations: arn:aws:lambda:us-east-1:123456789012:function:add-trace-id:3 has no --function",
		"warning: DistributionConfig.CacheBehaviors.Items[1].FunctionAssociations: arn:aws:cloudfront::123456789012:function/strip-asset-version has no --function: bound to hooks/strip-asset-version.js (with -o a pass-through stub is written there, unless the file exists)",
		"warning: DistributionConfig.CacheBehaviors.Items[3].FunctionAssociations: key value store arn:aws:cloudfront::123456789012:key-value-store/3f1c6a52-8d4e-4b7a-9e2f-5c0d7b1a9e64 has no --kvs: declared with kvs/3f1c6a52-8d4e-4b7a-9e2f-5c0d7b1a9e64.json",
		"7 field(s) not mapped",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("import output lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, cfg+": OK") {
		t.Errorf("the written config is not validated: %q", out)
	}
	if stub, err := os.ReadFile(filepath.Join(dir, "hooks", "add-trace-id.js")); err != nil || !strings.Contains(string(stub), "add-trace-id:3") {
		t.Errorf("stub for the unmapped function: %v %q", err, stub)
	}
	for file, want := range map[string]string{
		"hooks/strip-asset-version.js":                  "function handler(event) {\n    return event.request;\n}\n",
		"hooks/shop-short-links.js":                     "function handler(event) {\n    return event.request;\n}\n",
		"kvs/3f1c6a52-8d4e-4b7a-9e2f-5c0d7b1a9e64.json": `{"data": []}` + "\n",
	} {
		if got, err := os.ReadFile(filepath.Join(dir, file)); err != nil || !strings.HasSuffix(string(got), want) {
			t.Errorf("%s: %v %q, want it to end in %q", file, err, got, want)
		}
	}
	if strings.Contains(errOut, "not mapped: DistributionConfig.CacheBehaviors") || strings.Contains(errOut, "the distribution does not say the runtime") {
		t.Errorf("the functions' associations and runtimes are mapped now:\n%s", errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "hooks", "api-auth.js")); !strings.Contains(string(got), "X-Shop-User") {
		t.Error("a hook file given with --function was overwritten")
	}
	// The result passes validate (the binary), strict included: every behavior has policies (and
	// the origins are host names: an IP-address origin is one CloudFront would refuse).
	if out, errOut, code := runBinary(t, "validate", "--strict", "--config", cfg); code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("validate --strict of the import: exit %d %q\n%s", code, out, errOut)
	}
	// Without -o the config goes to stdout, and nothing is written.
	out, _, code = runInProcess(t, "import", filepath.Join(dir, "distribution.json"), "--policies", filepath.Join(dir, "policies.json"))
	if code != 0 || !strings.HasPrefix(out, "# Imported by `hookfront import`") || !strings.Contains(out, "S3 bucket example-shop-web") {
		t.Errorf("import to stdout: exit %d\n%s", code, out)
	}
}

func TestImportBadInput(t *testing.T) {
	dir := t.TempDir()
	dist := func(name, cachePolicyID string) string {
		return writeFile(t, dir, name, `{"ETag": "E1", "DistributionConfig": {
  "Origins": {"Quantity": 1, "Items": [{"Id": "app", "DomainName": "app.example.com",
     "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
  "DefaultCacheBehavior": {"TargetOriginId": "app", "CachePolicyId": "`+cachePolicyID+`"}}}`)
	}
	custom := "11111111-2222-3333-4444-555555555555"
	cases := []importRefusal{
		{"not JSON", []string{writeFile(t, dir, "notjson.json", "ETag: E1\nDistributionConfig: {}\n")},
			"notjson.json:1: not JSON (invalid character 'E' looking for beginning of value); expected the output of `aws cloudfront get-distribution-config --id ID`"},
		{"not a distribution", []string{writeFile(t, dir, "policy.json", `{"ETag": "E1", "CachePolicy": {"Id": "x"}}`)},
			"JSON, but not a CloudFront distribution (its keys: CachePolicy, ETag)"},
		{"unknown policy ID", []string{dist("unknown.json", custom)},
			"DistributionConfig.DefaultCacheBehavior.CachePolicyId " + custom + " (cache policy): aws cloudfront get-cache-policy --id " + custom},
		{"allViewer headers in a cache policy", []string{dist("bad-policy.json", custom), "--policies", writeFile(t, dir, "bad-cp.json",
			`{"ETag": "E2", "CachePolicy": {"Id": "`+custom+`", "CachePolicyConfig": {"Name": "everything", "MinTTL": 0,
			  "ParametersInCacheKeyAndForwardedToOrigin": {"EnableAcceptEncodingGzip": false, "EnableAcceptEncodingBrotli": false,
			    "HeadersConfig": {"HeaderBehavior": "allViewer"}, "CookiesConfig": {"CookieBehavior": "none"},
			    "QueryStringsConfig": {"QueryStringBehavior": "none"}}}}}`)},
			`cache policy "everything" (Id ` + custom + `): key.headers.behavior: "allViewer" is not allowed here (allowed: none, whitelist): a cache policy can put only listed headers in the key`},
		{"policy without its Id", []string{dist("noid.json", custom), "--policies", writeFile(t, dir, "cfg-only.json", `{"ETag": "E2", "CachePolicyConfig": {"Name": "x"}}`)},
			"a policy configuration without its Id"},
		{"unknown --origin", []string{dist("origin.json", "658327ea-f89d-4fab-a63d-7e88639e58f6"), "--origin", "web=http://127.0.0.1:1"},
			`--origin web=…: the distribution has no origin "web" (its origins: app)`},
	}
	importRefuses(t, dir, cases)
	if _, errOut, code := runInProcess(t, "import"); code != 2 || !strings.Contains(errOut, "give the distribution") {
		t.Errorf("no file: exit %d %q", code, errOut)
	}
}

// importRefusal is bad input to import: its arguments and what the error must say.
type importRefusal struct {
	name string
	args []string
	want string
}

// importRefuses runs import on each case: it must exit 1, say why and write no config.
func importRefuses(t *testing.T, dir string, cases []importRefusal) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name+".yaml")
			_, errOut, code := runInProcess(t, append([]string{"import"}, append(c.args, "-o", out)...)...)
			if code != 1 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d; output lacks %q:\n%s", code, c.want, errOut)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a config was written for bad input")
			}
		})
	}
}

func TestValidateStrict(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "h.yaml", "origins: [{id: a, url: 'http://127.0.0.1:9'}]\nbehaviors:\n  - {path_pattern: /api/*, target: a, cache_policy: CachingDisabled}\n  - {path_pattern: '*', target: a}\n")
	if out, _, code := runInProcess(t, "validate", "--config", cfg); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("without --strict: exit %d %q", code, out)
	}
	_, errOut, code := runInProcess(t, "validate", "--strict", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, cfg+":4: behaviors[1]: no cache_policy: every viewer header") || strings.Contains(errOut, "behaviors[0]") {
		t.Errorf("--strict: exit %d\n%s", code, errOut)
	}
}

func TestImportMapsProtocolsAndCompression(t *testing.T) {
	dir := t.TempDir()
	dist := writeFile(t, dir, "dist.json", `{"DistributionConfig": {
  "Origins": {"Quantity": 3, "Items": [
    {"Id": "both", "DomainName": "app.example.com", "CustomOriginConfig": {"HTTPPort": 8080, "HTTPSPort": 8443, "OriginProtocolPolicy": "match-viewer"}},
    {"Id": "plain", "DomainName": "legacy.example.com", "CustomOriginConfig": {"HTTPPort": 8081, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}},
    {"Id": "secure", "DomainName": "api.example.com", "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 9443, "OriginProtocolPolicy": "https-only"}}]},
  "CacheBehaviors": {"Quantity": 2, "Items": [
    {"PathPattern": "/api/*", "TargetOriginId": "secure", "ViewerProtocolPolicy": "https-only", "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
    {"PathPattern": "/old/*", "TargetOriginId": "plain", "ViewerProtocolPolicy": "allow-all", "Compress": true, "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}]},
  "DefaultCacheBehavior": {"TargetOriginId": "both", "ViewerProtocolPolicy": "redirect-to-https", "Compress": true, "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}}}`)
	cfg := filepath.Join(dir, "hookfront.yaml")
	_, errOut, code := runInProcess(t, "import", dist, "-o", cfg)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, errOut)
	}
	b, _ := os.ReadFile(cfg)
	got := string(b)
	for _, want := range []string{
		"url: https://app.example.com:8443\n    origin_protocol_policy: match-viewer\n    http_port: 8080\n",
		"url: http://legacy.example.com:8081\n",
		"url: https://api.example.com:9443\n",
		"# https-only: HTTP viewers are sent to the HTTPS listener; serve with --tls",
		"path_pattern: /api/*\n    target: secure\n    cache_policy: CachingDisabled\n    viewer_protocol_policy: https-only\n",
		"path_pattern: /old/*\n    target: plain\n    cache_policy: CachingOptimized\n    compress: true\n",
		"viewer_protocol_policy: redirect-to-https\n    compress: true\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the config lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(errOut, "not mapped:") || strings.Contains(errOut, "warning:") {
		t.Errorf("protocols and compression are mapped now, not reported:\n%s", errOut)
	}
}

// OriginSslProtocols is not mapped only when it leaves TLS 1.2 out: CloudFront negotiates the
// best protocol listed, so a list with TLSv1.2 (the console's old default was SSLv3, TLSv1,
// TLSv1.1, TLSv1.2) connects as hookfront does. Before, any older protocol in the list was
// reported as not carried over.
func TestImportOriginSSLProtocols(t *testing.T) {
	dir := t.TempDir()
	dist := writeFile(t, dir, "dist.json", `{"DistributionConfig": {
  "Origins": {"Quantity": 2, "Items": [
    {"Id": "mixed", "DomainName": "app.example.com", "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
      "OriginSslProtocols": {"Quantity": 4, "Items": ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"]}}},
    {"Id": "old", "DomainName": "old.example.com", "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
      "OriginSslProtocols": {"Quantity": 2, "Items": ["TLSv1", "TLSv1.1"]}}}]},
  "DefaultCacheBehavior": {"TargetOriginId": "mixed", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}}}`)
	_, errOut, code := runInProcess(t, "import", dist, "-o", filepath.Join(dir, "hookfront.yaml"))
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, errOut)
	}
	notMapped := regexp.MustCompile(`(?m)^not mapped: .*OriginSslProtocols.*$`).FindAllString(errOut, -1)
	if len(notMapped) != 1 || !strings.Contains(notMapped[0], "Origins.Items[1]") || !strings.Contains(notMapped[0], "TLSv1, TLSv1.1") {
		t.Fatalf("OriginSslProtocols reports %q; want only the origin without TLSv1.2:\n%s", notMapped, errOut)
	}
}

// include_body is a behavior's, IncludeBody an association's: when a behavior's request
// associations differ, the import says that the one without a body in CloudFront gets one here.
// Before, it set include_body silently.
func TestImportWarnsOfIncludeBodyOnOneRequestTrigger(t *testing.T) {
	dir := t.TempDir()
	dist := writeFile(t, dir, "dist.json", `{"DistributionConfig": {
  "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "app.example.com", "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
  "CacheBehaviors": {"Quantity": 1, "Items": [{"PathPattern": "/both/*", "TargetOriginId": "o", "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "LambdaFunctionAssociations": {"Quantity": 2, "Items": [
      {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:vr:1", "EventType": "viewer-request", "IncludeBody": true},
      {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:or:1", "EventType": "origin-request", "IncludeBody": true}]}}]},
  "DefaultCacheBehavior": {"TargetOriginId": "o", "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "LambdaFunctionAssociations": {"Quantity": 2, "Items": [
      {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:vr:1", "EventType": "viewer-request", "IncludeBody": false},
      {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:or:1", "EventType": "origin-request", "IncludeBody": true}]}}}}`)
	_, errOut, code := runInProcess(t, "import", dist, "-o", filepath.Join(dir, "hookfront.yaml"))
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, errOut)
	}
	warned := regexp.MustCompile(`(?m)^warning: .*IncludeBody.*$`).FindAllString(errOut, -1)
	if len(warned) != 1 || !strings.Contains(warned[0], "DefaultCacheBehavior") || !strings.Contains(warned[0], "on for origin-request and off for viewer-request") {
		t.Fatalf("IncludeBody warnings %q; want one, for the default behavior:\n%s", warned, errOut)
	}
}
