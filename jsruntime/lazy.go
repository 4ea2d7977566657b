package jsruntime

import (
	"maps"
	"slices"

	"github.com/dop251/goja"
)

// Lazy is plain data whose members become JavaScript values only when a hook reads them, so
// that a hook pays for what it touches, not for the whole event.
type Lazy interface {
	Keys() []string
	Has(key string) bool
	Get(key string) any // plain data; may itself be Lazy
}

// Overlay is what comes back for a Lazy object: its Base, the members the hook read or wrote
// (read members may have been changed in place, so they are handed back as they are now; lazy
// members it only read cannot have been, and are left out), and the members it deleted. A hook
// that touched nothing gives an Overlay with both empty.
type Overlay struct {
	Base    Lazy
	Touched []Member // a few at most: a slice costs less than a map
	Order   []string // members added, or added again after a delete, in that order: after Base's
	Deleted map[string]bool
}

// Member is a touched member of an Overlay.
type Member struct {
	Key   string
	Value any
}

// Touch returns a member the hook touched, as it left it.
func (o *Overlay) Touch(key string) (any, bool) {
	for i := range o.Touched {
		if o.Touched[i].Key == key {
			return o.Touched[i].Value, true
		}
	}
	return nil, false
}

// Get returns a member as the hook left it.
func (o *Overlay) Get(key string) (any, bool) {
	if o.Deleted[key] {
		return nil, false
	}
	if v, ok := o.Touch(key); ok {
		return v, true
	}
	if !o.Base.Has(key) {
		return nil, false
	}
	return o.Base.Get(key), true
}

// Unchanged reports whether the hook neither read nor wrote any member (lazy members it only
// read do not count).
func (o *Overlay) Unchanged() bool { return len(o.Touched) == 0 && len(o.Deleted) == 0 }

// LazyList is plain data for an array whose items become JavaScript values only when a hook
// reads them (Lambda@Edge's header lists: most hooks read one item of one list, or none).
type LazyList interface {
	Len() int
	Index(i int) any // plain data; may itself be Lazy
}

// ListOverlay is what comes back for a LazyList: its Base, and, when the hook changed the list or
// anything in it, Items: every item as the hook left it (those it did not read are Base's).
type ListOverlay struct {
	Base  LazyList
	Items []any
}

// Unchanged reports whether the hook left the list and everything in it as it was.
func (o *ListOverlay) Unchanged() bool { return o.Items == nil }

// lazyNode is the goja side of lazy data (an object or a list): it knows what the hook did to it.
type lazyNode interface {
	// unchanged reports whether the hook only read it: it set and deleted nothing, and what it
	// read cannot have been changed in place (primitives, and lazy values only read).
	unchanged() bool
	// data converts it back into plain data: an *Overlay or a *ListOverlay.
	data(rt *goja.Runtime, c *conv) any
}

// toJSNode is ToJS that also returns the lazy node behind the value, when there is one.
func toJSNode(rt *goja.Runtime, v any) (goja.Value, lazyNode) {
	switch x := v.(type) {
	case Lazy:
		l := &lazyObject{rt: rt, src: x}
		return rt.NewDynamicObject(l), l
	case LazyList:
		l := &lazyList{rt: rt, src: x}
		return rt.NewDynamicArray(l), l
	}
	return ToJS(rt, v), nil
}

// slot is a value a hook read from lazy data or wrote into it.
type slot struct {
	val goja.Value
	// node is the lazy data val was made from, or written for a value the hook wrote (a
	// marker rather than a flag keeps slots, and so every lazy object, smaller), or nil.
	node lazyNode
}

// written marks a slot the hook wrote, not only read.
type writtenMark struct{}

func (writtenMark) unchanged() bool { return false }
func (writtenMark) data(*goja.Runtime, *conv) any {
	panic("jsruntime: the data of a written slot is its value's")
}

var written lazyNode = writtenMark{}

// unchanged reports whether the slot holds what was read, as it was read: a primitive always
// does; a native object may have been changed in place, so it never counts as unchanged.
func (s *slot) unchanged() bool {
	if s.node != nil {
		return s.node.unchanged()
	}
	_, isObject := s.val.(*goja.Object)
	return !isObject
}

// data converts the slot's value back into plain data.
func (s *slot) data(rt *goja.Runtime, c *conv) any {
	if s.node != nil && s.node != written {
		return s.node.data(rt, c)
	}
	return fromJS(rt, s.val, c)
}

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
	slot
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
	v, node := toJSNode(l.rt, l.src.Get(key))
	l.add(member{key, slot{val: v, node: node}})
	return v
}

func (l *lazyObject) Set(key string, val goja.Value) bool {
	if i := l.find(key); i >= 0 {
		l.vals[i].slot = slot{val, written}
		return true
	}
	if l.deleted[key] || !l.src.Has(key) {
		// As on a plain object, a key added again after a delete goes last, and only once.
		if i := slices.Index(l.added, key); i >= 0 {
			l.added = slices.Delete(l.added, i, i+1)
		}
		l.added = append(l.added, key)
	}
	delete(l.deleted, key)
	l.add(member{key, slot{val, written}})
	return true
}

func (l *lazyObject) add(m member) {
	if l.vals == nil {
		l.vals = l.inline[:0]
	}
	l.vals = append(l.vals, m)
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
		if !l.deleted[k] && (len(l.added) == 0 || !slices.Contains(l.added, k)) { // re-added ones go last
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

func (l *lazyObject) unchanged() bool {
	if len(l.deleted) > 0 {
		return false
	}
	for i := range l.vals {
		if !l.vals[i].unchanged() {
			return false
		}
	}
	return true
}

// readOnly reports whether m is lazy data the hook only read: it is as it was, so it need not
// come back. (A primitive it read still does: the caller checks what the hook read.)
func (m *member) readOnly() bool { return m.node != nil && m.node.unchanged() }

func (l *lazyObject) data(rt *goja.Runtime, c *conv) any { return l.overlay(rt, c) }

// overlay converts what the hook did to a lazy object back into plain data.
func (l *lazyObject) overlay(rt *goja.Runtime, c *conv) *Overlay {
	// A copy: a hook that kept the object may delete from it in a later call, on another
	// request's goroutine, while this result is still being read.
	o := &Overlay{Base: l.src, Deleted: maps.Clone(l.deleted)}
	n := 0
	for i := range l.vals {
		if !l.vals[i].readOnly() {
			n++
		}
	}
	if n == 0 {
		return o
	}
	o.Touched = make([]Member, 0, n)
	for i := range l.vals {
		m := &l.vals[i]
		if m.readOnly() {
			continue
		}
		if goja.IsUndefined(m.val) {
			if o.Deleted == nil {
				o.Deleted = map[string]bool{}
			}
			o.Deleted[m.key] = true
			continue
		}
		o.Touched = append(o.Touched, Member{m.key, m.data(rt, c)})
	}
	for _, k := range l.added {
		if _, ok := o.Touch(k); ok {
			o.Order = append(o.Order, k)
		}
	}
	return o
}

// lazyList is the goja side of a LazyList (a dynamic array). Items are read from the source until
// the hook changes the length; from then on every item lives in vals.
type lazyList struct {
	rt       *goja.Runtime
	src      LazyList
	vals     []slot // one per item once any item was read or written; unread ones have no val
	inline   [1]slot
	detached bool // vals holds every item (the length changed)
	set      bool // the hook replaced an item or changed the length
}

func (l *lazyList) Len() int {
	if l.vals == nil {
		return l.src.Len()
	}
	return len(l.vals)
}

func (l *lazyList) init() {
	if l.vals == nil {
		if n := l.src.Len(); n <= len(l.inline) {
			l.vals = l.inline[:n]
		} else {
			l.vals = make([]slot, n)
		}
	}
}

func (l *lazyList) read(i int) {
	if l.vals[i].val == nil {
		l.vals[i].val, l.vals[i].node = toJSNode(l.rt, l.src.Index(i))
	}
}

func (l *lazyList) Get(i int) goja.Value {
	if i < 0 || i >= l.Len() {
		return nil
	}
	l.init()
	l.read(i)
	return l.vals[i].val
}

func (l *lazyList) Set(i int, v goja.Value) bool {
	if i < 0 {
		return false
	}
	if i >= l.Len() {
		l.SetLen(i + 1)
	}
	l.init()
	l.vals[i], l.set = slot{v, written}, true
	return true
}

func (l *lazyList) SetLen(n int) bool {
	if n < 0 {
		return false
	}
	l.init()
	if !l.detached {
		for i := range l.vals {
			l.read(i)
		}
		l.detached = true
	}
	for len(l.vals) < n {
		l.vals = append(l.vals, slot{goja.Undefined(), written})
	}
	clear(l.vals[n:])
	l.vals, l.set = l.vals[:n], true
	return true
}

func (l *lazyList) unchanged() bool {
	if l.set {
		return false
	}
	for i := range l.vals {
		if l.vals[i].val != nil && !l.vals[i].unchanged() {
			return false
		}
	}
	return true
}

func (l *lazyList) data(rt *goja.Runtime, c *conv) any { return l.overlay(rt, c) }

// overlay converts what the hook did to a lazy list back into plain data.
func (l *lazyList) overlay(rt *goja.Runtime, c *conv) *ListOverlay {
	o := &ListOverlay{Base: l.src}
	if l.unchanged() {
		return o
	}
	o.Items = make([]any, len(l.vals))
	for i := range l.vals {
		if l.vals[i].val == nil {
			o.Items[i] = l.src.Index(i)
			continue
		}
		o.Items[i] = l.vals[i].data(rt, c)
	}
	return o
}
