package writequeue_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/redistest"
	"github.com/hookfront/hookfront/edge/writequeue"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

// benchmarkEnqueue measures accepting 1 KiB writes into store, from concurrent requests (an
// outage burst): each returns once its write is on stable storage.
func benchmarkEnqueue(b *testing.B, store string) {
	m, err := writequeue.Open(context.Background(), []writequeue.Config{{Group: "api", Store: store, Dir: b.TempDir(),
		MaxBytes: 1 << 40, MaxAge: time.Hour, Interval: time.Hour, MaxInterval: time.Hour}}, writequeue.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	body := make([]byte, 1024)
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := &edge.QueuedWrite{Group: "api", Method: "POST", URI: "/orders", Host: "shop.example",
				Header: http.Header{"Content-Type": {"application/json"}}, Body: body, KeyHeader: "Idempotency-Key", Received: time.Now()}
			if _, err := m.Enqueue(context.Background(), w); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEnqueueDisk(b *testing.B) { benchmarkEnqueue(b, "disk") }

func BenchmarkEnqueueRedis(b *testing.B) {
	benchmarkEnqueue(b, redistest.Start(b, queuetest.DurableRedis...).URL())
}
