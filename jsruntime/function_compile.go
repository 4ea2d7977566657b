package jsruntime

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
)

// FunctionRuntime names a CloudFront Functions JavaScript runtime.
type FunctionRuntime string

// The two runtimes CloudFront offers.
const (
	Runtime10 FunctionRuntime = "cloudfront-js-1.0"
	Runtime20 FunctionRuntime = "cloudfront-js-2.0"
)

// Valid reports whether r is one of the two runtimes.
func (r FunctionRuntime) Valid() bool { return r == Runtime10 || r == Runtime20 }

// Modules lists what a function of this runtime may require (or, in 2.0, import).
func (r FunctionRuntime) Modules() []string {
	if r == Runtime10 {
		return []string{"crypto", "querystring"}
	}
	return []string{"crypto", "querystring", "buffer", "cloudfront"}
}

// functionScript is a compiled CloudFront Function: one script, run in the global scope, whose
// top-level handler is the entry point.
type functionScript struct {
	file    string
	runtime FunctionRuntime
	prg     *goja.Program
	store   KeyValueStore // what cf.kvs() opens; nil when none is associated
}

// CompileFunction compiles a CloudFront Function: one script with a top-level
// `function handler(event)`, no CommonJS wrapper and no files to require. What CloudFront refuses
// when a function is created is refused here, each problem with file:line:column: a syntax error,
// syntax the runtime does not have (cloudfront-js-1.0 has no let, const, async, await or import),
// a require or import of anything but the runtime's built-in modules, eval and the Function
// constructor, and a missing handler. store is the key value store associated with the
// function (nil for none): cf.kvs() opens it, also in the top-level code, as CloudFront's
// examples do.
func CompileFunction(file string, src []byte, rt FunctionRuntime, store KeyValueStore, opt Options) (*Bundle, error) {
	if !rt.Valid() {
		return nil, &ScriptError{File: file, Message: fmt.Sprintf("unknown runtime %q (cloudfront-js-1.0 or cloudfront-js-2.0)", rt)}
	}
	code, problems := rewriteImports(file, string(src), rt)
	parsed, err := goja.Parse(file, code)
	if err != nil {
		se := syntaxError(file, code, err).(*ScriptError)
		if se.Line == 1 { // syntaxError corrects for the CommonJS wrapper, which functions do not have
			se.Col += len(wrapPrefix)
		}
		return nil, &LoadError{Problems: append(problems, se)}
	}
	problems = append(problems, checkFunction(file, parsed, rt)...)
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	prg, err := goja.CompileAST(parsed, true) // CloudFront runs functions in strict mode
	if err != nil {
		return nil, &LoadError{Problems: []error{syntaxError(file, code, err)}}
	}
	return &Bundle{fn: &functionScript{file: file, runtime: rt, prg: prg, store: store}, opt: opt.withDefaults()}, nil
}

// importStmt matches the import statements of a 2.0 function, which goja (scripts only) cannot
// parse: each becomes a require on the same line, so that later lines keep their positions.
var importStmt = regexp.MustCompile(`(?m)^([ \t]*)import\s+(\*\s*as\s+)?([A-Za-z_$][\w$]*|\{[^}]*\})\s+from\s+(['"])([^'"\n]*)(['"])[ \t]*;?`)

// exportStmt finds export statements: a function exports nothing.
var exportStmt = regexp.MustCompile(`(?m)^[ \t]*export\s`)

func rewriteImports(file, code string, rt FunctionRuntime) (string, []error) {
	var problems []error
	pos := func(offset int) (int, int) {
		line := strings.Count(code[:offset], "\n") + 1
		return line, offset - strings.LastIndexByte(code[:offset], '\n')
	}
	for _, m := range exportStmt.FindAllStringIndex(code, -1) {
		line, col := pos(m[0])
		problems = append(problems, &ScriptError{File: file, Line: line, Col: col, Message: "a CloudFront Function exports nothing: its entry point is a top-level function handler(event)"})
	}
	out := importStmt.ReplaceAllStringFunc(code, func(stmt string) string {
		m := importStmt.FindStringSubmatch(stmt)
		module := m[5]
		offset := strings.Index(code, stmt) // the first statement with this text: good enough for a position
		line, col := pos(offset + len(m[1]))
		switch {
		case rt == Runtime10:
			problems = append(problems, &ScriptError{File: file, Line: line, Col: col, Message: "import is not supported in cloudfront-js-1.0 (use require, or runtime cloudfront-js-2.0)"})
		case !slices.Contains(rt.Modules(), module):
			problems = append(problems, &ScriptError{File: file, Line: line, Col: col, Message: moduleRule(module, rt)})
		}
		// A default import, a namespace import and named imports all read the module object.
		decl := "const "
		if rt == Runtime10 {
			decl = "var " // reported above already; not again as a const
		}
		return m[1] + decl + m[3] + " = require(" + m[4] + module + m[6] + ");"
	})
	return out, problems
}

// moduleRule says why a module cannot be required by a function.
func moduleRule(module string, rt FunctionRuntime) string {
	if strings.HasPrefix(module, ".") || strings.HasPrefix(module, "/") {
		return fmt.Sprintf("cannot require %q: a CloudFront Function is a single file; it can require only the built-in modules %s", module, strings.Join(rt.Modules(), ", "))
	}
	return fmt.Sprintf("module %q is not available in %s (built-in modules: %s)", module, rt, strings.Join(rt.Modules(), ", "))
}

// checkFunction finds, in the syntax tree, what the runtime refuses and whether there is a
// top-level handler.
func checkFunction(name string, prg *ast.Program, rt FunctionRuntime) []error {
	var problems []error
	at := func(n ast.Node, format string, args ...any) {
		p := prg.File.Position(int(n.Idx0()) - prg.File.Base())
		problems = append(problems, &ScriptError{File: name, Line: p.Line, Col: p.Column, Message: fmt.Sprintf(format, args...)})
	}
	v1 := rt == Runtime10
	walkAST(reflect.ValueOf(prg.Body), func(n ast.Node) {
		switch x := n.(type) {
		case *ast.LexicalDeclaration:
			if v1 {
				at(n, "%s is not supported in cloudfront-js-1.0 (use var, or runtime cloudfront-js-2.0)", x.Token)
			}
		case *ast.FunctionLiteral:
			if v1 && x.Async {
				at(n, "async functions are not supported in cloudfront-js-1.0 (use runtime cloudfront-js-2.0)")
			}
		case *ast.ArrowFunctionLiteral:
			if v1 && x.Async {
				at(n, "async functions are not supported in cloudfront-js-1.0 (use runtime cloudfront-js-2.0)")
			}
		case *ast.AwaitExpression:
			if v1 {
				at(n, "await is not supported in cloudfront-js-1.0 (use runtime cloudfront-js-2.0)")
			}
		case *ast.CallExpression:
			checkCall(x.Callee, x.ArgumentList, rt, func(format string, args ...any) { at(n, format, args...) })
		case *ast.NewExpression:
			if id, ok := x.Callee.(*ast.Identifier); ok && id.Name == "Function" {
				at(n, "the Function constructor is not available in CloudFront Functions (no dynamic code)")
			}
		}
	})
	if !hasTopLevelHandler(prg) {
		problems = append(problems, &ScriptError{File: name, Message: "no top-level handler: a CloudFront Function is a script whose entry point is function handler(event) { ... }"})
	}
	return problems
}

func checkCall(callee ast.Expression, args []ast.Expression, rt FunctionRuntime, report func(string, ...any)) {
	id, ok := callee.(*ast.Identifier)
	if !ok {
		return
	}
	switch id.Name {
	case "eval":
		report("eval is not available in CloudFront Functions (no dynamic code)")
	case "Function":
		report("the Function constructor is not available in CloudFront Functions (no dynamic code)")
	case "require":
		if len(args) == 0 {
			return
		}
		if s, ok := args[0].(*ast.StringLiteral); ok && !slices.Contains(rt.Modules(), string(s.Value)) {
			report("%s", moduleRule(string(s.Value), rt))
		}
	}
}

// hasTopLevelHandler reports whether the script declares handler at its top level.
func hasTopLevelHandler(prg *ast.Program) bool {
	isHandler := func(list []*ast.Binding) bool {
		for _, b := range list {
			if id, ok := b.Target.(*ast.Identifier); ok && id.Name == "handler" {
				return true
			}
		}
		return false
	}
	for _, st := range prg.Body {
		switch x := st.(type) {
		case *ast.FunctionDeclaration:
			if x.Function.Name != nil && x.Function.Name.Name == "handler" {
				return true
			}
		case *ast.VariableStatement:
			if isHandler(x.List) {
				return true
			}
		case *ast.LexicalDeclaration:
			if isHandler(x.List) {
				return true
			}
		}
	}
	return false
}

var (
	nodeType = reflect.TypeOf((*ast.Node)(nil)).Elem()
	fileType = reflect.TypeOf((*file.File)(nil))
)

// walkAST calls visit for every node under v. goja has no AST walker; the tree is walked by
// reflection, which is fine at load time. DeclarationList fields repeat declarations found in
// the body and are skipped.
func walkAST(v reflect.Value, visit func(ast.Node)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walkAST(v.Elem(), visit)
		}
	case reflect.Pointer:
		if v.IsNil() || v.Type() == fileType {
			return
		}
		if v.Type().Implements(nodeType) {
			visit(v.Interface().(ast.Node))
		}
		walkAST(v.Elem(), visit)
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if f := t.Field(i); f.IsExported() && f.Name != "DeclarationList" {
				walkAST(v.Field(i), visit)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walkAST(v.Index(i), visit)
		}
	}
}

// errNoHandler is the load error of a script whose handler is not a function at run time (a
// top-level `var handler = 1`).
var errNoHandler = errors.New("handler is not a function: a CloudFront Function's entry point is function handler(event) { ... }")
