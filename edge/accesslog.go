package edge

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// accessLog writes the access log as one slog record per request ("request", with id, method,
// path, status, x_cache, behavior, duration, attempts, generation, note), text or JSON as its
// logger's handler makes it. It is an Observer like traces and metrics, so the line is made from
// the same Summary they see; other formats (CloudFront's) are other Observers.
type accessLog struct{ log *slog.Logger }

// Observe follows every request while the logger writes info records; it keeps no state per
// request, so it is its own Recorder.
func (a *accessLog) Observe(_ string, _ time.Time, r *http.Request) Recorder {
	if !a.log.Enabled(r.Context(), slog.LevelInfo) {
		return nil
	}
	return a
}

// BorrowsSummary: the line is written during End.
func (a *accessLog) BorrowsSummary() {}

func (a *accessLog) Detail() Detail  { return DetailSteps }
func (a *accessLog) Hook(HookStep)   {}
func (a *accessLog) Cache(CacheStep) {}
func (a *accessLog) Page(PageStep)   {}

// End writes the request's line.
func (a *accessLog) End(s *Summary) {
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("id", s.ID),
		slog.String("method", s.Method),
		slog.String("path", s.Path),
		slog.Int("status", s.Status),
		slog.String("x_cache", s.XCache),
		slog.String("behavior", s.Behavior),
		slog.Duration("duration", s.Duration),
	)
	if len(s.Attempts) > 0 {
		attrs = append(attrs, slog.String("attempts", FormatAttempts(s.Attempts)))
	}
	if s.Generation != 0 {
		attrs = append(attrs, slog.Int64("generation", s.Generation))
	}
	if s.Note != "" {
		attrs = append(attrs, slog.String("note", s.Note))
	}
	a.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// FormatAttempts renders attempts as the access log shows them:
// "primary 503 12ms (failover: status 503), backup 200 3ms"; a member origin health skipped
// reads "primary skipped: ejected".
func FormatAttempts(as []AttemptStep) string {
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteString(", ")
		}
		if a.Page {
			b.WriteString("page:")
		}
		b.WriteString(a.Origin)
		b.WriteByte(' ')
		if a.Skipped != "" {
			b.WriteString("skipped: ")
			b.WriteString(a.Skipped)
			continue
		}
		if a.Error != "" {
			b.WriteString(a.Error)
		} else {
			b.WriteString(strconv.Itoa(a.Status))
		}
		b.WriteByte(' ')
		b.WriteString(a.Duration.Round(time.Microsecond).String())
		if a.Failover != "" {
			b.WriteString(" (failover: ")
			b.WriteString(a.Failover)
			b.WriteByte(')')
		}
		if a.Stop != "" {
			b.WriteString(" (no failover: ")
			b.WriteString(a.Stop)
			b.WriteByte(')')
		}
	}
	return b.String()
}
