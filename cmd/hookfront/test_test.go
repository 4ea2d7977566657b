package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// testProject writes a config, its hooks and test files into a temporary folder and returns
// the config's path. files maps paths relative to the folder to contents.
func testProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		writeFile(t, dir, name, body)
	}
	return filepath.Join(dir, "hookfront.yaml")
}

// wantIn fails unless out holds each of want.
func wantIn(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("the output lacks %q:\n%s", w, out)
		}
	}
}

const hookCasesConfig = `hooks_dir: hooks
hook_timeouts: {viewer: 300ms}
origins: [{id: o, url: "https://origin.example.com:8443/base"}]
behaviors:
  - path_pattern: /r/*
    target: o
    hooks: {viewer-request: redirect.js, origin-request: tag.js, viewer-response: status.js}
  - {path_pattern: "*", target: o}
`

var hookCasesHooks = map[string]string{
	"hooks/redirect.js": `exports.handler = async (event) => {
  const r = event.Records[0].cf.request;
  console.log('saw %s', r.uri);
  if (r.uri === '/loop') { for (;;) {} }
  if (r.uri === '/throw') { throw new Error('boom at ' + r.uri); }
  if (r.uri.startsWith('/old/')) {
    return { status: '301', headers: { location: [{ key: 'Location', value: r.uri.slice(4) }] } };
  }
  return r;
};
`,
	"hooks/tag.js": `exports.handler = (event, context, callback) => {
  const r = event.Records[0].cf.request;
  r.headers['x-origin'] = [{ key: 'X-Origin', value: r.origin.custom.domainName + ':' + r.origin.custom.port + r.origin.custom.path }];
  callback(null, r);
};
`,
	// A viewer-response hook may not change the status: CloudFront rejects the result.
	"hooks/status.js": `exports.handler = async (event) => {
  const resp = event.Records[0].cf.response;
  resp.status = '201';
  return resp;
};
`,
}

func TestTestHookCasesPassAndFailWithADiff(t *testing.T) {
	files := map[string]string{"hookfront.yaml": hookCasesConfig, "tests/hooks.test.yaml": `
- name: redirects old paths
  hook: redirect.js
  event: {request: {uri: /old/page}}
  expect:
    result: {status: "301", headers: {location: [{value: /page}]}}
    console: [saw /old/page]

- name: wrong location
  hook: redirect.js
  event: {request: {uri: /old/page}}
  expect:
    result: {status: 301, headers: {location: [{value: /elsewhere}]}}

- name: the origin of an origin event is the configured one
  hook: tag.js
  event: {request: {uri: /r/x}}
  expect:
    result: {headers: {x-origin: [{value: "origin.example.com:8443/base"}]}}

- name: a result CloudFront rejects fails the case
  hook: status.js
  event: {response: {status: 200}}

- name: unless the case expects it
  hook: status.js
  event: {response: {status: 200}}
  expect: {error: {class: LambdaValidationError, message: may not change the status}}

- name: a throw is an execution error at the hook's line
  hook: redirect.js
  event: {request: {uri: /throw}}
  expect: {error: {class: LambdaExecutionError, message: "redirect.js:5:35: Error: boom at /throw"}}

- name: console lines are checked in order
  hook: redirect.js
  event: {request: {uri: /a}}
  expect: {console: [saw /b]}
`}
	for k, v := range hookCasesHooks {
		files[k] = v
	}
	cfg := testProject(t, files)
	test := filepath.Join(filepath.Dir(cfg), "tests", "hooks.test.yaml")
	out, errOut, code := runIn(t, "test", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantIn(t, out,
		"ok    "+test+": redirects old paths (",
		"FAIL  "+test+": wrong location (",
		"      at "+test+":9\n",
		"      result.headers.location[0].value\n        expected: \"/elsewhere\"\n        got:      \"/page\"\n",
		"      result.status\n        expected: 301\n        got:      \"301\"\n",
		"        | saw /old/page\n", // the console lines of the failing case
		"ok    "+test+": the origin of an origin event is the configured one (",
		"FAIL  "+test+": a result CloudFront rejects fails the case (",
		"got:      LambdaValidationError: viewer-response may not change the status (200 to 201)",
		"ok    "+test+": unless the case expects it (",
		"ok    "+test+": a throw is an execution error at the hook's line (",
		"FAIL  "+test+": console lines are checked in order (",
		"      console\n        expected: \"saw /b\" (in this order after the lines before it)\n        got:      [\"saw /a\"]\n",
		"\n4 passed, 3 failed (",
	)
}

func TestTestDistributionCasesWithScriptedOrigins(t *testing.T) {
	cfg := testProject(t, map[string]string{
		"hookfront.yaml": `hooks_dir: hooks
origins:
  - {id: primary, url: "http://127.0.0.1:1", connection_attempts: 1}
  - {id: secondary, url: "http://127.0.0.1:2", connection_attempts: 1}
origin_groups:
  - id: site
    primary: primary
    secondary: secondary
    error_pages:
      primary: [{status: 404, page_path: /errors/404.html}]
      secondary: [{status: 503, page: sorry.html}]
behaviors:
  - path_pattern: /errors/*
    target: secondary
    hooks: {origin-request: mark.js}
  - path_pattern: "*"
    target: site
    hooks: {origin-request: mark.js, viewer-response: vr.js}
`,
		"sorry.html":    "<h1>Sorry</h1>",
		"hooks/mark.js": "exports.handler = async (e) => { const r = e.Records[0].cf.request; console.log('attempt ' + r.origin.custom.port); return r; };\n",
		"hooks/vr.js":   "exports.handler = async (e) => { const r = e.Records[0].cf.response; r.headers['x-vr'] = [{value: 'yes'}]; return r; };\n",
		"tests/d.test.yaml": `
- name: failover, then a hit
  origins:
    primary: [{status: 503}]
    secondary: [{status: 200, body: from secondary, headers: {cache-control: max-age=60}}]
  requests:
    - path: /a
      expect:
        status: 200
        body_contains: from secondary
        x_cache: Miss from hookfront
        headers: {x-vr: "yes", x-nope: absent}
        attempts: [primary, secondary]
        hooks: [origin-request, origin-request, viewer-response]
    - path: /a
      expect: {status: 200, x_cache: Hit from hookfront, attempts: [], hooks: [viewer-response]}

- name: both down; the secondary's page; no viewer-response
  origins:
    primary: {refuse: true}
    secondary: [{status: 503}]
  requests:
    - path: /b
      expect: {status: 503, body_contains: Sorry, headers: {x-vr: absent}, attempts: [primary, secondary], hooks: [origin-request, origin-request]}

- name: the primary's 404 page is fetched through the edge, origin hooks and all
  origins:
    primary: [{status: 404}]
    secondary: [{status: 200, body: not here}]
  requests:
    - path: /f
      expect: {status: 404, body_contains: not here, attempts: [primary, page:secondary], hooks: [origin-request, page:origin-request]}

- name: a hanging primary fails over after its response timeout
  origins:
    primary: {hang: true}
    secondary: {status: 200, body: ok}
  requests:
    - path: /c
      expect: {status: 200, attempts: [primary, secondary]}

- name: a body cut off after the headers is a 502 from the edge
  origins:
    primary: [{status: 200, body: partial, reset_after_headers: true}]
  requests:
    - path: /d
      expect: {status: 502, x_cache: Error from hookfront, attempts: [primary]}

- name: a failing distribution case
  origins:
    primary: [{status: 503}]
    secondary: [{status: 200}]
  requests:
    - path: /e
      expect: {status: 404, attempts: [primary]}
    - path: /e
      expect: {status: 200}
`,
	})
	test := filepath.Join(filepath.Dir(cfg), "tests", "d.test.yaml")
	out, errOut, code := runIn(t, "test", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantIn(t, out,
		"ok    "+test+": failover, then a hit (",
		"ok    "+test+": both down; the secondary's page; no viewer-response (",
		"ok    "+test+": the primary's 404 page is fetched through the edge, origin hooks and all (",
		"ok    "+test+": a hanging primary fails over after its response timeout (",
		"ok    "+test+": a body cut off after the headers is a 502 from the edge (",
		"FAIL  "+test+": a failing distribution case (",
		"      requests[0].status\n        expected: 404\n        got:      200\n",
		"      requests[0].attempts\n        expected: [\"primary\"]\n        got:      [\"primary\",\"secondary\"]\n",
		// What each origin received: the second request was a hit (a 200 without cache
		// headers is cached for the default TTL).
		"      (origin primary received: GET /e)\n",
		"      (origin secondary received: GET /e)\n",
		"\n5 passed, 1 failed (",
	)
	// The failing case shows its hooks' console lines (one per origin attempt).
	if n := len(regexp.MustCompile(`(?m)^        \| origin-request: attempt \d+$`).FindAllString(out, -1)); n != 2 {
		t.Errorf("%d console lines under the failing case, want 2:\n%s", n, out)
	}
}

func TestTestBadInput(t *testing.T) {
	files := map[string]string{"hookfront.yaml": hookCasesConfig}
	for k, v := range hookCasesHooks {
		files[k] = v
	}
	cfg := testProject(t, files)
	dir := filepath.Dir(cfg)
	tests := filepath.Join(dir, "tests")

	t.Run("a YAML error stops the run with file:line", func(t *testing.T) {
		f := writeFile(t, tests, "a.test.yaml", "- name: a\n  hook: redirect.js\n   event: {}\n")
		defer os.Remove(f)
		out, errOut, code := runIn(t, "test", "--config", cfg)
		if code != 2 || out != "" || !strings.Contains(errOut, f+":3: mapping values are not allowed") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})
	t.Run("an unknown field stops the run with file:line and the field meant", func(t *testing.T) {
		f := writeFile(t, tests, "a.test.yaml", "- name: a\n  hook: redirect.js\n  expect:\n    reslt: {}\n- name: b\n  requests: [{path: /, expect: {satus: 200}}]\n")
		defer os.Remove(f)
		out, errOut, code := runIn(t, "test", "--config", cfg)
		if code != 2 || out != "" {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		wantIn(t, errOut, f+`:4: unknown field "reslt" (did you mean "result"?)`, f+`:6: unknown field "satus" (did you mean "status"?)`)
	})
	t.Run("a misspelt kind key is named, with the key meant", func(t *testing.T) {
		f := writeFile(t, tests, "a.test.yaml", "- name: a\n  hok: redirect.js\n- name: b\n  reqests: [{path: /}]\n")
		defer os.Remove(f)
		out, errOut, code := runIn(t, "test", "--config", cfg)
		if code != 2 || out != "" {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		wantIn(t, errOut, f+`:2: unknown field "hok" (did you mean "hook"?)`, f+`:4: unknown field "reqests" (did you mean "requests"?)`)
	})
	t.Run("a misspelt field of a short event stops the run with its line", func(t *testing.T) {
		f := writeFile(t, tests, "a.test.yaml", `- name: a
  hook: redirect.js
  event:
    request: {uri: /, headrs: {a: b}}
    respone: {status: 200}
- name: b
  function: f.js
  event:
    request:
      cookeis: {a: b}
- name: whole events are passed as given
  hook: redirect.js
  event: {Records: [{cf: {request: {uri: /}}}], extra: 1}
`)
		defer os.Remove(f)
		out, errOut, code := runIn(t, "test", "--config", cfg)
		if code != 2 || out != "" {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		wantIn(t, errOut, f+`:4: event.request: unknown field "headrs" (did you mean "headers"?)`,
			f+`:5: event: unknown field "respone" (did you mean "response"?)`,
			f+`:10: event.request: unknown field "cookeis" (did you mean "cookies"?)`)
		if strings.Contains(errOut, "extra") {
			t.Errorf("a whole event was checked:\n%s", errOut)
		}
	})
	t.Run("a case naming a missing hook fails with the path; a looping hook fails only its own case", func(t *testing.T) {
		f := writeFile(t, tests, "a.test.yaml", `
- {name: missing, hook: lib/nope.js, trigger: viewer-request}
- {name: loops, hook: redirect.js, event: {request: {uri: /loop}}}
- {name: loops as expected, hook: redirect.js, event: {request: {uri: /loop}}, expect: {error: LambdaLimitExceeded}}
- {name: still runs, hook: redirect.js, event: {request: {uri: /x}}, expect: {result: {uri: /x}}}
`)
		defer os.Remove(f)
		out, errOut, code := runIn(t, "test", "--config", cfg)
		if code != 1 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		wantIn(t, out,
			"FAIL  "+f+": missing (",
			"hook "+filepath.Join(dir, "hooks", "lib", "nope.js")+" not found",
			"FAIL  "+f+": loops (",
			"got:      LambdaLimitExceeded: redirect.js:4:7: hook ran past its time limit",
			"ok    "+f+": loops as expected (",
			"ok    "+f+": still runs (",
			"2 passed, 2 failed")
	})
	t.Run("an unwritable --junit stops the run before anything runs", func(t *testing.T) {
		f := writeFile(t, tests, "a.test.yaml", "- {name: a, hook: redirect.js}\n")
		defer os.Remove(f)
		out, errOut, code := runIn(t, "test", "--config", cfg, "--junit", filepath.Join(dir, "no-such-folder", "junit.xml"))
		if code != 2 || out != "" || !strings.Contains(errOut, "--junit:") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})
	t.Run("all passing is exit 0; --run selects cases; no case is a usage error", func(t *testing.T) {
		f := writeFile(t, tests, "a.test.yaml", "- {name: one, hook: redirect.js, expect: {result: {uri: /}}}\n- {name: two, hook: redirect.js, expect: {result: {uri: /nope}}}\n")
		defer os.Remove(f)
		out, errOut, code := runIn(t, "test", "--config", cfg, "--run", "^one$")
		if code != 0 || !strings.Contains(out, "1 passed, 0 failed") || strings.Contains(out, "two") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		if _, errOut, code = runIn(t, "test", "--config", cfg, "--run", "three"); code != 2 || !strings.Contains(errOut, `no case matches --run "three"`) {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		if _, errOut, code = runIn(t, "test"); code != 2 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})
}

func TestTestJSON(t *testing.T) {
	files := map[string]string{"hookfront.yaml": hookCasesConfig, "hooks/r.test.yaml": `
- {name: passes, hook: redirect.js, event: {request: {uri: /old/a}}, expect: {result: {status: "301"}}}
- {name: fails, hook: redirect.js, event: {request: {uri: /old/a}}, expect: {result: {status: "302"}}}
`}
	for k, v := range hookCasesHooks {
		files[k] = v
	}
	cfg := testProject(t, files)
	out, errOut, code := runIn(t, "test", "--config", cfg, "--json")
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var got struct {
		Passed, Failed int
		Cases          []struct {
			Name     string
			Passed   bool
			Failures []struct{ Path, Expected, Got string }
			Console  []string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Passed != 1 || got.Failed != 1 || len(got.Cases) != 2 || !got.Cases[0].Passed || got.Cases[1].Passed ||
		got.Cases[1].Failures[0].Path != "result.status" || got.Cases[1].Failures[0].Expected != `"302"` || got.Cases[1].Failures[0].Got != `"301"` ||
		len(got.Cases[1].Console) != 1 || got.Cases[1].Console[0] != "saw /old/a" {
		t.Fatalf("%+v\n%s", got, out)
	}
}

// junitSchema is Jenkins' junit-4.xsd (the JUnit and xUnit plugins' schema): for each element,
// the children and attributes it may have, and the attributes it must have.
var junitSchema = map[string]struct{ children, attrs, required []string }{
	"testsuites": {[]string{"testsuite"}, []string{"name", "time", "tests", "failures", "disabled", "errors"}, nil},
	"testsuite": {[]string{"properties", "testcase", "system-out", "system-err"},
		[]string{"name", "tests", "failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id", "package"}, []string{"name", "tests"}},
	"properties": {[]string{"property"}, nil, nil},
	"property":   {nil, []string{"name", "value"}, []string{"name", "value"}},
	"testcase": {[]string{"skipped", "error", "failure", "system-out", "system-err"},
		[]string{"name", "assertions", "time", "classname", "status"}, []string{"name"}},
	"skipped":    {nil, []string{"message"}, nil},
	"error":      {nil, []string{"message", "type"}, nil},
	"failure":    {nil, []string{"message", "type"}, nil},
	"system-out": {nil, nil, nil},
	"system-err": {nil, nil, nil},
}

// checkJUnit fails unless doc is well-formed XML whose elements, nesting and attributes are
// those junit-4.xsd allows, with numbers where it wants numbers.
func checkJUnit(t *testing.T, doc []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	integer := regexp.MustCompile(`^[0-9]+$`)
	decimal := regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	timestamp := regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, doc)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			name := el.Name.Local
			rule, known := junitSchema[name]
			switch {
			case !known:
				t.Errorf("element %s is not in junit-4.xsd", name)
			case len(stack) == 0 && name != "testsuites":
				t.Errorf("the root is %s, not testsuites", name)
			case len(stack) > 0 && !slices.Contains(junitSchema[stack[len(stack)-1]].children, name):
				t.Errorf("%s may not hold %s", stack[len(stack)-1], name)
			}
			have := map[string]string{}
			for _, a := range el.Attr {
				have[a.Name.Local] = a.Value
				if !slices.Contains(rule.attrs, a.Name.Local) {
					t.Errorf("%s may not have the attribute %s", name, a.Name.Local)
				}
				switch a.Name.Local {
				case "tests", "failures", "errors", "skipped", "disabled", "assertions":
					if !integer.MatchString(a.Value) {
						t.Errorf("%s %s=%q is not an integer", name, a.Name.Local, a.Value)
					}
				case "time":
					if !decimal.MatchString(a.Value) {
						t.Errorf("%s time=%q is not a decimal", name, a.Value)
					}
				case "timestamp":
					if !timestamp.MatchString(a.Value) {
						t.Errorf("%s timestamp=%q is not an ISO 8601 date and time", name, a.Value)
					}
				}
			}
			for _, req := range rule.required {
				if _, ok := have[req]; !ok {
					t.Errorf("%s lacks the required attribute %s", name, req)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && len(bytes.TrimSpace(el)) > 0 && junitSchema[stack[len(stack)-1]].children != nil {
				t.Errorf("%s holds text", stack[len(stack)-1])
			}
		}
	}
}

func TestTestWritesJUnitXML(t *testing.T) {
	files := map[string]string{"hookfront.yaml": hookCasesConfig,
		"tests/a.test.yaml": "- {name: passes, hook: redirect.js, event: {request: {uri: /old/a}}, expect: {result: {status: \"301\"}}}\n" +
			"- {name: fails <&>, hook: redirect.js, event: {request: {uri: /old/a}}, expect: {result: {status: \"302\"}}}\n",
		"tests/b.test.yaml": "- {name: only, origins: {o: {status: 200}}, requests: [{path: /x, expect: {status: 200}}]}\n",
	}
	for k, v := range hookCasesHooks {
		files[k] = v
	}
	cfg := testProject(t, files)
	junit := filepath.Join(filepath.Dir(cfg), "out", "junit.xml")
	if err := os.MkdirAll(filepath.Dir(junit), 0o755); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runIn(t, "test", "--config", cfg, "--junit", junit)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	doc, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	checkJUnit(t, doc)
	var got struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(filepath.Dir(cfg), "tests", "a.test.yaml")
	if got.Tests != 3 || got.Failures != 1 || len(got.Suites) != 2 || got.Suites[0].Name != a || got.Suites[0].Tests != 2 ||
		got.Suites[0].Cases[0].Failure != nil || got.Suites[0].Cases[1].Name != "fails <&>" || got.Suites[0].Cases[1].Classname != a {
		t.Fatalf("%+v\n%s", got, doc)
	}
	f := got.Suites[0].Cases[1].Failure
	if f == nil || f.Message != `result.status: expected "302", got "301"` ||
		!strings.Contains(f.Text, "result.status\n  expected: \"302\"\n  got:      \"301\"") || got.Suites[0].Cases[1].SystemOut != "saw /old/a" {
		t.Fatalf("%+v\n%s", f, doc)
	}
}

func TestTestWatchRerunsWhatASaveAffects(t *testing.T) {
	cfg := testProject(t, map[string]string{
		"hookfront.yaml": "hooks_dir: hooks\norigins: [{id: o, url: 'http://127.0.0.1:9'}]\nbehaviors:\n  - path_pattern: '*'\n    target: o\n    hooks: {viewer-request: a.js, viewer-response: b.js}\n",
		"hooks/a.js":     "exports.handler = async (e) => e.Records[0].cf.request;\n",
		"hooks/lib/v.js": "module.exports = 'one';\n",
		"hooks/b.js":     "const v = require('./lib/v');\nexports.handler = async (e) => { const r = e.Records[0].cf.response; r.headers['x-v'] = [{value: v}]; return r; };\n",
		"hooks/hooks.test.yaml": `
- {name: case a, hook: a.js, expect: {result: {uri: /}}}
- {name: case b, hook: b.js, expect: {result: {headers: {x-v: [{value: one}]}}}}
`,
	})
	hooksDir := filepath.Join(filepath.Dir(cfg), "hooks")
	r := runBackground(t, "test", "--config", cfg, "--watch")
	r.out.wait(t, "2 passed, 0 failed")
	r.err.wait(t, "watching for changes")

	// A save of a file b.js requires reruns b's case only.
	writeFile(t, hooksDir, "lib/v.js", "module.exports = 'two';\n")
	after := rerun(t, r, 1, "0 passed, 1 failed")
	wantIn(t, after, filepath.Join(hooksDir, "lib", "v.js")+" changed", "FAIL  "+filepath.Join(hooksDir, "hooks.test.yaml")+": case b (", `got:      "two"`)
	if strings.Contains(after, "case a") {
		t.Errorf("case a does not depend on lib/v.js but ran again:\n%s", after)
	}

	// Fixing the test file reruns its cases.
	writeFile(t, hooksDir, "hooks.test.yaml", `
- {name: case a, hook: a.js, expect: {result: {uri: /}}}
- {name: case b, hook: b.js, expect: {result: {headers: {x-v: [{value: two}]}}}}
`)
	rerun(t, r, 2, "2 passed, 0 failed (")
	if code := r.exit(t); code != 0 {
		t.Fatalf("exit %d after the last run passed", code)
	}
}

// rerun waits (bounded) until the output of watch run n (1 is the first rerun) holds want, and
// returns that run's output.
func rerun(t *testing.T, r *running, n int, want string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		runs := strings.Split(r.out.String(), "\n--- ")
		if len(runs) > n && strings.Contains(runs[n], want) {
			return runs[n]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in watch run %d within 15s:\n%s\n%s", want, n, r.out.String(), r.err.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestExamplesPassHookfrontTest runs the examples' own test files, so that `make test` keeps
// them true: every example hook's and function's cases, the demo's failover and the API's write
// failover.
func TestExamplesPassHookfrontTest(t *testing.T) {
	for _, cfg := range []string{"hooks", "demo", "api-failover", "functions"} {
		t.Run(cfg, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("..", "..", "examples", cfg, "hookfront.yaml")
			if cfg == "functions" {
				path = generousFunctionBudget(t, filepath.Dir(path))
			}
			out, errOut, code := runIn(t, "test", "--config", path)
			if code != 0 || !strings.Contains(out, " passed, 0 failed") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
		})
	}
}

// generousFunctionBudget copies an example folder and gives its functions a budget of 1s instead
// of 5ms: the calls are the same, but this machine is shared, and the race detector makes goja
// several times slower.
func generousFunctionBudget(t *testing.T, dir string) string {
	t.Helper()
	tmp := t.TempDir()
	if err := os.CopyFS(tmp, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(tmp, "hookfront.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(b, "hook_timeouts: {function: 1s}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestTestHookCasesAreIsolated runs cases of a hook that counts its calls in module scope and
// in a global: each case sees a first call, in parallel as in sequence.
func TestTestHookCasesAreIsolated(t *testing.T) {
	var cases strings.Builder
	for i := range 8 {
		fmt.Fprintf(&cases, "- {name: call %d, hook: viewer-request.js, expect: {result: {body: '1,1'}}}\n", i)
	}
	dir := filepath.Dir(testProject(t, map[string]string{
		"viewer-request.js": "let n = 0;\nexports.handler = async () => {\n  n++; globalThis.g = (globalThis.g || 0) + 1;\n  return { status: '200', body: n + ',' + globalThis.g };\n};\n",
		"count.test.yaml":   cases.String(),
	}))
	if out, errOut, code := runIn(t, "test", "--hooks", dir); code != 0 || !strings.Contains(out, "8 passed, 0 failed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestTestCaseWithoutATriggerSaysHowToGiveOne: a hook case whose trigger nothing gives says what
// to add, and what binds files where it runs: without --config a file's name binds it.
func TestTestCaseWithoutATriggerSaysHowToGiveOne(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "redirect.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	f := writeFile(t, dir, "a.test.yaml", "- {name: a, hook: redirect.js}\n")
	out, errOut, code := runIn(t, "test", f)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantIn(t, out, "add trigger: to the case (viewer-request, origin-request, origin-response, viewer-response): redirect.js is bound to no trigger by its name (without --config, a file binds by its name")
	if strings.Contains(out, "run with --config") {
		t.Errorf("a folder without a config file is told to use one:\n%s", out)
	}
	// A config beside the test file is what the run most likely meant (examples/hooks/x.test.yaml).
	cfgBeside := writeFile(t, dir, "hookfront.yaml", "hooks_dir: .\n")
	out, _, _ = runIn(t, "test", f)
	wantIn(t, out, "and the event has no eventType; to bind it as "+cfgBeside+" does, run with --config "+cfgBeside)

	cfg := testProject(t, map[string]string{
		"hookfront.yaml":    "hooks_dir: hooks\norigins: [{id: o, url: \"http://127.0.0.1:1\"}]\nbehaviors: [{path_pattern: \"*\", target: o}]\n",
		"hooks/redirect.js": "exports.handler = async (e) => e.Records[0].cf.request;\n",
		"tests/a.test.yaml": "- {name: a, hook: redirect.js, handler: other}\n",
	})
	out, errOut, code = runIn(t, "test", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantIn(t, out, "redirect.js (export other) is bound to no trigger by the config, and the event has no eventType")
}

// TestTestWithoutCasesSaysWhereItLooked: a run that finds no test file names the folders it
// searched (the config's hooks folder and tests/ beside it), so that a file in the wrong place is
// found.
func TestTestWithoutCasesSaysWhereItLooked(t *testing.T) {
	cfg := testProject(t, map[string]string{
		"hookfront.yaml":     "hooks_dir: hooks\norigins: [{id: o, url: \"http://127.0.0.1:1\"}]\nbehaviors: [{path_pattern: \"*\", target: o}]\n",
		"hooks/a.js":         "exports.handler = async (e) => e.Records[0].cf.request;\n",
		"test/a.test.yaml":   "- {name: a, hook: a.js, trigger: viewer-request}\n", // test/, not tests/
		"hooks/a.tests.yaml": "- {name: a, hook: a.js, trigger: viewer-request}\n", // .tests.yaml, not .test.yaml
	})
	dir := filepath.Dir(cfg)
	_, errOut, code := runIn(t, "test", "--config", cfg)
	if code != 2 || !strings.Contains(errOut, "no test cases found in "+filepath.Join(dir, "hooks")+" or "+filepath.Join(dir, "tests")+" (test files are named *.test.yaml") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}
