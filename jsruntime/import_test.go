package jsruntime

import (
	"fmt"
	"testing"
	"time"
)

// Node has import() in CommonJS files too (await import('./x.js') in a Lambda handler); goja
// cannot parse it, and the hook failed to load with "SyntaxError: Unexpected reserved word".
func TestDynamicImportInACommonJSFile(t *testing.T) {
	p := pool(t, map[string]string{
		"h.js": `exports.handler = async (event) => {
  const x = await import('./x.js');
  const qs = await import('node:querystring');
  let missing;
  try { await import('fs'); } catch (e) { missing = e.code; }
  return {x: x.default.name, named: x.name, qs: qs.stringify({a: 1}), missing};
};`,
		"x.js": `module.exports = {name: 'x'};`,
	}, "h.js")
	got, err := call(t, p, "h.js", nil, 5*time.Second)
	if want := "map[missing:MODULE_NOT_FOUND named:x qs:a=1 x:x]"; err != nil || fmt.Sprint(got) != want {
		t.Fatalf("got %v %v, want %s", got, err, want)
	}
}
