package jsruntime

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
)

// Source is an immutable snapshot of a hooks folder: slash-separated paths relative to the
// folder, and their contents.
type Source struct{ Files map[string][]byte }

// Bundle is a compiled snapshot, shared read-only by every runtime of a generation (goja
// programs may run in many runtimes at once). Hook files are compiled up front; the files they
// require are compiled on first require, so that a folder with node_modules does not compile
// every file of every package at each reload.
type Bundle struct {
	files map[string][]byte // by "/"-rooted path: every file require may load
	opt   Options
	deps  depGraph        // requires as they happened (see deps.go)
	fn    *functionScript // set when the bundle is one CloudFront Function (function_compile.go)

	mu       sync.Mutex
	compiled map[string]*compiled    // by "/"-rooted path
	packages map[string]*packageJSON // parsed package.json files, by the package's folder
}

// compiled is one file as a CommonJS module function, or why it is not one.
type compiled struct {
	prg    *goja.Program
	mapped bool // compiled through esbuild: positions come from a source map
	err    error
}

// scriptExts are the files that can be required or bound as hooks.
var scriptExts = map[string]bool{".js": true, ".cjs": true, ".mjs": true, ".ts": true, ".mts": true, ".cts": true, ".json": true}

// IsScript reports whether name is a file the bundle compiles.
func IsScript(name string) bool { return scriptExts[path.Ext(name)] }

// wrapPrefix makes a file a CommonJS module. It sits on the file's first line, so columns on line
// 1 are corrected by its length when reported.
const wrapPrefix = "(function(exports, require, module, __filename, __dirname) {"

// esmSyntax finds import/export statements in a .js file, which then goes through esbuild like
// a .mjs file (Node would need "type": "module"; Lambda users write it either way), and dynamic
// import(), which Node has in CommonJS files too and goja cannot parse (esbuild makes it a
// require in a promise).
var esmSyntax = regexp.MustCompile(`(?m)^\s*(export\s+(default|const|let|var|function|async|class|\{|\*)|import\s+[\w{*'"])|\bimport\s*\(`)

// Compile prepares the scripts of src. entries are the files hooks are bound to; each must exist
// and compile, and every problem is reported, each with file:line:column. Other files that do
// not compile are an error only when required.
func Compile(src Source, entries []string, opt Options) (*Bundle, error) {
	opt = opt.withDefaults()
	b := &Bundle{files: make(map[string][]byte, len(src.Files)), opt: opt,
		compiled: map[string]*compiled{}, packages: map[string]*packageJSON{}}
	for name, data := range src.Files {
		if IsScript(name) {
			b.files["/"+name] = data
		}
	}
	var problems []error
	for _, e := range entries {
		if !IsScript(e) {
			problems = append(problems, &ScriptError{File: e, Message: "a hook must be a .js, .cjs, .mjs, .ts, .mts or .cts file"})
			continue
		}
		switch c := b.program("/" + e); {
		case c == nil:
			problems = append(problems, &ScriptError{File: e, Message: "hook file not found in the hooks folder"})
		case c.err != nil:
			problems = append(problems, c.err)
		}
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	return b, nil
}

// program compiles the file at p (a "/"-rooted path) on first use; nil when there is no such file.
func (b *Bundle) program(p string) *compiled {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.compiled[p]; ok {
		return c
	}
	data, ok := b.files[p]
	if !ok {
		return nil
	}
	c := &compiled{}
	c.prg, c.mapped, c.err = compileFile(p[1:], data)
	b.compiled[p] = c
	return c
}

// mapped reports whether file (relative to the folder) went through esbuild.
func (b *Bundle) mapped(file string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.compiled["/"+file]
	return c != nil && c.mapped
}

// compileFile turns one file into a CommonJS module function.
// It reports whether the file went through esbuild (its positions then come from a source map).
func compileFile(name string, data []byte) (prg *goja.Program, mapped bool, err error) {
	code := string(data)
	ext := path.Ext(name)
	switch {
	case ext == ".json":
		code = "module.exports = " + code + ";"
	case ext == ".ts" || ext == ".mts" || ext == ".cts" || ext == ".mjs" || esmSyntax.MatchString(code):
		if code, err = transform(name, code); err != nil {
			return nil, false, err
		}
		mapped = true
	}
	wrapped := wrapPrefix + code + "\n})"
	parsed, err := goja.Parse("/"+name, wrapped, parser.WithSourceMapLoader(noSourceMapFiles))
	if err != nil {
		return nil, false, syntaxError(name, code, err)
	}
	if len(parsed.Body) != 1 {
		// An unmatched "})" closed the wrapper early, and what follows ran outside it (the
		// module function was then not a function). Node refuses the unmatched "}".
		end := strings.LastIndexByte(wrapped[:int(parsed.Body[0].Idx1())-parsed.File.Base()], '}')
		p := parsed.File.Position(end)
		return nil, false, syntaxError(name, code, fmt.Errorf("%s: Line %d:%d Unexpected token '}'", name, p.Line, p.Column))
	}
	if prg, err = goja.CompileAST(parsed, false); err != nil {
		return nil, false, syntaxError(name, code, err)
	}
	return prg, mapped, nil
}

// noSourceMapFiles keeps a sourceMappingURL comment from reading files outside the snapshot;
// only inline (data:) maps, which esbuild writes, are used.
func noSourceMapFiles(string) ([]byte, error) {
	return nil, fmt.Errorf("source map files are not read; use inline source maps")
}

// transform compiles TypeScript and ES modules to CommonJS with an inline source map, so that
// positions in errors point at the user's own file.
func transform(name, code string) (string, error) {
	loader := api.LoaderJS
	switch path.Ext(name) {
	case ".ts", ".mts", ".cts":
		loader = api.LoaderTS
	}
	res := api.Transform(code, api.TransformOptions{
		Loader:     loader,
		Format:     api.FormatCommonJS,
		Target:     api.ES2020,
		Sourcemap:  api.SourceMapInline,
		Sourcefile: name,
		Platform:   api.PlatformNode,
		LogLevel:   api.LogLevelSilent,
		Supported:  map[string]bool{"dynamic-import": false},
	})
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		e := &ScriptError{File: name, Message: m.Text}
		if m.Location != nil {
			e.Line, e.Col = m.Location.Line, m.Location.Column+1
		}
		return "", e
	}
	return string(res.Code), nil
}

var posInMessage = regexp.MustCompile(`^(?:\S+?): Line (\d+):(\d+) (.*)$`)

// syntaxError turns a goja compile error into a ScriptError at the user's position. An error
// found on the wrapper's closing line means the file ended too early.
func syntaxError(name, code string, err error) error {
	msg := err.Error()
	if ce, ok := err.(*goja.CompilerSyntaxError); ok {
		msg = ce.Message
	}
	e := &ScriptError{File: name, Message: "SyntaxError: " + msg}
	if i := strings.Index(msg, " (and "); i > 0 && strings.HasSuffix(msg, " more errors)") {
		msg = msg[:i] // goja appends a count of follow-on errors; the first one is what matters
	}
	if m := posInMessage.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &e.Line)
		fmt.Sscan(m[2], &e.Col)
		e.Message = "SyntaxError: " + m[3]
		if e.Line == 1 {
			e.Col -= len(wrapPrefix)
		}
		if lines := strings.Split(code, "\n"); e.Line > len(lines) {
			e.Line, e.Col = len(lines), len(lines[len(lines)-1])+1
			e.Message = "SyntaxError: Unexpected end of input"
		}
	}
	e.Message = strings.TrimSpace(e.Message)
	return e
}
