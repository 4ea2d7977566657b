package hooks

import (
	"encoding/json"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

// A Lambda deployment package: the hook and its node_modules, written for the test.
var packageFolder = map[string]string{
	"h.js": `const wr = require('weighted-random');
const ex = require('exported'), feature = require('exported/feature'), colors = require('exported/data/colors');
const scoped = require('@scope/tool'), qs = require('querystring');
const attempt = (name) => { try { require(name); return 'loaded'; } catch (e) { return e.message; } };
exports.handler = async () => ({status: '200', body: JSON.stringify({
  wr: wr(['a', 'b']), ex, feature, colors, scoped, qs: typeof qs.parse,
  hidden: attempt('exported/lib/hidden.js'), private: attempt('exported/private/x'), esmOnly: attempt('esm-only'),
  needsFs: attempt('needs-fs'), nope: attempt('nope'), outside: attempt('../outside'),
})});`,
	"node_modules/weighted-random/package.json":              `{"name": "weighted-random", "main": "lib/main.js"}`,
	"node_modules/weighted-random/lib/main.js":               `const dep = require('dep'); module.exports = (xs) => dep.first(xs) + ':' + require('./util').tag;`,
	"node_modules/weighted-random/lib/util.js":               `exports.tag = 'util';`,
	"node_modules/weighted-random/node_modules/dep/index.js": `exports.first = (xs) => xs[0] + '@nested';`,
	"node_modules/dep/index.js":                              `exports.first = () => 'the outer dep (wrong: the nearest node_modules wins)';`,
	"node_modules/exported/package.json": `{"name": "exported", "exports": {
		".": {"import": "./esm.mjs", "require": "./cjs.js"},
		"./feature": "./lib/feature.js", "./data/*": "./data/*.json", "./private/*": null}}`,
	"node_modules/exported/cjs.js":           `module.exports = 'cjs';`,
	"node_modules/exported/esm.mjs":          `export default 'esm';`,
	"node_modules/exported/lib/feature.js":   `module.exports = 'feature';`,
	"node_modules/exported/lib/hidden.js":    `module.exports = 'hidden';`,
	"node_modules/exported/data/colors.json": `["red", "green"]`,
	"node_modules/esm-only/package.json":     `{"exports": {"import": "./index.mjs"}}`,
	"node_modules/esm-only/index.mjs":        `export default 1;`,
	"node_modules/@scope/tool/index.js":      `module.exports = 'scoped';`,
	"node_modules/querystring/index.js":      `module.exports = {};`, // the built-in wins, as in Node
	"node_modules/needs-fs/package.json":     `{"main": "index.js"}`,
	"node_modules/needs-fs/index.js":         `const fs = require('fs');`,
}

func TestNodeModulesResolveAsNodeDoes(t *testing.T) {
	w := newWorld(t, setup{files: packageFolder, bind: map[event.Trigger]string{event.ViewerRequest: "h.js"}})
	r := w.get("/")
	var got map[string]any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("%d %q", r.status, r.body)
	}
	want := map[string]any{
		"wr": "a@nested:util", "ex": "cjs", "feature": "feature", "colors": []any{"red", "green"}, "scoped": "scoped", "qs": "function",
		"hidden":  "Cannot find module 'exported/lib/hidden.js': package exported does not export ./lib/hidden.js (its package.json \"exports\")",
		"private": "Cannot find module 'exported/private/x': package exported does not export ./private/x (its package.json \"exports\")",
		"esmOnly": "Cannot find module 'esm-only': package esm-only does not export . (its package.json \"exports\")",
		"needsFs": "Cannot find module 'fs' (required by node_modules/needs-fs/index.js in package needs-fs): fs is a Node.js built-in module that hookfront hooks do not have (they have querystring, url, path, buffer, util, crypto, console)",
		"nope":    "Cannot find module 'nope': not a built-in module, and no node_modules folder in the hooks folder has it",
		"outside": "Cannot find module '../outside': no such file in the hooks folder",
	}
	for k, v := range want {
		if g, _ := json.Marshal(got[k]); string(g) != mustJSON(v) {
			t.Errorf("%s = %s\n want %s", k, g, mustJSON(v))
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
