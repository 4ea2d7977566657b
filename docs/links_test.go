// Package docs_test keeps the links between README.md and docs/*.md working. It sits beside the
// pages it checks, needs nothing built, and runs in a moment; moving a section from one page to
// another breaks its #anchor silently on GitHub, and this is where that shows.
package docs_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// Every relative link and #anchor in the README and docs/*.md resolves: the file exists, and the
// anchor is a heading of the page it points into.
func TestLinksResolve(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{filepath.Join("..", "README.md")}, pages...)
	if len(pages) < 2 {
		t.Fatalf("no pages in docs/: %v", pages)
	}
	for _, problem := range brokenLinks(t, pages) {
		t.Error(problem)
	}
}

// The checker finds what is broken, and only that.
func TestBrokenLinksAreFound(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("b.md", "# Other page\n\n## The `write_failover` rules, and more!\n\n## Same\n\n## Same\n")
	write("img.png", "")
	a := write("a.md", strings.Join([]string{
		"# A page",
		"## Quick start: `hookfront test`",
		"[fine](#quick-start-hookfront-test) [fine](b.md#the-write_failover-rules-and-more)",
		"[fine](b.md#same-1) [fine](b.md) ![fine](img.png) [fine](https://example.com/#nope)",
		"[a link whose text",
		"spans two lines](#a-page) and `[code](#not-a-link)`, `` [code](#nor-this) ``",
		"```sh",
		"# not a heading",
		"[fenced](#not-a-link-either)",
		"```",
		"[broken anchor](#quick-start) [broken anchor](b.md#same-2)",
		"[missing file](missing.md#a) ![missing image](missing.png)",
		"[from a fence](#not-a-heading)",
		"[ref]: c.md",
	}, "\n")+"\n")
	got := brokenLinks(t, []string{a})
	want := []string{
		a + ":11: #quick-start: no such heading in " + a,
		a + ":11: b.md#same-2: no such heading in " + filepath.Join(dir, "b.md"),
		a + ":12: missing.md#a: " + filepath.Join(dir, "missing.md") + " does not exist",
		a + ":12: missing.png: " + filepath.Join(dir, "missing.png") + " does not exist",
		a + ":13: #not-a-heading: no such heading in " + a,
		a + ":14: c.md: " + filepath.Join(dir, "c.md") + " does not exist",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

var (
	fence   = regexp.MustCompile("^ {0,3}(```|~~~)")
	heading = regexp.MustCompile(`^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`)
	// An inline link or image: [text](target "title"); the text may hold one level of brackets
	// and run over lines.
	inline = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^()\s<>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// A link reference definition: [label]: target.
	reference = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s<>]+)>?`)
	// Markdown that GitHub drops from a heading's text before making its anchor.
	headingLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// brokenLinks lists, as "page:line: target: why", every relative link of pages that does not
// resolve. Links to other sites are not followed.
func brokenLinks(t *testing.T, pages []string) []string {
	t.Helper()
	anchors := map[string]map[string]bool{}
	anchorsOf := func(page string) (map[string]bool, error) {
		if a, ok := anchors[page]; ok {
			return a, nil
		}
		text, err := os.ReadFile(page)
		if err != nil {
			return nil, err
		}
		a := headingAnchors(string(text))
		anchors[page] = a
		return a, nil
	}
	var problems []string
	for _, page := range pages {
		raw, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		text := withoutCode(string(raw))
		var targets [][]int
		targets = append(targets, inline.FindAllStringSubmatchIndex(text, -1)...)
		targets = append(targets, reference.FindAllStringSubmatchIndex(text, -1)...)
		for _, m := range targets {
			target := text[m[2]:m[3]]
			line := strings.Count(text[:m[0]], "\n") + 1
			if why := resolve(page, target, anchorsOf); why != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", page, line, target, why))
			}
		}
	}
	return problems
}

// resolve says why target, a link in page, does not resolve, or "" when it does.
func resolve(page, target string, anchorsOf func(string) (map[string]bool, error)) string {
	if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	path, fragment, _ := strings.Cut(target, "#")
	file := page
	if path != "" {
		p, err := url.PathUnescape(path)
		if err != nil {
			return err.Error()
		}
		file = filepath.Join(filepath.Dir(page), filepath.FromSlash(p))
		if _, err := os.Stat(file); err != nil {
			return file + " does not exist"
		}
	}
	if fragment == "" || !strings.HasSuffix(file, ".md") {
		return ""
	}
	a, err := anchorsOf(file)
	if err != nil {
		return err.Error()
	}
	if f, err := url.PathUnescape(fragment); err != nil || !a[f] {
		return "no such heading in " + file
	}
	return ""
}

// headingAnchors are the anchors GitHub gives the headings of a page: the heading's text,
// lower-cased, spaces turned to "-", punctuation other than "-" and "_" removed; a repeated
// anchor gets "-1", "-2", ….
func headingAnchors(text string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	inFence := false
	for _, line := range strings.Split(text, "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		m := heading.FindStringSubmatch(line)
		if inFence || m == nil {
			continue
		}
		slug := slugify(m[1])
		if n := seen[slug]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors
}

func slugify(heading string) string {
	heading = headingLink.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-', unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.Pc):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// withoutCode blanks fenced code blocks and inline code spans, keeping every newline so that
// line numbers stay right: what looks like a link there is not one.
func withoutCode(text string) string {
	lines := strings.Split(text, "\n")
	inFence := false
	for i, line := range lines {
		if fence.MatchString(line) {
			inFence = !inFence
			lines[i] = ""
		} else if inFence {
			lines[i] = ""
		}
	}
	b := []byte(strings.Join(lines, "\n"))
	for i := 0; i < len(b); {
		if b[i] != '`' {
			i++
			continue
		}
		n := run(b, i)
		end := closingRun(b, i+n, n)
		if end < 0 {
			i += n
			continue
		}
		for j := i; j < end+n; j++ {
			if b[j] != '\n' {
				b[j] = ' '
			}
		}
		i = end + n
	}
	return string(b)
}

// run is the length of the run of backticks at b[i].
func run(b []byte, i int) int {
	n := 0
	for i+n < len(b) && b[i+n] == '`' {
		n++
	}
	return n
}

// closingRun finds the run of exactly n backticks that closes a code span opened before from,
// within its paragraph (a code span may run over lines, not over a blank line); -1 if none.
func closingRun(b []byte, from, n int) int {
	for j := from; j < len(b); {
		switch {
		case b[j] == '\n' && blankLineAfter(b, j):
			return -1
		case b[j] == '`':
			m := run(b, j)
			if m == n {
				return j
			}
			j += m
		default:
			j++
		}
	}
	return -1
}

func blankLineAfter(b []byte, nl int) bool {
	for j := nl + 1; j < len(b); j++ {
		switch b[j] {
		case '\n':
			return true
		case ' ', '\t':
		default:
			return false
		}
	}
	return true
}
