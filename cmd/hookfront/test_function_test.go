package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// functionCasesConfig binds CloudFront Functions: a 2.0 function with a key value store on "*",
// and on /app/* a 1.0 function and a viewer-response function. The budget is generous (the
// machines are shared); the looping cases set their own.
const functionCasesConfig = `hooks_dir: hooks
hook_timeouts: {function: 1s}
origins: [{id: main, url: "http://127.0.0.1:9"}, {id: canary, url: "http://127.0.0.1:10"}]
key_value_stores: [{name: redirects, file: data/redirects.json}]
behaviors:
  - path_pattern: /app/*
    target: main
    functions:
      viewer-request: {file: spa.js, runtime: cloudfront-js-1.0}
      viewer-response: headers.js
  - path_pattern: "*"
    target: main
    functions:
      viewer-request: {file: vr.js, key_value_store: redirects}
`

var functionCasesFiles = map[string]string{
	"data/redirects.json":          `{"data": [{"key": "/old", "value": "/new"}]}`,
	"tests/fixtures/campaign.json": `{"data": [{"key": "/promo", "value": "/sale"}]}`,
	"hooks/vr.js": `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const r = event.request;
  console.log('saw ' + r.uri);
  if (r.uri === '/loop') { for (;;) {} }
  if (r.uri === '/throw') { throw new Error('boom at ' + r.uri); }
  if (r.uri === '/bad-uri') { r.uri = 'no-slash'; return r; }
  if (r.uri === '/canary') { cf.selectRequestOriginById('canary'); return r; }
  if (r.uri === '/nowhere') { cf.selectRequestOriginById('elsewhere'); return r; }
  if (r.uri === '/host') { cf.updateRequestOrigin({domainName: 'b.example.com', originPath: '/v2'}); return r; }
  if (r.uri === '/token') {
    if (Date.now() / 1000 > Number(r.querystring.exp.value)) { return {statusCode: 403, statusDescription: 'Forbidden'}; }
    return r;
  }
  if (r.uri === '/burn') { let x = 0; for (let i = 0; i < 200000; i++) { x += i; } r.headers['x-burn'] = {value: String(x)}; return r; }
  try {
    return {statusCode: 301, statusDescription: 'Moved Permanently', headers: {location: {value: await kvs.get(r.uri)}}};
  } catch (e) {
    return r;
  }
}
`,
	// String.bytesFrom exists in cloudfront-js-1.0 only: the runtime is the binding's.
	"hooks/spa.js": `function handler(event) {
  var r = event.request;
  r.headers['x-bytes'] = {value: String(String.bytesFrom('6869', 'hex').length)};
  if (r.uri.split('/').pop().indexOf('.') === -1) { r.uri = '/index.html'; }
  return r;
}
`,
	"hooks/headers.js": `function handler(event) {
  const resp = event.response;
  resp.headers['x-frame-options'] = {value: 'DENY'};
  return resp;
}
`,
}

func functionProject(t *testing.T, tests map[string]string) string {
	t.Helper()
	files := map[string]string{"hookfront.yaml": functionCasesConfig}
	for k, v := range functionCasesFiles {
		files[k] = v
	}
	for k, v := range tests {
		files[k] = v
	}
	return testProject(t, files)
}

func TestTestFunctionCasesPassAndFailWithADiff(t *testing.T) {
	cfg := functionProject(t, map[string]string{"tests/functions.test.yaml": `
- name: redirects from the store
  function: vr.js
  event: {request: {uri: /old}}
  expect:
    result: {response: {statusCode: 301, headers: {location: {value: /new}}}}
    console: [saw /old]

- name: a wrong location
  function: vr.js
  event: {request: {uri: /old}}
  expect:
    result: {response: {statusCode: "301", headers: {location: {value: /elsewhere}}}}

- name: a path not in the store goes on, completed with defaults
  function: vr.js
  event: {request: {uri: "/x?a=1", headers: {cookie: "s=2"}}}
  expect:
    result:
      request: {method: GET, uri: /x, querystring: {a: {value: "1"}}, cookies: {s: {value: "2"}}, headers: {host: {value: hookfront.local}}}
    origin_calls: []

- name: the case's own store
  function: vr.js
  kvs: fixtures/campaign.json
  event: {request: {uri: /promo}}
  expect: {result: {response: {headers: {location: {value: /sale}}}}}

- name: a throw is an execution error at the function's line
  function: vr.js
  event: {request: {uri: /throw}}
  expect: {error: {class: FunctionExecutionError, message: "vr.js:7:"}}

- name: an unexpected throw
  function: vr.js
  event: {request: {uri: /throw}}

- name: a result CloudFront refuses fails the case
  function: vr.js
  event: {request: {uri: /bad-uri}}

- name: unless the case expects it
  function: vr.js
  event: {request: {uri: /bad-uri}}
  expect: {error: {class: FunctionValidationError, message: must be a string that starts with /}}

- name: a loop is throttled
  function: vr.js
  timeout: 20ms
  event: {request: {uri: /loop}}

- name: a loop expected to be throttled
  function: vr.js
  timeout: 20ms
  event: {request: {uri: /loop}}
  expect: {error: FunctionThrottledError}

- name: the origin helper call
  function: vr.js
  event: {request: {uri: /canary}}
  expect: {origin_calls: [{method: selectRequestOriginById, args: [canary]}]}

- name: a wrong origin helper call
  function: vr.js
  event: {request: {uri: /canary}}
  expect: {origin_calls: [{method: selectRequestOriginById, args: [main]}]}

- name: an origin the config does not have
  function: vr.js
  event: {request: {uri: /nowhere}}
  expect: {error: {class: FunctionValidationError, message: 'origin "elsewhere", which is not an origin of this distribution'}}

- name: an origin update
  function: vr.js
  event: {request: {uri: /host}}
  expect: {origin_calls: [{method: updateRequestOrigin, args: [{domainName: b.example.com, originPath: /v2}]}]}

- name: a token before its expiry
  function: vr.js
  now: 2030-01-01T00:00:00Z
  event: {request: {uri: "/token?exp=1900000000"}}
  expect: {result: {request: {uri: /token}}}

- name: a token after its expiry
  function: vr.js
  now: 2031-01-01T00:00:00Z
  event: {request: {uri: "/token?exp=1900000000"}}
  expect: {result: {response: {statusCode: 403}}}

- name: over the compute utilization wanted
  function: vr.js
  event: {request: {uri: /burn}}
  expect: {compute_utilization_max: 50}

- name: the runtime and trigger are the binding's
  function: spa.js
  event: {request: {uri: /app/settings}}
  expect: {result: {request: {uri: /index.html, headers: {x-bytes: {value: "2"}}}}}

- name: a viewer-response function
  function: headers.js
  event: {response: {statusCode: 404, headers: {set-cookie: "a=1; Secure"}}}
  expect: {result: {response: {statusCode: 404, headers: {x-frame-options: {value: DENY}}, cookies: {a: {value: "1", attributes: Secure}}}}}

- name: a 2.0 function run as 1.0 does not load
  function: headers.js
  runtime: cloudfront-js-1.0
`})
	test := filepath.Join(filepath.Dir(cfg), "tests", "functions.test.yaml")
	hooksDir := filepath.Join(filepath.Dir(cfg), "hooks")
	out, errOut, code := runIn(t, "test", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantIn(t, out,
		"ok    "+test+": redirects from the store (",
		"FAIL  "+test+": a wrong location (",
		"      at "+test+":9\n",
		"      result.response.headers.location.value\n        expected: \"/elsewhere\"\n        got:      \"/new\"\n",
		"      result.response.statusCode\n        expected: \"301\"\n        got:      301\n",
		"        | saw /old\n",
		"ok    "+test+": a path not in the store goes on, completed with defaults (",
		"ok    "+test+": the case's own store (",
		"ok    "+test+": a throw is an execution error at the function's line (",
		"FAIL  "+test+": an unexpected throw (",
		"        got:      FunctionExecutionError: "+filepath.Join(hooksDir, "vr.js")+":7:",
		"Error: boom at /throw\n",
		"FAIL  "+test+": a result CloudFront refuses fails the case (",
		"        got:      FunctionValidationError: request.uri must be a string that starts with /",
		"ok    "+test+": unless the case expects it (",
		"FAIL  "+test+": a loop is throttled (",
		"        got:      FunctionThrottledError: ran past its budget of 20ms",
		"ok    "+test+": a loop expected to be throttled (",
		"ok    "+test+": the origin helper call (",
		"FAIL  "+test+": a wrong origin helper call (",
		"      origin_calls[0].args[0]\n        expected: \"main\"\n        got:      \"canary\"\n",
		"ok    "+test+": an origin the config does not have (",
		"ok    "+test+": an origin update (",
		"ok    "+test+": a token before its expiry (",
		"ok    "+test+": a token after its expiry (",
		"FAIL  "+test+": over the compute utilization wanted (",
		"      compute_utilization\n        expected: at most 50\n",
		"ok    "+test+": the runtime and trigger are the binding's (",
		"ok    "+test+": a viewer-response function (",
		"FAIL  "+test+": a 2.0 function run as 1.0 does not load (",
		"      the function does not load: "+filepath.Join(hooksDir, "headers.js")+":2:",
		"\n13 passed, 7 failed (",
	)
	// A failed case shows its compute utilization, as TestFunction reports it.
	if !strings.Contains(out, "      (compute utilization ") {
		t.Errorf("no compute utilization under a failure:\n%s", out)
	}
}

func TestTestFunctionCaseBadInput(t *testing.T) {
	cfg := functionProject(t, nil)
	tests := filepath.Join(filepath.Dir(cfg), "tests")
	for name, c := range map[string]struct{ file, want string }{
		"an unknown runtime": {"- name: a\n  function: vr.js\n  runtime: cloudfront-js-3.0\n",
			`:3: "cloudfront-js-3.0" is not a CloudFront Functions runtime (cloudfront-js-1.0 or cloudfront-js-2.0)`},
		"an origin trigger, which CloudFront refuses": {"- name: a\n  function: vr.js\n  trigger: origin-request\n",
			":3: CloudFront Functions run only on viewer-request and viewer-response, not origin-request"},
		"a Lambda error class": {"- {name: a, function: vr.js,\n   expect: {error: LambdaExecutionError}}\n",
			`:2: error "LambdaExecutionError" is not a CloudFront Functions error class (FunctionExecutionError, FunctionValidationError or FunctionThrottledError)`},
		"a clock that is not RFC 3339": {"- {name: a, function: vr.js, now: tomorrow}\n",
			`:1: now: "tomorrow" is not an RFC 3339 time`},
		"a function expected on an origin trigger": {"- name: d\n  requests: [{path: /, expect: {hooks: [function:origin-request]}}]\n",
			`:2: expect.hooks: "function:origin-request": CloudFront Functions run on viewer-request and viewer-response`},
		"a field of hook cases": {"- {name: a, function: vr.js, handler: main}\n",
			`:1: unknown field "handler"`},
	} {
		t.Run(name, func(t *testing.T) {
			f := writeFile(t, tests, "bad.test.yaml", c.file)
			defer os.Remove(f)
			out, errOut, code := runIn(t, "test", "--config", cfg)
			if code != 2 || out != "" || !strings.Contains(errOut, f+c.want) {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant %s", code, out, errOut, f+c.want)
			}
		})
	}
	t.Run("a missing function file or store fails its case with the path; the others run", func(t *testing.T) {
		f := writeFile(t, tests, "missing.test.yaml", `
- {name: no function, function: lib/nope.js}
- {name: no store, function: vr.js, kvs: fixtures/nope.json}
- {name: still runs, function: vr.js, event: {request: {uri: /old}}, expect: {result: {response: {statusCode: 301}}}}
`)
		defer os.Remove(f)
		out, errOut, code := runIn(t, "test", "--config", cfg)
		if code != 1 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		wantIn(t, out,
			"FAIL  "+f+": no function (",
			"function "+filepath.Join(filepath.Dir(cfg), "hooks", "lib", "nope.js")+" not found",
			"FAIL  "+f+": no store (",
			"key value store nope.json: open "+filepath.Join(tests, "fixtures", "nope.json"),
			"ok    "+f+": still runs (",
			"1 passed, 2 failed")
	})
}

func TestTestDistributionCasesRunFunctions(t *testing.T) {
	cfg := functionProject(t, map[string]string{"tests/edge.test.yaml": `
- name: a redirect from the store, at the edge
  requests:
    - path: /old
      expect: {status: 301, headers: {location: /new}, x_cache: FunctionGeneratedResponse from hookfront, attempts: [], hooks: [function:viewer-request]}

- name: both triggers, then a hit
  origins:
    main: [{status: 200, headers: {cache-control: max-age=60}, body: app}]
  requests:
    - path: /app/settings
      expect: {status: 200, body_contains: app, headers: {x-frame-options: DENY}, attempts: [main], hooks: [function:viewer-request, function:viewer-response]}
    - path: /app/orders
      expect: {x_cache: Hit from hookfront, attempts: [], hooks: [function:viewer-request, function:viewer-response]}

- name: the origin the function chose
  origins:
    canary: [{status: 200, body: canary}]
  requests:
    - path: /canary
      expect: {body_contains: canary, attempts: [canary], hooks: [function:viewer-request]}

- name: a function that throws is a 503
  requests:
    - path: /throw
      expect: {status: 503, x_cache: Error from hookfront, attempts: [], hooks: [viewer-request]}
`})
	test := filepath.Join(filepath.Dir(cfg), "tests", "edge.test.yaml")
	out, errOut, code := runIn(t, "test", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantIn(t, out,
		"ok    "+test+": a redirect from the store, at the edge (",
		"ok    "+test+": both triggers, then a hit (",
		"ok    "+test+": the origin the function chose (",
		"FAIL  "+test+": a function that throws is a 503 (",
		"      requests[0].hooks\n        expected: [\"viewer-request\"]\n        got:      [\"function:viewer-request\"]\n",
		"        | function:viewer-request: saw /throw\n",
		"        | function:viewer-request: error: the function failed: viewer-request function vr.js: FunctionExecutionError: vr.js:7:",
		"3 passed, 1 failed",
	)

	// Without a config, functions/viewer-request.js binds as a function, as serve --hooks does.
	dir := t.TempDir()
	writeFile(t, dir, "functions/viewer-request.js", "function handler(event) { event.request.headers['x-f'] = {value: '1'}; return event.request; }\n")
	writeFile(t, dir, "f.test.yaml", `
- name: the function alone
  function: functions/viewer-request.js
  expect: {result: {request: {headers: {x-f: {value: "1"}}}}}
- name: through the edge
  origins: {origin: {status: 200}}
  requests: [{path: /, expect: {status: 200, hooks: [function:viewer-request]}}]
`)
	if out, errOut, code := runIn(t, "test", "--hooks", dir); code != 0 || !strings.Contains(out, "2 passed, 0 failed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestTestWatchRerunsFunctionCases(t *testing.T) {
	stores := t.TempDir() // outside the config's folder: watched for the store
	store := writeFile(t, stores, "redirects.json", `{"data": [{"key": "/old", "value": "/new"}]}`)
	cfg := testProject(t, map[string]string{
		"hookfront.yaml": "hooks_dir: hooks\nhook_timeouts: {function: 1s}\norigins: [{id: o, url: 'http://127.0.0.1:9'}]\n" +
			"key_value_stores: [{name: r, file: " + store + "}]\nbehaviors:\n  - path_pattern: '*'\n    target: o\n" +
			"    functions: {viewer-request: {file: vr.js, key_value_store: r}}\n    hooks: {origin-request: or.js}\n",
		"hooks/vr.js": "import cf from 'cloudfront';\nasync function handler(event) {\n  const to = await cf.kvs().get(event.request.uri);\n" +
			"  return {statusCode: 301, headers: {location: {value: to}}};\n}\n",
		"hooks/or.js": "exports.handler = async (e) => e.Records[0].cf.request;\n",
		"hooks/cases.test.yaml": `
- {name: function case, function: vr.js, event: {request: {uri: /old}}, expect: {result: {response: {headers: {location: {value: /new}}}}}}
- {name: hook case, hook: or.js, expect: {result: {uri: /}}}
`,
	})
	hooksDir := filepath.Join(filepath.Dir(cfg), "hooks")
	r := runBackground(t, "test", "--config", cfg, "--watch")
	r.out.wait(t, "2 passed, 0 failed")
	r.err.wait(t, "watching for changes")

	// A save of the store reruns the function case only.
	writeFile(t, stores, "redirects.json", `{"data": [{"key": "/old", "value": "/newer"}]}`)
	after := rerun(t, r, 1, "0 passed, 1 failed")
	wantIn(t, after, store+" changed", "FAIL  "+filepath.Join(hooksDir, "cases.test.yaml")+": function case (", `got:      "/newer"`)
	if strings.Contains(after, "hook case") {
		t.Errorf("the hook case does not read the store but ran again:\n%s", after)
	}

	// A save of the function reruns it.
	writeFile(t, hooksDir, "vr.js", "function handler(event) {\n  return {statusCode: 301, headers: {location: {value: '/new'}}};\n}\n")
	after = rerun(t, r, 2, "1 passed, 0 failed")
	wantIn(t, after, filepath.Join(hooksDir, "vr.js")+" changed", "ok    "+filepath.Join(hooksDir, "cases.test.yaml")+": function case (")
	if strings.Contains(after, "hook case") {
		t.Errorf("the hook case does not use vr.js but ran again:\n%s", after)
	}
}
