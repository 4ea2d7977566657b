package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// cacheStepDoc is a cache step as /api/requests/{id} shows it.
type cacheStepDoc struct {
	Key      string
	Decision string
	Reason   string
	TTL      float64 `json:"ttl_s"`
}

func cacheSteps(t *testing.T, admin, id string) []cacheStepDoc {
	t.Helper()
	var out []cacheStepDoc
	for _, s := range stepsOf(waitTrace(t, admin, id), "cache") {
		b, _ := json.Marshal(s)
		var c cacheStepDoc
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// The admin API shows each cache step with its key, decision, reason and TTL (the edge's own
// tests cover every decision; this covers what the API makes of them).
func TestTraceShowsCacheKeyReasonAndTTL(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cookie" {
			w.Header().Set("Set-Cookie", "s=1")
		}
		w.Header().Set("Cache-Control", "max-age=90")
		fmt.Fprint(w, "o")
	}))
	defer o.Close()
	p, admin := startWithAdmin(t, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	check := func(path string, want ...cacheStepDoc) {
		t.Helper()
		resp, _ := fetch(t, "GET", base+path)
		got := cacheSteps(t, admin, resp.Header.Get("X-Hookfront-Request-Id"))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: cache steps\n%+v\nwant\n%+v", path, got, want)
		}
	}
	key := p.addr + "/a?x=1"
	check("/a?x=1", cacheStepDoc{Key: key, Decision: "miss"}, cacheStepDoc{Key: key, Decision: "stored", TTL: 90})
	check("/a?x=1", cacheStepDoc{Key: key, Decision: "hit"})
	check("/cookie",
		cacheStepDoc{Key: p.addr + "/cookie", Decision: "miss"},
		cacheStepDoc{Key: p.addr + "/cookie", Decision: "not-stored", Reason: "it sets a cookie (Set-Cookie)"})
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
