package jsruntime

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
)

// Source is an immutable snapshot of a hooks folder: slash-separated paths relative to the
// folder, and their contents.
type Source struct{ Files map[string][]byte }

// Bundle is a compiled snapshot: one program per script file, shared read-only by every runtime
// of a generation (goja programs may run in many runtimes at once).
type Bundle struct {
	programs map[string]*goja.Program // by "/"-rooted path
	broken   map[string]error         // files that did not compile and are not entries: an error when required
	mapped   map[string]bool          // files compiled through esbuild, whose positions come from a source map
	entries  []string
	opt      Options
	deps     depGraph // requires as they happened (see deps.go)
}

// scriptExts are the files that can be required or bound as hooks.
var scriptExts = map[string]bool{".js": true, ".cjs": true, ".mjs": true, ".ts": true, ".mts": true, ".cts": true, ".json": true}

// IsScript reports whether name is a file the bundle compiles.
func IsScript(name string) bool { return scriptExts[path.Ext(name)] }

// wrapPrefix makes a file a CommonJS module. It sits on the file's first line, so columns on line
// 1 are corrected by its length when reported.
const wrapPrefix = "(function(exports, require, module, __filename, __dirname) {"

// esmSyntax finds import/export statements in a .js file, which then goes through esbuild like
// a .mjs file (Node would need "type": "module"; Lambda users write it either way).
var esmSyntax = regexp.MustCompile(`(?m)^\s*(export\s+(default|const|let|var|function|async|class|\{|\*)|import\s+[\w{*'"])`)

// Compile compiles every script in src. entries are the files hooks are bound to; each must exist
// and compile. Every problem is reported, each with file:line:column. Other files that do not
// compile are an error only when required.
func Compile(src Source, entries []string, opt Options) (*Bundle, error) {
	opt = opt.withDefaults()
	b := &Bundle{programs: map[string]*goja.Program{}, broken: map[string]error{}, mapped: map[string]bool{}, entries: entries, opt: opt}
	isEntry := make(map[string]bool, len(entries))
	for _, e := range entries {
		isEntry[e] = true
	}
	var problems []error
	names := make([]string, 0, len(src.Files))
	for name := range src.Files {
		if IsScript(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		prg, mapped, err := compileFile(name, src.Files[name])
		if err != nil {
			if isEntry[name] {
				problems = append(problems, err)
			} else {
				// A file no hook is bound to may be half-written: it matters only if something
				// requires it (then the requiring hook fails to load, with this error).
				b.broken["/"+name] = err
			}
			continue
		}
		b.programs["/"+name] = prg
		b.mapped[name] = mapped
	}
	for _, e := range entries {
		if _, ok := src.Files[e]; !ok {
			problems = append(problems, &ScriptError{File: e, Message: "hook file not found in the hooks folder"})
		} else if !IsScript(e) {
			problems = append(problems, &ScriptError{File: e, Message: "a hook must be a .js, .cjs, .mjs, .ts, .mts or .cts file"})
		}
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	return b, nil
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
	parsed, err := goja.Parse("/"+name, wrapPrefix+code+"\n})", parser.WithSourceMapLoader(noSourceMapFiles))
	if err != nil {
		return nil, false, syntaxError(name, code, err)
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
