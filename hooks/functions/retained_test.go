package functions

import (
	"context"
	"sync"
	"testing"

	"github.com/hookfront/hookfront/jsruntime"
)

// A function that keeps the headers of one request and lists them in the next call (another
// request, on the same runtime) must not touch what the earlier request is still reading: the
// race detector flagged the header names, made on first use by both.
func TestARetainedEventIsNotSharedWithTheEarlierRequest(t *testing.T) {
	f := load(t, jsruntime.Runtime20, `var prev;
function handler(event) {
  var seen = prev ? Object.keys(prev).length : 0;
  prev = event.request.headers;
  return {statusCode: 200, statusDescription: String(seen), headers: prev};
}`, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if _, gen, err := f.Request(ctx, vrCfg, request(), nil); err != nil || gen == nil {
					t.Error(gen, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
