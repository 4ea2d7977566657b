package writequeue

import (
	"context"
	"time"
)

// Stats is a group's queue now, as GET /api/queue and the metrics show it.
type Stats struct {
	Group      string  `json:"group"`
	Store      string  `json:"store"`
	Delivering bool    `json:"delivering"` // this replica runs the group's deliveries (Redis: holds the lease)
	Depth      int     `json:"depth"`      // writes waiting or being delivered
	Expired    int     `json:"expired"`    // given up after max_age, kept for a retry
	Bytes      int64   `json:"bytes"`      // what they count toward max_bytes
	MaxBytes   int64   `json:"max_bytes"`
	OldestAge  float64 `json:"oldest_age_seconds"` // of the writes waiting; 0 when none
	// Ended counts the writes that ended in this process since it started, by outcome:
	// delivered, rejected, expired.
	Ended   map[string]uint64 `json:"ended"`
	Pending []Summary         `json:"writes"` // the writes not finished, oldest first
	Error   string            `json:"error,omitempty"`
}

// Summary is one write in a list.
type Summary struct {
	ID          string    `json:"id"`
	State       string    `json:"state"`
	Method      string    `json:"method"`
	URI         string    `json:"uri"`
	Received    time.Time `json:"received"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

// Stats reports every group's queue; limit bounds each group's list of writes.
func (m *Manager) Stats(ctx context.Context, limit int) []Stats {
	out := make([]Stats, 0, len(m.order))
	for _, g := range m.order {
		out = append(out, m.queues[g].stats(ctx, limit))
	}
	return out
}

func (q *queue) stats(ctx context.Context, limit int) Stats {
	s := Stats{Group: q.cfg.Group, Store: q.st.describe(), Delivering: q.st.leading(), MaxBytes: q.cfg.MaxBytes, Pending: []Summary{},
		Ended: map[string]uint64{Delivered: q.delivered.Load(), Rejected: q.rejected.Load(), Expired: q.expired.Load()}}
	recs, err := q.st.pending(ctx)
	if err == nil {
		s.Bytes, err = q.st.bytes(ctx)
	}
	if err != nil {
		s.Error = err.Error()
		return s
	}
	now := time.Now()
	for _, r := range recs {
		if r.State == Expired {
			s.Expired++
		} else {
			s.Depth++
			if age := now.Sub(r.Received).Seconds(); age > s.OldestAge {
				s.OldestAge = age
			}
		}
		if len(s.Pending) < limit {
			s.Pending = append(s.Pending, Summary{ID: r.ID, State: r.State, Method: r.Method, URI: r.URI, Received: r.Received,
				Attempts: r.Attempts, NextAttempt: r.NextAttempt, LastError: r.LastError})
		}
	}
	return s
}
