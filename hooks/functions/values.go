package functions

import (
	"strings"
	"sync/atomic"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// CloudFront Functions show headers, query string parameters and cookies as objects whose
// members are {value} entries; a name that occurs more than once also has multiValue:
// [{value}, ...], with the first value repeated in value. Response cookies carry their
// Set-Cookie attributes in attributes. The lazy objects here make an entry JavaScript only when
// the function reads it.

// entry is one name's values, in order.
type entry struct {
	values []string
	attrs  []string // response cookies: the attributes of each value
}

// pairs is an ordered set of names with their entries: a query string or cookies.
type pairs struct {
	names   []string
	entries map[string]*entry
}

func (p *pairs) add(name, value, attrs string, withAttrs bool) {
	if p.entries == nil {
		p.entries = map[string]*entry{}
	}
	e := p.entries[name]
	if e == nil {
		e = &entry{}
		p.entries[name] = e
		p.names = append(p.names, name)
	}
	e.values = append(e.values, value)
	if withAttrs {
		e.attrs = append(e.attrs, attrs)
	}
}

// parseQuery splits a raw query string into parameters, as sent: names and values are not
// percent-decoded (CloudFront hands them over as the viewer spelled them).
func parseQuery(raw string) *pairs {
	p := &pairs{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		p.add(name, value, "", false)
	}
	return p
}

// parseCookies reads the request's Cookie headers.
func parseCookies(list []event.HeaderValue) *pairs {
	p := &pairs{}
	for _, hv := range list {
		for part := range strings.SplitSeq(hv.Value, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, value, _ := strings.Cut(part, "=")
			p.add(name, value, "", false)
		}
	}
	return p
}

// parseSetCookies reads a response's Set-Cookie headers: name=value, then the attributes.
func parseSetCookies(list []event.HeaderValue) *pairs {
	p := &pairs{}
	for _, hv := range list {
		first, attrs, _ := strings.Cut(hv.Value, ";")
		name, value, _ := strings.Cut(strings.TrimSpace(first), "=")
		p.add(name, value, strings.TrimSpace(attrs), true)
	}
	return p
}

// pairsLazy is the JavaScript view of pairs.
type pairsLazy struct {
	p         *pairs
	withAttrs bool
}

func (l *pairsLazy) Keys() []string    { return l.p.names }
func (l *pairsLazy) Has(k string) bool { _, ok := l.p.entries[k]; return ok }
func (l *pairsLazy) Get(k string) any {
	e := l.p.entries[k]
	if e == nil {
		return nil
	}
	return entryObject(e.values, e.attrs, l.withAttrs)
}

func entryObject(values, attrs []string, withAttrs bool) *jsruntime.Object {
	o := jsruntime.NewObject(3).Set("value", values[0])
	if withAttrs {
		o.Set("attributes", attrs[0])
	}
	if len(values) > 1 {
		mv := make([]any, len(values))
		for i, v := range values {
			item := jsruntime.NewObject(2).Set("value", v)
			if withAttrs {
				item.Set("attributes", attrs[i])
			}
			mv[i] = item
		}
		o.Set("multiValue", mv)
	}
	return o
}

// headersLazy is the JavaScript view of request or response headers: lower-case names, sorted,
// without the disallowed headers and without the Cookie (request) or Set-Cookie (response)
// headers, which are shown as cookies.
type headersLazy struct {
	h      event.Headers
	cookie string // "cookie" or "set-cookie"
	// keys are made on first use, by the runtime or by the request reading the result: a
	// function that kept the headers may list them in a later call, on another goroutine.
	keys atomic.Pointer[[]string]
}

func (l *headersLazy) Keys() []string {
	if k := l.keys.Load(); k != nil {
		return *k
	}
	keys := make([]string, 0, len(l.h))
	for _, n := range l.h.Names() {
		if l.Has(n) {
			keys = append(keys, n)
		}
	}
	l.keys.Store(&keys)
	return keys
}

func (l *headersLazy) Has(k string) bool {
	return len(l.h[k]) > 0 && k != l.cookie && !event.Disallowed(k)
}

func (l *headersLazy) Get(k string) any {
	if !l.Has(k) {
		return nil
	}
	list := l.h[k]
	values := make([]string, len(list))
	for i, hv := range list {
		values[i] = hv.Value
	}
	return entryObject(values, nil, false)
}
