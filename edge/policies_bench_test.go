package edge

import (
	"io"
	"log/slog"
	"testing"
)

// benchPolicyServer is benchServer's edge with policies on its one behavior.
func benchPolicyServer(b *testing.B, cp, orp, rhp string) *Server {
	p, _ := ParsePattern("*")
	beh := &Behavior{Pattern: p, Target: "o", CachePolicy: ManagedCachePolicy(cp)}
	if orp != "" {
		beh.OriginRequestPolicy = ManagedOriginRequestPolicy(orp)
	}
	if rhp != "" {
		beh.ResponseHeadersPolicy = ManagedResponseHeadersPolicy(rhp)
	}
	d := &Distribution{Origins: []*Origin{{ID: "o", URL: mustURLB(benchOrigin(b).URL)}}, Behaviors: []*Behavior{beh}}
	s, err := NewServer(d, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// An API behavior: nothing cached, every header but Host forwarded.
func BenchmarkServeMissPolicies(b *testing.B) {
	benchHandler(b, benchPolicyServer(b, "CachingDisabled", "AllViewerExceptHostHeader", ""), "/x/nostore")
}

// A static behavior: the managed cache policy's key, with security headers added to every hit.
func BenchmarkServeHitPolicies(b *testing.B) {
	benchHandler(b, benchPolicyServer(b, "CachingOptimized", "", "SecurityHeadersPolicy"), "/x/cached")
}
