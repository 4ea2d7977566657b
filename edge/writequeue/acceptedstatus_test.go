package writequeue_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// accepted_status is the status of the receipt a queued write gets.
func TestAQueuedWriteIsAnsweredWithTheConfiguredAcceptedStatus(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, strings.Replace(twoMembers, "queue: {", "queue: {accepted_status: 200, ", 1), a, b)
	status, h, body := post(t, e.URL+"/orders", "w")
	var receipt struct{ Queued string }
	if err := json.Unmarshal([]byte(body), &receipt); status != 200 || err != nil || receipt.Queued == "" || h.Get("X-Hookfront-Queued") != receipt.Queued {
		t.Fatalf("%d %v %q", status, h, body)
	}
	if rec := e.record(t, receipt.Queued); rec["state"] != "queued" {
		t.Fatalf("%v", rec)
	}
}
