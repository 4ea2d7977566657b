package main

import (
	"bytes"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
)

// The references in docs/ are the contract users read: these tests hold them to the code, both
// ways — every config field and flag is documented, and everything documented exists.

// docSection is one "## " section of a page: its heading and its table rows, each with the
// backquoted names of its first cell and the whole row.
type docSection struct {
	heading string
	rows    []docRow
}

type docRow struct {
	names []string
	text  string
}

var backquoted = regexp.MustCompile("`([^`]+)`")

func readSections(t *testing.T, path string) []docSection {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []docSection
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			out = append(out, docSection{heading: line[3:]})
		case strings.HasPrefix(line, "| ") && len(out) > 0:
			cells := strings.Split(line, " | ")
			if strings.HasPrefix(cells[0], "|---") {
				continue
			}
			r := docRow{text: line}
			for _, m := range backquoted.FindAllStringSubmatch(cells[0], -1) {
				r.names = append(r.names, m[1])
			}
			s := &out[len(out)-1]
			s.rows = append(s.rows, r)
		}
	}
	return out
}

// configFields lists every field of the config file as a path of yaml names ("origin_groups",
// "write_failover", "queue", "retry", "interval"), with the type it is in. Values written as one
// scalar or in a form of their own (durations, sizes, switches, query strings, policy name lists)
// are not descended into.
type configField struct {
	path []string
	in   reflect.Type
}

func configFields(t reflect.Type, prefix []string, out *[]configField) {
	leaf := map[reflect.Type]bool{
		reflect.TypeFor[config.Duration](): true, reflect.TypeFor[config.ByteSize](): true,
		reflect.TypeFor[config.Switch](): true, reflect.TypeFor[config.QueryStrings](): true,
		reflect.TypeFor[config.PolicyNames](): true,
	}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || leaf[t] {
		return
	}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		p := append(slices.Clone(prefix), name)
		*out = append(*out, configField{path: p, in: t})
		configFields(f.Type, p, out)
	}
}

// TestConfigReferenceMatchesTheConfig: every field of the config structs is in docs/config.md,
// and every field docs/config.md names in its tables exists.
func TestConfigReferenceMatchesTheConfig(t *testing.T) {
	sections := readSections(t, "../../docs/config.md")
	var fields []configField
	configFields(reflect.TypeFor[config.File](), nil, &fields)
	errorPage := reflect.TypeFor[config.ErrorPage]()

	// Where a field is documented: the section of its top-level field (relative names), the
	// error pages' section for an error page's fields, and the top level's table otherwise.
	sectionOf := func(f configField) (*docSection, []string) {
		if f.in == errorPage {
			for i := range sections {
				if strings.HasPrefix(sections[i].heading, "Error pages") {
					return &sections[i], f.path[len(f.path)-1:]
				}
			}
		}
		if len(f.path) > 1 {
			for i := range sections {
				for _, m := range backquoted.FindAllStringSubmatch(sections[i].heading, -1) {
					if strings.TrimSuffix(m[1], "[]") == f.path[0] {
						return &sections[i], f.path[1:]
					}
				}
			}
		}
		return &sections[0], f.path
	}
	known := map[string]bool{} // every field, as a section would name it
	for _, f := range fields {
		s, rel := sectionOf(f)
		known[s.heading+"\x00"+strings.Join(rel, ".")] = true
		// Documented as a row of its own, or named in the row of its nearest documented parent
		// ("{file, handler}", "[{name, file}]").
		// A section of fields ("ttl", "cors") is documented by its fields' rows.
		documented := s.rowUnder(strings.Join(rel, "."))
		for n := len(rel); n > 0 && !documented; n-- {
			row := s.row(strings.Join(rel[:n], "."))
			if row == nil {
				continue
			}
			documented = true
			for _, part := range rel[n:] {
				if !regexp.MustCompile(`\b` + regexp.QuoteMeta(part) + `\b`).MatchString(row.text) {
					documented = false
				}
			}
		}
		if !documented {
			t.Errorf("docs/config.md does not document %s (section %q)", strings.Join(f.path, "."), s.heading)
		}
	}
	for _, s := range sections {
		for _, r := range s.rows {
			for _, n := range r.names {
				if !known[s.heading+"\x00"+strings.TrimSuffix(n, "[]")] {
					t.Errorf("docs/config.md, section %q, documents %q, which is no config field", s.heading, n)
				}
			}
		}
	}
}

// rowUnder says whether a row documents a field inside name.
func (s *docSection) rowUnder(name string) bool {
	for _, r := range s.rows {
		for _, n := range r.names {
			if strings.HasPrefix(n, name+".") {
				return true
			}
		}
	}
	return false
}

func (s *docSection) row(name string) *docRow {
	for i, r := range s.rows {
		if slices.Contains(r.names, name) || slices.Contains(r.names, name+"[]") {
			return &s.rows[i]
		}
	}
	return nil
}

// TestConfigReferenceExampleIsAConfig: the example at the top of docs/config.md, which "uses
// them all", is made of real fields (decoded as strictly as a config file is).
func TestConfigReferenceExampleIsAConfig(t *testing.T) {
	b, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "```yaml\n")
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("no yaml example in docs/config.md")
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(example)))
	dec.KnownFields(true)
	var f config.File
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("the example of docs/config.md: %v", err)
	}
}

// flagLine matches a flag's line in the list a command's -h prints.
var flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// TestCommandReferenceMatchesTheFlags: every flag of every command is in docs/commands.md (in
// the command's row, or for serve and demo in their flags table), and every flag it gives a
// command exists.
func TestCommandReferenceMatchesTheFlags(t *testing.T) {
	b, err := os.ReadFile("../../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, flagsTable, _ := strings.Cut(doc, "## Flags of `serve` and `demo`")
	flagsTable, _, _ = strings.Cut(flagsTable, "\n## ")
	docFlag := regexp.MustCompile(`(?:^|[\s\[(|` + "`" + `])--?([a-z][a-z0-9-]*)`)
	for _, cmd := range []string{"serve", "demo", "validate", "invoke", "event", "test", "import", "invalidate"} {
		_, help, _ := runIn(t, cmd, "-h")
		var flags []string
		for _, m := range flagLine.FindAllStringSubmatch(help, -1) {
			flags = append(flags, m[1])
		}
		if len(flags) == 0 {
			t.Fatalf("hookfront %s -h lists no flags:\n%s", cmd, help)
		}
		// The command's rows: those of the commands table that start with it.
		var rows []string
		for _, line := range strings.Split(doc, "\n") {
			if strings.HasPrefix(line, "| `hookfront "+cmd+" ") || strings.HasPrefix(line, "| `hookfront "+cmd+"`") {
				rows = append(rows, line)
			}
		}
		if len(rows) == 0 {
			t.Fatalf("docs/commands.md has no row for hookfront %s", cmd)
		}
		documented := strings.Join(rows, "\n")
		if cmd == "serve" || cmd == "demo" { // their flags table: a row each
			documented = ""
			for _, row := range rows {
				documented += strings.SplitN(row, " | ", 2)[0] + "\n"
			}
			for _, line := range strings.Split(flagsTable, "\n") {
				documented += strings.SplitN(line, " | ", 2)[0] + "\n"
			}
		}
		for _, f := range flags {
			if !regexp.MustCompile(`--?` + regexp.QuoteMeta(f) + `(?:[^a-z0-9-]|$)`).MatchString(documented) {
				t.Errorf("docs/commands.md does not document hookfront %s --%s", cmd, f)
			}
		}
		// What the command's rows name as its flags (the first cell: its synopsis) exists.
		for _, row := range rows {
			synopsis := strings.SplitN(row, " | ", 2)[0]
			for _, m := range docFlag.FindAllStringSubmatch(synopsis, -1) {
				if !slices.Contains(flags, m[1]) {
					t.Errorf("docs/commands.md gives hookfront %s a flag --%s it does not have", cmd, m[1])
				}
			}
		}
		if cmd == "serve" {
			for _, line := range strings.Split(flagsTable, "\n") {
				if m := regexp.MustCompile("^\\| `--([a-z0-9-]+)").FindStringSubmatch(line); m != nil && !slices.Contains(flags, m[1]) {
					t.Errorf("docs/commands.md's flags table lists --%s, which serve does not have", m[1])
				}
			}
		}
	}
}
