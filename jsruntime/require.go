package jsruntime

import (
	"errors"
	"path"
	"strings"

	"github.com/dop251/goja"
)

// Modules that hooks may require by name (with or without the "node:" prefix).
var builtinNames = []string{"querystring", "url", "path", "buffer", "util", "crypto", "console"}

// nodeBuiltins are Node.js's own modules that hookfront does not have; requiring one names it
// as such rather than as a missing package.
var nodeBuiltins = map[string]bool{
	"assert": true, "async_hooks": true, "child_process": true, "cluster": true, "constants": true, "dgram": true,
	"diagnostics_channel": true, "dns": true, "domain": true, "events": true, "fs": true, "fs/promises": true,
	"http": true, "http2": true, "https": true, "inspector": true, "module": true, "net": true, "os": true,
	"perf_hooks": true, "process": true, "punycode": true, "readline": true, "repl": true, "stream": true,
	"stream/promises": true, "stream/web": true, "string_decoder": true, "sys": true, "timers": true,
	"timers/promises": true, "tls": true, "trace_events": true, "tty": true, "util/types": true, "v8": true,
	"vm": true, "wasi": true, "worker_threads": true, "zlib": true,
}

// loadModule runs the module at p ("/"-rooted, inside the snapshot) once per runtime and returns
// its module object (nil when there is no such file). Like Node, the module is cached before it
// runs, so cycles see partial exports.
func (v *vm) loadModule(p string) (*goja.Object, error) {
	if m, ok := v.modules[p]; ok {
		return m, nil
	}
	c := v.b.program(p)
	if c == nil {
		return nil, nil
	}
	if c.err != nil {
		return nil, c.err
	}
	rt := v.rt
	module := rt.NewObject()
	exports := rt.NewObject()
	_ = module.Set("exports", exports)
	_ = module.Set("id", p)
	_ = module.Set("filename", p)
	v.modules[p] = module
	v.deps.loading = append(v.deps.loading, p)
	defer func() { v.deps.loading = v.deps.loading[:len(v.deps.loading)-1] }()
	fn, err := rt.RunProgram(c.prg)
	if err != nil {
		delete(v.modules, p)
		return nil, err
	}
	call, _ := goja.AssertFunction(fn)
	if _, err := call(exports, exports, v.requireFrom(p), module, rt.ToValue(p), rt.ToValue(path.Dir(p))); err != nil {
		delete(v.modules, p)
		return nil, err
	}
	_ = module.Set("loaded", true)
	return module, nil
}

// requireFrom is the require function of the module at file.
func (v *vm) requireFrom(file string) goja.Value {
	if f, ok := v.requires[file]; ok {
		return f
	}
	f := v.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		name := call.Argument(0).String()
		exp, err := v.require(file, name)
		if err != nil {
			switch e := err.(type) {
			case *moduleError:
				panic(v.jsError(e.Error(), "MODULE_NOT_FOUND"))
			case *ScriptError: // the required file does not compile
				panic(v.jsError(e.Error(), ""))
			}
			panic(err) // a goja exception from the module's own code: rethrown as is
		}
		return exp
	})
	v.requires[file] = f
	return f
}

// require loads name for the module at from: a built-in (they win, as in Node), a file inside
// the snapshot by a relative path, or a package from a node_modules folder inside it.
func (v *vm) require(from, name string) (goja.Value, error) {
	bare := !isPathSpecifier(name)
	if bare {
		if exp, ok := v.native(strings.TrimPrefix(name, "node:")); ok {
			return exp, nil
		}
	}
	p, err := v.resolve(from, name)
	if err != nil {
		if builtin := strings.TrimPrefix(name, "node:"); bare && (nodeBuiltins[builtin] || builtin != name) {
			return nil, &moduleError{name: name, from: from, msg: builtin + " is a Node.js built-in module that hookfront hooks do not have (they have " +
				strings.Join(builtinNames, ", ") + ")"}
		}
		return nil, err
	}
	m, err := v.loadModule(p)
	if err != nil {
		return nil, err
	}
	v.required(p)
	return m.Get("exports"), nil
}

// native returns one of our built-in modules, loading it on first use.
func (v *vm) native(name string) (goja.Value, bool) {
	if m, ok := v.natives[name]; ok {
		return m, true
	}
	load, ok := nativeModules[name]
	if !ok {
		return nil, false
	}
	exp := load(v)
	v.natives[name] = exp
	return exp, true
}

// resolve finds the file name means for the module at from, once per runtime.
func (v *vm) resolve(from, name string) (string, error) {
	key := resolveKey{path.Dir(from), name}
	if p, ok := v.resolved[key]; ok {
		return p, nil
	}
	p, err := v.b.resolve(from, name)
	if err == nil {
		v.resolved[key] = p
	}
	return p, err
}

// resolveKey is a require's folder and specifier: a struct, so that a lookup builds no string.
type resolveKey struct{ dir, name string }

func isPathSpecifier(name string) bool {
	return name == "." || name == ".." || strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/")
}

// The extensions and index files require tries: Node's inside node_modules, and for the hooks'
// own files also the TypeScript and ES module files hookfront compiles.
var (
	packageExts  = []string{"", ".js", ".json"}
	packageIndex = []string{"/index.js", "/index.json"}
	hookExts     = []string{"", ".js", ".cjs", ".mjs", ".ts", ".json"}
	hookIndex    = []string{"/index.js", "/index.ts", "/index.json"}
)

// resolve is Node's require resolution inside the snapshot: from is the requiring file, and
// nothing outside the hooks folder can be named ("/" is the folder).
func (b *Bundle) resolve(from, name string) (string, error) {
	dir := path.Dir(from)
	if isPathSpecifier(name) {
		p := path.Join(dir, name)
		if strings.HasPrefix(name, "/") {
			p = path.Clean(name)
		}
		if f := b.fileOrDirectory(p); f != "" {
			return f, nil
		}
		return "", &moduleError{name: name, from: from, msg: "no such file in the hooks folder"}
	}
	pkgName, sub := splitPackage(name)
	if pkgName == "" {
		return "", &moduleError{name: name, from: from, msg: "not a valid package name"}
	}
	for _, nm := range nodeModulesPaths(dir) {
		pkgDir := path.Join(nm, pkgName)
		if pj := b.pkg(pkgDir); pj != nil && pj.Exports != nil {
			f, err := packageExports(pkgDir, "."+sub, pj.Exports)
			switch {
			case errors.Is(err, errNotExported):
				return "", &moduleError{name: name, from: from, msg: "package " + pkgName + " does not export ." + sub + " (its package.json \"exports\")"}
			case err != nil:
				return "", &moduleError{name: name, from: from, msg: "package " + pkgName + ": " + err.Error()}
			}
			if _, ok := b.files[f]; !ok {
				return "", &moduleError{name: name, from: from, msg: "package " + pkgName + " exports ." + sub + " as " + f[1:] + ", which is not in the hooks folder"}
			}
			return f, nil
		}
		if f := b.fileOrDirectory(path.Join(nm, name)); f != "" {
			return f, nil
		}
	}
	return "", &moduleError{name: name, from: from, msg: "not a built-in module, and no node_modules folder in the hooks folder has it"}
}

// fileOrDirectory is Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY for p: the file itself or with
// an extension, else the folder's package.json "main", else its index file.
func (b *Bundle) fileOrDirectory(p string) string {
	exts, index := hookExts, hookIndex
	if strings.Contains(p, "/node_modules/") {
		exts, index = packageExts, packageIndex
	}
	if f := b.firstFile(p, exts); f != "" {
		return f
	}
	if pj := b.pkg(p); pj != nil && pj.Main != "" {
		m := path.Join(p, pj.Main)
		if f := b.firstFile(m, exts); f != "" {
			return f
		}
		if f := b.firstFile(m, index); f != "" {
			return f
		}
	}
	return b.firstFile(p, index)
}

func (b *Bundle) firstFile(p string, suffixes []string) string {
	for _, s := range suffixes {
		if _, ok := b.files[p+s]; ok {
			return p + s
		}
	}
	return ""
}

// splitPackage splits a bare specifier into its package name ("pkg" or "@scope/pkg") and the
// subpath after it ("" or "/x/y").
func splitPackage(name string) (pkg, sub string) {
	parts := strings.SplitN(name, "/", 3)
	n := 1
	if strings.HasPrefix(name, "@") {
		if len(parts) < 2 || parts[1] == "" {
			return "", ""
		}
		n = 2
	}
	pkg = strings.Join(parts[:min(n, len(parts))], "/")
	return pkg, name[len(pkg):]
}

// nodeModulesPaths lists the node_modules folders Node searches from dir, nearest first, up to
// the hooks folder.
func nodeModulesPaths(dir string) []string {
	var out []string
	for d := dir; ; d = path.Dir(d) {
		if path.Base(d) != "node_modules" {
			out = append(out, path.Join(d, "node_modules"))
		}
		if d == "/" {
			return out
		}
	}
}

// moduleError is a require that found nothing; from is the requiring file.
type moduleError struct{ name, from, msg string }

func (e *moduleError) Error() string {
	msg := "Cannot find module '" + e.name + "'"
	if pkg := packageOf(e.from); pkg != "" {
		msg += " (required by " + e.from[1:] + " in package " + pkg + ")"
	}
	return msg + ": " + e.msg
}

// packageOf names the npm package a file belongs to ("" for the hooks' own files).
func packageOf(file string) string {
	i := strings.LastIndex(file, "/node_modules/")
	if i < 0 {
		return ""
	}
	pkg, _ := splitPackage(file[i+len("/node_modules/"):])
	return pkg
}

// jsError makes a real JavaScript Error (with a stack at the caller), as Node throws.
func (v *vm) jsError(msg, code string) *goja.Object {
	ctor, _ := goja.AssertConstructor(v.rt.Get("Error"))
	o, err := ctor(nil, v.rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	if code != "" {
		_ = o.Set("code", code)
	}
	return o
}
