package writequeue

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// brokenUpdates is a store whose updates fail, as a disk that errors or a Redis gone away.
type brokenUpdates struct{ store }

var errBroken = errors.New("disk I/O error")

func (brokenUpdates) update(context.Context, string, func(*Record) error) (*Record, error) {
	return nil, errBroken
}

// A change to a write that the store cannot make is said in the log with the write's id. A failed
// update returns no record, and the log line was dropped for want of one.
func TestAChangeTheStoreCannotMakeIsLogged(t *testing.T) {
	disk, err := openDisk(t.TempDir(), "api")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disk.close() })
	var logs bytes.Buffer
	q := &queue{st: brokenUpdates{disk}, log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx := context.Background()
	q.expire(ctx, &Record{ID: "w-expire"})
	if q.interrupted(ctx, &Record{ID: "w-interrupted"}) != nil {
		t.Fatal("a write whose re-queueing failed came back")
	}
	if done, _, r := q.deliver(ctx, nil, &Record{ID: "w-deliver"}); done || r != nil {
		t.Fatalf("a delivery the store could not mark: done %v, %v", done, r)
	}
	for _, want := range []string{
		`msg="write queue: expiring failed" queued=w-expire error="disk I/O error"`,
		`msg="write queue: re-queueing an interrupted delivery failed" queued=w-interrupted`,
		`msg="write queue: marking a delivery failed" queued=w-deliver`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %s in\n%s", want, logs.String())
		}
	}
}
