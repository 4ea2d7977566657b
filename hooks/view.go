package hooks

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// view reads an object a hook returned: a plain map (everything is read, or, with base, what
// differs from base), or the Overlay of the lazy object the hook was given, where members it did
// not touch keep their input values and need no reading at all.
type view struct {
	m    map[string]any
	base map[string]any // the input as data, when m is compared with it (hookfront invoke)
	ov   *jsruntime.Overlay
}

// viewOf makes a view of v. same tells whether an Overlay's base is the object the hook was
// given; any other Overlay is read in full, like a map.
func viewOf(v any, same func(jsruntime.Lazy) bool) (view, bool) {
	switch x := v.(type) {
	case map[string]any:
		return view{m: x}, true
	case *jsruntime.Overlay:
		if same(x.Base) {
			return view{ov: x}, true
		}
		m, ok := materialize(x).(map[string]any)
		return view{m: m}, ok
	}
	return view{}, false
}

// changed reports whether member k may differ from the input.
func (v view) changed(k string) bool {
	if v.ov == nil {
		if v.base == nil {
			return true
		}
		now, has := v.m[k]
		was, had := v.base[k]
		return has != had || !reflect.DeepEqual(now, was)
	}
	_, touched := v.ov.Touch(k)
	return touched || v.ov.Deleted[k]
}

func (v view) get(k string) (any, bool) {
	if v.ov != nil {
		return v.ov.Get(k)
	}
	x, ok := v.m[k]
	return x, ok
}

func (v view) has(k string) bool {
	_, ok := v.get(k)
	return ok
}

// materialize turns lazy data into plain maps and slices (for results we cannot read lazily).
func materialize(v any) any { return jsruntime.Materialize(v) }

// headersResult reads a header map a hook returned; in is what it was given. Only the headers
// the hook touched are parsed. touched, when not nil, names the only headers (lower case) that
// may differ from in.
func headersResult(v any, in event.Headers, where string) (h event.Headers, touched []string, err error) {
	switch x := v.(type) {
	case nil:
		return event.Headers{}, nil, nil
	case *headersLazy:
		if sameHeaders(x.h, in) {
			return in, nil, nil
		}
	case *jsruntime.Overlay:
		if hl, ok := x.Base.(*headersLazy); ok && sameHeaders(hl.h, in) && lowerKeys(x) {
			if x.Unchanged() {
				return in, nil, nil
			}
			// Parse what the hook touched; the input map is kept when every touched header came
			// back as it was.
			touched = make([]string, 0, len(x.Touched)+len(x.Deleted))
			lists := make([][]event.HeaderValue, 0, len(x.Touched))
			same := len(x.Deleted) == 0
			for _, m := range x.Touched {
				name, list := m.Key, m.Value
				lower, one, err := parseHeaderList(name, materialize(list), where)
				if err != nil {
					return nil, nil, err
				}
				touched, lists = append(touched, lower), append(lists, one)
				if same && (lower != name || !slices.Equal(one, in[lower])) {
					same = false
				}
			}
			if same {
				return in, nil, nil
			}
			// A shallow copy: header lists are replaced, never changed in place.
			out := maps.Clone(in)
			for name := range x.Deleted {
				lower := strings.ToLower(name)
				delete(out, lower)
				touched = append(touched, lower)
			}
			for i, lower := range touched[:len(lists)] {
				if len(lists[i]) == 0 {
					delete(out, lower)
					continue
				}
				out[lower] = lists[i]
			}
			return out, touched, nil
		}
	}
	h, err = parseHeaders(materialize(v), where)
	return h, nil, err
}

// lowerKeys reports whether every header name the hook touched or deleted is lower case. A name
// in another case ("User-Agent") is a key of its own in the object, as in a plain one: the
// headers are then read in full, where parseHeaders merges it with the lower-case one.
func lowerKeys(ov *jsruntime.Overlay) bool {
	for _, m := range ov.Touched {
		if strings.ToLower(m.Key) != m.Key {
			return false
		}
	}
	for name := range ov.Deleted {
		if strings.ToLower(name) != name {
			return false
		}
	}
	return true
}

// sameHeaders reports whether a and b are the same map (not merely equal).
func sameHeaders(a, b event.Headers) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return len(a) == len(b) && mapID(a) == mapID(b)
}

func mapID(h event.Headers) uintptr { return reflect.ValueOf(h).Pointer() }
