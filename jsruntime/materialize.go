package jsruntime

// Materialize turns lazy data (Overlay, ListOverlay, Lazy, LazyList, *Object) into plain maps and slices, for results
// that are read in full rather than where they were touched.
func Materialize(v any) any {
	switch x := v.(type) {
	case *Overlay:
		m := map[string]any{}
		for _, k := range x.Base.Keys() {
			if val, ok := x.Get(k); ok {
				m[k] = Materialize(val)
			}
		}
		for _, k := range x.Order {
			v, _ := x.Touch(k)
			m[k] = Materialize(v)
		}
		return m
	case *ListOverlay:
		if x.Items == nil {
			return Materialize(x.Base)
		}
		out := make([]any, len(x.Items))
		for i, e := range x.Items {
			out[i] = Materialize(e)
		}
		return out
	case LazyList:
		out := make([]any, x.Len())
		for i := range out {
			out[i] = Materialize(x.Index(i))
		}
		return out
	case Lazy:
		m := map[string]any{}
		for _, k := range x.Keys() {
			m[k] = Materialize(x.Get(k))
		}
		return m
	case *Object:
		m := make(map[string]any, len(x.Keys))
		for _, k := range x.Keys {
			m[k] = Materialize(x.Values[k])
		}
		return m
	case map[string]any:
		for k, e := range x {
			x[k] = Materialize(e)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Materialize(e)
		}
		return out
	}
	return v
}
