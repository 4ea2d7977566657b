package main

import (
	"encoding/base64"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// incompressible is n bytes of JavaScript that zip cannot shrink much (base64 of random bytes
// keeps about 3/4 of its size).
func incompressible(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	raw := make([]byte, n*3/4)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	return "module.exports = '" + base64.StdEncoding.EncodeToString(raw) + "';\n"
}

func TestValidateDeployLimits(t *testing.T) {
	cfg := testProject(t, map[string]string{
		"hookfront.yaml": `hooks_dir: hooks
hook_timeouts: {viewer: 8s, origin: 45s}
origins:
  - {id: a, url: "http://10.0.0.1:8080"}
  - {id: b, url: "https://api.example.com:444"}
  - {id: c, url: "https://c.example.com"}
origin_groups:
  - id: g
    members: [a, b, c]
    write_failover: {methods: [POST]}
    error_pages:
      primary: [{status: 404, page_path: /404.html}]
behaviors:
  - path_pattern: /big/*
    target: g
    allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
    hooks: {viewer-request: big.js, origin-request: route.js}
  - path_pattern: "*"
    target: c
    hooks: {origin-response: big.js}
`,
		"hooks/big.js":       "const blob = require('./lib/blob');\nexports.handler = async (e) => e.Records[0].cf.request;\n",
		"hooks/lib/blob.js":  incompressible(1500 << 10),
		"hooks/route.js":     "const t = require('./targets.json');\nexports.handler = async (e) => {\n  const r = e.Records[0].cf.request;\n  r.origin.custom.domainName = t.host;\n  r.origin.custom.port = 81;\n  return r;\n};\n",
		"hooks/targets.json": "{\n  \"domainName\": \"192.0.2.7\"\n}\n",
		"hooks/unrelated.js": "exports.port = 22;\n", // bound to nothing: not in any package
	})
	hooks := filepath.Join(filepath.Dir(cfg), "hooks")
	want := []string{
		cfg + `:2: hook_timeouts.viewer: 8s; Lambda@Edge allows viewer triggers 5s at most [hook-timeout]`,
		cfg + `:2: hook_timeouts.origin: 45s; Lambda@Edge allows origin triggers 30s at most [hook-timeout]`,
		cfg + `:4: origins[0].url: 10.0.0.1 is an IP address; a CloudFront origin is a domain name [origin-address]`,
		cfg + `:5: origins[1].url: port 444; CloudFront connects to custom origins on 80, 443 or 1024-65535 [origin-address]`,
		cfg + `:9: origin_groups[0].members: 3 members; a CloudFront origin group has exactly two (primary and secondary) [group-members]`,
		cfg + `:10: origin_groups[0].write_failover: CloudFront fails over GET, HEAD and OPTIONS only, never writes [write-failover]`,
		cfg + `:12: origin_groups[0].error_pages.primary: CloudFront has one list`,
		cfg + `:17: behaviors[0].hooks.viewer-request: the deployment package (big.js and 1 file(s) it requires) is 1.1`,
		`MB zipped; Lambda@Edge allows 1.00 MB for viewer triggers (viewer-request) [package-size]`,
		filepath.Join(hooks, "targets.json") + `:2: an origin-request hook sets the origin to the IP address 192.0.2.7; CloudFront takes a domain name there [hook-origin]`,
		filepath.Join(hooks, "route.js") + `:5: an origin-request hook sets the origin to port 81; CloudFront connects to origins on 80, 443 or 1024-65535 [hook-origin]`,
	}
	// Warnings by default: validate passes.
	out, errOut, code := runIn(t, "validate", "--config", cfg)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, w := range want {
		if !strings.Contains(errOut, "warning: CloudFront would refuse this: ") || !strings.Contains(errOut, w) {
			t.Errorf("no %q in:\n%s", w, errOut)
		}
	}
	// The same file bound to origin-response is far below the 50 MB of origin triggers, and a
	// file nothing binds is not in any package.
	if n := strings.Count(errOut, "[package-size]"); n != 1 || strings.Contains(errOut, "unrelated.js") || strings.Count(errOut, "[hook-origin]") != 2 {
		t.Errorf("%d package-size findings:\n%s", n, errOut)
	}
	// --strict: each is an error, and validate fails.
	_, errOut, code = runIn(t, "validate", "--strict", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "10 problem(s)") {
		t.Fatalf("--strict: exit %d\n%s", code, errOut)
	}
	for _, w := range want[:3] {
		if !strings.Contains(errOut, "error: CloudFront would refuse this: "+w) {
			t.Errorf("no error %q in:\n%s", w, errOut)
		}
	}

	// A distribution CloudFront could run passes --strict.
	clean := testProject(t, map[string]string{
		"hookfront.yaml": "hooks_dir: hooks\norigins: [{id: a, url: 'https://www.example.com'}, {id: b, url: 'http://b.example.com:8080'}]\n" +
			"origin_groups: [{id: g, primary: a, secondary: b}]\nerror_pages: [{status: 404, page_path: /404.html}]\n" +
			"behaviors:\n  - {path_pattern: '*', target: g, cache_policy: CachingOptimized, hooks: {viewer-request: small.js}}\n",
		"hooks/small.js": "exports.handler = async (e) => e.Records[0].cf.request;\n",
	})
	if out, errOut, code := runIn(t, "validate", "--strict", "--config", clean); code != 0 || errOut != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	// validate --hooks DIR checks the packages of the files bound by name.
	dir := filepath.Dir(testProject(t, map[string]string{
		"hooks/viewer-request.js": "require('./lib/blob');\nexports.handler = async (e) => e.Records[0].cf.request;\n",
		"hooks/lib/blob.js":       incompressible(1500 << 10),
	}))
	_, errOut, code = runIn(t, "validate", "--strict", "--hooks", filepath.Join(dir, "hooks"))
	if code != 1 || !strings.Contains(errOut, filepath.Join(dir, "hooks", "viewer-request.js")+": the deployment package (viewer-request.js and 1 file(s) it requires)") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}
