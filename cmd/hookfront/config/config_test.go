package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const good = `listen: 127.0.0.1:8080
origins:
  - id: primary
    url: http://127.0.0.1:9001
    connection_attempts: 2
    connection_timeout: 2s
    custom_headers: {x-origin-token: abc}
  - id: backup
    url: http://127.0.0.1:9002/base
origin_groups:
  - id: site
    primary: primary
    secondary: backup
    failover_status_codes: [500, 502, 503, 504]
    error_pages:
      primary:
        - {status: 404, page: pages/nf.html, response_code: 404, cache_ttl: 10s}
      secondary:
        - {status: 503, page_path: /errors/sorry.html}
error_pages:
  - {status: 500, page: pages/nf.html}
  - {status: 502, cache_ttl: 0s}
behaviors:
  - path_pattern: /api/*
    target: site
    allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
    cached_methods: [GET, HEAD]
    ttl: {min: 0s, default: 24h, max: 8760h}
  - path_pattern: "*"
    target: site
cache:
  max_size: 64MB
  key: {query_strings: [page, sort], headers: [Accept-Language]}
`

func TestGoodConfigWithDefaults(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "pages/nf.html", "<h1>nf</h1>")
	c, err := Parse(write(t, dir, "hookfront.yaml", good), []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.Origins[1].ConnectionAttempts != 3 || c.Origins[1].ResponseTimeout.Duration != 30*time.Second {
		t.Errorf("origin defaults not filled: %+v", c.Origins[1])
	}
	if c.Cache.MaxSize != 64<<20 || c.Cache.Key.QueryStrings.Mode != "include" {
		t.Errorf("cache: %+v", c.Cache)
	}
	if c.HookTimeouts.Viewer.Duration != 5*time.Second {
		t.Errorf("hook timeouts %+v", c.HookTimeouts)
	}
	if c.Server.ReadBodyTimeout.Duration != 30*time.Second {
		t.Errorf("server %+v", c.Server)
	}
	d, err := c.Distribution()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
	if p, ok := d.Pages.Lookup("site", "primary", "primary", 404); !ok || string(p.Body) != "<h1>nf</h1>" {
		t.Errorf("page not loaded: %+v", p)
	}
}

// problems returns the error text of parsing body, which must fail.
func problems(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	path := write(t, dir, "hookfront.yaml", body)
	_, err := Parse(path, []byte(body))
	if err == nil {
		t.Fatalf("accepted:\n%s", body)
	}
	return strings.ReplaceAll(err.Error(), path, "F")
}

func TestErrorsNameFileLineAndField(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"malformed yaml", "listen: x\norigins:\n\t- id: a\n", "F:3: found character that cannot start any token"},
		{"unknown field", "origins:\n  - id: a\n    url: http://127.0.0.1:1\n    colour: red\nbehaviors:\n  - {path_pattern: '*', target: a}\n", `F:4: unknown field "colour"`},
		{"unknown target", "origins:\n  - id: a\n    url: http://127.0.0.1:1\nbehaviors:\n  - path_pattern: '*'\n    target: nope\n", `F:6: behaviors[0].target: "nope" is not an origin or origin group id (known: a)`},
		{"max_body over write_buffer", "origins:\n  - {id: a, url: http://127.0.0.1:1}\n  - {id: b, url: http://127.0.0.1:2}\norigin_groups:\n  - {id: g, members: [a, b], write_failover: {methods: [POST], max_body: 2MB}}\nbehaviors:\n  - {path_pattern: '*', target: g}\nserver: {write_buffer: 1MB}\n", "origin_groups[0].write_failover.max_body: 2097152 bytes is more than server.write_buffer (1048576)"},
		{"body timeout out of range", "origins:\n  - {id: a, url: http://127.0.0.1:1}\nbehaviors:\n  - {path_pattern: '*', target: a}\nserver: {read_body_timeout: 0s}\n", "server.read_body_timeout: 0s is out of range (1s to 1h0m0s)"},
		{"attempts out of range", "origins:\n  - id: a\n    url: http://127.0.0.1:1\n    connection_attempts: 5\nbehaviors:\n  - {path_pattern: '*', target: a}\n", "F:4: origins[0].connection_attempts: 5 is out of range (1 to 3)"},
		{"connection timeout", "origins:\n  - id: a\n    url: http://127.0.0.1:1\n    connection_timeout: 11s\nbehaviors:\n  - {path_pattern: '*', target: a}\n", "F:4: origins[0].connection_timeout"},
		{"response timeout", "origins:\n  - id: a\n    url: http://127.0.0.1:1\n    response_timeout: 121s\nbehaviors:\n  - {path_pattern: '*', target: a}\n", "F:4: origins[0].response_timeout"},
		{"bad duration", "origins:\n  - id: a\n    url: http://127.0.0.1:1\n    response_timeout: soon\nbehaviors:\n  - {path_pattern: '*', target: a}\n", `F:4: "soon" is not a duration`},
		{"duplicate id", "origins:\n  - id: a\n    url: http://127.0.0.1:1\n  - id: a\n    url: http://127.0.0.1:2\nbehaviors:\n  - {path_pattern: '*', target: a}\n", `F:4: origins[1].id: "a" is already used`},
		{"failover code", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\n  - {id: b, url: 'http://127.0.0.1:2'}\norigin_groups:\n  - id: g\n    primary: a\n    secondary: b\n    failover_status_codes: [500, 429]\nbehaviors:\n  - {path_pattern: '*', target: g}\n", "F:8: origin_groups[0].failover_status_codes[1]: 429 cannot trigger failover"},
		{"unknown group member", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\norigin_groups:\n  - id: g\n    primary: a\n    secondary: zz\nbehaviors:\n  - {path_pattern: '*', target: g}\n", `F:6: origin_groups[0].secondary: "zz" is not an origin id`},
		{"no default behavior", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\nbehaviors:\n  - {path_pattern: /api/*, target: a}\n", `the last behavior must be the default one`},
		{"default not last", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\nbehaviors:\n  - {path_pattern: '*', target: a}\n  - {path_pattern: '/x', target: a}\n", `F:4: behaviors[0].path_pattern: the default behavior "*" must come last`},
		{"bad pattern", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\nbehaviors:\n  - {path_pattern: '/a b', target: a}\n  - {path_pattern: '*', target: a}\n", "F:4: behaviors[0].path_pattern: path pattern \"/a b\" has the character ' '"},
		{"missing page file", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\nerror_pages:\n  - {status: 500, page: nope.html}\nbehaviors:\n  - {path_pattern: '*', target: a}\n", `F:4: error_pages[0].page: the page file "nope.html" cannot be read`},
		{"page status", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\nerror_pages:\n  - {status: 418, cache_ttl: 1s}\nbehaviors:\n  - {path_pattern: '*', target: a}\n", "F:4: error_pages[0].status: 418 cannot have an error page"},
		{"refused custom header", "origins:\n  - id: a\n    url: http://127.0.0.1:1\n    custom_headers: {Host: x}\nbehaviors:\n  - {path_pattern: '*', target: a}\n", "origins[0].custom_headers.Host: Host cannot be set"},
		{"method", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\nbehaviors:\n  - path_pattern: '*'\n    target: a\n    allowed_methods: [GET, HEAD, BREW]\n", `F:6: behaviors[0].allowed_methods[2]: "BREW" is not a method`},
		{"url", "origins:\n  - {id: a, url: 'ftp://x'}\nbehaviors:\n  - {path_pattern: '*', target: a}\n", `F:2: origins[0].url: "ftp://x" must start with http://`},
		{"url without a scheme", "origins:\n  - {id: a, url: '127.0.0.1:9301'}\nbehaviors:\n  - {path_pattern: '*', target: a}\n", `F:2: origins[0].url: "127.0.0.1:9301" needs http:// or https:// (write http://127.0.0.1:9301)`},
		{"host:port without a scheme", "origins:\n  - {id: a, url: 'localhost:9301/base'}\nbehaviors:\n  - {path_pattern: '*', target: a}\n", `F:2: origins[0].url: "localhost:9301/base" needs http:// or https:// (write http://localhost:9301/base)`},
		{"empty", "", "the config is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := problems(t, c.body); !strings.Contains(got, c.want) {
				t.Errorf("got\n  %s\nwant it to contain\n  %s", got, c.want)
			}
		})
	}
}

func TestAllProblemsAreReported(t *testing.T) {
	got := problems(t, "origins:\n  - id: a\n    url: http://127.0.0.1:1\n    connection_attempts: 9\n    response_timeout: 500s\nbehaviors:\n  - {path_pattern: '*', target: b}\n")
	if n := strings.Count(got, "\n") + 1; n != 3 {
		t.Fatalf("want 3 problems, got %d:\n%s", n, got)
	}
}

func TestPrimaryPageForFailoverCodeWarns(t *testing.T) {
	body := "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\n  - {id: b, url: 'http://127.0.0.1:2'}\norigin_groups:\n  - id: g\n    primary: a\n    secondary: b\n    error_pages:\n      primary:\n        - {status: 503, cache_ttl: 5s}\nbehaviors:\n  - {path_pattern: '*', target: g}\n"
	c, err := Parse(filepath.Join(t.TempDir(), "c.yaml"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || c.Warnings[0].Line != 10 || !strings.Contains(c.Warnings[0].Msg, "never applies") {
		t.Fatalf("warnings %+v", c.Warnings)
	}
}

func TestJSONIsAccepted(t *testing.T) {
	body := `{"origins": [{"id": "a", "url": "http://127.0.0.1:1"}], "behaviors": [{"path_pattern": "*", "target": "a"}]}`
	if _, err := Parse(filepath.Join(t.TempDir(), "c.json"), []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func TestByteSizes(t *testing.T) {
	for in, want := range map[string]int64{"256MB": 256 << 20, "1GiB": 1 << 30, "64kb": 64 << 10, "1000": 1000} {
		if got, err := ParseByteSize(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	if _, err := ParseByteSize("lots"); err == nil {
		t.Error("accepted lots")
	}
}

const apiGroup = `origins:
  - {id: a, url: "http://127.0.0.1:1"}
  - {id: b, url: "http://127.0.0.1:2"}
  - {id: c, url: "http://127.0.0.1:3"}
origin_groups:
  - id: api
    members: [a, b, c]
    write_failover:
      methods: [POST, PUT]
      max_body: 2MB
      on: [connect_failure, 503]
      idempotency_key: Idempotency-Key
    error_pages:
      members:
        c: [{status: 503, cache_ttl: 1s}]
behaviors:
  - path_pattern: /api/*
    target: api
    allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
  - {path_pattern: "*", target: api}
`

func TestGroupsOfThreeAndWriteFailover(t *testing.T) {
	c, err := Parse(filepath.Join(t.TempDir(), "c.yaml"), []byte(apiGroup))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Distribution()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
	g := d.Groups[0]
	wf := g.WriteFailover
	if len(g.Members) != 3 || g.Members[2].ID != "c" || wf == nil || !wf.OnConnect || !wf.OnStatus[503] || wf.MaxBody != 2<<20 || wf.IdempotencyKey != "Idempotency-Key" {
		t.Fatalf("group %+v, write failover %+v", g, wf)
	}
	if p, ok := d.Pages.Lookup("api", "secondary", "c", 503); !ok || !p.HasTTL {
		t.Fatalf("member page: %+v", p)
	}
}

func TestWriteFailoverProblems(t *testing.T) {
	cases := []struct{ edit, want string }{
		{strings.Replace(apiGroup, "methods: [POST, PUT]", "methods: [POST, GET]", 1), `write_failover.methods[1]: "GET" is not a write method`},
		{strings.Replace(apiGroup, "on: [connect_failure, 503]", "on: [connect_failure, timeout]", 1), `write_failover.on[1]: "timeout" must be connect_failure or a status`},
		{strings.Replace(apiGroup, "[GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]", "[GET, HEAD, OPTIONS, POST]", 1), `F:9: origin_groups[0].write_failover.methods[1]: no behavior that targets "api" allows PUT`},
		{strings.Replace(apiGroup, "members: [a, b, c]", "members: [a, a]", 1), `members[1]: "a" is already a member`},
		{strings.Replace(apiGroup, "members: [a, b, c]", "members: [a, b, c]\n    primary: a", 1), "give members, or primary and secondary, not both"},
		{strings.Replace(apiGroup, "        c: [{status", "        z: [{status", 1), `error_pages.members.z: "z" is not a member of this group`},
	}
	for _, c := range cases {
		if got := problems(t, c.edit); !strings.Contains(got, c.want) {
			t.Errorf("got\n  %s\nwant\n  %s", got, c.want)
		}
	}
}
