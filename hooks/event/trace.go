package event

import (
	"log/slog"
	"strconv"
	"unicode/utf8"
)

// CallTrace is what one hook call tells a trace beyond what the edge sees: which file and
// handler ran, what it printed and, on failure, where. The edge passes one in Config.Trace when
// it traces a request (nil otherwise, so an untraced call does no extra work), and the hooks
// package fills it. It is plain data: the edge records it without knowing about JavaScript.
type CallTrace struct {
	// Full asks for EventJSON and ResultJSON as well (admin.trace: full).
	Full bool

	File    string
	Handler string
	Console []ConsoleLine
	// ConsoleDropped counts the bytes of console output not kept (over the limits below).
	ConsoleDropped int
	consoleBytes   int

	// Error details of a failed call (Class is also known to the edge; the position is not).
	ErrorClass   string
	ErrorMessage string
	ErrorFile    string
	ErrorLine    int
	ErrorColumn  int

	// EventJSON and ResultJSON are the event the hook received and what it returned, with long
	// strings (bodies) cut at FullBodyLimit; only with Full.
	EventJSON  []byte
	ResultJSON []byte
}

// ConsoleLine is one console call of a hook.
type ConsoleLine struct {
	Level string // log, info, debug, warn, error
	Text  string
}

// Limits of what one call's trace keeps, so that a hook printing megabytes cannot make the trace
// ring grow with it.
const (
	MaxConsoleBytes = 16 << 10 // console text kept per call
	MaxConsoleLines = 200
	FullBodyLimit   = 4 << 10 // strings longer than this in EventJSON/ResultJSON are cut
)

// ConsoleLine records one line the hook printed; beyond the limits, text is cut and counted.
// It satisfies the runtime's console sink.
func (t *CallTrace) ConsoleLine(level slog.Level, text string) {
	room := MaxConsoleBytes - t.consoleBytes
	if room <= 0 || len(t.Console) >= MaxConsoleLines {
		t.ConsoleDropped += len(text)
		return
	}
	if len(text) > room {
		for room > 0 && !utf8.RuneStart(text[room]) {
			room--
		}
		t.ConsoleDropped += len(text) - room
		text = text[:room] + "… (" + strconv.Itoa(len(text)-room) + " more bytes not kept)"
	}
	t.consoleBytes += len(text)
	t.Console = append(t.Console, ConsoleLine{Level: levelName(level), Text: text})
}

func levelName(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warn"
	case l >= slog.LevelInfo:
		return "info"
	}
	return "debug"
}
