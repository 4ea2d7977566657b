package functions

import (
	"context"
	"testing"

	"github.com/hookfront/hookfront/jsruntime"
)

// A new header object with "x-a" and "X-A" gave one or the other value as Go's map order fell
// (5 of 50 calls one way): the name in another case wins, every time.
func TestHeaderNamesInTwoCasesGiveOneResult(t *testing.T) {
	f := load(t, jsruntime.Runtime20, `function handler(event) {
  var r = event.request;
  r.headers = {host: r.headers.host, 'x-a': {value: 'lower'}, 'X-A': {value: 'upper'}};
  return r;
}`, nil)
	for i := 0; i < 50; i++ {
		out, _, err := f.Request(context.Background(), vrCfg, request(), nil)
		if err != nil || out.Headers.Get("x-a") != "upper" {
			t.Fatalf("call %d: %v %v", i, out.Headers["x-a"], err)
		}
	}
}
