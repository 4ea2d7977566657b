// Package accesslog writes access logs beyond the edge's own slog line: the output they go to
// (a file reopened on demand, for logrotate, or standard output) and CloudFront's standard log
// format, made from the same edge.Summary as traces and metrics.
package accesslog

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// Output is where access-log lines go: a file, reopened by Reopen after logrotate moved it, or
// standard output. Each Write is one line, written whole under a lock, so lines of concurrent
// requests never interleave.
type Output struct {
	path   string // "" for standard output
	header []byte // written at the top of every new (empty) file

	mu sync.Mutex
	w  io.Writer
	f  *os.File // nil for standard output
}

// Open opens path for appending (creating it), or standard output when path is "" or "-".
// header, when given, starts every file that is empty when opened (CloudFront's #Version and
// #Fields lines); on standard output it is written once.
func Open(path string, header []byte, stdout io.Writer) (*Output, error) {
	o := &Output{header: header}
	if path == "" || path == "-" {
		o.w = stdout
		if len(header) > 0 {
			if _, err := stdout.Write(header); err != nil {
				return nil, fmt.Errorf("writing the access log header: %w", err)
			}
		}
		return o, nil
	}
	o.path = path
	f, err := o.open()
	if err != nil {
		return nil, err
	}
	o.w, o.f = f, f
	return o, nil
}

func (o *Output) open() (*os.File, error) {
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening the access log: %w", err)
	}
	if len(o.header) > 0 {
		if st, err := f.Stat(); err == nil && st.Size() == 0 {
			if _, err := f.Write(o.header); err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("writing the access log header: %w", err)
			}
		}
	}
	return f, nil
}

// Path is the file written, "" for standard output.
func (o *Output) Path() string { return o.path }

// Write writes one line.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w.Write(p)
}

// Reopen opens the file again by its path and closes the old one: after logrotate renamed it,
// the next lines go to a new file. On error the old file stays in use. Standard output is not
// reopened.
func (o *Output) Reopen() error {
	if o.path == "" {
		return nil
	}
	f, err := o.open()
	if err != nil {
		return err
	}
	o.mu.Lock()
	old := o.f
	o.w, o.f = f, f
	o.mu.Unlock()
	return old.Close()
}

// Close closes the file.
func (o *Output) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.w, o.f = io.Discard, nil
	return err
}
