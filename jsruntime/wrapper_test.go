package jsruntime

import (
	"context"
	"strings"
	"testing"
)

// A file with an unmatched "})" closed the CommonJS wrapper early: its module function was then
// not a function, and loading it called a nil function — a Go panic that, at a reload (no call
// to recover it), ended the process. It is a syntax error, as in Node.
func TestUnmatchedBraceIsASyntaxErrorNotACrash(t *testing.T) {
	_, err := Compile(Source{Files: map[string][]byte{"h.js": []byte("exports.handler = () => ({});\n}); ({")}}, []string{"h.js"}, Options{})
	if err == nil || !strings.Contains(err.Error(), "h.js:2:1: SyntaxError: Unexpected token '}'") {
		t.Fatalf("compile: %v", err)
	}
	// The same in a file that is only required, compiled when first required.
	b, err := Compile(Source{Files: map[string][]byte{
		"h.js":   []byte("const d = require('./d.json');\nexports.handler = () => d;"),
		"d.json": []byte("0}); ({//"),
	}}, []string{"h.js"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(b)
	defer p.Close()
	err = p.Check(context.Background(), []Export{{File: "h.js", Name: "handler"}})
	if err == nil || !strings.Contains(err.Error(), "d.json:1:") || !strings.Contains(err.Error(), "Unexpected token '}'") {
		t.Fatalf("check: %v", err)
	}
}
