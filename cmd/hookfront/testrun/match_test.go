package testrun

import (
	"reflect"
	"testing"
)

func TestSubsetNamesEachDifferenceByItsPath(t *testing.T) {
	got := map[string]any{
		"status":  "302",
		"headers": map[string]any{"location": []any{map[string]any{"key": "Location", "value": "/b"}}, "x-extra": []any{}},
		"list":    []any{1.0, 2.0},
	}
	want := map[string]any{
		"status":  302.0, // a number is not the string "302"
		"headers": map[string]any{"location": []any{map[string]any{"value": "/a"}}, "x-gone": []any{}},
		"list":    []any{1.0},
	}
	r := &result{}
	subset(r, "result", want, got)
	wantFailures := []failure{
		{Path: "result.headers.location[0].value", Expected: `"/a"`, Got: `"/b"`},
		{Path: `result.headers["x-gone"]`, Expected: "[]", Got: "(absent)"},
		{Path: "result.list[1]", Expected: "(absent)", Got: "2"},
		{Path: "result.status", Expected: "302", Got: `"302"`},
	}
	if !reflect.DeepEqual(r.Failures, wantFailures) {
		t.Errorf("got  %+v\nwant %+v", r.Failures, wantFailures)
	}
	r = &result{}
	subset(r, "result", map[string]any{"status": "302"}, got)
	if !r.passed() {
		t.Errorf("a subset that matches fails: %+v", r.Failures)
	}
}

func TestConsoleLinesMatchInOrder(t *testing.T) {
	logged := []logLine{{Text: "a"}, {Text: "b"}, {Text: "c"}}
	for _, c := range []struct {
		want []string
		ok   bool
	}{
		{[]string{"a", "c"}, true},
		{[]string{"c", "a"}, false},
		{[]string{"b", "b"}, false},
		{nil, true},
	} {
		r := &result{}
		consoleLines(r, c.want, logged)
		if r.passed() != c.ok {
			t.Errorf("%v: passed %v, want %v", c.want, r.passed(), c.ok)
		}
	}
}
