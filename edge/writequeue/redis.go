package writequeue

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"
)

// The Redis store keeps a group's writes in a stream with a consumer group, so that several
// replicas share one queue. Every replica accepts writes (XADD). One delivers at a time: the
// holder of the group's lease, renewed while it lives, which takes new entries into its pending
// list (XREADGROUP) and acknowledges and deletes each when it is finished (XACK, XDEL). When the
// lease holder dies, mid-delivery or not, another replica takes the lease and claims its pending
// entries (XAUTOCLAIM); a write found "delivering" is then sent again with its idempotency key.
// One deliverer keeps the queue's order (oldest first, order_by) across replicas.
//
// Keys start hookfront:queue:{GROUP}: the hash tag {GROUP} makes a Redis Cluster keep them in
// one slot: …:stream, …:lease, …:bytes and one hash per write, …:w:ID (meta, body, entry).
type redisStore struct {
	c        rueidis.Client
	prefix   string
	consumer string
	lease    time.Duration
	maxAge   time.Duration // how long finished records are kept
	where    string        // the URL without its password
	log      *slog.Logger

	lead atomic.Bool
	stop context.CancelFunc
	done chan struct{}
}

const consumerGroup = "hookfront"

// openRedis connects to url and starts competing for the group's lease.
func openRedis(ctx context.Context, rawURL, group string, lease, maxAge time.Duration, log *slog.Logger) (*redisStore, error) {
	opt, err := rueidis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store %q is not a Redis URL: %w", redact(rawURL), err)
	}
	opt.DisableCache = true
	// rueidis retries a read that met a broken connection until its context ends: with Redis
	// down, an admin request would wait its whole apiTimeout instead of answering at once. The
	// queue retries on its own.
	opt.DisableRetry = true
	c, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", redact(rawURL), err)
	}
	host, _ := os.Hostname()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	s := &redisStore{c: c, prefix: "hookfront:queue:{" + group + "}", lease: lease, maxAge: maxAge, where: redact(rawURL), log: log,
		consumer: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), idEncoding.EncodeToString(rnd[:])), done: make(chan struct{})}
	err = c.Do(ctx, c.B().XgroupCreate().Key(s.key("stream")).Group(consumerGroup).Id("0").Mkstream().Build()).Error()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		c.Close()
		return nil, fmt.Errorf("creating the consumer group on %s: %w", s.where, err)
	}
	s.warnDurability(ctx)
	lctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	go s.holdLease(lctx)
	return s, nil
}

// redact hides a URL's password.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the Redis URL"
	}
	return u.Redacted()
}

// warnDurability says when Redis does not fsync every write: hookfront answers "accepted" once
// Redis has the write, and only appendfsync always makes that mean "on stable storage".
func (s *redisStore) warnDurability(ctx context.Context) {
	kv, err := s.c.Do(ctx, s.c.B().ConfigGet().Parameter("appendonly", "appendfsync").Build()).AsStrMap()
	if err != nil {
		return // CONFIG may be turned off (managed Redis): nothing to say
	}
	if kv["appendonly"] != "yes" || kv["appendfsync"] != "always" {
		s.log.Warn("this Redis does not fsync each write (appendonly yes, appendfsync always): a write it acknowledged may be lost if it crashes",
			"store", s.where, "appendonly", kv["appendonly"], "appendfsync", kv["appendfsync"])
	}
}

func (s *redisStore) key(parts ...string) string { return s.prefix + ":" + strings.Join(parts, ":") }

var (
	// Lease: take it when free, renew it when ours.
	leaseScript = rueidis.NewLuaScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if v then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 2`)
	releaseScript = rueidis.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
	// add: KEYS stream, bytes, write; ARGV size, max, meta, body.
	addScript = rueidis.NewLuaScript(`
local b = tonumber(redis.call('GET', KEYS[2]) or '0')
if b + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return 0 end
redis.call('INCRBY', KEYS[2], ARGV[1])
local e = redis.call('XADD', KEYS[1], '*', 'w', KEYS[3])
redis.call('HSET', KEYS[3], 'meta', ARGV[3], 'body', ARGV[4], 'entry', e)
return 1`)
	// update: KEYS write, bytes, stream; ARGV old meta, new meta, finish (1/0), size, group, keep ms.
	// Compare-and-set: a change made meanwhile (another replica, the admin API) is never lost.
	updateScript = rueidis.NewLuaScript(`
if redis.call('HGET', KEYS[1], 'meta') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'meta', ARGV[2])
if ARGV[3] == '1' then
  local e = redis.call('HGET', KEYS[1], 'entry')
  redis.call('HDEL', KEYS[1], 'body')
  redis.call('DECRBY', KEYS[2], ARGV[4])
  redis.call('XACK', KEYS[3], ARGV[5], e)
  redis.call('XDEL', KEYS[3], e)
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
end
return 1`)
	// remove: KEYS write, bytes, stream; ARGV old meta, release size (0 when it held no body), group.
	removeScript = rueidis.NewLuaScript(`
if redis.call('HGET', KEYS[1], 'meta') ~= ARGV[1] then return 0 end
local e = redis.call('HGET', KEYS[1], 'entry')
redis.call('DECRBY', KEYS[2], ARGV[2])
redis.call('XACK', KEYS[3], ARGV[3], e)
redis.call('XDEL', KEYS[3], e)
redis.call('DEL', KEYS[1])
return 1`)
)

// holdLease competes for the group's lease, renews it at a third of its time, and claims the
// pending entries of the previous holder when it takes it (or takes it back: see below).
func (s *redisStore) holdLease(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.lease / 3)
	defer t.Stop()
	for {
		n, err := leaseScript.Exec(ctx, s.c, []string{s.key("lease")}, []string{s.consumer, strconv.FormatInt(s.lease.Milliseconds(), 10)}).AsInt64()
		switch {
		case ctx.Err() != nil:
		case err != nil:
			if s.lead.Swap(false) {
				s.log.Warn("write queue: lost the Redis lease (it is renewed when Redis answers again)", "store", s.where, "error", err)
			}
		case n == 0:
			s.lead.Store(false)
		case n == 2 || !s.lead.Load():
			// Taken now, or still ours after a renewal that failed (Redis was away for less than
			// the lease): nobody else can take a lease this replica renews, so it must deliver.
			if err := s.takeOver(ctx); err != nil {
				s.log.Warn("write queue: claiming the previous deliverer's writes failed; retried at the next renewal", "store", s.where, "error", err)
				_ = releaseScript.Exec(ctx, s.c, []string{s.key("lease")}, []string{s.consumer}).Error()
				break
			}
			s.log.Info("write queue: this replica delivers now", "store", s.where, "consumer", s.consumer)
			s.lead.Store(true)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// takeOver claims every entry pending for other consumers: only the lease holder reads the
// stream, so they belong to a holder that is gone.
func (s *redisStore) takeOver(ctx context.Context) error {
	start := "0-0"
	for {
		res, err := s.c.Do(ctx, s.c.B().Xautoclaim().Key(s.key("stream")).Group(consumerGroup).Consumer(s.consumer).
			MinIdleTime("0").Start(start).Count(1000).Justid().Build()).ToArray()
		if err != nil {
			return err
		}
		if len(res) < 2 {
			return errors.New("unexpected XAUTOCLAIM answer")
		}
		if start, err = res[0].ToString(); err != nil {
			return err
		}
		if start == "0-0" {
			return nil
		}
	}
}

func (s *redisStore) leading() bool { return s.lead.Load() }

func (s *redisStore) add(ctx context.Context, r *Record, body []byte, max int64) error {
	meta, err := json.Marshal(r)
	if err != nil {
		return err
	}
	n, err := addScript.Exec(ctx, s.c, []string{s.key("stream"), s.key("bytes"), s.key("w", r.ID)},
		[]string{strconv.FormatInt(r.Size, 10), strconv.FormatInt(max, 10), string(meta), string(body)}).AsInt64()
	if err != nil {
		return fmt.Errorf("storing the write in %s: %w", s.where, err)
	}
	if n == 0 {
		return errFull
	}
	return nil
}

func (s *redisStore) pending(ctx context.Context) ([]*Record, error) {
	if s.leading() {
		// Take the entries added since into this consumer's pending list.
		for {
			res, err := s.c.Do(ctx, s.c.B().Xreadgroup().Group(consumerGroup, s.consumer).Count(1000).Streams().Key(s.key("stream")).Id(">").Build()).AsXRead()
			if err != nil && !rueidis.IsRedisNil(err) {
				return nil, err
			}
			if len(res[s.key("stream")]) < 1000 {
				break
			}
		}
	}
	var keys []string
	start := "-"
	for {
		entries, err := s.c.Do(ctx, s.c.B().Xrange().Key(s.key("stream")).Start(start).End("+").Count(1000).Build()).AsXRange()
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			keys = append(keys, e.FieldValues["w"])
		}
		if len(entries) < 1000 {
			break
		}
		start = "(" + entries[len(entries)-1].ID
	}
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make(rueidis.Commands, len(keys))
	for i, k := range keys {
		cmds[i] = s.c.B().Hget().Key(k).Field("meta").Build()
	}
	out := make([]*Record, 0, len(keys))
	for _, res := range s.c.DoMulti(ctx, cmds...) {
		meta, err := res.ToString()
		if rueidis.IsRedisNil(err) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		r := &Record{}
		if err := json.Unmarshal([]byte(meta), r); err != nil {
			return nil, fmt.Errorf("a record in %s does not decode: %w", s.where, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *redisStore) body(ctx context.Context, r *Record) ([]byte, error) {
	return s.c.Do(ctx, s.c.B().Hget().Key(s.key("w", r.ID)).Field("body").Build()).AsBytes()
}

func (s *redisStore) read(ctx context.Context, id string) (string, *Record, error) {
	meta, err := s.c.Do(ctx, s.c.B().Hget().Key(s.key("w", id)).Field("meta").Build()).ToString()
	if rueidis.IsRedisNil(err) {
		return "", nil, errUnknown
	}
	if err != nil {
		return "", nil, err
	}
	r := &Record{}
	if err := json.Unmarshal([]byte(meta), r); err != nil {
		return "", nil, fmt.Errorf("record %s in %s does not decode: %w", id, s.where, err)
	}
	return meta, r, nil
}

func (s *redisStore) get(ctx context.Context, id string) (*Record, error) {
	_, r, err := s.read(ctx, id)
	return r, err
}

// update reads, changes and compares-and-sets, again when another change came in between.
func (s *redisStore) update(ctx context.Context, id string, fn func(*Record) error) (*Record, error) {
	for try := 0; ; try++ {
		old, r, err := s.read(ctx, id)
		if err != nil {
			return nil, err
		}
		before := r.State
		if err := fn(r); err != nil {
			return nil, err
		}
		meta, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		fin := "0"
		if holdsBody(before) && !holdsBody(r.State) {
			fin = "1"
		}
		n, err := updateScript.Exec(ctx, s.c, []string{s.key("w", id), s.key("bytes"), s.key("stream")},
			[]string{old, string(meta), fin, strconv.FormatInt(r.Size, 10), consumerGroup, strconv.FormatInt(s.maxAge.Milliseconds(), 10)}).AsInt64()
		if err != nil {
			return nil, err
		}
		if n == 1 {
			return r, nil
		}
		if try == 10 {
			return nil, fmt.Errorf("record %s keeps changing under this update", id)
		}
	}
}

func (s *redisStore) remove(ctx context.Context, id string, fn func(*Record) error) error {
	for try := 0; ; try++ {
		old, r, err := s.read(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		size := int64(0)
		if holdsBody(r.State) {
			size = r.Size
		}
		n, err := removeScript.Exec(ctx, s.c, []string{s.key("w", id), s.key("bytes"), s.key("stream")},
			[]string{old, strconv.FormatInt(size, 10), consumerGroup}).AsInt64()
		if err != nil || n == 1 {
			return err
		}
		if try == 10 {
			return fmt.Errorf("record %s keeps changing under this removal", id)
		}
	}
}

func (s *redisStore) bytes(ctx context.Context) (int64, error) {
	n, err := s.c.Do(ctx, s.c.B().Get().Key(s.key("bytes")).Build()).AsInt64()
	if rueidis.IsRedisNil(err) {
		return 0, nil
	}
	return n, err
}

// purge has nothing to do: finished records expire in Redis by themselves.
func (s *redisStore) purge(context.Context, time.Time) error { return nil }

func (s *redisStore) describe() string { return "redis " + s.where }

func (s *redisStore) close() error {
	s.stop()
	<-s.done
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.lead.Swap(false) {
		_ = releaseScript.Exec(ctx, s.c, []string{s.key("lease")}, []string{s.consumer}).Error()
	}
	s.c.Close()
	return nil
}

// CheckStore checks a store URL as the config gives it (redis://, rediss:// or unix://).
func CheckStore(raw string) error {
	if _, err := rueidis.ParseURL(raw); err != nil {
		return fmt.Errorf("%q is neither disk nor a Redis URL (redis://host:port/db): %w", redact(raw), err)
	}
	return nil
}
