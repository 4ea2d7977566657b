package edge

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// borrower counts requests from their summaries and keeps nothing (as metrics do).
type borrower struct{ ends int }

func (b *borrower) Observe(string, time.Time, *http.Request) Recorder { return b }
func (b *borrower) BorrowsSummary()                                   {}
func (b *borrower) Detail() Detail                                    { return DetailSteps }
func (b *borrower) Hook(HookStep)                                     {}
func (b *borrower) Cache(CacheStep)                                   {}
func (b *borrower) Page(PageStep)                                     {}
func (b *borrower) End(s *Summary) {
	if s.ID != "" && s.Status == 200 {
		b.ends++
	}
}

// keeper keeps the summaries (as traces do).
type keeper struct{ kept []*Summary }

func (k *keeper) Observe(string, time.Time, *http.Request) Recorder { return k }
func (k *keeper) Detail() Detail                                    { return DetailSteps }
func (k *keeper) Hook(HookStep)                                     {}
func (k *keeper) Cache(CacheStep)                                   {}
func (k *keeper) Page(PageStep)                                     {}
func (k *keeper) End(s *Summary)                                    { k.kept = append(k.kept, s) }

// A Summary that every recorder only borrows is reused: metrics cost a hit no allocation of
// their own; one that a recorder keeps is its own and never changes afterwards.
func TestBorrowedSummariesAreReused(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "x")
	})
	serve := func(obs ...Observer) (*Server, func()) {
		d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{behavior(t, "*", "o")}}
		s, err := NewServer(d, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})), Observers: obs})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "http://edge.test/a", nil)
		w := &discardWriter{h: http.Header{}}
		return s, func() { clear(w.h); s.ServeHTTP(w, req) }
	}
	idCounter.Store(1 << 40)
	_, none := serve()
	none()
	b := &borrower{}
	_, borrowed := serve(b)
	borrowed()
	if n, m := testing.AllocsPerRun(200, none), testing.AllocsPerRun(200, borrowed); m > n {
		t.Fatalf("a hit allocates %v with a borrowing observer, %v without observers", m, n)
	}
	if b.ends != 202 {
		t.Fatalf("the borrower saw %d summaries", b.ends)
	}

	k := &keeper{}
	_, both := serve(&borrower{}, k)
	both()
	both()
	if len(k.kept) != 2 || k.kept[0] == k.kept[1] || k.kept[0].ID == "" || k.kept[0].ID == k.kept[1].ID || k.kept[0].Status != 200 {
		t.Fatalf("kept summaries: %+v", k.kept)
	}
}
