package writequeue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hookfront/hookfront/admin"
)

// Mount adds the queue's admin API with handle (admin.Server.Handle, behind the admin token):
//
//	GET    /api/queue              every group: depth, bytes, oldest age, the writes not finished
//	GET    /api/queue/{id}         one write: state, attempts, last error, final status
//	POST   /api/queue/{id}/retry   send a queued write now; give an expired one another max_age
//	DELETE /api/queue/{id}         remove a write (not while it is being delivered)
func (m *Manager) Mount(handle func(pattern string, h http.Handler)) {
	handle("GET /api/queue", http.HandlerFunc(m.list))
	handle("GET /api/queue/{id}", http.HandlerFunc(m.show))
	handle("POST /api/queue/{id}/retry", http.HandlerFunc(m.retry))
	handle("DELETE /api/queue/{id}", http.HandlerFunc(m.remove))
}

const maxList = 1000

// apiTimeout bounds what one admin request waits for the store: a request's context lasts as
// long as its client waits, so a Redis that does not answer (unreachable, stalled) would hold
// the request instead of letting it say why. Retries of a read cut off are off (see openRedis).
const apiTimeout = 5 * time.Second

func bounded(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), apiTimeout)
}

func (m *Manager) list(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxList {
			admin.WriteError(w, http.StatusBadRequest, fmt.Sprintf("limit must be a number from 0 to %d, not %q", maxList, v))
			return
		}
		limit = n
	}
	ctx, cancel := bounded(r)
	defer cancel()
	admin.WriteJSON(w, http.StatusOK, map[string]any{"groups": m.Stats(ctx, limit)})
}

func (m *Manager) show(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := bounded(r)
	defer cancel()
	id := r.PathValue("id")
	rec, err := m.Get(ctx, id)
	reply(w, id, rec, err)
}

func (m *Manager) retry(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := bounded(r)
	defer cancel()
	id := r.PathValue("id")
	rec, err := m.Retry(ctx, id)
	reply(w, id, rec, err)
}

func (m *Manager) remove(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := bounded(r)
	defer cancel()
	id := r.PathValue("id")
	if err := m.Delete(ctx, id); err != nil {
		reply(w, id, nil, err)
		return
	}
	admin.WriteJSON(w, http.StatusOK, map[string]string{"deleted": id})
}

func reply(w http.ResponseWriter, id string, rec *Record, err error) {
	var c *errConflict
	switch {
	case errors.Is(err, errUnknown):
		admin.WriteError(w, http.StatusNotFound, "no queued write "+strconv.Quote(id)+" (unknown, or finished longer ago than max_age)")
	case errors.As(err, &c):
		admin.WriteError(w, http.StatusConflict, c.msg)
	case err != nil:
		admin.WriteError(w, http.StatusServiceUnavailable, err.Error())
	default:
		admin.WriteJSON(w, http.StatusOK, rec)
	}
}
