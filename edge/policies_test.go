package edge

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// rawClient sends exactly the headers a test sets: no Accept-Encoding of its own, no
// transparent decompression.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// send makes a request with the given Host and headers (pairs) through the edge.
func send(t *testing.T, method, url, host string, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(b)}
}

// viewerHeaders is what the viewer sends in the forwarding tests: something every policy keeps
// or drops, and a forged CloudFront header.
var viewerHeaders = []string{
	"Accept", "text/html",
	"Accept-Language", "fr",
	"Accept-Encoding", "gzip, deflate, br",
	"Authorization", "Bearer token",
	"Origin", "https://app.example",
	"Referer", "https://ref.example/",
	"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
	"X-Custom", "custom",
	"X-Http-Method-Override", "PUT",
	"Access-Control-Request-Headers", "x-a",
	"Access-Control-Request-Method", "PUT",
	"X-Forwarded-For", "198.51.100.1",
	"Cookie", "session=s1; theme=dark",
	"CloudFront-Viewer-Country", "XX",
}

const viewerQuery = "a=1&utm=2&m=3&start=4"

// probed are the viewer headers whose presence each case states (absent unless listed).
var probed = []string{"Accept", "Accept-Language", "Accept-Encoding", "Authorization", "Origin", "Referer",
	"User-Agent", "X-Custom", "X-Http-Method-Override", "Access-Control-Request-Headers",
	"Access-Control-Request-Method", "Cookie", "Cloudfront-Viewer-Country", "X-Forwarded-For"}

const (
	iPhoneUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
	viaXFF   = "198.51.100.1, 127.0.0.1"
	ownXFF   = "127.0.0.1"
)

// policyEdge serves one behavior "*" with the given policies in front of a recording origin that
// lets every response be cached for a minute.
func policyEdge(t *testing.T, cp *CachePolicy, orp *OriginRequestPolicy) (*Server, string, *origin) {
	t.Helper()
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = io.WriteString(w, "ok")
	})
	b := behavior(t, "*", "o")
	b.CachePolicy, b.OriginRequestPolicy = cp, orp
	d := &Distribution{DomainName: "d111.cloudfront.test", Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	s, ts := edgeServer(t, d, Options{})
	return s, ts.URL, o
}

func TestManagedCachePoliciesForwarding(t *testing.T) {
	cases := []struct {
		policy string
		host   bool   // the viewer's Host reaches the origin
		query  string // what the origin gets
		want   map[string]string
	}{
		{"CachingOptimized", false, "", map[string]string{"Accept-Encoding": "br,gzip", "User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"CachingOptimizedForUncompressedObjects", false, "", map[string]string{"User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"CachingDisabled", false, "", map[string]string{"User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"Elemental-MediaPackage", false, "m=3&start=4", map[string]string{"Accept-Encoding": "gzip", "Origin": "https://app.example",
			"User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"UseOriginCacheControlHeaders", true, "", map[string]string{"Accept-Encoding": "br,gzip", "Origin": "https://app.example",
			"X-Http-Method-Override": "PUT", "Cookie": "session=s1; theme=dark", "User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"UseOriginCacheControlHeaders-QueryStrings", true, viewerQuery, map[string]string{"Accept-Encoding": "br,gzip", "Origin": "https://app.example",
			"X-Http-Method-Override": "PUT", "Cookie": "session=s1; theme=dark", "User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"Amplify", true, viewerQuery, map[string]string{"Accept-Encoding": "br,gzip", "Authorization": "Bearer token", "Cloudfront-Viewer-Country": "US",
			"Cookie": "session=s1; theme=dark", "User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"Amplify-Default", true, viewerQuery, map[string]string{"Accept": "text/html", "Accept-Encoding": "br,gzip", "Authorization": "Bearer token",
			"Cloudfront-Viewer-Country": "US", "Cookie": "session=s1; theme=dark", "User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"Amplify-DefaultNoCookies", true, viewerQuery, map[string]string{"Accept": "text/html", "Accept-Encoding": "br,gzip", "Authorization": "Bearer token",
			"Cloudfront-Viewer-Country": "US", "User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"Amplify-ImageOptimization", true, viewerQuery, map[string]string{"Accept": "text/html", "Accept-Encoding": "br,gzip", "Authorization": "Bearer token",
			"User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
		{"Amplify-StaticContent", true, "", map[string]string{"Accept-Encoding": "br,gzip", "Authorization": "Bearer token",
			"User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}},
	}
	if len(cases) != len(ManagedCachePolicies) {
		t.Fatalf("%d cases for %d managed cache policies", len(cases), len(ManagedCachePolicies))
	}
	for _, c := range cases {
		t.Run(c.policy, func(t *testing.T) {
			cp := ManagedCachePolicy(c.policy)
			if cp == nil {
				t.Fatalf("no managed cache policy %q", c.policy)
			}
			_, base, o := policyEdge(t, cp, nil)
			expect(t, send(t, "GET", base+"/p?"+viewerQuery, "viewer.example", viewerHeaders...), 200, xMiss)
			checkForwarded(t, o.last(), o.URL, c.host, c.query, c.want)
		})
	}
}

func TestManagedOriginRequestPoliciesForwarding(t *testing.T) {
	allViewer := map[string]string{"Accept": "text/html", "Accept-Language": "fr", "Accept-Encoding": "gzip, deflate, br",
		"Authorization": "Bearer token", "Origin": "https://app.example", "Referer": "https://ref.example/", "User-Agent": iPhoneUA,
		"X-Custom": "custom", "X-Http-Method-Override": "PUT", "Access-Control-Request-Headers": "x-a", "Access-Control-Request-Method": "PUT",
		"Cookie": "session=s1; theme=dark", "X-Forwarded-For": viaXFF}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		policy string
		host   bool
		query  string
		want   map[string]string
		extra  map[string]string // CloudFront headers the edge added
	}{
		{"AllViewer", true, viewerQuery, allViewer, nil},
		{"AllViewerAndCloudFrontHeaders-2022-06", true, viewerQuery, with(allViewer, "Cloudfront-Viewer-Country", "US"), map[string]string{
			"Cloudfront-Is-Ios-Viewer": "true", "Cloudfront-Is-Mobile-Viewer": "true", "Cloudfront-Is-Desktop-Viewer": "false",
			"Cloudfront-Is-Android-Viewer": "false", "Cloudfront-Is-Tablet-Viewer": "false", "Cloudfront-Is-Smarttv-Viewer": "false",
			"Cloudfront-Forwarded-Proto": "http", "Cloudfront-Viewer-Http-Version": "1.1", "Cloudfront-Viewer-City": "Seattle",
			"Cloudfront-Viewer-Country-Name": "United States", "Cloudfront-Viewer-Country-Region": "WA", "Cloudfront-Viewer-Asn": "16509",
			"Cloudfront-Viewer-Time-Zone": "America/Los_Angeles", "Cloudfront-Viewer-Tls": ""}},
		{"AllViewerExceptHostHeader", false, viewerQuery, allViewer, nil},
		{"CORS-CustomOrigin", false, "", map[string]string{"Origin": "https://app.example", "User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}, nil},
		{"CORS-S3Origin", false, "", map[string]string{"Origin": "https://app.example", "Access-Control-Request-Headers": "x-a",
			"Access-Control-Request-Method": "PUT", "User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}, nil},
		{"Elemental-MediaTailor-PersonalizedManifests", false, viewerQuery, map[string]string{"Origin": "https://app.example",
			"Access-Control-Request-Headers": "x-a", "Access-Control-Request-Method": "PUT", "User-Agent": iPhoneUA, "X-Forwarded-For": viaXFF}, nil},
		{"HostHeaderOnly", true, "", map[string]string{"User-Agent": "Amazon CloudFront", "X-Forwarded-For": ownXFF}, nil},
		{"UserAgentRefererHeaders", false, "", map[string]string{"User-Agent": iPhoneUA, "Referer": "https://ref.example/", "X-Forwarded-For": ownXFF}, nil},
	}
	if len(cases) != len(ManagedOriginRequestPolicies) {
		t.Fatalf("%d cases for %d managed origin request policies", len(cases), len(ManagedOriginRequestPolicies))
	}
	for _, c := range cases {
		t.Run(c.policy, func(t *testing.T) {
			orp := ManagedOriginRequestPolicy(c.policy)
			if orp == nil {
				t.Fatalf("no managed origin request policy %q", c.policy)
			}
			_, base, o := policyEdge(t, ManagedCachePolicy("CachingDisabled"), orp)
			expect(t, send(t, "GET", base+"/p?"+viewerQuery, "viewer.example", viewerHeaders...), 200, xMiss)
			in := o.last()
			checkForwarded(t, in, o.URL, c.host, c.query, c.want)
			for k, v := range c.extra {
				if got := in.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if c.policy == "AllViewerAndCloudFrontHeaders-2022-06" {
				addr := in.Header.Get("Cloudfront-Viewer-Address")
				if !strings.HasPrefix(addr, "127.0.0.1:") || len(addr) <= len("127.0.0.1:") {
					t.Errorf("CloudFront-Viewer-Address = %q, want 127.0.0.1:port", addr)
				}
			}
		})
	}
}

func checkForwarded(t *testing.T, in *http.Request, originURL string, host bool, query string, want map[string]string) {
	t.Helper()
	wantHost := strings.TrimPrefix(originURL, "http://")
	if host {
		wantHost = "viewer.example"
	}
	if in.Host != wantHost {
		t.Errorf("Host = %q, want %q", in.Host, wantHost)
	}
	if in.URL.RawQuery != query {
		t.Errorf("query = %q, want %q", in.URL.RawQuery, query)
	}
	for _, h := range probed {
		got, w := strings.Join(in.Header.Values(h), "; "), want[h]
		if got != w {
			t.Errorf("%s = %q, want %q", h, got, w)
		}
	}
	if in.Header.Get("Via") == "" || in.Header.Get("X-Hookfront-Request-Id") == "" {
		t.Errorf("Via %q, request id %q: the edge's own headers are always added", in.Header.Get("Via"), in.Header.Get("X-Hookfront-Request-Id"))
	}
}

func TestManagedCachePoliciesKey(t *testing.T) {
	type variant struct {
		name  string
		query string
		hdr   []string // replaces or adds to the baseline headers
		host  string
		hit   bool
	}
	baseline := []string{"Accept-Encoding", "gzip, br", "Cookie", "session=s1", "Origin", "https://a.example", "Accept", "text/html"}
	cases := []struct {
		policy   string
		cached   bool
		variants []variant
	}{
		{"CachingOptimized", true, []variant{
			{name: "query ignored", query: "x=9", hit: true},
			{name: "cookie ignored", hdr: []string{"Cookie", "session=other"}, hit: true},
			{name: "host ignored", host: "other.example", hit: true},
			{name: "deflate does not count", hdr: []string{"Accept-Encoding", "br, deflate, gzip"}, hit: true},
			{name: "gzip only is another object", hdr: []string{"Accept-Encoding", "gzip"}, hit: false},
			{name: "no encoding is another object", hdr: []string{"Accept-Encoding", "identity"}, hit: false},
		}},
		{"CachingOptimizedForUncompressedObjects", true, []variant{
			{name: "encoding ignored", hdr: []string{"Accept-Encoding", "gzip"}, hit: true},
			{name: "cookie ignored", hdr: []string{"Cookie", "session=other"}, hit: true},
		}},
		{"CachingDisabled", false, nil},
		{"Elemental-MediaPackage", true, []variant{
			{name: "other parameter ignored", query: "a=9", hit: true},
			{name: "m counts", query: "m=9", hit: false},
			{name: "Origin counts", hdr: []string{"Origin", "https://b.example"}, hit: false},
			{name: "brotli does not count", hdr: []string{"Accept-Encoding", "gzip"}, hit: true},
		}},
		{"UseOriginCacheControlHeaders", true, []variant{
			{name: "query ignored", query: "x=9", hit: true},
			{name: "cookies count", hdr: []string{"Cookie", "session=other"}, hit: false},
			{name: "host counts", host: "other.example", hit: false},
			{name: "method override counts", hdr: []string{"X-Method-Override", "PUT"}, hit: false},
		}},
		{"UseOriginCacheControlHeaders-QueryStrings", true, []variant{
			{name: "query counts", query: "x=9", hit: false},
			{name: "Accept ignored", hdr: []string{"Accept", "image/png"}, hit: true},
		}},
		{"Amplify", true, []variant{
			{name: "country counts", hdr: []string{"X-Hookfront-Viewer-Country", "DE"}, hit: false},
			{name: "authorization counts", hdr: []string{"Authorization", "Bearer b"}, hit: false},
			{name: "Accept ignored", hdr: []string{"Accept", "image/png"}, hit: true},
		}},
		{"Amplify-Default", true, []variant{{name: "Accept counts", hdr: []string{"Accept", "image/png"}, hit: false}}},
		{"Amplify-DefaultNoCookies", true, []variant{{name: "cookie ignored", hdr: []string{"Cookie", "session=other"}, hit: true}}},
		{"Amplify-ImageOptimization", true, []variant{{name: "country ignored", hdr: []string{"X-Hookfront-Viewer-Country", "DE"}, hit: true}}},
		{"Amplify-StaticContent", true, []variant{{name: "query ignored", query: "x=9", hit: true}}},
	}
	if len(cases) != len(ManagedCachePolicies) {
		t.Fatalf("%d cases for %d managed cache policies", len(cases), len(ManagedCachePolicies))
	}
	for _, c := range cases {
		t.Run(c.policy, func(t *testing.T) {
			_, base, _ := policyEdge(t, ManagedCachePolicy(c.policy), nil)
			expect(t, send(t, "GET", base+"/k", "viewer.example", baseline...), 200, xMiss)
			again := xMiss
			if c.cached {
				again = xHit
			}
			expect(t, send(t, "GET", base+"/k", "viewer.example", baseline...), 200, again)
			for _, v := range c.variants {
				hdr := replaceHeaders(baseline, v.hdr)
				u := base + "/k"
				if v.query != "" {
					u += "?" + v.query
				}
				host := "viewer.example"
				if v.host != "" {
					host = v.host
				}
				want := xMiss
				if v.hit {
					want = xHit
				}
				if r := send(t, "GET", u, host, hdr...); r.header.Get("X-Cache") != want {
					t.Errorf("%s: x-cache %q, want %q", v.name, r.header.Get("X-Cache"), want)
				}
			}
		})
	}
}

// keyOf finds the cache key of the object at host+path, whatever the policy added after it.
func (c *Cache) keyOf(hostPath string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.lru.Keys() {
		if k == hostPath || strings.HasPrefix(k, hostPath+"\x00") || strings.HasPrefix(k, hostPath+"?") {
			return k
		}
	}
	return ""
}

func replaceHeaders(base, over []string) []string {
	out := append([]string(nil), base...)
	for i := 0; i+1 < len(over); i += 2 {
		found := false
		for j := 0; j+1 < len(out); j += 2 {
			if strings.EqualFold(out[j], over[i]) {
				out[j+1], found = over[i+1], true
			}
		}
		if !found {
			out = append(out, over[i], over[i+1])
		}
	}
	return out
}

func TestCachePolicyTTLs(t *testing.T) {
	// The origin answers the Cache-Control the last path segment names: the query string and the
	// headers may not reach it.
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:])
	})
	paths := map[string]string{"/opt": "CachingOptimized", "/dis": "CachingDisabled", "/ucc": "UseOriginCacheControlHeaders", "/amp": "Amplify"}
	var bs []*Behavior
	for p, name := range paths {
		b := behavior(t, p+"/*", "o")
		b.CachePolicy = ManagedCachePolicy(name)
		bs = append(bs, b)
	}
	bs = append(bs, behavior(t, "*", "o"))
	d := &Distribution{DomainName: "d.test", Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: bs}
	s, ts := edgeServer(t, d, Options{})
	cases := []struct {
		path, cc string
		ttl      time.Duration // 0: not stored
	}{
		{"/opt", "no-store", time.Second}, // MinTTL 1 s: even no-store is kept a second
		{"/opt", "", 24 * time.Hour},      // DefaultTTL
		{"/opt", "max-age=99999999", 365 * 24 * time.Hour},
		{"/dis", "max-age=600", 0},
		{"/ucc", "", 0}, // DefaultTTL 0: only what the origin asks for is cached
		{"/ucc", "max-age=120", 120 * time.Second},
		{"/amp", "max-age=3600", 600 * time.Second}, // MaxTTL 600
		{"/amp", "", 2 * time.Second},
	}
	for _, c := range cases {
		expect(t, send(t, "GET", ts.URL+c.path+"/"+c.cc, "h"), 200, xMiss)
		key := s.Cache().keyOf("d.test" + c.path + "/" + c.cc)
		e, ok := s.Cache().Get(key)
		switch {
		case c.ttl == 0 && ok:
			t.Errorf("%s cc=%q: stored for %v, want not stored", c.path, c.cc, e.Expires.Sub(e.Stored))
		case c.ttl > 0 && !ok:
			t.Errorf("%s cc=%q: not stored, want %v (key %q)", c.path, c.cc, c.ttl, key)
		case c.ttl > 0 && e.Expires.Sub(e.Stored) != c.ttl:
			t.Errorf("%s cc=%q: TTL %v, want %v", c.path, c.cc, e.Expires.Sub(e.Stored), c.ttl)
		}
	}
}

func TestOriginHookSeesWhatThePoliciesForward(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	var seen *event.Request
	rec := &recorder{bound: map[event.Trigger]bool{event.OriginRequest: true, event.ViewerRequest: true},
		onReq: func(tr event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
			if tr == event.OriginRequest {
				seen = r.Clone()
				r.Headers.Set("X-From-Hook", "1") // an origin-request hook's change reaches the origin
			} else {
				r.Headers.Set("X-Viewer-Hook", "1") // a viewer-request hook's header is filtered like any other
			}
			return r, nil, nil
		}}
	b := behavior(t, "*", "o")
	b.CachePolicy = ManagedCachePolicy("CachingDisabled")
	b.OriginRequestPolicy = &OriginRequestPolicy{Headers: NameFilter{Behavior: FilterWhitelist, Items: []string{"x-custom", "CloudFront-Viewer-City"}},
		QueryStrings: NameFilter{Behavior: FilterAllExcept, Items: []string{"utm"}}, Cookies: NameFilter{Behavior: FilterWhitelist, Items: []string{"theme"}}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}, Viewer: &Viewer{City: "Zürich", AllowOverride: true}}
	_, ts := edgeServer(t, d, Options{Hooks: rec})
	expect(t, send(t, "GET", ts.URL+"/p?"+viewerQuery, "viewer.example", viewerHeaders...), 200, xMiss)
	if seen == nil {
		t.Fatal("the origin-request hook did not run")
	}
	if seen.QueryString != "a=1&m=3&start=4" {
		t.Errorf("hook query = %q", seen.QueryString)
	}
	var names []string
	for n := range seen.Headers {
		names = append(names, n)
	}
	want := map[string]string{"x-custom": "custom", "cloudfront-viewer-city": "Z%C3%BCrich", "cookie": "theme=dark",
		"user-agent": "Amazon CloudFront", "host": strings.TrimPrefix(o.URL, "http://")}
	for n, v := range want {
		if got := seen.Headers.Get(n); got != v {
			t.Errorf("hook header %s = %q, want %q", n, got, v)
		}
	}
	if len(seen.Headers) != len(want) {
		t.Errorf("hook saw headers %v, want exactly %v", names, want)
	}
	in := o.last()
	if in.Header.Get("X-From-Hook") != "1" || in.Header.Get("X-Viewer-Hook") != "" || in.Header.Get("Cloudfront-Viewer-City") != "Z%C3%BCrich" {
		t.Errorf("origin headers %v", in.Header)
	}
}

func TestCombinedPoliciesFollowCloudFrontsTable(t *testing.T) {
	q := func(b string, items ...string) NameFilter { return NameFilter{Behavior: b, Items: items} }
	cases := []struct {
		name       string
		cache, orp NameFilter
		want       string
	}{
		{"none+allow", q(FilterNone), q(FilterWhitelist, "a"), "a=1"},
		{"all+block", q(FilterAll), q(FilterAllExcept, "a"), "a=1&b=2&c=3"},
		{"allow+allow", q(FilterWhitelist, "a"), q(FilterWhitelist, "c"), "a=1&c=3"},
		{"allow+block", q(FilterWhitelist, "a"), q(FilterAllExcept, "a", "b"), "a=1&c=3"},
		{"block+allow", q(FilterAllExcept, "a", "b"), q(FilterWhitelist, "a"), "a=1&c=3"},
		{"block+none", q(FilterAllExcept, "a"), q(FilterNone), "b=2&c=3"},
		{"block+block", q(FilterAllExcept, "a"), q(FilterAllExcept, "b"), "c=3"}, // CloudFront's one exception
		{"block+all", q(FilterAllExcept, "a"), q(FilterAll), "a=1&b=2&c=3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cp := &CachePolicy{TTL: TTL{Max: time.Hour}, QueryStrings: c.cache}
			_, base, o := policyEdge(t, cp, &OriginRequestPolicy{QueryStrings: c.orp})
			send(t, "GET", base+"/p?a=1&b=2&c=3", "")
			if got := o.last().URL.RawQuery; got != c.want {
				t.Errorf("origin query = %q, want %q", got, c.want)
			}
		})
	}
}

func TestLegacyForwardedValues(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "id=1")
		w.Header().Set("Cache-Control", "max-age=60")
	})
	b := behavior(t, "/legacy/*", "o")
	b.ForwardedValues = &ForwardedValues{QueryString: true, QueryStringCacheKeys: []string{"page"}, Headers: []string{"Accept-Language"}}
	all := behavior(t, "/all/*", "o")
	all.ForwardedValues = &ForwardedValues{Headers: []string{"*"}, Cookies: FilterAll}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b, all, behavior(t, "*", "o")}}
	_, ts := edgeServer(t, d, Options{})

	r := send(t, "GET", ts.URL+"/legacy/x?page=1&sort=a", "viewer.example", viewerHeaders...)
	expect(t, r, 200, xMiss)
	if r.header.Get("Set-Cookie") != "" {
		t.Errorf("Set-Cookie reached the viewer although no cookie is forwarded")
	}
	in := o.last()
	for h, want := range map[string]string{"Accept": "", "Accept-Language": "fr", "Referer": "", "Authorization": "", "Cookie": "",
		"X-Custom": "custom", "Origin": "https://app.example", "User-Agent": "Amazon CloudFront", "Accept-Encoding": "br,gzip", "Cloudfront-Viewer-Country": ""} {
		if got := in.Header.Get(h); got != want {
			t.Errorf("legacy: %s = %q, want %q", h, got, want)
		}
	}
	if in.URL.RawQuery != "page=1&sort=a" || in.Host == "viewer.example" {
		t.Errorf("legacy: query %q host %q", in.URL.RawQuery, in.Host)
	}
	// Only page is in the key; Accept-Language is.
	expect(t, send(t, "GET", ts.URL+"/legacy/x?page=1&sort=b", "viewer.example", viewerHeaders...), 200, xHit)
	expect(t, send(t, "GET", ts.URL+"/legacy/x?page=2", "viewer.example", viewerHeaders...), 200, xMiss)
	expect(t, send(t, "GET", ts.URL+"/legacy/x?page=1&sort=b", "viewer.example", replaceHeaders(viewerHeaders, []string{"Accept-Language", "de"})...), 200, xMiss)

	// Forwarding every header: everything reaches the origin, and nothing is cached.
	expect(t, send(t, "GET", ts.URL+"/all/x", "viewer.example", viewerHeaders...), 200, xMiss)
	r = send(t, "GET", ts.URL+"/all/x", "viewer.example", viewerHeaders...)
	expect(t, r, 200, xMiss)
	if in := o.last(); in.Header.Get("Accept") != "text/html" || in.Header.Get("Cookie") != "session=s1; theme=dark" || in.Host != "viewer.example" {
		t.Errorf("legacy *: origin saw %v host %q", in.Header, in.Host)
	}
	if r.header.Get("Set-Cookie") != "id=1" {
		t.Errorf("cookies are forwarded, so Set-Cookie must reach the viewer")
	}
}

func TestBehaviorWithoutPoliciesForwardsEverything(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{behavior(t, "*", "o")}}
	_, ts := edgeServer(t, d, Options{})
	send(t, "GET", ts.URL+"/p?"+viewerQuery, "viewer.example", append(viewerHeaders, "X-Hookfront-Viewer-Country", "DE")...)
	in := o.last()
	for _, h := range []string{"Accept", "Authorization", "Cookie", "Referer", "X-Custom", "Cloudfront-Viewer-Country"} {
		if in.Header.Get(h) == "" {
			t.Errorf("%s was not forwarded", h)
		}
	}
	if in.Header.Get("User-Agent") != iPhoneUA || in.URL.RawQuery != viewerQuery {
		t.Errorf("UA %q query %q", in.Header.Get("User-Agent"), in.URL.RawQuery)
	}
	// Without policies nothing reads the development overrides: they are ordinary headers.
	if in.Header.Get("X-Hookfront-Viewer-Country") != "DE" {
		t.Error("X-Hookfront-Viewer-Country is an ordinary header in a distribution without policies")
	}
}

// Legacy settings that forward every header cache nothing (CloudFront sends every request to
// the origin): errors neither, since they too may depend on any header (Accept-Language,
// a cookie). Before, 404s and edge-made 502s of such a behavior were cached for the error TTL.
func TestForwardAllHeadersCachesNoErrors(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "not found for "+r.Header.Get("Accept-Language"))
	})
	all := behavior(t, "/all/*", "o")
	all.ForwardedValues = &ForwardedValues{Headers: []string{"*"}, Cookies: FilterAll}
	down := behavior(t, "/down/*", "down")
	down.ForwardedValues = &ForwardedValues{Headers: []string{"*"}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL), org(t, "down", closedAddr(t))},
		Behaviors: []*Behavior{all, down, behavior(t, "*", "o")}}
	_, ts := edgeServer(t, d, Options{})
	expect(t, get(t, ts.URL+"/all/x", "Accept-Language", "fr"), 404, xError)
	if r := get(t, ts.URL+"/all/x", "Accept-Language", "de"); r.body != "not found for de" || r.header.Get("X-Cache") != xError {
		t.Errorf("a German viewer got %q (x-cache %q): an error of a forward-all-headers behavior was cached", r.body, r.header.Get("X-Cache"))
	}
	expect(t, get(t, ts.URL+"/down/x"), 502, xError)
	expect(t, get(t, ts.URL+"/down/x"), 502, xError)
}

// A legacy cookie whitelist takes the wildcards * and ? in names (CloudFront's "Allowlist
// cookies": userid_* forwards every cookie that starts with userid_), for the origin and the
// key. Before, the names were compared literally: an imported distribution whitelisting userid_*
// forwarded no such cookie and cached every member's page under one key.
func TestLegacyCookieWhitelistWildcards(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = io.WriteString(w, "for "+r.Header.Get("Cookie"))
	})
	b := behavior(t, "*", "o")
	b.ForwardedValues = &ForwardedValues{Cookies: FilterWhitelist, CookieNames: []string{"userid_*", "v?"}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	_, ts := edgeServer(t, d, Options{})
	r := send(t, "GET", ts.URL+"/page", "", "Cookie", "userid_42=alice; other=x; v1=a; v10=b; userid=y")
	expect(t, r, 200, xMiss)
	if r.body != "for userid_42=alice; v1=a" {
		t.Fatalf("origin got %q", r.body)
	}
	if r := send(t, "GET", ts.URL+"/page", "", "Cookie", "userid_7=bob; v1=a"); r.body != "for userid_7=bob; v1=a" {
		t.Fatalf("another member got %q (x-cache %s)", r.body, r.header.Get("X-Cache"))
	}
	expect(t, send(t, "GET", ts.URL+"/page", "", "Cookie", "other=z; userid_42=alice; v1=a"), 200, xHit)
}

// Forwarded cookies reach the origin sorted by name, as CloudFront sorts them ("in natural order
// by cookie name before forwarding the request to your origin", Cookies.html), and the key does
// not depend on the viewer's order. Before, the origin got the viewer's order, and two viewers
// with the same cookies in another order were cached apart.
func TestForwardedCookiesAreSortedByName(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = io.WriteString(w, r.Header.Get("Cookie"))
	})
	all := behavior(t, "/all/*", "o")
	all.CachePolicy = &CachePolicy{Name: "all-cookies", TTL: DefaultTTL, Cookies: allFilter}
	listed := behavior(t, "/listed/*", "o")
	listed.CachePolicy = &CachePolicy{Name: "listed", TTL: DefaultTTL, Cookies: allowList("theme", "session")}
	listed.OriginRequestPolicy = &OriginRequestPolicy{Name: "more", Cookies: allowList("cart")}
	legacy := behavior(t, "/legacy/*", "o")
	legacy.ForwardedValues = &ForwardedValues{Cookies: FilterWhitelist, CookieNames: []string{"theme", "session"}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{all, listed, legacy, behavior(t, "*", "o")}}
	_, ts := edgeServer(t, d, Options{})
	for _, c := range []struct{ path, want string }{
		{"/all/x", "a=1; cart=3; session=s1; theme=dark; z=9"},
		{"/listed/x", "cart=3; session=s1; theme=dark"},
		{"/legacy/x", "session=s1; theme=dark"},
	} {
		r := send(t, "GET", ts.URL+c.path, "", "Cookie", "theme=dark; z=9; session=s1", "Cookie", "cart=3; a=1")
		expect(t, r, 200, xMiss)
		if r.body != c.want {
			t.Errorf("%s: origin got Cookie %q, want %q", c.path, r.body, c.want)
		}
		// The same cookies in another order are the same key.
		expect(t, send(t, "GET", ts.URL+c.path, "", "Cookie", "a=1; cart=3; session=s1; theme=dark; z=9"), 200, xHit)
	}
}
