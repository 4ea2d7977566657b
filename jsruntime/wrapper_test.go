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

// A Go panic in a built-in function that a file's top level calls is that file's load error: at
// a reload nothing else recovers it, and the process ended.
func TestGoPanicAtTheTopLevelIsALoadError(t *testing.T) {
	const top = "Buffer.from({length: -1});\n"
	b, err := Compile(Source{Files: map[string][]byte{"h.js": []byte(top + "exports.handler = () => ({});")}}, []string{"h.js"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(b)
	defer p.Close()
	err = p.Check(context.Background(), []Export{{File: "h.js", Name: "handler"}})
	if err == nil || !strings.Contains(err.Error(), "h.js: loading the file failed inside a built-in function: runtime error: makeslice") {
		t.Fatalf("hook: %v", err)
	}
	if st := p.Stats(); st.Created != 0 {
		t.Fatalf("the runtime that panicked was kept: %+v", st)
	}
	fb, err := CompileFunction("f.js", []byte(top+"function handler(e) { return e.request; }"), Runtime20, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fp := NewPool(fb)
	defer fp.Close()
	if err := fp.CheckFunction(context.Background()); err == nil || !strings.Contains(err.Error(), "f.js: the top-level code failed inside a built-in function") {
		t.Fatalf("function: %v", err)
	}
}
