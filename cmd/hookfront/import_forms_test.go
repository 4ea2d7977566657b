package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
)

// copyExample copies the files of examples/imported that an import reads into dir, the hook
// given with --function into hooksDir.
func copyExample(t *testing.T, dir, hooksDir string) {
	t.Helper()
	src := filepath.Join("..", "..", "examples", "imported")
	for from, to := range map[string]string{"distribution.json": "distribution.json", "policies.json": "policies.json",
		"functions.json": "functions.json", "kvs/short-links.json": "kvs/short-links.json", "hooks/api-auth.js": hooksDir + "/api-auth.js"} {
		b, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, to, string(b))
	}
}

// exampleImportFlags are the flags the example's import needs, origins mapped as given.
func exampleImportFlags(dir, web, east, west string) []string {
	return []string{"--policies", filepath.Join(dir, "policies.json"), "--function-config", filepath.Join(dir, "functions.json"),
		"--origin", "web-bucket=" + web, "--origin", "api-east=" + east, "--origin", "api-west=" + west,
		"--function", "api-auth=api-auth.js", "--kvs", "3f1c6a52-8d4e-4b7a-9e2f-5c0d7b1a9e64=kvs/short-links.json"}
}

// withoutProvenance drops the header lines that name the input file and command line.
func withoutProvenance(config string) string {
	var keep []string
	for _, l := range strings.Split(config, "\n") {
		if !strings.HasPrefix(l, "# Imported by") && !strings.HasPrefix(l, "# Made with:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// The output of get-distribution ({"ETag", "Distribution": {"Id", ..., "DistributionConfig"}})
// and a bare DistributionConfig import to the same config as get-distribution-config's output.
func TestImportAcceptsGetDistributionAndABareConfig(t *testing.T) {
	dir := t.TempDir()
	copyExample(t, dir, "hooks")
	raw, err := os.ReadFile(filepath.Join(dir, "distribution.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ETag               string
		DistributionConfig json.RawMessage
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// What `aws cloudfront get-distribution --id EDFDVBD6EXAMPLE` prints around the config.
	getDistribution := fmt.Sprintf(`{"ETag": %q, "Distribution": {"Id": "EDFDVBD6EXAMPLE",
  "ARN": "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE", "Status": "Deployed",
  "LastModifiedTime": "2024-03-11T09:20:00.000000+00:00", "InProgressInvalidationBatches": 0,
  "DomainName": "d111111abcdef8.cloudfront.net",
  "ActiveTrustedSigners": {"Enabled": false, "Quantity": 0}, "ActiveTrustedKeyGroups": {"Enabled": false, "Quantity": 0},
  "DistributionConfig": %s,
  "AliasICPRecordals": [{"CNAME": "www.example-shop.com", "ICPRecordalStatus": "APPROVED"}]}}`, doc.ETag, doc.DistributionConfig)
	flags := exampleImportFlags(dir, "http://localhost:9101", "http://localhost:9102", "http://localhost:9103")
	imp := func(name, content string) (string, string) {
		t.Helper()
		src := filepath.Join(dir, "distribution.json")
		if content != "" {
			src = writeFile(t, dir, name, content)
		}
		out, errOut, code := runInProcess(t, append([]string{"import", src}, flags...)...)
		if code != 0 {
			t.Fatalf("import of %s: exit %d\n%s", name, code, errOut)
		}
		return out, errOut
	}
	want, wantNotes := imp("distribution.json", "")
	for _, c := range []struct {
		name, content, header string
		extra                 []string // lines only this form can fill in
	}{
		{"get-distribution.json", getDistribution, "(distribution EDFDVBD6EXAMPLE, ETag " + doc.ETag + ")",
			[]string{"domain_name: d111111abcdef8.cloudfront.net\n", "distribution_id: EDFDVBD6EXAMPLE\n"}},
		{"bare-config.json", string(doc.DistributionConfig), "from " + filepath.Join(dir, "bare-config.json") + ".\n", nil},
	} {
		got, notes := imp(c.name, c.content)
		if !strings.Contains(got, c.header) {
			t.Errorf("%s: the header lacks %q:\n%s", c.name, c.header, got[:min(len(got), 400)])
		}
		for _, line := range c.extra {
			if !strings.Contains(got, "\n"+line) {
				t.Errorf("%s: the config lacks %q", c.name, line)
			}
			got = strings.Replace(got, "\n"+line, "\n", 1)
		}
		if withoutProvenance(got) != withoutProvenance(want) {
			t.Errorf("%s imports to another config than get-distribution-config's output:\n%s\n--- want\n%s", c.name, got, want)
		}
		if strings.ReplaceAll(notes, c.name, "distribution.json") != wantNotes {
			t.Errorf("%s: other notes than get-distribution-config's output:\n%s\n--- want\n%s", c.name, notes, wantNotes)
		}
	}
}

// --hooks-dir DIR: the config's hooks_dir is DIR, the stubs for unmapped functions are written
// there, and the hooks folder the default would have used is not made.
func TestImportHooksDir(t *testing.T) {
	dir := t.TempDir()
	copyExample(t, dir, "edge/functions")
	cfgPath := filepath.Join(dir, "hookfront.yaml")
	args := append([]string{"import", filepath.Join(dir, "distribution.json"), "-o", cfgPath, "--hooks-dir", "edge/functions"},
		exampleImportFlags(dir, "http://localhost:9101", "http://localhost:9102", "http://localhost:9103")...)
	out, errOut, code := runInProcess(t, args...)
	if code != 0 || !strings.Contains(out, cfgPath+": OK") {
		t.Fatalf("import: exit %d %q\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "has no --function: bound to edge/functions/strip-asset-version.js") {
		t.Errorf("the warning does not name the file in --hooks-dir:\n%s", errOut)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HooksDir != "edge/functions" {
		t.Errorf("hooks_dir: %q", cfg.HooksDir)
	}
	for _, f := range []string{"add-trace-id.js", "strip-asset-version.js", "shop-short-links.js"} {
		if _, err := os.Stat(filepath.Join(dir, "edge", "functions", f)); err != nil {
			t.Errorf("no stub in --hooks-dir: %v", err)
		}
	}
	if got := readFile(t, filepath.Join(dir, "edge", "functions", "api-auth.js")); !strings.Contains(got, "X-Shop-User") {
		t.Error("the hook given with --function was overwritten")
	}
	if _, err := os.Stat(filepath.Join(dir, "hooks")); !os.IsNotExist(err) {
		t.Errorf("the default hooks folder was made: %v", err)
	}
}

// recorder is an origin that keeps the requests it gets.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newRecorder(t *testing.T, body string) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Clone(r.Context()))
		rec.mu.Unlock()
		fmt.Fprint(w, body)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) last(t *testing.T) *http.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("the origin got no request")
	}
	return r.reqs[len(r.reqs)-1]
}

// localhostURL is u with localhost for 127.0.0.1: an IP-address origin is one CloudFront would
// refuse, which validate --strict says.
func localhostURL(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) }

// End to end through the binary: import the example, validate --strict what it wrote, serve it,
// and answer requests — the hook given with --function runs from --hooks-dir.
func TestImportBinaryServesTheExample(t *testing.T) {
	web, east, west := newRecorder(t, "web"), newRecorder(t, "east"), newRecorder(t, "west")
	dir := t.TempDir()
	copyExample(t, dir, "fns")
	cfg := filepath.Join(dir, "hookfront.yaml")
	args := append([]string{"import", filepath.Join(dir, "distribution.json"), "-o", cfg, "--hooks-dir", "fns"},
		exampleImportFlags(dir, localhostURL(web.URL), localhostURL(east.URL), localhostURL(west.URL))...)
	out, errOut, code := runBinary(t, args...)
	if code != 0 || !strings.Contains(out, cfg+": OK") || !strings.Contains(errOut, "imported "+filepath.Join(dir, "distribution.json")+" into "+cfg) {
		t.Fatalf("import: exit %d %q\n%s", code, out, errOut)
	}
	if out, errOut, code := runBinary(t, "validate", "--strict", "--config", cfg); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("validate --strict: exit %d %q\n%s", code, out, errOut)
	}
	// Every behavior is redirect-to-https or https-only: the requests go to the HTTPS listener.
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--tls", "--tls-listen", "127.0.0.1:0")
	addr, _ := httpsAddr(t, p)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	get := func(path string, hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "https://"+addr+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// DefaultRootObject: / is the bucket's index.html.
	if status, body := get("/"); status != 200 || body != "web" || web.last(t).URL.Path != "/index.html" {
		t.Fatalf("/: %d %q, the bucket got %s\n%s", status, body, web.last(t).URL.Path, p.logs())
	}
	// /api/*: the origin group's primary, under its OriginPath, with the origin-request hook's
	// header made from the token.
	if status, body := get("/api/orders", "Authorization", "Bearer alice"); status != 200 || body != "east" {
		t.Fatalf("/api/orders: %d %q\n%s", status, body, p.logs())
	}
	if r := east.last(t); r.URL.Path != "/v1/api/orders" || r.Header.Get("X-Shop-User") != "alice" || r.Header.Get("X-Origin-Verify") != "6f1c9e2a-secret" {
		t.Fatalf("the API origin got %s with %v", r.URL.Path, r.Header)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.logs())
	}
}

// A custom origin request policy given with --policies (get-origin-request-policy's JSON) is
// carried into the config and decides what reaches the origin: only its headers, cookies and
// query strings (the cache policy, CachingDisabled, adds none).
func TestImportCustomOriginRequestPolicyForwards(t *testing.T) {
	origin := newRecorder(t, "app")
	dir := t.TempDir()
	const orpID = "6a7b8c9d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
	dist := writeFile(t, dir, "dist.json", `{"ETag": "E1", "DistributionConfig": {
  "Origins": {"Quantity": 1, "Items": [{"Id": "app", "DomainName": "app.example.com",
     "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}]},
  "DefaultCacheBehavior": {"TargetOriginId": "app", "ViewerProtocolPolicy": "allow-all",
     "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "OriginRequestPolicyId": "`+orpID+`"}}}`)
	policy := writeFile(t, dir, "orp.json", `{"ETag": "E2ORP", "OriginRequestPolicy": {"Id": "`+orpID+`",
  "LastModifiedTime": "2024-03-11T09:14:00.000000+00:00",
  "OriginRequestPolicyConfig": {"Comment": "tenant routing", "Name": "tenant-forwarding",
    "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 2, "Items": ["X-Tenant", "Accept-Language"]}},
    "CookiesConfig": {"CookieBehavior": "whitelist", "Cookies": {"Quantity": 1, "Items": ["session"]}},
    "QueryStringsConfig": {"QueryStringBehavior": "whitelist", "QueryStrings": {"Quantity": 1, "Items": ["page"]}}}}}`)
	cfgPath := filepath.Join(dir, "hookfront.yaml")
	out, errOut, code := runBinary(t, "import", dist, "-o", cfgPath, "--policies", policy, "--origin", "app="+localhostURL(origin.URL))
	if code != 0 || !strings.Contains(out, ": OK") {
		t.Fatalf("import: exit %d %q\n%s", code, out, errOut)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.OriginRequestPolicies) != 1 {
		t.Fatalf("origin_request_policies: %+v", cfg.OriginRequestPolicies)
	}
	orp := cfg.OriginRequestPolicies[0]
	if orp.Name != "tenant-forwarding" || orp.ID != orpID || orp.Comment != "tenant routing" ||
		orp.Headers.Behavior != "whitelist" || !slices.Equal(orp.Headers.Items, []string{"X-Tenant", "Accept-Language"}) ||
		orp.Cookies.Behavior != "whitelist" || !slices.Equal(orp.Cookies.Items, []string{"session"}) ||
		orp.QueryStrings.Behavior != "whitelist" || !slices.Equal(orp.QueryStrings.Items, []string{"page"}) {
		t.Fatalf("the policy as imported: %+v", orp)
	}
	if b := cfg.Behaviors[len(cfg.Behaviors)-1]; b.OriginRequestPolicy != "tenant-forwarding" || b.CachePolicy != "CachingDisabled" {
		t.Fatalf("the default behavior's policies: %q, %q", b.CachePolicy, b.OriginRequestPolicy)
	}

	p := start(t, "serve", "--config", cfgPath, "--listen", "127.0.0.1:0")
	req, _ := http.NewRequest("GET", "http://"+p.addr+"/list?page=2&utm_source=mail&sort=asc", nil)
	req.Header.Set("X-Tenant", "acme")
	req.Header.Set("Accept-Language", "fr")
	req.Header.Set("X-Debug", "1")
	req.Header.Set("Cookie", "session=abc; tracking=zzz")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "app" {
		t.Fatalf("%d %q\n%s", resp.StatusCode, b, p.logs())
	}
	r := origin.last(t)
	if r.Header.Get("X-Tenant") != "acme" || r.Header.Get("Accept-Language") != "fr" {
		t.Errorf("the policy's headers did not reach the origin: %v", r.Header)
	}
	if r.Header.Get("X-Debug") != "" {
		t.Errorf("a header the policy does not name reached the origin: %v", r.Header)
	}
	if got := r.Header.Values("Cookie"); len(got) != 1 || got[0] != "session=abc" {
		t.Errorf("cookies at the origin: %q, want only session=abc", got)
	}
	if q, _ := url.ParseQuery(r.URL.RawQuery); len(q) != 1 || q.Get("page") != "2" {
		t.Errorf("query at the origin: %q, want only page=2", r.URL.RawQuery)
	}
	if want := strings.TrimPrefix(localhostURL(origin.URL), "http://"); r.Host != want {
		t.Errorf("Host at the origin: %q, want the origin's %q (the policy does not forward Host)", r.Host, want)
	}
}
