package writequeue_test

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

// queueEmpty fails t unless the group's queue holds no write at all.
func (e *edgeWithQueue) queueEmpty(t *testing.T) {
	t.Helper()
	var list struct{ Groups []writequeueStats }
	getJSON(t, "GET", e.admin.URL+"/api/queue", 200, &list)
	if g := list.Groups[0]; g.Depth != 0 || g.Expired != 0 || g.Bytes != 0 || len(g.Writes) != 0 {
		t.Fatalf("something was queued: %+v", list)
	}
}

// The last member answers a status that is not a failover condition (500 is not in on; 400):
// that answer is the viewer's, as without a queue, and nothing is queued.
func TestAnAnswerThatIsNoFailoverConditionIsNotQueued(t *testing.T) {
	for _, status := range []int{500, 400} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			a, b := newOrigin(t, false, 0), newRecorder(t, status)
			e := startEdge(t, twoMembers, a, b.origin(t))
			got, h, body := post(t, e.URL+"/orders", "w")
			if got != status || h.Get("X-Hookfront-Queued") != "" || body != "answer "+http.StatusText(status) {
				t.Fatalf("%d %v %q", got, h, body)
			}
			e.queueEmpty(t)
			if n := len(b.requests()); n != 1 {
				t.Fatalf("the origin got %d requests", n)
			}
			// The same write is queued when the member answers a failover condition.
			b.setStatus(503)
			accepted(t, e.URL+"/orders", "w")
		})
	}
}

// A viewer-request or origin-request hook that fails costs the write its attempt, as without a
// queue: the viewer gets the hook's error, and the write is not queued — even when the members
// that were reached failed in a way that queues.
func TestAFailingRequestHookIsNotQueued(t *testing.T) {
	a, b := newOrigin(t, false, 0), newRecorder(t, 503)
	_, bPort, _ := net.SplitHostPort(strings.TrimPrefix(b.url, "http://"))
	hooks := &hookFuncs{
		viewerRequest: func(r *event.Request) (*event.Request, error) {
			if r.Headers.Get("x-fail-viewer") != "" {
				return nil, errors.New("TypeError: viewer-request broke")
			}
			return r, nil
		},
		// It throws on b only: a was never reached (connect failure), then b's hook failed.
		originRequest: func(r *event.Request) (*event.Request, error) {
			if r.Headers.Get("x-fail-origin") != "" && strconv.Itoa(r.Origin.Port) == bPort {
				return nil, errors.New("TypeError: origin-request broke")
			}
			return r, nil
		},
	}
	e := startEdgeWith(t, t.TempDir(), twoMembers, hooks, a, b.origin(t))
	for _, c := range []struct{ header, trigger string }{{"X-Fail-Viewer", "viewer-request"}, {"X-Fail-Origin", "origin-request"}} {
		status, h, body := post(t, e.URL+"/orders", "w", c.header, "1")
		if status != 503 || h.Get("X-Hookfront-Queued") != "" || !strings.Contains(body, "The "+c.trigger+" hook failed (LambdaExecutionError).") {
			t.Fatalf("%s: %d %v %q", c.trigger, status, h, body)
		}
	}
	e.queueEmpty(t)
	if n := len(b.requests()); n != 0 {
		t.Fatalf("b got %d requests", n)
	}
	// Without the failure, the same write is queued.
	accepted(t, e.URL+"/orders", "w")
}
