package jsruntime

import (
	_ "embed"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/buffer"
	"github.com/dop251/goja_nodejs/url"
)

var (
	//go:embed js/querystring.js
	querystringJS string
	//go:embed js/path.js
	pathJS string
	//go:embed js/util.js
	utilJS string
	//go:embed js/inspect.js
	inspectJS string

	querystringPrg = goja.MustCompile("node:querystring", wrapPrefix+querystringJS+"\n})", true)
	pathPrg        = goja.MustCompile("node:path", wrapPrefix+pathJS+"\n})", true)
	utilPrg        = goja.MustCompile("node:util", wrapPrefix+utilJS+"\n})", true)
	inspectPrg     = goja.MustCompile("node:internal/inspect", wrapPrefix+inspectJS+"\n})", true)
)

// nativeModules are the built-in modules, each loaded once per runtime on first require.
var nativeModules = map[string]func(v *vm) goja.Value{
	"querystring": func(v *vm) goja.Value { return v.runBuiltin(querystringPrg) },
	"path":        func(v *vm) goja.Value { return v.runBuiltin(pathPrg) },
	"util": func(v *vm) goja.Value {
		f := v.formatter()
		mk, _ := goja.AssertFunction(v.runBuiltin(utilPrg))
		return must(mk(goja.Undefined(), f.Get("format"), f.Get("inspect")))
	},
	"buffer":  func(v *vm) goja.Value { return v.goModule(buffer.Require) },
	"url":     func(v *vm) goja.Value { return v.goModule(url.Require) },
	"crypto":  func(v *vm) goja.Value { return v.cryptoModule() },
	"console": func(v *vm) goja.Value { return v.rt.Get("console") },
}

// formatter is the runtime's util.format and util.inspect (js/inspect.js), loaded on first use.
func (v *vm) formatter() *goja.Object {
	if v.inspectJS == nil {
		v.inspectJS = v.runBuiltin(inspectPrg).ToObject(v.rt)
		v.formatJS, _ = goja.AssertFunction(v.inspectJS.Get("format"))
	}
	return v.inspectJS
}

// runBuiltin runs one of our JavaScript built-ins as a CommonJS module and returns its exports.
func (v *vm) runBuiltin(prg *goja.Program) goja.Value {
	rt := v.rt
	fn, err := rt.RunProgram(prg)
	if err != nil {
		panic(err)
	}
	call, _ := goja.AssertFunction(fn)
	module := rt.NewObject()
	exports := rt.NewObject()
	_ = module.Set("exports", exports)
	if _, err := call(exports, exports, goja.Undefined(), module, goja.Undefined(), goja.Undefined()); err != nil {
		panic(err)
	}
	return module.Get("exports")
}

// goModule loads a goja_nodejs module through its ModuleLoader.
func (v *vm) goModule(load func(*goja.Runtime, *goja.Object)) goja.Value {
	m := v.rt.NewObject()
	_ = m.Set("exports", v.rt.NewObject())
	load(v.rt, m)
	return m.Get("exports")
}
