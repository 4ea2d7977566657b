package writequeue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// store keeps one group's queued writes durably: on disk (bbolt) or in Redis Streams.
type store interface {
	// add stores r and its body durably, unless the group's bytes would go over max (errFull).
	add(ctx context.Context, r *Record, body []byte, max int64) error
	// leading reports whether this replica delivers the group's writes now (the disk store always
	// does; with Redis, the replica holding the group's lease).
	leading() bool
	// pending lists the writes not finished (queued, delivering, expired), oldest first. The
	// replica that leads also takes them over (Redis: into its pending entries).
	pending(ctx context.Context) ([]*Record, error)
	body(ctx context.Context, r *Record) ([]byte, error)
	// update changes a record atomically and durably: fn gets the stored record and changes it,
	// or returns an error to leave it as it was. A record leaving the states that hold a body
	// loses its body and stops counting toward max_bytes.
	update(ctx context.Context, id string, fn func(*Record) error) (*Record, error)
	// get returns a record, errUnknown when there is none.
	get(ctx context.Context, id string) (*Record, error)
	// remove deletes a record and its body; fn may refuse, as for update.
	remove(ctx context.Context, id string, fn func(*Record) error) error
	// bytes is what the group's writes count toward max_bytes.
	bytes(ctx context.Context) (int64, error)
	// purge deletes the records of writes finished before the given time.
	purge(ctx context.Context, finishedBefore time.Time) error
	// describe names the store in logs and the admin API.
	describe() string
	close() error
}

var (
	errFull    = errors.New("the queue is full (write_failover.queue.max_bytes)")
	errUnknown = errors.New("no such queued write")
)

// errConflict says what a change of a record refused: a 409 in the admin API.
type errConflict struct{ msg string }

func (e *errConflict) Error() string { return e.msg }

func conflict(format string, args ...any) error { return &errConflict{fmt.Sprintf(format, args...)} }
