package modgraph

import (
	"slices"
	"testing"

	"github.com/hookfront/hookfront/jsruntime"
)

func TestReachFollowsRequiresAndImports(t *testing.T) {
	src := jsruntime.Source{Files: map[string][]byte{
		"hook.js": []byte(`const a = require('./lib/a');
const cfg = require("./config.json");
const qs = require('querystring');        // built in: not a file
const gone = require('./missing');        // not there: left out
const dep = require('left-pad');
exports.handler = async () => a.x;`),
		"lib/a.js":                           []byte("const b = require('../util');\nmodule.exports = { x: b };"),
		"util/index.ts":                      []byte("import { c } from './c';\nexport * from \"./d\";\nexport const y = c;"),
		"util/c.ts":                          []byte("export const c = 1; import('./lazy');"),
		"util/d.mjs":                         []byte("import './lib/a-cycle.js';"),
		"util/lib/a-cycle.js":                []byte("require('../../hook');"),
		"util/lazy.js":                       []byte(""),
		"config.json":                        []byte(`{"require('./never')": 1}`),
		"node_modules/left-pad/package.json": []byte(`{"main": "lib/pad"}`),
		"node_modules/left-pad/lib/pad.js":   []byte("module.exports = () => 1;"),
		"unrelated.js":                       []byte("require('./lib/a');"),
	}}
	want := []string{"config.json", "hook.js", "lib/a.js", "node_modules/left-pad/lib/pad.js", "util/c.ts", "util/d.mjs",
		"util/index.ts", "util/lazy.js", "util/lib/a-cycle.js"}
	if got := Reach(src, "hook.js"); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if got := Reach(src, "nope.js"); len(got) != 0 {
		t.Errorf("a file that is not there reaches %v", got)
	}
}

func TestResolveLooksUpNodeModulesFromTheRequiringFolder(t *testing.T) {
	src := jsruntime.Source{Files: map[string][]byte{
		"node_modules/x/index.js":         nil,
		"sub/node_modules/x/index.js":     nil,
		"sub/deeper/file.js":              nil,
		"node_modules/@scope/y/index.cjs": nil,
	}}
	for _, c := range []struct{ dir, name, want string }{
		{"sub/deeper", "x", "sub/node_modules/x/index.js"},
		{".", "x", "node_modules/x/index.js"},
		{"sub", "@scope/y", "node_modules/@scope/y/index.cjs"},
		{".", "node:path", ""},
		{".", "./sub/deeper/file", "sub/deeper/file.js"},
	} {
		if got, _ := Resolve(src, c.dir, c.name); got != c.want {
			t.Errorf("require(%q) from %s: %q, want %q", c.name, c.dir, got, c.want)
		}
	}
}
