package jsruntime

import (
	"fmt"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/buffer"
)

// KeyValueStore is a CloudFront KeyValueStore as the cloudfront module reads it. It is declared
// here, where it is consumed.
type KeyValueStore interface {
	Get(key string) (string, bool)
	Meta() StoreMeta
}

// StoreMeta is what kvs.meta() reports.
type StoreMeta struct {
	Created, Updated time.Time
	Keys             int
}

// OriginCall is one call of an origin helper (updateRequestOrigin, selectRequestOriginById,
// createRequestOriginGroup), as made: the caller interprets it after the handler returns.
type OriginCall struct {
	Method string
	Args   []any  // plain data (see FromJS)
	At     string // file:line:column of the call
}

// edgeLocation is what cf.edgeLocation reports in viewer-request: a local edge.
var edgeLocation = map[string]any{"name": "HKF", "serverIp": "127.0.0.1", "region": "local"}

// cloudfrontModule is the cloudfront module of runtime 2.0: cf.kvs() over the associated store,
// the origin helpers (recorded for the caller; viewer-request only) and cf.edgeLocation.
func (v *vm) cloudfrontModule() goja.Value {
	rt := v.rt
	fn := v.fn
	cf := rt.NewObject()
	handle := v.kvsHandle()
	_ = cf.Set("kvs", func(goja.FunctionCall) goja.Value {
		if fn.script.store == nil {
			panic(v.jsError("cf.kvs(): no key value store is associated with this function (give its binding a key_value_store)", ""))
		}
		return handle
	})
	for _, name := range []string{"updateRequestOrigin", "selectRequestOriginById", "createRequestOriginGroup"} {
		_ = cf.Set(name, func(call goja.FunctionCall) goja.Value {
			if !fn.viewerReq {
				panic(v.jsError("cf."+name+"() can only be called in a viewer-request function", ""))
			}
			c := OriginCall{Method: name, Args: make([]any, len(call.Arguments))}
			for i, a := range call.Arguments {
				c.Args[i] = FromJS(rt, a)
			}
			for _, f := range rt.CaptureCallStack(4, nil) { // the caller's frame, past the native one
				if p := f.Position(); p.Line > 0 {
					c.At = fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
					break
				}
			}
			fn.originCalls = append(fn.originCalls, c)
			return goja.Undefined()
		})
	}
	_ = cf.DefineAccessorProperty("edgeLocation", rt.ToValue(func(goja.FunctionCall) goja.Value {
		if !fn.viewerReq {
			return rt.NewObject()
		}
		return ToJS(rt, edgeLocation)
	}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return cf
}

// kvsHandle is the object cf.kvs() returns: get, exists and meta, each a promise settled at once
// (the store is in memory).
func (v *vm) kvsHandle() *goja.Object {
	rt := v.rt
	fn := v.fn
	settled := func(val any, err *goja.Object) goja.Value {
		p, resolve, reject := rt.NewPromise()
		if err != nil {
			_ = reject(err)
		} else {
			_ = resolve(val)
		}
		return rt.ToValue(p)
	}
	h := rt.NewObject()
	_ = h.Set("get", func(call goja.FunctionCall) goja.Value {
		key := call.Argument(0).String()
		val, ok := fn.script.store.Get(key)
		if !ok {
			return settled(nil, v.jsError(fmt.Sprintf("KeyNotFound: the key %q is not in the key value store", key), "KeyNotFound"))
		}
		format := "string"
		if o, isObj := call.Argument(1).(*goja.Object); isObj {
			if f := o.Get("format"); f != nil && !goja.IsUndefined(f) {
				format = f.String()
			}
		}
		switch format {
		case "string":
			return settled(val, nil)
		case "json":
			parsed, err := v.parseJSON(val, "value of "+fmt.Sprintf("%q", key))
			if err != nil {
				return settled(nil, v.jsError(err.Error(), ""))
			}
			return settled(parsed, nil)
		case "bytes":
			return settled(buffer.WrapBytes(rt, []byte(val)), nil)
		}
		return settled(nil, rt.NewTypeError("kvs.get: format must be string, json or bytes, not %s", format))
	})
	_ = h.Set("exists", func(call goja.FunctionCall) goja.Value {
		_, ok := fn.script.store.Get(call.Argument(0).String())
		return settled(ok, nil)
	})
	_ = h.Set("meta", func(goja.FunctionCall) goja.Value {
		m := fn.script.store.Meta()
		return settled(ToJS(rt, NewObject(3).
			Set("creationDateTime", m.Created.UTC().Format(time.RFC3339Nano)).
			Set("lastUpdatedDateTime", m.Updated.UTC().Format(time.RFC3339Nano)).
			Set("keyCount", int64(m.Keys))), nil)
	})
	return h
}
