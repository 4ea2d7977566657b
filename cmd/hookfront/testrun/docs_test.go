package testrun

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestTestingDocNamesEveryField: every field a test file may have is in docs/testing.md, in
// backquotes (as `hook`, `expect.result`, `reset_after_headers: true`), so that the page stays
// the reference of the format.
func TestTestingDocNamesEveryField(t *testing.T) {
	b, err := os.ReadFile("../../../docs/testing.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(string(b), "") // code blocks' fences would pair backquotes wrongly
	var quoted []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(doc, -1) {
		quoted = append(quoted, m[1])
	}
	documented := func(name string) bool {
		word := regexp.MustCompile(`(^|[.{\[ ,])` + regexp.QuoteMeta(name) + `($|[.:}\] ,])`)
		for _, q := range quoted {
			if word.MatchString(q) {
				return true
			}
		}
		return false
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[hookCase](), reflect.TypeFor[hookExpect](), reflect.TypeFor[errorExpect](),
		reflect.TypeFor[functionCase](), reflect.TypeFor[functionExpect](),
		reflect.TypeFor[distCase](), reflect.TypeFor[reply](), reflect.TypeFor[testRequest](), reflect.TypeFor[requestExpect](),
	} {
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !documented(name) {
				t.Errorf("docs/testing.md does not name the field %s of %s", name, typ.Name())
			}
		}
	}
}
