package jsruntime

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"sort"
	"sync/atomic"

	"github.com/dop251/goja"
)

// Object is a JavaScript object with its keys in a fixed order, so that events are built the
// same way every time.
type Object struct {
	Keys   []string
	Values map[string]any
}

// NewObject returns an empty ordered object with room for n keys.
func NewObject(n int) *Object {
	return &Object{Keys: make([]string, 0, n), Values: make(map[string]any, n)}
}

// Set adds or replaces a key (a new key goes last).
func (o *Object) Set(k string, v any) *Object {
	if _, ok := o.Values[k]; !ok {
		o.Keys = append(o.Keys, k)
	}
	o.Values[k] = v
	return o
}

// ToJS builds native JavaScript values from plain Go data: nil, bool, string, numbers, *Object,
// map[string]any (keys sorted), []any and []string. Native objects (not wrappers of Go maps) give
// hooks normal JavaScript semantics.
func ToJS(rt *goja.Runtime, v any) goja.Value {
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case undefinedValue:
		return goja.Undefined()
	case Method:
		return x.toJS(rt)
	case goja.Value:
		return x
	case string:
		return rt.ToValue(x)
	case bool, int, int64, float64:
		return rt.ToValue(x)
	case Lazy, LazyList:
		v, _ := toJSNode(rt, x)
		return v
	case *Object:
		o := rt.NewObject()
		for _, k := range x.Keys {
			_ = o.Set(k, ToJS(rt, x.Values[k]))
		}
		return o
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := rt.NewObject()
		for _, k := range keys {
			_ = o.Set(k, ToJS(rt, x[k]))
		}
		return o
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = ToJS(rt, e)
		}
		return rt.NewArray(items...)
	case []string:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = e
		}
		return rt.NewArray(items...)
	}
	return rt.ToValue(v)
}

// FromJS reads a result as JSON.stringify would see it: objects become map[string]any, arrays
// []any, numbers float64 (int64 when whole), and functions and undefined members are left out.
// toJSON methods (Date, Buffer) are honoured. undefined and null become nil. A Lazy object that
// was passed in comes back as an *Overlay, a LazyList as a *ListOverlay.
// A result that refers to itself panics with ErrCircular, as JSON.stringify throws.
func FromJS(rt *goja.Runtime, v goja.Value) any {
	return fromJS(rt, v, &conv{})
}

const maxDepth = 64

// ErrCircular is a result that refers to itself.
var ErrCircular = errors.New("TypeError: Converting circular structure to JSON (the result refers to itself)")

// conv is one reading of a result: the objects being read, outermost first. Read without it, an
// object with two references to itself took 2^64 steps, none of which an interrupt reaches: its
// runtime was abandoned at the call's limit and span on for good.
// A result large only by sharing ({a: o, b: o} forty levels deep) is read as a tree of 2^40
// nodes: every few objects the reading looks at overdue and stops once the call's limit passed.
type conv struct {
	path    []*goja.Object
	overdue *atomic.Bool // nil: no limit (FromJS)
	objects int
}

// enter notes that o is being read; it panics with ErrCircular when o already is, and with
// ErrTimeout when the call's limit has passed.
func (c *conv) enter(o *goja.Object) {
	if slices.Contains(c.path, o) {
		panic(ErrCircular)
	}
	if c.objects++; c.objects%256 == 0 && c.overdue != nil && c.overdue.Load() {
		panic(ErrTimeout)
	}
	c.path = append(c.path, o)
}

// conv starts the reading of a call's result on v.
func (v *vm) conv() *conv {
	v.reading = conv{path: v.reading.path[:0], overdue: &v.overdue}
	return &v.reading
}

func (c *conv) leave()     { c.path = c.path[:len(c.path)-1] }
func (c *conv) deep() bool { return len(c.path) > maxDepth }

var (
	lazyType     = reflect.TypeOf((*lazyObject)(nil))
	lazyListType = reflect.TypeOf((*lazyList)(nil))
	promiseType  = reflect.TypeOf((*goja.Promise)(nil))
)

func fromJS(rt *goja.Runtime, v goja.Value, c *conv) any {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) || c.deep() {
		return nil
	}
	o, ok := v.(*goja.Object)
	if !ok {
		switch x := v.Export().(type) {
		case int64:
			return x
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil
			}
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x)
			}
			return x
		default:
			return x
		}
	}
	if _, isFn := goja.AssertFunction(o); isFn {
		return nil
	}
	c.enter(o)
	out := objectFromJS(rt, o, c)
	c.leave()
	return out
}

func objectFromJS(rt *goja.Runtime, o *goja.Object, c *conv) any {
	switch o.ExportType() { // Export of a plain object would build a whole map
	case lazyType, lazyListType:
		return o.Export().(lazyNode).data(rt, c)
	}
	if tj, ok := goja.AssertFunction(o.Get("toJSON")); ok {
		r, err := tj(o)
		if err == nil {
			return fromJS(rt, r, c)
		}
	}
	switch o.ClassName() {
	case "Array":
		n := int(o.Get("length").ToInteger())
		out := make([]any, n)
		for i := 0; i < n; i++ {
			out[i] = fromJS(rt, o.Get(itoa(i)), c)
		}
		return out
	case "String", "Number", "Boolean":
		return o.Export()
	}
	keys := o.Keys()
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		val := o.Get(k)
		if val == nil || goja.IsUndefined(val) {
			continue
		}
		if vo, ok := val.(*goja.Object); ok {
			if _, isFn := goja.AssertFunction(vo); isFn {
				continue
			}
		}
		out[k] = fromJS(rt, val, c)
	}
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
