package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/trace"
)

// maxList is the most summaries one /api/requests answer carries.
const maxList = 1000

func (s *Server) requests(w http.ResponseWriter, r *http.Request) {
	q := trace.Query{Limit: 100, Path: r.URL.Query().Get("path"), Status: r.URL.Query().Get("status")}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxList {
			WriteError(w, http.StatusBadRequest, fmt.Sprintf("limit must be a number from 1 to %d, not %q", maxList, v))
			return
		}
		q.Limit = n
	}
	if st := q.Status; st != "" && !validStatus(st) {
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("status must be a status code (503) or a class (5xx), not %q", st))
		return
	}
	out := struct {
		Tracing  bool                `json:"tracing"`
		Held     int                 `json:"held"`
		Requests []trace.SummaryJSON `json:"requests"`
	}{Requests: []trace.SummaryJSON{}}
	if s.opt.Traces != nil {
		out.Tracing = true
		out.Held = len(s.opt.Traces.List(trace.Query{}))
		for _, t := range s.opt.Traces.List(q) {
			out.Requests = append(out.Requests, t.SummaryJSON())
		}
	}
	WriteJSON(w, http.StatusOK, out)
}

func validStatus(s string) bool {
	if len(s) != 3 || s[0] < '1' || s[0] > '5' {
		return false
	}
	if s[1:] == "xx" {
		return true
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

func (s *Server) request(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.opt.Traces == nil {
		WriteError(w, http.StatusNotFound, "tracing is off (admin.trace: off)")
		return
	}
	t := s.opt.Traces.Get(id)
	if t == nil {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("no trace of request %q: unknown, or older than the last %d requests kept (admin.trace_requests)", id, s.opt.Traces.Size()))
		return
	}
	WriteJSON(w, http.StatusOK, t.JSON())
}

func (s *Server) hooks(w http.ResponseWriter, r *http.Request) {
	st := HooksState{Behaviors: []BehaviorHooks{}, Unbound: []string{}}
	if s.opt.Hooks != nil {
		st = s.opt.Hooks()
	}
	s.mu.Lock()
	if rl, ok := s.last["hooks"]; ok && !rl.OK {
		st.LastError = &rl
	}
	if rl, ok := s.last["config"]; ok && !rl.OK {
		st.ConfigError = &rl
	}
	s.mu.Unlock()
	WriteJSON(w, http.StatusOK, st)
}

// maxInvalidationBody bounds the request body of an invalidation (3000 paths of 4000 characters
// would be 12 MB; real lists are far shorter).
const maxInvalidationBody = 4 << 20

func (s *Server) invalidations(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Paths []string `json:"paths"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxInvalidationBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxInvalidationBody))
			return
		}
		WriteError(w, http.StatusBadRequest, `the body must be JSON: {"paths": ["/a.html", "/img/*"]} (`+err.Error()+")")
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		WriteError(w, http.StatusBadRequest, `the body must be one JSON object: {"paths": [...]}`)
		return
	}
	invalidate := s.opt.Invalidate
	if invalidate == nil { // no cache: nothing to remove, but the paths are checked all the same
		invalidate = func(paths []string) (int, error) { _, err := edge.ParseInvalidation(paths); return 0, err }
	}
	n, err := invalidate(body.Paths)
	var se *edge.SharedError
	switch {
	case errors.As(err, &se): // done here; the other replicas get it when the shared cache is back
		s.opt.Log.Warn("cache invalidated here only", "paths", len(body.Paths), "removed", n, "error", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error(), "removed": n})
		return
	case err != nil:
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.opt.Log.Info("cache invalidated", "paths", len(body.Paths), "removed", n)
	WriteJSON(w, http.StatusOK, map[string]int{"removed": n})
}
