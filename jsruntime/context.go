package jsruntime

import (
	"slices"

	"github.com/dop251/goja"
)

// contextKeys are the members of a hook's context argument, in the order Object.keys shows them.
var contextKeys = []string{"functionName", "functionVersion", "awsRequestId", "memoryLimitInMB",
	"callbackWaitsForEmptyEventLoop", "getRemainingTimeInMillis"}

// lambdaContext is the context argument of a hook (a goja DynamicObject). A runtime has one, so
// that a call costs no object; what a hook sets on it or deletes from it lasts for that call only
// (reset), as each Lambda invocation gets a context of its own: context.user = ... must not be
// seen by the next request on the runtime.
type lambdaContext struct {
	fields  [6]goja.Value // by contextKeys; functionName and awsRequestId change with each call
	set     map[string]goja.Value
	added   []string // members set that are not contextKeys, in the order they were added
	deleted map[string]bool
}

func (c *lambdaContext) Get(key string) goja.Value {
	if c.deleted[key] {
		return nil
	}
	if v, ok := c.set[key]; ok {
		return v
	}
	if i := slices.Index(contextKeys, key); i >= 0 {
		return c.fields[i]
	}
	return nil
}

func (c *lambdaContext) Set(key string, val goja.Value) bool {
	if c.set == nil {
		c.set = map[string]goja.Value{}
	}
	if _, ok := c.set[key]; !ok && !slices.Contains(contextKeys, key) {
		c.added = append(c.added, key)
	}
	c.set[key] = val
	delete(c.deleted, key)
	return true
}

func (c *lambdaContext) Has(key string) bool {
	if c.deleted[key] {
		return false
	}
	_, ok := c.set[key]
	return ok || slices.Contains(contextKeys, key)
}

func (c *lambdaContext) Delete(key string) bool {
	if _, ok := c.set[key]; ok {
		delete(c.set, key)
		if i := slices.Index(c.added, key); i >= 0 {
			c.added = slices.Delete(c.added, i, i+1)
		}
	}
	if slices.Contains(contextKeys, key) {
		if c.deleted == nil {
			c.deleted = map[string]bool{}
		}
		c.deleted[key] = true
	}
	return true
}

func (c *lambdaContext) Keys() []string {
	keys := make([]string, 0, len(contextKeys)+len(c.added))
	for _, k := range contextKeys {
		if !c.deleted[k] {
			keys = append(keys, k)
		}
	}
	return append(keys, c.added...)
}

// reset forgets what the call set or deleted.
func (c *lambdaContext) reset() {
	if c.set != nil || c.deleted != nil {
		c.set, c.deleted, c.added = nil, nil, c.added[:0]
	}
}
