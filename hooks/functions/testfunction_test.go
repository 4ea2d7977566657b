package functions

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/jsruntime"
)

const testEvent = `{"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.11"},
  "request": {"method": "GET", "uri": "/p", "querystring": {"q": {"value": "1"}}, "headers": {"host": {"value": "example.com"}},
    "cookies": {"c": {"value": "v"}}}}`

func TestTestFunctionNormalisesAsCloudFront(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"a response": {`function handler(event) { return {statusCode: 200, headers: {a: {value: 'x', extra: 1, multiValue: [{value: 'x', junk: 2}]}}, body: 'hi'}; }`,
			`{
  "response": {
    "statusCode": 200,
    "headers": {
      "a": {
        "value": "x",
        "multiValue": [
          {
            "value": "x"
          }
        ]
      }
    },
    "body": {
      "encoding": "text",
      "data": "hi"
    },
    "cookies": {}
  }
}
`},
		"a request with missing members": {`function handler(event) { var r = event.request; delete r.querystring; delete r.cookies; return r; }`,
			`{
  "request": {
    "method": "GET",
    "uri": "/p",
    "headers": {
      "host": {
        "value": "example.com"
      }
    },
    "querystring": {},
    "cookies": {}
  }
}
`},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Test(context.Background(), "f.js", []byte(c.src), jsruntime.Runtime10, []byte(testEvent), nil, time.Time{}, Options{Log: quiet, Budget: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Output) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", res.Output, c.want)
			}
		})
	}
}

func TestTestFunctionErrorsAndHelpers(t *testing.T) {
	src := `function handler(event) {
  console.log('raw=' + event.request.rawQueryString() + ' now=' + new Date().toISOString());
  if (event.request.uri === '/p') { event.request.headers.host = {value: 'x'}; }
  return event.request;
}`
	res, err := Test(context.Background(), "f.js", []byte(src), jsruntime.Runtime10, []byte(testEvent), nil,
		time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC), Options{Log: quiet, Budget: time.Second})
	if err == nil || !strings.Contains(err.Error(), "FunctionValidationError: the function tried to add, delete, or change the read-only header host") {
		t.Fatalf("%v", err)
	}
	if len(res.Logs) != 1 || res.Logs[0] != "raw=q=1 now=2031-02-03T04:05:06.000Z" {
		t.Fatalf("logs %q", res.Logs)
	}
	if string(FormatTestError(err)) != "{\n  \"error\": \""+strings.ReplaceAll(err.Error(), `"`, `\"`)+"\"\n}\n" {
		t.Fatalf("%s", FormatTestError(err))
	}
	if _, err := Test(context.Background(), "f.js", []byte(src), jsruntime.Runtime10, []byte(`{"request": 1}`), nil, time.Time{}, Options{Log: quiet}); err == nil || !strings.Contains(err.Error(), "there is no request object") {
		t.Fatalf("%v", err)
	}
}

func TestStoreFormat(t *testing.T) {
	for content, want := range map[string]string{
		`[]`:                                   "s.json:1:1: the file must be a JSON object",
		`{"items": []}`:                        `s.json:1:1: no "data" list`,
		`{"data": {}}`:                         `s.json:1:10: "data" must be a JSON array`,
		`{"data": [{"value": "1"}]}`:           "s.json:1:11: an entry has no key",
		`{"data": [{"key": "k"}]}`:             `s.json:1:11: key "k" has no value`,
		`{"data": [{"key": 1, "value": "1"}]}`: "s.json:1:11: an entry must be",
		`{"data": [`:                           "s.json:1:10: malformed JSON",
	} {
		_, err := ParseStore("s", "s.json", []byte(content), time.Now())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", content, want, err)
		}
	}
	var big strings.Builder
	big.WriteString(`{"data": [`)
	for i := 0; i < 6000; i++ {
		if i > 0 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"key": "k%06d", "value": "%s"}`, i, strings.Repeat("v", 1000))
	}
	big.WriteString("]}")
	if _, err := ParseStore("s", "s.json", []byte(big.String()), time.Now()); err == nil || !strings.Contains(err.Error(), "the store is over 5242880 bytes of keys and values at key \"k005") {
		t.Fatalf("%v", err)
	}
	s, err := ParseStore("s", "s.json", []byte(`{"data": [{"key": "a", "value": "1"}], "other": true}`), time.Unix(1e9, 0))
	if err != nil || s.Len() != 1 || s.Meta().Keys != 1 || !s.Meta().Updated.Equal(time.Unix(1e9, 0)) {
		t.Fatalf("%v %+v", err, s)
	}
}

func TestObservedCalls(t *testing.T) {
	var seen []*CallInfo
	f, err := Load(context.Background(), "f.js", []byte(`import cf from 'cloudfront';
function handler(event) { console.log('one'); cf.selectRequestOriginById('b'); return event.request; }`), jsruntime.Runtime20, nil,
		Options{Log: quiet, Observe: func(_ context.Context, ci *CallInfo) { seen = append(seen, ci) }})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, err := f.Request(context.Background(), vrCfg, request(), nil); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("%d calls observed", len(seen))
	}
	ci := seen[0]
	if ci.File != "f.js" || ci.Runtime != jsruntime.Runtime20 || ci.Duration <= 0 || ci.Compute <= 0 || ci.ComputeUtilization != ComputeUtilization(ci.Compute) ||
		len(ci.Console) != 1 || ci.Console[0] != "one" || len(ci.OriginCalls) != 1 || ci.Err != nil {
		t.Fatalf("%+v", ci)
	}
	if ComputeUtilization(1500*time.Microsecond) != 150 || ComputeUtilization(4*time.Microsecond) != 0 {
		t.Fatal("ComputeUtilization is the duration as a percentage of 1 ms")
	}
}
