package event

import (
	"net/http"
	"net/textproto"
	"reflect"
	"testing"
)

func TestHeaderConversionRoundTrip(t *testing.T) {
	h := http.Header{"Accept": {"a", "b"}, "X-One": {"1"}, "Set-Cookie": {"a=1", "b=2", "c=3"}}
	ev := FromHTTPHeader(h, "example.com")
	if got := ev["set-cookie"]; len(got) != 3 || got[1] != (HeaderValue{Key: "Set-Cookie", Value: "b=2"}) {
		t.Fatalf("set-cookie %v", got)
	}
	// Lists share one backing array; appending to one must not overwrite another.
	ev["accept"] = append(ev["accept"], HeaderValue{Key: "Accept", Value: "c"})
	back, host := ev.ToHTTPHeader()
	want := http.Header{"Accept": {"a", "b", "c"}, "X-One": {"1"}, "Set-Cookie": {"a=1", "b=2", "c=3"}}
	if host != "example.com" || !reflect.DeepEqual(back, want) {
		t.Fatalf("round trip: %v %q", back, host)
	}
	back["X-One"] = append(back["X-One"], "2")
	if back["Set-Cookie"][0] != "a=1" || len(back["Accept"]) != 3 {
		t.Fatalf("appending to one header changed another: %v", back)
	}
	mixed := Headers{"x-a": {{Key: "X-A", Value: "1"}}, "X-A": {{Key: "X-A", Value: "2"}}}
	if got, _ := mixed.ToHTTPHeader(); len(got["X-A"]) != 2 {
		t.Fatalf("same header in two spellings: %v", got)
	}
}

func BenchmarkFromHTTPHeader(b *testing.B) {
	h := http.Header{}
	for _, n := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Cookie", "Pragma", "Referer", "Sec-Fetch-Mode", "Upgrade-Insecure-Requests", "User-Agent", "X-Forwarded-For"} {
		h.Set(n, "some value of a realistic length")
	}
	b.ReportAllocs()
	for b.Loop() {
		FromHTTPHeader(h, "example.com")
	}
}

func TestCanonicalNameIsTextprotos(t *testing.T) {
	for _, c := range [][2]string{
		{"x-client", "X-Client"}, {"x-client", "x-client"}, {"x-client", "X-CLIENT"}, {"content-md5", "Content-Md5"},
		{"www-authenticate", "Www-Authenticate"}, {"x--a", "X--A"}, {"-x", "-X"}, {"a1-b", "A1-B"}, {"x_y", "X_y"},
		{"x y", "X y"}, {"é", "É"}, {"host", "Hos"}, {"x-a", ""},
	} {
		list := []HeaderValue{{Key: c[1], Value: "v"}}
		if got, want := canonicalName(c[0], list), textproto.CanonicalMIMEHeaderKey(c[0]); got != want {
			t.Errorf("canonicalName(%q, key %q) = %q, textproto says %q", c[0], c[1], got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { canonicalName("x-client", []HeaderValue{{Key: "X-Client"}}) }); n != 0 {
		t.Errorf("%v allocations for a name whose key is canonical", n)
	}
}
