package writequeue_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge/redistest"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

// While Redis is down, the admin API answers at once with the store's error — it does not wait
// for Redis to come back: rueidis retries a read for as long as its context lasts, and a
// request's context lasts as long as its client waits (curl, a dashboard: for ever).
func TestTheQueueAdminAPIAnswersWhileRedisIsDown(t *testing.T) {
	rs := redistest.Start(t, queuetest.DurableRedis...)
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, strings.Replace(twoMembers, "queue: {dir: DIR/queue,", "queue: {store: "+rs.URL()+",", 1), a, b)
	id := accepted(t, e.URL+"/orders", "w")
	rs.Kill()

	// Far longer than a store call takes, far shorter than "until Redis is back".
	client := &http.Client{Timeout: 15 * time.Second}
	for range 3 { // the first calls may still meet the connection Redis closed
		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/api/queue", 200}, {"GET", "/api/queue/" + id, 503},
			{"POST", "/api/queue/" + id + "/retry", 503}, {"DELETE", "/api/queue/" + id, 503},
		} {
			req, _ := http.NewRequest(c.method, e.admin.URL+c.path, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", c.method, c.path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var v struct {
				Error  string
				Groups []struct{ Error string }
			}
			_ = json.Unmarshal(body, &v)
			if len(v.Groups) == 1 {
				v.Error = v.Groups[0].Error
			}
			if resp.StatusCode != c.status || !strings.Contains(v.Error, rs.Port()) {
				t.Fatalf("%s %s: %d %s", c.method, c.path, resp.StatusCode, body)
			}
		}
	}
}
