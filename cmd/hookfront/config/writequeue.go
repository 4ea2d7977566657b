package config

import (
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/writequeue"
)

// WriteQueue is write_failover.queue: writes no member processed are kept and delivered later.
type WriteQueue struct {
	Store          string   `yaml:"store"` // disk (default) or redis://…
	Dir            string   `yaml:"dir"`
	MaxBytes       ByteSize `yaml:"max_bytes"`
	MaxAge         Duration `yaml:"max_age"`
	Retry          Retry    `yaml:"retry"`
	AcceptedStatus int      `yaml:"accepted_status"`
	OrderBy        string   `yaml:"order_by"`
}

// Retry is a queue's delivery schedule.
type Retry struct {
	Interval    Duration `yaml:"interval"`
	MaxInterval Duration `yaml:"max_interval"`
}

// Write queue defaults.
const (
	DefaultQueueDir         = "data/queue"
	DefaultQueueMaxBytes    = 1 << 30
	DefaultQueueMaxAge      = 24 * time.Hour
	DefaultQueueInterval    = 2 * time.Second
	DefaultQueueMaxInterval = 5 * time.Minute
)

func (c *Config) validateWriteQueue(ck *checker, at string, q *WriteQueue) {
	if q == nil {
		return
	}
	switch q.Store {
	case "":
		q.Store = "disk"
	case "disk":
	default:
		if err := writequeue.CheckStore(q.Store); err != nil {
			ck.errorf(at+".store", "%v", err)
		}
	}
	switch {
	case q.Store == "disk" && q.Dir == "":
		q.Dir = DefaultQueueDir
	case q.Store != "disk" && q.Dir != "":
		ck.warnf(at+".dir", "only a disk store keeps its writes in dir; this queue is in Redis")
	}
	if q.MaxBytes == 0 {
		q.MaxBytes = DefaultQueueMaxBytes
	} else if q.MaxBytes < 0 {
		ck.errorf(at+".max_bytes", "must be more than 0")
	}
	defaultDur(&q.MaxAge, DefaultQueueMaxAge)
	rangeCheck(ck, at+".max_age", q.MaxAge.Duration, time.Second, 365*24*time.Hour)
	defaultDur(&q.Retry.Interval, DefaultQueueInterval)
	defaultDur(&q.Retry.MaxInterval, max(DefaultQueueMaxInterval, q.Retry.Interval.Duration))
	rangeCheck(ck, at+".retry.interval", q.Retry.Interval.Duration, time.Millisecond, time.Hour)
	if q.Retry.MaxInterval.Duration < q.Retry.Interval.Duration {
		ck.errorf(at+".retry.max_interval", "%v is shorter than retry.interval (%v)", q.Retry.MaxInterval.Duration, q.Retry.Interval.Duration)
	}
	if q.AcceptedStatus == 0 {
		q.AcceptedStatus = 202
	} else if q.AcceptedStatus < 200 || q.AcceptedStatus > 299 {
		ck.errorf(at+".accepted_status", "%d is not a 2xx status", q.AcceptedStatus)
	}
	if q.OrderBy != "" && !headerName.MatchString(q.OrderBy) {
		ck.errorf(at+".order_by", "%q is not a header name", q.OrderBy)
	}
}

// edge is what the edge itself needs of the queue.
func (q *WriteQueue) edge() *edge.QueueSettings {
	if q == nil {
		return nil
	}
	return &edge.QueueSettings{AcceptedStatus: q.AcceptedStatus}
}

// WriteQueues are the queues of the groups that have one.
func (c *Config) WriteQueues() []writequeue.Config {
	var out []writequeue.Config
	for _, g := range c.OriginGroups {
		if g.WriteFailover == nil || g.WriteFailover.Queue == nil {
			continue
		}
		q := g.WriteFailover.Queue
		wc := writequeue.Config{Group: g.ID, Store: q.Store, MaxBytes: int64(q.MaxBytes), MaxAge: q.MaxAge.Duration,
			Interval: q.Retry.Interval.Duration, MaxInterval: q.Retry.MaxInterval.Duration, OrderBy: q.OrderBy}
		if q.Store == "disk" {
			wc.Dir = c.Resolve(q.Dir)
		}
		out = append(out, wc)
	}
	return out
}
