package jsruntime

import "github.com/dop251/goja"

// Method is a native method a Lazy object may have among its members, such as CloudFront
// Functions' request.rawQueryString(). It is called with its arguments as plain data, and its
// result is converted back (Undefined gives undefined; nil gives null).
type Method func(args []any) any

// Undefined is a Method result that JavaScript sees as undefined.
var Undefined any = undefinedValue{}

type undefinedValue struct{}

func (m Method) toJS(rt *goja.Runtime) goja.Value {
	return rt.ToValue(func(call goja.FunctionCall) goja.Value {
		args := make([]any, len(call.Arguments))
		for i, a := range call.Arguments {
			args[i] = FromJS(rt, a)
		}
		return ToJS(rt, m(args))
	})
}
