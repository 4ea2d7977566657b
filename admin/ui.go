package admin

import (
	"embed"
	"io/fs"
	"net/http"
)

// The inspector is plain HTML, CSS and JavaScript, embedded: no build step, nothing fetched
// from elsewhere.
//
//go:embed ui
var ui embed.FS

func uiFiles() http.Handler {
	sub, _ := fs.Sub(ui, "ui")
	return http.StripPrefix("/ui/", http.FileServerFS(sub))
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	b, err := ui.ReadFile("ui/index.html")
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
	_, _ = w.Write(b)
}
