package testrun

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"time"
)

// JUnit XML as Jenkins' junit-4.xsd (the schema of the JUnit and xUnit plugins) describes it:
// testsuites > testsuite (one per test file) > testcase, with failure and system-out.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Hostname  string      `xml:"hostname,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	SystemOut *junitText    `xml:"system-out"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// junitText is text kept as written (CDATA), so that multi-line output stays readable.
type junitText struct {
	Text string `xml:",cdata"`
}

// writeJUnit writes the results to f, replacing what it held (watch mode writes it each run).
func writeJUnit(f *os.File, rs []*result, took time.Duration) error {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05")
	out := junitSuites{Name: "hookfront test", Time: seconds(took)}
	index := map[string]int{}
	for _, r := range rs {
		i, ok := index[r.File]
		if !ok {
			i = len(out.Suites)
			index[r.File] = i
			out.Suites = append(out.Suites, junitSuite{Name: r.File, Timestamp: now, Hostname: host})
		}
		s := &out.Suites[i]
		c := junitCase{Name: r.Name, Classname: r.File, Time: seconds(r.Duration)}
		if !r.passed() {
			c.Failure = &junitFailure{Message: failureMessage(r), Type: r.Kind, Text: strings.Join(failureLines(r), "\n")}
			s.Failures++
			out.Failures++
		}
		var console []string
		for _, l := range r.Console {
			console = append(console, l.String())
		}
		if len(console) > 0 {
			c.SystemOut = &junitText{strings.Join(console, "\n")}
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
		out.Tests++
	}
	for i := range out.Suites {
		var d time.Duration
		for _, r := range rs {
			if r.File == out.Suites[i].Name {
				d += r.Duration
			}
		}
		out.Suites[i].Time = seconds(d)
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.Seek(0, 0); err != nil {
		return err
	}
	if _, err := f.WriteString(xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(f)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := f.WriteString("\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// failureMessage is the first failure in one line.
func failureMessage(r *result) string {
	f := r.Failures[0]
	if f.Path == "" {
		return oneLine(f.Message)
	}
	return fmt.Sprintf("%s: expected %s, got %s", f.Path, f.Expected, f.Got)
}
