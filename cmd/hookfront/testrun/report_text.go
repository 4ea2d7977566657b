package testrun

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// textReport prints one line per case as it finishes, the failures of a failed case readably,
// and a closing count.
type textReport struct{ w io.Writer }

func (t *textReport) caseDone(r *result) {
	status := "ok  "
	if !r.passed() {
		status = "FAIL"
	}
	fmt.Fprintf(t.w, "%s  %s: %s (%s)\n", status, r.File, r.Name, round(r.Duration))
	if r.passed() {
		return
	}
	for _, l := range failureLines(r) {
		fmt.Fprintf(t.w, "      %s\n", l)
	}
	if len(r.Console) > 0 {
		fmt.Fprintln(t.w, "      console:")
		for _, l := range r.Console {
			fmt.Fprintf(t.w, "        | %s\n", l)
		}
	}
}

func (t *textReport) summary(rs []*result, took time.Duration) {
	passed, failed := count(rs)
	fmt.Fprintf(t.w, "%d passed, %d failed (%s)\n", passed, failed, round(took))
}

func count(rs []*result) (passed, failed int) {
	for _, r := range rs {
		if r.passed() {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// failureLines are a failed case's failures, as the text report and JUnit's failure text
// show them.
func failureLines(r *result) []string {
	lines := []string{fmt.Sprintf("at %s:%d", r.File, r.Line)}
	for _, f := range r.Failures {
		if f.Path == "" {
			lines = append(lines, strings.Split(f.Message, "\n")...)
			continue
		}
		lines = append(lines, f.Path, "  expected: "+f.Expected, "  got:      "+f.Got)
	}
	for _, n := range r.Notes {
		lines = append(lines, "("+n+")")
	}
	return lines
}
