package jsruntime

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestPackageExports(t *testing.T) {
	cases := []struct{ exports, subpath, want string }{
		{`"./main.js"`, ".", "/p/main.js"},
		{`"./main.js"`, "./x", "not exported"},
		{`{"node": "./node.js", "require": "./req.js"}`, ".", "/p/node.js"}, // the first condition that applies
		{`{"import": "./a.mjs", "default": "./d.js"}`, ".", "/p/d.js"},
		{`{"import": "./a.mjs"}`, ".", "not exported"},
		{`[{"worker": "./w.js"}, "./fallback.js"]`, ".", "/p/fallback.js"},
		{`{".": "./i.js", "./a/*": "./src/a/*.js", "./a/b/*": "./special/*.js"}`, "./a/b/c", "/p/special/c.js"}, // the longest prefix
		{`{".": "./i.js", "./a/*": "./src/a/*.js"}`, "./a/x/y", "/p/src/a/x/y.js"},
		{`{"./*.js": "./lib/*.js"}`, "./f.js", "/p/lib/f.js"},
		{`{"./x": {"require": {"default": "./nested.js"}}}`, "./x", "/p/nested.js"},
		{`{"./x": null}`, "./x", "not exported"},
		{`{"./x": "../escape.js"}`, "./x", "invalid"},
		{`{"./x": "./a/../../escape.js"}`, "./x", "invalid"},
		{`{"./*": "./lib/*"}`, "./../../etc/passwd", "invalid"},
		{`{".": "./i.js", "default": "./d.js"}`, ".", "invalid"},
	}
	for _, c := range cases {
		exp, err := decodeOrdered(json.NewDecoder(bytes.NewReader([]byte(c.exports))))
		if err != nil {
			t.Fatal(err)
		}
		got, err := packageExports("/p", c.subpath, exp)
		switch {
		case errors.Is(err, errNotExported):
			got = "not exported"
		case err != nil:
			got = "invalid"
		}
		if got != c.want {
			t.Errorf("exports %s, %s: got %s (%v), want %s", c.exports, c.subpath, got, err, c.want)
		}
	}
}
