package jsruntime

import "github.com/dop251/goja"

// Lazy is plain data whose members become JavaScript values only when a hook reads them, so
// that a hook pays for what it touches, not for the whole event.
type Lazy interface {
	Keys() []string
	Has(key string) bool
	Get(key string) any // plain data; may itself be Lazy
}

// Overlay is what comes back for a Lazy object: its Base, the members the hook read or wrote
// (read members may have been changed in place, so they are handed back as they are now), and
// the members it deleted. A hook that touched nothing gives an Overlay with both maps empty.
type Overlay struct {
	Base    Lazy
	Touched map[string]any
	Order   []string // touched members that are not in Base, in the order they were added
	Deleted map[string]bool
}

// Get returns a member as the hook left it.
func (o *Overlay) Get(key string) (any, bool) {
	if o.Deleted[key] {
		return nil, false
	}
	if v, ok := o.Touched[key]; ok {
		return v, true
	}
	if !o.Base.Has(key) {
		return nil, false
	}
	return o.Base.Get(key), true
}

// Unchanged reports whether the hook neither read nor wrote any member.
func (o *Overlay) Unchanged() bool { return len(o.Touched) == 0 && len(o.Deleted) == 0 }

// lazyObject is the goja side of a Lazy value. Hooks touch few members of each object, so the
// materialized ones sit in a small slice rather than a map.
type lazyObject struct {
	rt      *goja.Runtime
	src     Lazy
	vals    []member
	inline  [2]member // vals' first backing array: most objects have one or two members read
	added   []string
	deleted map[string]bool
}

type member struct {
	key string
	val goja.Value
}

func (l *lazyObject) find(key string) int {
	for i := range l.vals {
		if l.vals[i].key == key {
			return i
		}
	}
	return -1
}

func (l *lazyObject) Get(key string) goja.Value {
	if i := l.find(key); i >= 0 {
		return l.vals[i].val
	}
	if l.deleted[key] || !l.src.Has(key) {
		return nil
	}
	v := ToJS(l.rt, l.src.Get(key))
	l.add(key, v)
	return v
}

func (l *lazyObject) Set(key string, val goja.Value) bool {
	if i := l.find(key); i >= 0 {
		l.vals[i].val = val
		return true
	}
	if l.deleted[key] || !l.src.Has(key) {
		l.added = append(l.added, key)
	}
	delete(l.deleted, key)
	l.add(key, val)
	return true
}

func (l *lazyObject) add(key string, v goja.Value) {
	if l.vals == nil {
		l.vals = l.inline[:0]
	}
	l.vals = append(l.vals, member{key, v})
}

func (l *lazyObject) Has(key string) bool {
	if l.find(key) >= 0 {
		return true
	}
	return !l.deleted[key] && l.src.Has(key)
}

func (l *lazyObject) Delete(key string) bool {
	if i := l.find(key); i >= 0 {
		l.vals = append(l.vals[:i], l.vals[i+1:]...)
	}
	if l.deleted == nil {
		l.deleted = map[string]bool{}
	}
	l.deleted[key] = true
	return true
}

func (l *lazyObject) Keys() []string {
	base := l.src.Keys()
	keys := make([]string, 0, len(base)+len(l.added))
	for _, k := range base {
		if !l.deleted[k] {
			keys = append(keys, k)
		}
	}
	for _, k := range l.added {
		if l.find(k) >= 0 {
			keys = append(keys, k)
		}
	}
	return keys
}

// overlay converts what the hook did to a lazy object back into plain data.
func (l *lazyObject) overlay(rt *goja.Runtime, depth int) *Overlay {
	o := &Overlay{Base: l.src, Deleted: l.deleted}
	if len(l.vals) > 0 {
		o.Touched = make(map[string]any, len(l.vals))
		for _, m := range l.vals {
			if goja.IsUndefined(m.val) {
				if o.Deleted == nil {
					o.Deleted = map[string]bool{}
				}
				o.Deleted[m.key] = true
				continue
			}
			o.Touched[m.key] = fromJS(rt, m.val, depth+1)
		}
		for _, k := range l.added {
			if _, ok := o.Touched[k]; ok {
				o.Order = append(o.Order, k)
			}
		}
	}
	return o
}
