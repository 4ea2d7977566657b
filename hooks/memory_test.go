package hooks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

func heapAfterGC() uint64 {
	var m runtime.MemStats
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Old generations and their runtimes are released: the heap after 500 reloads is what it was
// after the first few.
func TestMemoryDoesNotGrowWithReloads(t *testing.T) {
	reg := NewRegistry(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Static(Bindings{"*": {event.ViewerRequest: {File: "h.js"}}}))
	req := realisticRequest()
	load := func(i int) {
		src := jsruntime.Source{Files: map[string][]byte{"h.js": []byte(fmt.Sprintf(`const big = 'x'.repeat(10000) + %d;
exports.handler = async (e) => { const r = e.Records[0].cf.request; r.headers['x-n'] = [{value: String(big.length)}]; return r; };`, i))}}
		res, err := reg.Load(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		// Use the generation, so that its runtime really runs code.
		if _, _, err := res.Generation.Request(context.Background(), "*", event.ViewerRequest, event.Config{EventType: event.ViewerRequest}, req); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		load(i)
	}
	early := heapAfterGC()
	for i := 10; i < 500; i++ {
		load(i)
	}
	late := heapAfterGC()
	t.Logf("heap after 10 reloads %d KB, after 500 %d KB", early>>10, late>>10)
	if float64(late) > float64(early)*1.10 {
		t.Fatalf("heap grew from %d KB to %d KB over 490 reloads", early>>10, late>>10)
	}
}
