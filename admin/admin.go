// Package admin is hookfront's admin listener: everything that is not viewer traffic, on its own
// address. It serves the inspector page, the JSON API over request traces, hooks and cache
// invalidation, and the live event stream; other parts (metrics, health, readiness) mount their
// handlers on the same listener with Handle. It is a package of its own, not part of the edge or
// of the command, because several commands share it (serve, demo, and later test) and because the
// viewer path must never reach it: the edge knows nothing of these paths.
package admin

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hookfront/hookfront/edge/trace"
)

// Options configure the admin handler.
type Options struct {
	// Token, when set, is required on every request (Authorization: Bearer, or the cookie that
	// /?token= sets).
	Token string
	// Traces are the request traces; nil when tracing is off.
	Traces *trace.Ring
	// Hooks reports the serving hooks generation; nil when there is no hooks folder.
	Hooks func() HooksState
	// Invalidate removes cached responses by CloudFront invalidation paths; nil without a cache.
	Invalidate func(paths []string) (int, error)
	Log        *slog.Logger
}

// Server is the admin HTTP handler.
type Server struct {
	opt    Options
	mux    *http.ServeMux
	public *http.ServeMux // endpoints without the token rule (HandlePublic)

	mu       sync.Mutex
	last     map[string]Reload // the last reload of each kind
	watchers map[*reloadWatcher]bool
}

// New builds the admin handler.
func New(opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	s := &Server{opt: opt, mux: http.NewServeMux(), public: http.NewServeMux(), last: map[string]Reload{}, watchers: map[*reloadWatcher]bool{}}
	s.mux.HandleFunc("GET /{$}", s.page)
	s.mux.Handle("GET /ui/", uiFiles())
	s.mux.HandleFunc("GET /api/requests", s.requests)
	s.mux.HandleFunc("GET /api/requests/{id}", s.request)
	s.mux.HandleFunc("GET /api/events", s.events)
	s.mux.HandleFunc("GET /api/hooks", s.hooks)
	s.mux.HandleFunc("POST /api/invalidations", s.invalidations)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path)
	})
	return s
}

// Handle mounts another admin endpoint (/metrics, /api/health, …) behind the same token rule.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// HandlePublic mounts an endpoint that answers without the token: liveness and readiness,
// which tell nothing but "ok" and which orchestrators probe without secrets.
func (s *Server) HandlePublic(pattern string, h http.Handler) { s.public.Handle(pattern, h) }

// ServeHTTP checks the request's name and origin and the token, then serves the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, pattern := s.public.Handler(r); pattern != "" {
		h.ServeHTTP(w, r)
		return
	}
	if !s.addressedHere(w, r) || !sameOrigin(w, r) || !s.authorized(w, r) {
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// WriteJSON answers v as JSON, uncached: the admin API's answers, also those of the endpoints
// other parts mount (Handle).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError answers the admin API's error shape: {"error": "reason"}.
func WriteError(w http.ResponseWriter, status int, reason string) {
	WriteJSON(w, status, map[string]string{"error": reason})
}

// Reload is the outcome of a hooks or config reload, as /api/events and /api/hooks show it.
type Reload struct {
	Kind       string    `json:"kind"` // hooks or config
	OK         bool      `json:"ok"`
	Time       time.Time `json:"time"`
	Why        string    `json:"why,omitempty"`
	Generation int64     `json:"generation,omitempty"` // the hooks generation serving after it
	Files      []string  `json:"files,omitempty"`      // files the reload saw changed
	TookMS     float64   `json:"took_ms,omitempty"`
	Error      string    `json:"error,omitempty"`
	Problems   []Problem `json:"problems,omitempty"` // one per file:line:column
	// CacheEmptied says the reload changed origin-hook code and emptied the cache
	// (watch.invalidate_on_reload); CacheRemoved is how many responses went.
	CacheEmptied bool `json:"cache_emptied,omitempty"`
	CacheRemoved int  `json:"cache_removed,omitempty"`
}

// Problem is one error of a reload, where it is.
type Problem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// HooksState is the serving hooks generation, as /api/hooks shows it.
type HooksState struct {
	Dir        string          `json:"dir"`
	Generation int64           `json:"generation"`
	Behaviors  []BehaviorHooks `json:"behaviors"`
	Unbound    []string        `json:"unbound"` // script files bound to no trigger (they may be required)
	// LastError is the last hooks reload when it failed: the newest save does not load, and the
	// generation above keeps serving. ConfigError is the same for the config file.
	LastError   *Reload `json:"last_error"`
	ConfigError *Reload `json:"config_error"`
}

// BehaviorHooks are the hooks of one behavior.
type BehaviorHooks struct {
	Behavior string      `json:"behavior"`
	Hooks    []BoundHook `json:"hooks"`
}

// BoundHook is one trigger's hook.
type BoundHook struct {
	Trigger string `json:"trigger"`
	File    string `json:"file"`
	Handler string `json:"handler"`
}
