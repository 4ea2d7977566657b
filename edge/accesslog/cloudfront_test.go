package accesslog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
)

// stubHooks stands in for the hooks package: origin-request generates a response for /gen, and
// viewer-request fails as an invalid result for /bad.
type stubHooks struct{}

func (stubHooks) Current() edge.HookSet { return stubHooks{} }
func (stubHooks) Has(_ string, t event.Trigger) bool {
	return t == event.OriginRequest || t == event.ViewerRequest
}

type validationError struct{}

func (validationError) Error() string   { return "invalid result" }
func (validationError) HTTPStatus() int { return 502 }
func (validationError) Class() string   { return "LambdaValidationError" }

func (stubHooks) Request(_ context.Context, _ string, t event.Trigger, _ event.Config, r *event.Request) (*event.Request, *event.Response, error) {
	switch {
	case t == event.ViewerRequest && r.URI == "/bad":
		return nil, nil, validationError{}
	case t == event.OriginRequest && r.URI == "/gen":
		return nil, &event.Response{Status: 200, Body: &event.Body{Data: "made"}}, nil
	}
	return r, nil, nil
}

func (stubHooks) Response(_ context.Context, _ string, _ event.Trigger, _ event.Config, _ *event.Request, w *event.Response) (*event.Response, error) {
	return w, nil
}

// lines collects what the log writes.
type lines struct {
	mu sync.Mutex
	b  strings.Builder
	n  chan struct{}
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	l.n <- struct{}{}
	return len(p), nil
}

// The result types tell what happened as CloudFront names it: a response origin-request made is
// a Miss with MissGeneratedResponse, a failed hook an Error with its class, a connection failure
// OriginConnectError, a refused method InvalidRequestMethod, a viewer that hung up ClientCommError.
func TestCloudFrontResultTypes(t *testing.T) {
	hang, arrived := make(chan struct{}), make(chan struct{}, 1)
	defer close(hang)
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			arrived <- struct{}{}
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer o.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL, _ := url.Parse(dead.URL)
	dead.Close()
	ou, _ := url.Parse(o.URL)
	pa, _ := edge.ParsePattern("/dead/*")
	pd, _ := edge.ParsePattern("*")
	d := &edge.Distribution{Origins: []*edge.Origin{{ID: "o", URL: ou}, {ID: "dead", URL: deadURL, ConnectionAttempts: 1}},
		Behaviors: []*edge.Behavior{{Pattern: pa, Target: "dead"}, {Pattern: pd, Target: "o"}}}
	out := &lines{n: make(chan struct{}, 10)}
	s, err := edge.NewServer(d, edge.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Hooks: stubHooks{},
		Observers: []edge.Observer{NewCloudFront(out, "d.example", false)}, CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	next := func() []string {
		t.Helper()
		select {
		case <-out.n:
		case <-time.After(10 * time.Second):
			t.Fatal("no log line")
		}
		out.mu.Lock()
		defer out.mu.Unlock()
		all := strings.Split(strings.TrimSuffix(out.b.String(), "\n"), "\n")
		return strings.Split(all[len(all)-1], "\t")
	}
	field := func(rec []string, name string) string {
		for i, f := range Fields {
			if f == name {
				return rec[i]
			}
		}
		t.Fatalf("no field %s", name)
		return ""
	}
	for _, c := range []struct {
		method, path               string
		status                     string
		result, response, detailed string
	}{
		{"GET", "/plain", "200", "Miss", "Miss", "Miss"},
		{"GET", "/gen", "200", "Miss", "Miss", "MissGeneratedResponse"},
		{"GET", "/bad", "502", "Error", "Error", "LambdaValidationError"},
		{"GET", "/dead/x", "502", "Error", "Error", "OriginConnectError"},
		{"POST", "/plain", "403", "Error", "Error", "InvalidRequestMethod"},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		rec := next()
		if len(rec) != len(Fields) {
			t.Fatalf("%s: %d fields", c.path, len(rec))
		}
		got := []string{field(rec, "sc-status"), field(rec, "x-edge-result-type"), field(rec, "x-edge-response-result-type"), field(rec, "x-edge-detailed-result-type")}
		if want := []string{c.status, c.result, c.response, c.detailed}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s %s: %v, want %v", c.method, c.path, got, want)
		}
	}
	// A viewer that hangs up before the answer.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/hang", nil)
	go func() { <-arrived; cancel() }() // the viewer hangs up while the origin works
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	rec := next()
	if got := field(rec, "sc-status") + " " + field(rec, "x-edge-result-type") + " " + field(rec, "x-edge-detailed-result-type") + " " + field(rec, "sc-bytes"); got != "499 Error ClientCommError 0" {
		t.Errorf("hung up: %s", got)
	}
}

func TestFieldEscapes(t *testing.T) {
	got := string(appendField(nil, "a b\t<\"#%{}|\\^~[]`'>é\x7f"))
	if want := "a%20b%09%3C%22%23%25%7B%7D%7C%5C%5E%7E%5B%5D%60%27%3E%C3%A9%7F"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if string(appendField(nil, "")) != "-" {
		t.Fatal("an empty value is not -")
	}
	if s, e := contentRange("bytes 10-19/100"); s != "10" || e != "19" {
		t.Fatalf("%s %s", s, e)
	}
}
