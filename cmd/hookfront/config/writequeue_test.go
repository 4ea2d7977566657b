package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const queuedGroup = `      idempotency_key: Idempotency-Key
      queue:
        dir: data/q
        max_bytes: 10MB
        max_age: 1h
        retry: {interval: 1s, max_interval: 1m}
        accepted_status: 200
        order_by: X-Account`

func TestWriteQueueSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	c, err := Parse(path, []byte(strings.Replace(apiGroup, "      idempotency_key: Idempotency-Key", queuedGroup, 1)))
	if err != nil {
		t.Fatal(err)
	}
	qs := c.WriteQueues()
	if len(qs) != 1 {
		t.Fatalf("%+v", qs)
	}
	q := qs[0]
	if q.Group != "api" || q.Store != "disk" || q.Dir != filepath.Join(filepath.Dir(path), "data/q") || q.MaxBytes != 10<<20 ||
		q.MaxAge != time.Hour || q.Interval != time.Second || q.MaxInterval != time.Minute || q.OrderBy != "X-Account" {
		t.Fatalf("%+v", q)
	}
	d, err := c.Distribution()
	if err != nil {
		t.Fatal(err)
	}
	if s := d.Groups[0].WriteFailover.Queue; s == nil || s.AcceptedStatus != 200 {
		t.Fatalf("%+v", s)
	}

	// The defaults.
	c, err = Parse(path, []byte(strings.Replace(apiGroup, "      idempotency_key: Idempotency-Key", "      queue: {}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	q = c.WriteQueues()[0]
	if q.Store != "disk" || q.Dir != filepath.Join(filepath.Dir(path), DefaultQueueDir) || q.MaxBytes != 1<<30 || q.MaxAge != 24*time.Hour ||
		q.Interval != 2*time.Second || q.MaxInterval != 5*time.Minute {
		t.Fatalf("%+v", q)
	}
}

func TestWriteQueueProblems(t *testing.T) {
	queue := func(q string) string {
		return strings.Replace(apiGroup, "      idempotency_key: Idempotency-Key", "      queue: "+q, 1)
	}
	cases := []struct{ edit, want string }{
		{queue("{accepted_status: 302}"), `F:12: origin_groups[0].write_failover.queue.accepted_status: 302 is not a 2xx status`},
		{queue("{order_by: 'X Account'}"), `queue.order_by: "X Account" is not a header name`},
		{queue("{store: 'mysql://db'}"), `queue.store: "mysql://db" is neither disk nor a Redis URL`},
		{queue("{retry: {interval: 10s, max_interval: 1s}}"), `queue.retry.max_interval: 1s is shorter than retry.interval (10s)`},
		{queue("{max_age: 0s}"), `queue.max_age: 0s is out of range`},
		{queue("{max_byte: 1MB}"), `unknown field "max_byte" (did you mean "max_bytes"?)`},
	}
	for _, c := range cases {
		if got := problems(t, c.edit); !strings.Contains(got, c.want) {
			t.Errorf("got\n  %s\nwant\n  %s", got, c.want)
		}
	}
}
