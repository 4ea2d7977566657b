package edge

import (
	"io"
	"net/http"
	"testing"
)

// authOrigin answers with the viewer's Authorization in the body, as a personalised API does,
// and with the Cache-Control the test gives (none: the behavior's default TTL applies).
func authOrigin(t *testing.T, cacheControl string) *origin {
	return newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if cacheControl != "" {
			w.Header().Set("Cache-Control", cacheControl)
		}
		_, _ = io.WriteString(w, "for "+r.Header.Get("Authorization"))
	})
}

// A response to a request with Authorization is for that viewer: a shared cache may keep it for
// others only when the origin says so (public, s-maxage, must-revalidate; RFC 9111 §3.5), or
// when Authorization is in the cache key. Without that, a viewer without credentials (or with
// others) got the first viewer's private answer from the cache.
func TestAuthorizedResponseIsNotServedToOthers(t *testing.T) {
	for _, c := range []struct {
		name   string
		cp     *CachePolicy
		orp    *OriginRequestPolicy
		cc     string
		shared bool // the response may be shared: the second viewer gets the first one's answer
	}{
		{name: "no policy, no Cache-Control"},
		{name: "no policy, max-age", cc: "max-age=60"},
		{name: "no policy, public", cc: "public, max-age=60", shared: true},
		{name: "no policy, s-maxage", cc: "s-maxage=60", shared: true},
		{name: "no policy, must-revalidate", cc: "max-age=60, must-revalidate", shared: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := authOrigin(t, c.cc)
			b := behavior(t, "*", "o")
			b.CachePolicy, b.OriginRequestPolicy = c.cp, c.orp
			d := &Distribution{DomainName: "d.test", Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
			_, ts := edgeServer(t, d, Options{})
			first := get(t, ts.URL+"/me", "Authorization", "Bearer alice")
			expect(t, first, 200, xMiss)
			if first.body != "for Bearer alice" {
				t.Fatalf("first body = %q", first.body)
			}
			second := get(t, ts.URL+"/me")
			if c.shared {
				expect(t, second, 200, xHit)
				return
			}
			if second.body != "for " {
				t.Fatalf("a viewer without credentials got %q (x-cache %q): another viewer's authorized response",
					second.body, second.header.Get("X-Cache"))
			}
			expect(t, second, 200, xMiss)
		})
	}
}

// Authorization in the cache key tells viewers apart: such responses are cached per credential.
func TestAuthorizationInTheKeyIsCachedPerViewer(t *testing.T) {
	o := authOrigin(t, "max-age=60")
	b := behavior(t, "*", "o")
	b.CachePolicy = &CachePolicy{Name: "auth", TTL: DefaultTTL, Headers: NameFilter{Behavior: FilterWhitelist, Items: []string{"Authorization"}}}
	d := &Distribution{DomainName: "d.test", Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
	_, ts := edgeServer(t, d, Options{})
	expect(t, get(t, ts.URL+"/me", "Authorization", "Bearer alice"), 200, xMiss)
	expect(t, get(t, ts.URL+"/me", "Authorization", "Bearer alice"), 200, xHit)
	if r := get(t, ts.URL+"/me", "Authorization", "Bearer bob"); r.body != "for Bearer bob" {
		t.Fatalf("bob got %q", r.body)
	}
}

// An origin request policy that forwards all viewer headers holds Authorization back unless the
// cache policy disables caching (AWS Knowledge Center, cloudfront-authorization-header): with
// caching on, Authorization reaches the origin only from the cache key. Before, AllViewer under
// CachingOptimized sent it, so an origin that answered authenticated requests locally answered
// 401 in production.
func TestAllViewerForwardsAuthorizationOnlyWithoutCaching(t *testing.T) {
	keyed := &CachePolicy{Name: "keyed", TTL: DefaultTTL, Headers: NameFilter{Behavior: FilterWhitelist, Items: []string{"Authorization"}}}
	allExcept := &OriginRequestPolicy{Name: "all-but-x", Headers: NameFilter{Behavior: FilterAllExcept, Items: []string{"X-Other"}}}
	for _, c := range []struct {
		cp   *CachePolicy
		orp  *OriginRequestPolicy
		sent bool
	}{
		{ManagedCachePolicy("CachingOptimized"), ManagedOriginRequestPolicy("AllViewer"), false},
		{ManagedCachePolicy("CachingOptimized"), ManagedOriginRequestPolicy("AllViewerExceptHostHeader"), false},
		{ManagedCachePolicy("UseOriginCacheControlHeaders"), ManagedOriginRequestPolicy("AllViewerAndCloudFrontHeaders-2022-06"), false},
		{ManagedCachePolicy("CachingOptimized"), allExcept, false},
		{ManagedCachePolicy("CachingDisabled"), ManagedOriginRequestPolicy("AllViewer"), true},
		{ManagedCachePolicy("CachingDisabled"), ManagedOriginRequestPolicy("AllViewerExceptHostHeader"), true},
		{ManagedCachePolicy("CachingDisabled"), allExcept, true},
		{keyed, ManagedOriginRequestPolicy("AllViewer"), true},
	} {
		t.Run(c.cp.Name+"+"+c.orp.Name, func(t *testing.T) {
			o := authOrigin(t, "max-age=60")
			b := behavior(t, "*", "o")
			b.CachePolicy, b.OriginRequestPolicy = c.cp, c.orp
			d := &Distribution{DomainName: "d.test", Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{b}}
			_, ts := edgeServer(t, d, Options{})
			got := get(t, ts.URL+"/me", "Authorization", "Bearer alice", "X-Other", "x")
			if want := map[bool]string{true: "for Bearer alice", false: "for "}[c.sent]; got.body != want {
				t.Fatalf("origin answered %q, want %q", got.body, want)
			}
		})
	}
}
