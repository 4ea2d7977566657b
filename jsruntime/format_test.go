package jsruntime

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// What Node.js 20 prints for each util.format call (checked against node; console.log prints
// the same).
var nodeFormats = []struct{ args, want string }{
	{`'%j', {a: 1}`, `{"a":1}`},
	{`'%j', undefined`, `undefined`},
	{`'%j', circular`, `[Circular]`},
	{`'%j'`, `%j`},
	{`'%s', 'x'`, `x`},
	{`'%s', 42`, `42`},
	{`'%s', -0`, `-0`},
	{`'%s', null, undefined`, `null undefined`},
	{`'%s', Symbol('x')`, `Symbol(x)`},
	{`'%s', {a: 1}`, `{ a: 1 }`},
	{`'%s', {a: {b: 1}}`, `{ a: [Object] }`},
	{`'%s', [1, 2]`, `[ 1, 2 ]`},
	{`'%s', {toString() { return 'custom'; }}`, `custom`},
	{`'%d', '42'`, `42`},
	{`'%d', 'x'`, `NaN`},
	{`'%d', -0`, `-0`},
	{`'%i', '42.9px'`, `42`},
	{`'%f', '1.5e3x'`, `1500`},
	{`'%o', [1]`, `[ 1, [length]: 1 ]`},
	{`'%O', {a: {b: {c: {d: 1}}}}`, `{ a: { b: { c: [Object] } } }`},
	{`'%c%s', 'color: red', 'x'`, `x`},
	{`'%% %s'`, `%% %s`},
	{`'%% %s', 'x'`, `% x`},
	{`'%s %s', 'a'`, `a %s`},
	{`'%x', 1`, `%x 1`},
	{`'a', {b: 1}, 'c', 2`, `a { b: 1 } c 2`},
	{`{a: 'x', s: "it's"}`, `{ a: 'x', s: "it's" }`},
	{`['a', 'b']`, `[ 'a', 'b' ]`},
	{`new Map([['k', 1]])`, `Map(1) { 'k' => 1 }`},
	{`new Set([1])`, `Set(1) { 1 }`},
	{`circular`, `<ref *1> { self: [Circular *1] }`},
	{`[1, 2, 3, 4, 5, 6, 7]`, "[\n  1, 2, 3, 4,\n  5, 6, 7\n]"},
	{`{a: 1, b: 'two', c: [1, 2, 3], d: {e: null, f: undefined}}`, `{ a: 1, b: 'two', c: [ 1, 2, 3 ], d: { e: null, f: undefined } }`},
	{`{aaaaaaaaaa: 'xxxxxxxxxxxxxxxxxxxx', bbbbbbbbbb: 'yyyyyyyyyyyyyyyyyyyy', cccccccccc: 'zzzzzzzzzzzzzzzzzzzz'}`,
		"{\n  aaaaaaaaaa: 'xxxxxxxxxxxxxxxxxxxx',\n  bbbbbbbbbb: 'yyyyyyyyyyyyyyyyyyyy',\n  cccccccccc: 'zzzzzzzzzzzzzzzzzzzz'\n}"},
	{`{a: [{b: {c: 1}}]}`, `{ a: [ { b: [Object] } ] }`},
	{`function foo() {}, () => {}, class A {}`, `[Function: foo] [Function (anonymous)] [class A]`},
	{`null, undefined, true`, `null undefined true`},
	{`{'a-b': 1, [Symbol('s')]: 2}`, `{ 'a-b': 1, [Symbol(s)]: 2 }`},
	{`Buffer.from('hi')`, `<Buffer 68 69>`},
	{`new Date(0)`, `1970-01-01T00:00:00.000Z`},
	{`/a+/g`, `/a+/g`},
	{`Object.create(null)`, `[Object: null prototype] {}`},
	{`new (class Foo { constructor() { this.x = 1; } })()`, `Foo { x: 1 }`},
	{`{get g() { return 1; }}`, `{ g: [Getter] }`},
	{`[1, , 3]`, `[ 1, <1 empty item>, 3 ]`},
	{`new Uint8Array([1, 2])`, `Uint8Array(2) [ 1, 2 ]`},
	{`'a\nb'`, "a\nb"},
	{`['a\nb']`, `[ 'a\nb' ]`},
	{`{}, []`, `{} []`},
	{`'%o', {foo: 'bar', func: function func() {}}`,
		"{\n  foo: 'bar',\n  func: <ref *1> [Function: func] {\n    [length]: 0,\n    [name]: 'func',\n    [prototype]: { [constructor]: [Circular *1] }\n  }\n}"},
	{`new Array(30).fill(0).map((_, i) => i * 1000)`, "[\n      0,  1000,  2000,  3000,  4000,\n   5000,  6000,  7000,  8000,  9000,\n" +
		"  10000, 11000, 12000, 13000, 14000,\n  15000, 16000, 17000, 18000, 19000,\n  20000, 21000, 22000, 23000, 24000,\n  25000, 26000, 27000, 28000, 29000\n]"},
}

func TestFormatMatchesNode(t *testing.T) {
	var src strings.Builder
	src.WriteString("const util = require('util');\nconst circular = {}; circular.self = circular;\nexports.handler = () => [\n")
	for _, c := range nodeFormats {
		src.WriteString("  util.format(" + c.args + "),\n")
	}
	src.WriteString("];\n")
	p := pool(t, map[string]string{"f.js": src.String()})
	got, err := call(t, p, "f.js", nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range nodeFormats {
		if g := got.([]any)[i]; g != c.want {
			t.Errorf("util.format(%s)\n got: %q\nwant: %q", c.args, g, c.want)
		}
	}
}

func TestConsoleFormatsAsNode(t *testing.T) {
	var buf strings.Builder
	b, err := Compile(Source{Files: map[string][]byte{"log.js": []byte(`exports.handler = () => {
		console.log('%j', {a: 1}); console.log('%s items', 3, {more: true}); console.log(new Error('oops'));
		return {};
	};`)}}, []string{"log.js"}, Options{Log: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(b)
	defer p.Close()
	if _, err := p.Call(context.Background(), Call{Entry: "log.js"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`text="{\"a\":1}"`, `text="3 items { more: true }"`, `text="Error: oops\n    at log.js:2:`} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %s:\n%s", want, out)
		}
	}
}
