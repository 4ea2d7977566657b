package testrun

import (
	"encoding/json"
	"io"
	"time"
)

// jsonReport is what --json prints: one object for the run.
type jsonReport struct {
	Passed     int        `json:"passed"`
	Failed     int        `json:"failed"`
	DurationMS float64    `json:"duration_ms"`
	Cases      []jsonCase `json:"cases"`
}

type jsonCase struct {
	File       string    `json:"file"`
	Line       int       `json:"line"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	Passed     bool      `json:"passed"`
	DurationMS float64   `json:"duration_ms"`
	Failures   []failure `json:"failures,omitempty"`
	Notes      []string  `json:"notes,omitempty"`
	Console    []string  `json:"console,omitempty"`
}

func writeJSON(w io.Writer, rs []*result, took time.Duration) error {
	out := jsonReport{DurationMS: ms(took), Cases: []jsonCase{}}
	out.Passed, out.Failed = count(rs)
	for _, r := range rs {
		c := jsonCase{File: r.File, Line: r.Line, Name: r.Name, Kind: r.Kind, Passed: r.passed(),
			DurationMS: ms(r.Duration), Failures: r.Failures, Notes: r.Notes}
		for _, l := range r.Console {
			c.Console = append(c.Console, l.String())
		}
		out.Cases = append(out.Cases, c)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
