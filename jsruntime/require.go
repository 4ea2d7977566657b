package jsruntime

import (
	"path"
	"strings"

	"github.com/dop251/goja"
)

// Modules that hooks may require by name (with or without the "node:" prefix).
var builtinNames = []string{"querystring", "url", "path", "buffer", "util", "crypto", "console"}

// loadModule runs the module at p ("/"-rooted, inside the snapshot) once per runtime and returns
// its module object. Like Node, the module is cached before it runs, so cycles see partial exports.
func (v *vm) loadModule(p string) (*goja.Object, error) {
	if m, ok := v.modules[p]; ok {
		return m, nil
	}
	prg, ok := v.b.programs[p]
	if !ok {
		if err := v.b.broken[p]; err != nil {
			return nil, err
		}
		return nil, nil
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
	fn, err := rt.RunProgram(prg)
	if err != nil {
		delete(v.modules, p)
		return nil, err
	}
	call, _ := goja.AssertFunction(fn)
	dir := path.Dir(p)
	if _, err := call(exports, exports, v.requireFrom(dir), module, rt.ToValue(p), rt.ToValue(dir)); err != nil {
		delete(v.modules, p)
		return nil, err
	}
	_ = module.Set("loaded", true)
	return module, nil
}

// requireFrom is the require function of the modules in dir.
func (v *vm) requireFrom(dir string) goja.Value {
	if f, ok := v.requires[dir]; ok {
		return f
	}
	f := v.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		name := call.Argument(0).String()
		exp, err := v.require(dir, name)
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
	v.requires[dir] = f
	return f
}

// require resolves name from dir: a relative file inside the snapshot, or an allowed built-in.
func (v *vm) require(dir, name string) (goja.Value, error) {
	if strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/") {
		base := path.Join(dir, name)
		for _, cand := range []string{base, base + ".js", base + ".cjs", base + ".mjs", base + ".ts", base + ".json", base + "/index.js", base + "/index.ts"} {
			m, err := v.loadModule(cand)
			if err != nil {
				return nil, err
			}
			if m != nil {
				v.required(cand)
				return m.Get("exports"), nil
			}
		}
		return nil, &moduleError{name: name, msg: "no such file in the hooks folder"}
	}
	bare := strings.TrimPrefix(name, "node:")
	if m, ok := v.natives[bare]; ok {
		return m, nil
	}
	load, ok := nativeModules[bare]
	if !ok {
		return nil, &moduleError{name: name, msg: "not available in hookfront hooks (built-in modules: " + strings.Join(builtinNames, ", ") + "; files in the hooks folder are required with ./)"}
	}
	exp := load(v)
	v.natives[bare] = exp
	return exp, nil
}

type moduleError struct{ name, msg string }

func (e *moduleError) Error() string { return "Cannot find module '" + e.name + "': " + e.msg }

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
