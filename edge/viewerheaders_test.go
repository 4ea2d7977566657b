package edge

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

func TestDeviceDetection(t *testing.T) {
	// android, desktop, ios, mobile, smarttv, tablet
	cases := []struct {
		name, ua string
		want     string
	}{
		{"iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "ios mobile"},
		{"iPad", "Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "ios mobile tablet"},
		{"iPadOS as a Mac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", "desktop"},
		{"Android phone", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36", "android mobile"},
		{"Android tablet", "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "android mobile tablet"},
		{"Kindle Fire", "Mozilla/5.0 (Linux; U; Android 4.0.3; en-us; KFTT Build/IML74K) AppleWebKit/535.19 Silk/3.4 Safari/535.19", "android mobile tablet"},
		{"Windows desktop", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "desktop"},
		{"Linux Firefox", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "desktop"},
		{"Samsung TV", "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 SamsungBrowser/3.0 TV Safari/537.36", "smarttv"},
		{"LG webOS TV", "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 Chrome/79.0 Safari/537.36", "smarttv"},
		{"Fire TV", "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36 Chrome/108.0 Safari/537.36", "android smarttv"},
		{"Windows Phone", "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 Mobile Safari/537.36 Edge/15.14977", "android mobile"},
		{"Opera Mini", "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54", "mobile"},
		{"curl", "curl/8.5.0", "desktop"},
		{"no User-Agent", "", "desktop"},
	}
	names := []string{"android", "desktop", "ios", "mobile", "smarttv", "tablet"}
	for _, c := range cases {
		f := detectDevice(c.ua)
		var got []string
		for i, n := range names {
			if f&(1<<i) != 0 {
				got = append(got, n)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: %q, want %q", c.name, strings.Join(got, " "), c.want)
		}
	}
}

// viewerEdge forwards the named CloudFront headers (and nothing is cached).
func viewerEdge(t *testing.T, v *Viewer, headers ...string) (string, *origin) {
	t.Helper()
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	b := behavior(t, "*", "o")
	b.CachePolicy = ManagedCachePolicy("CachingDisabled")
	b.OriginRequestPolicy = &OriginRequestPolicy{Headers: NameFilter{Behavior: FilterWhitelist, Items: headers}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}, Viewer: v}
	_, ts := edgeServer(t, d, Options{})
	return ts.URL, o
}

func TestCloudFrontViewerHeaders(t *testing.T) {
	all := CloudFrontHeaderNames()
	base, o := viewerEdge(t, nil, all...)
	send(t, "GET", base+"/", "", "User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120.0 Mobile Safari/537.36",
		"X-A", "1", "X-B", "2")
	in := o.last()
	want := map[string]string{
		"CloudFront-Forwarded-Proto": "http", "CloudFront-Is-Android-Viewer": "true", "CloudFront-Is-Desktop-Viewer": "false",
		"CloudFront-Is-IOS-Viewer": "false", "CloudFront-Is-Mobile-Viewer": "true", "CloudFront-Is-SmartTV-Viewer": "false",
		"CloudFront-Is-Tablet-Viewer": "false", "CloudFront-Viewer-ASN": "16509", "CloudFront-Viewer-City": "Seattle",
		"CloudFront-Viewer-Country": "US", "CloudFront-Viewer-Country-Name": "United States", "CloudFront-Viewer-Country-Region": "WA",
		"CloudFront-Viewer-Country-Region-Name": "Washington", "CloudFront-Viewer-Latitude": "47.60620",
		"CloudFront-Viewer-Longitude": "-122.33210", "CloudFront-Viewer-Metro-Code": "819", "CloudFront-Viewer-Postal-Code": "98101",
		"CloudFront-Viewer-Time-Zone": "America/Los_Angeles", "CloudFront-Viewer-Http-Version": "1.1",
		// Host, User-Agent, X-A and X-B.
		"CloudFront-Viewer-Header-Count": "4",
		// Not available: a plain connection has no TLS; Go keeps neither header order nor the ClientHello.
		"CloudFront-Viewer-TLS": "", "CloudFront-Viewer-Header-Order": "", "CloudFront-Viewer-JA3-Fingerprint": "",
	}
	for _, h := range all {
		w, ok := want[h]
		if !ok && h != "CloudFront-Viewer-Address" {
			t.Fatalf("no expectation for %s", h)
		}
		if h == "CloudFront-Viewer-Address" {
			continue
		}
		if got := in.Header.Get(h); got != w {
			t.Errorf("%s = %q, want %q", h, got, w)
		}
	}
	if a := in.Header.Get("CloudFront-Viewer-Address"); !strings.HasPrefix(a, "127.0.0.1:") {
		t.Errorf("CloudFront-Viewer-Address = %q", a)
	}
}

func TestViewerConfigAndOverrides(t *testing.T) {
	v := &Viewer{Country: "DE", CountryName: "Germany", City: "Köln", AllowOverride: true}
	base, o := viewerEdge(t, v, "CloudFront-Viewer-Country", "CloudFront-Viewer-City", "CloudFront-Viewer-Country-Name",
		"CloudFront-Viewer-Time-Zone", "CloudFront-Viewer-Address", "X-Hookfront-Viewer-City")
	send(t, "GET", base+"/", "")
	in := o.last()
	if in.Header.Get("CloudFront-Viewer-Country") != "DE" || in.Header.Get("CloudFront-Viewer-City") != "K%C3%B6ln" ||
		in.Header.Get("CloudFront-Viewer-Time-Zone") != "" { // a configured viewer without a time zone has none
		t.Errorf("configured viewer: %v", in.Header)
	}
	send(t, "GET", base+"/", "", "X-Hookfront-Viewer-Country", "JP", "X-Hookfront-Viewer-City", "東京",
		"X-Hookfront-Viewer-Address", "203.0.113.5:4433", "X-Hookfront-Viewer-Unknown", "x")
	in = o.last()
	if in.Header.Get("CloudFront-Viewer-Country") != "JP" || in.Header.Get("CloudFront-Viewer-City") != "%E6%9D%B1%E4%BA%AC" ||
		in.Header.Get("CloudFront-Viewer-Country-Name") != "Germany" || in.Header.Get("CloudFront-Viewer-Address") != "203.0.113.5:4433" {
		t.Errorf("overridden viewer: %v", in.Header)
	}
	for k := range in.Header {
		if strings.HasPrefix(k, "X-Hookfront-Viewer") {
			t.Errorf("override header %s reached the origin, though a policy names it", k)
		}
	}

	// With overrides off they are ordinary headers, and the configured values stand.
	off, o2 := viewerEdge(t, &Viewer{Country: "DE"}, "CloudFront-Viewer-Country", "X-Hookfront-Viewer-Country")
	send(t, "GET", off+"/", "", "X-Hookfront-Viewer-Country", "JP")
	if in := o2.last(); in.Header.Get("CloudFront-Viewer-Country") != "DE" || in.Header.Get("X-Hookfront-Viewer-Country") != "JP" {
		t.Errorf("allow_override false: %v", in.Header)
	}
}

func TestViewerRequestHookDoesNotSeeCloudFrontHeaders(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	seen := map[string]string{}
	rec := &recorder{bound: map[event.Trigger]bool{event.ViewerRequest: true, event.OriginRequest: true}}
	rec.onReq = func(tr event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
		seen[string(tr)] = r.Headers.Get("CloudFront-Viewer-Country") + "|" + r.Headers.Get("X-Hookfront-Viewer-Country")
		return r, nil, nil
	}
	b := behavior(t, "*", "o")
	b.CachePolicy = ManagedCachePolicy("CachingDisabled")
	b.OriginRequestPolicy = ManagedOriginRequestPolicy("AllViewerAndCloudFrontHeaders-2022-06")
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	_, ts := edgeServer(t, d, Options{Hooks: rec})
	send(t, "GET", ts.URL+"/", "", "CloudFront-Viewer-Country", "XX", "X-Hookfront-Viewer-Country", "FR")
	// Viewer-request sees what the viewer sent (CloudFront adds its headers after it), without
	// the development override; origin-request sees CloudFront's value.
	if seen["viewer-request"] != "XX|" || seen["origin-request"] != "FR|" {
		t.Errorf("hooks saw %v", seen)
	}
}

// Connection names hop-by-hop headers of the viewer's own connection: the viewer's headers it
// lists are not forwarded, but it cannot take away the headers the edge adds for the origin.
// Before, under an all-viewer-headers policy the viewer's Connection was copied into the
// origin request and then applied to it: "Connection: CloudFront-Viewer-Address" kept the
// viewer's address (and any CloudFront header) from the origin.
func TestConnectionCannotStripCloudFrontHeaders(t *testing.T) {
	for _, orp := range []*OriginRequestPolicy{
		ManagedOriginRequestPolicy("AllViewerAndCloudFrontHeaders-2022-06"),
		{Headers: NameFilter{Behavior: FilterWhitelist, Items: []string{"CloudFront-Viewer-Address", "CloudFront-Viewer-Country", "X-Mine"}}},
	} {
		t.Run(orp.Headers.Behavior, func(t *testing.T) {
			o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
			b := behavior(t, "*", "o")
			b.CachePolicy, b.OriginRequestPolicy = ManagedCachePolicy("CachingDisabled"), orp
			d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
			_, ts := edgeServer(t, d, Options{})
			send(t, "GET", ts.URL+"/", "", "Connection", "CloudFront-Viewer-Address, CloudFront-Viewer-Country, X-Mine", "X-Mine", "hop")
			in := o.last()
			if in.Header.Get("CloudFront-Viewer-Address") == "" || in.Header.Get("CloudFront-Viewer-Country") != "US" {
				t.Errorf("the viewer's Connection removed the edge's headers: %v", in.Header)
			}
			if in.Header.Get("X-Mine") != "" {
				t.Errorf("X-Mine, listed in the viewer's Connection, reached the origin")
			}
		})
	}
}

// The device headers come from the User-Agent the viewer-request hook left, the one the origin
// gets (docs/policies.md). Before, they came from the viewer's: a hook that set an iPhone's
// User-Agent sent it to the origin with CloudFront-Is-Mobile-Viewer: false, and a mobile key
// held the desktop variant.
func TestDeviceHeadersFollowViewerRequestHooksUserAgent(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	rec := &recorder{bound: map[event.Trigger]bool{event.ViewerRequest: true}}
	rec.onReq = func(tr event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
		r.Headers["user-agent"] = []event.HeaderValue{{Key: "User-Agent", Value: iPhoneUA}}
		return r, nil, nil
	}
	b := behavior(t, "*", "o")
	b.CachePolicy = &CachePolicy{Headers: NameFilter{Behavior: FilterWhitelist, Items: []string{"User-Agent", "CloudFront-Is-Mobile-Viewer"}}}
	b.OriginRequestPolicy = &OriginRequestPolicy{Headers: NameFilter{Behavior: FilterWhitelist, Items: []string{"CloudFront-Is-IOS-Viewer", "CloudFront-Is-Desktop-Viewer"}}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	_, ts := edgeServer(t, d, Options{Hooks: rec})
	send(t, "GET", ts.URL+"/", "", "User-Agent", "curl/8.5")
	in := o.last()
	got := in.Header.Get("User-Agent") + " mobile=" + in.Header.Get("CloudFront-Is-Mobile-Viewer") +
		" ios=" + in.Header.Get("CloudFront-Is-IOS-Viewer") + " desktop=" + in.Header.Get("CloudFront-Is-Desktop-Viewer")
	if want := iPhoneUA + " mobile=true ios=true desktop=false"; got != want {
		t.Errorf("origin got %q, want %q", got, want)
	}
}
