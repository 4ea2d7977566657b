package writequeue

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The disk store is one bbolt file per group, <dir>/<group>.db: records by arrival (seq), their
// bodies by seq, and seq by id. bbolt commits with fdatasync, so a write is on stable storage
// when add returns. The writes not finished are mirrored in memory: the delivery loop and the
// admin API read them without touching the disk.
type diskStore struct {
	db   *bolt.DB
	path string

	mu    sync.Mutex
	open  map[string]*Record // queued, delivering and expired writes, by id
	total int64              // their sizes
}

var (
	bucketWrites = []byte("writes")
	bucketBodies = []byte("bodies")
	bucketIDs    = []byte("ids")
)

// openDisk opens (or creates) the group's queue file in dir. A file that does not read back is
// refused, never replaced: its writes were accepted and must not be dropped silently.
func openDisk(dir, group string) (*diskStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the queue folder %s: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".hookfront-probe-*")
	if err != nil {
		return nil, fmt.Errorf("the queue folder %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	path := filepath.Join(dir, group+".db")
	_, statErr := os.Stat(path)
	s := &diskStore{path: path, open: map[string]*Record{}}
	if err := s.openFile(); err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("the queue file %s is in use by another process (another hookfront with the same write_failover.queue.dir?)", path)
		}
		return nil, damaged(path, err)
	}
	if os.IsNotExist(statErr) {
		// A new file's directory entry must be durable too, or a crash could lose the file.
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return s, nil
}

// damaged is the start-up error for a queue file that does not read back.
func damaged(path string, err error) error {
	return fmt.Errorf("the queue file %s is damaged (%v); hookfront does not start on it, so that no accepted write is dropped. "+
		"Move it aside to start with an empty queue (mv %s %s.damaged) and keep it: bbolt's tools (bbolt check, bbolt surgery) can read what is left of it",
		path, err, path, path)
}

func (s *diskStore) openFile() (err error) {
	defer func() {
		// bbolt panics on some damaged pages; a damaged file must stop start-up, not crash it.
		if p := recover(); p != nil {
			if s.db != nil {
				s.db.Close()
			}
			err = fmt.Errorf("%v", p)
		}
	}()
	s.db, err = bolt.Open(s.path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	s.db.MaxBatchDelay = 2 * time.Millisecond
	if err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		s.db.Close()
		return err
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketWrites, bucketBodies, bucketIDs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketWrites).ForEach(func(k, v []byte) error {
			r := &Record{}
			if err := json.Unmarshal(v, r); err != nil {
				return fmt.Errorf("record %x does not decode: %w", k, err)
			}
			if holdsBody(r.State) {
				s.open[r.ID] = r
				s.total += r.Size
			}
			return nil
		})
	}); err != nil {
		s.db.Close()
		return err
	}
	return nil
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func (s *diskStore) add(_ context.Context, r *Record, body []byte, max int64) error {
	s.mu.Lock()
	if s.total+r.Size > max {
		s.mu.Unlock()
		return errFull
	}
	s.total += r.Size // reserved while the commit runs, so that concurrent adds see it
	s.mu.Unlock()
	// Batch commits concurrent adds together: one fdatasync for many writes in a burst.
	err := s.db.Batch(func(tx *bolt.Tx) error {
		ws := tx.Bucket(bucketWrites)
		seq, err := ws.NextSequence()
		if err != nil {
			return err
		}
		r.Seq = seq
		meta, err := json.Marshal(r)
		if err != nil {
			return err
		}
		k := seqKey(seq)
		if err := ws.Put(k, meta); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBodies).Put(k, body); err != nil {
			return err
		}
		return tx.Bucket(bucketIDs).Put([]byte(r.ID), k)
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.total -= r.Size
		return fmt.Errorf("storing the write in %s: %w", s.path, err)
	}
	s.open[r.ID] = r.clone()
	return nil
}

func (s *diskStore) leading() bool { return true }

func (s *diskStore) pending(context.Context) ([]*Record, error) {
	s.mu.Lock()
	out := make([]*Record, 0, len(s.open))
	for _, r := range s.open {
		out = append(out, r.clone())
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b *Record) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

func (s *diskStore) body(_ context.Context, r *Record) ([]byte, error) {
	var body []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		body = bytes.Clone(tx.Bucket(bucketBodies).Get(seqKey(r.Seq)))
		return nil
	})
	return body, err
}

// lookup reads a record in tx.
func lookup(tx *bolt.Tx, id string) ([]byte, *Record, error) {
	k := tx.Bucket(bucketIDs).Get([]byte(id))
	if k == nil {
		return nil, nil, errUnknown
	}
	r := &Record{}
	if err := json.Unmarshal(tx.Bucket(bucketWrites).Get(k), r); err != nil {
		return nil, nil, fmt.Errorf("record %s does not decode: %w", id, err)
	}
	return bytes.Clone(k), r, nil
}

func (s *diskStore) update(_ context.Context, id string, fn func(*Record) error) (*Record, error) {
	// One writer at a time (bbolt's rule too); the mirror changes with the commit.
	s.mu.Lock()
	defer s.mu.Unlock()
	var out *Record
	err := s.db.Update(func(tx *bolt.Tx) error {
		k, r, err := lookup(tx, id)
		if err != nil {
			return err
		}
		before := r.State
		if err := fn(r); err != nil {
			return err
		}
		meta, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketWrites).Put(k, meta); err != nil {
			return err
		}
		if holdsBody(before) && !holdsBody(r.State) {
			if err := tx.Bucket(bucketBodies).Delete(k); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	if prev, ok := s.open[id]; ok && !holdsBody(out.State) {
		s.total -= prev.Size
		delete(s.open, id)
	} else if ok {
		s.open[id] = out.clone()
	}
	return out, nil
}

func (s *diskStore) get(_ context.Context, id string) (*Record, error) {
	var r *Record
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		_, r, err = lookup(tx, id)
		return err
	})
	return r, err
}

func (s *diskStore) remove(_ context.Context, id string, fn func(*Record) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		k, r, err := lookup(tx, id)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		return deleteRecord(tx, k, id)
	})
	if err != nil {
		return err
	}
	if prev, ok := s.open[id]; ok {
		s.total -= prev.Size
		delete(s.open, id)
	}
	return nil
}

func deleteRecord(tx *bolt.Tx, k []byte, id string) error {
	for _, err := range []error{tx.Bucket(bucketWrites).Delete(k), tx.Bucket(bucketBodies).Delete(k), tx.Bucket(bucketIDs).Delete([]byte(id))} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *diskStore) bytes(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, nil
}

func (s *diskStore) purge(_ context.Context, before time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Update(func(tx *bolt.Tx) error {
		type old struct {
			k  []byte
			id string
		}
		var gone []old
		err := tx.Bucket(bucketWrites).ForEach(func(k, v []byte) error {
			var r struct {
				ID       string    `json:"id"`
				State    string    `json:"state"`
				Finished time.Time `json:"finished"`
			}
			if json.Unmarshal(v, &r) == nil && finished(r.State) && r.Finished.Before(before) {
				gone = append(gone, old{bytes.Clone(k), r.ID})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, o := range gone {
			if err := deleteRecord(tx, o.k, o.id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *diskStore) describe() string { return "disk " + s.path }

func (s *diskStore) close() error { return s.db.Close() }
