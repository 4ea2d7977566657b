package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge/accesslog"
)

// waitLines waits (bounded) until the file has at least n lines, and returns them.
func waitLines(t *testing.T, path string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(b) > 0 && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d lines, want %d:\n%s", path, len(lines), n, b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cfRecords reads a CloudFront-format log back by its #Fields header.
func cfRecords(t *testing.T, lines []string) []map[string]string {
	t.Helper()
	if len(lines) < 2 || lines[0] != "#Version: 1.0" || !strings.HasPrefix(lines[1], "#Fields: ") {
		t.Fatalf("no #Version/#Fields header:\n%s", strings.Join(lines, "\n"))
	}
	fields := strings.Fields(strings.TrimPrefix(lines[1], "#Fields: "))
	var out []map[string]string
	for _, l := range lines[2:] {
		vals := strings.Split(l, "\t")
		if len(vals) != len(fields) {
			t.Fatalf("%d values for %d fields: %q", len(vals), len(fields), l)
		}
		rec := map[string]string{}
		for i, f := range fields {
			rec[f] = vals[i]
		}
		out = append(out, rec)
	}
	return out
}

// The cloudfront format writes CloudFront's standard log fields in their documented order,
// under the #Version/#Fields header, and its file is reopened on SIGUSR1 for logrotate.
func TestCloudFrontAccessLog(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "hello world")
	}))
	defer o.Close()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "logs", "access.log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`domain_name: d111111abcdef8.cloudfront.net
origins:
  - {id: o, url: %q}
  - {id: dead, url: %q, connection_attempts: 1, connection_timeout: 1s}
behaviors:
  - {path_pattern: /dead/*, target: dead}
  - {path_pattern: "*", target: o}
access_log: {format: cloudfront, file: logs/access.log, cookies: true}
`, o.URL, closedURL(t)))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	get := func(path string, hdr ...string) *http.Response {
		t.Helper()
		resp := roundTrip(t, "GET", base+path, nil, hdr...)
		resp.Body.Close()
		return resp
	}
	miss := get("/docs/a b.txt?q=1&x=%20y", "User-Agent", "Mozilla/5.0 (X11) test", "Referer", "http://ref.example/", "Cookie", "session=abc")
	hit := get("/docs/a b.txt?q=1&x=%20y", "Range", "bytes=0-4")
	dead := get("/dead/x")
	recs := cfRecords(t, waitLines(t, logPath, 5))
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	if got := strings.Join(strings.Fields(strings.TrimPrefix(strings.Split(string(accesslog.CloudFrontHeader), "\n")[1], "#Fields: ")), " "); !strings.HasPrefix(got, "date time x-edge-location sc-bytes c-ip") || len(strings.Fields(got)) != 33 {
		t.Fatalf("fields: %s", got)
	}
	m := recs[0]
	want := map[string]string{
		"x-edge-location": "hookfront", "c-ip": "127.0.0.1", "cs-method": "GET", "cs(Host)": "d111111abcdef8.cloudfront.net",
		"cs-uri-stem": "/docs/a%20b.txt", "sc-status": "200", "cs(Referer)": "http://ref.example/",
		"cs(User-Agent)": "Mozilla/5.0%20(X11)%20test", "cs-uri-query": "q=1&x=%2520y", "cs(Cookie)": "session=abc",
		"x-edge-result-type": "Miss", "x-edge-response-result-type": "Miss", "x-edge-detailed-result-type": "Miss",
		"x-edge-request-id": miss.Header.Get("X-Hookfront-Request-Id"), "x-host-header": p.addr, "cs-protocol": "http",
		"x-forwarded-for": "-", "ssl-protocol": "-", "ssl-cipher": "-", "cs-protocol-version": "HTTP/1.1",
		"fle-status": "-", "fle-encrypted-fields": "-", "sc-content-type": "text/plain;%20charset=utf-8", "sc-content-len": "11",
		"sc-range-start": "-", "sc-range-end": "-",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	for k, re := range map[string]string{"date": `^\d{4}-\d\d-\d\d$`, "time": `^\d\d:\d\d:\d\d$`, "time-taken": `^\d+\.\d{3}$`,
		"time-to-first-byte": `^\d+\.\d{3}$`, "c-port": `^\d+$`, "sc-bytes": `^\d+$`, "cs-bytes": `^\d+$`} {
		if !regexp.MustCompile(re).MatchString(m[k]) {
			t.Errorf("%s = %q, want %s", k, m[k], re)
		}
	}
	var scBytes, csBytes int
	fmt.Sscan(m["sc-bytes"], &scBytes)
	fmt.Sscan(m["cs-bytes"], &csBytes)
	if scBytes <= 11+100 || csBytes < 80 {
		t.Errorf("sc-bytes %d (the body is 11 bytes, plus the headers), cs-bytes %d", scBytes, csBytes)
	}
	if h := recs[1]; h["x-edge-result-type"] != "Hit" || h["sc-status"] != "206" || h["sc-range-start"] != "0" || h["sc-range-end"] != "4" ||
		h["x-edge-request-id"] != hit.Header.Get("X-Hookfront-Request-Id") || h["cs(Cookie)"] != "-" {
		t.Errorf("hit: %v", h)
	}
	if d := recs[2]; d["x-edge-result-type"] != "Error" || d["x-edge-detailed-result-type"] != "OriginConnectError" || d["sc-status"] != "502" ||
		d["x-edge-request-id"] != dead.Header.Get("X-Hookfront-Request-Id") {
		t.Errorf("connect failure: %v", d)
	}
	if strings.Contains(p.logs(), "msg=request") {
		t.Errorf("the slog access line is still written with the cloudfront format:\n%s", p.logs())
	}

	// logrotate: the file is renamed, SIGUSR1 reopens it by name, the next lines go to a new one.
	rotated := logPath + ".1"
	if err := os.Rename(logPath, rotated); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "access log reopened")
	after := get("/after")
	recs = cfRecords(t, waitLines(t, logPath, 3))
	if len(recs) != 1 || recs[0]["x-edge-request-id"] != after.Header.Get("X-Hookfront-Request-Id") {
		t.Fatalf("the new file: %v", recs)
	}
	if old := cfRecords(t, waitLines(t, rotated, 5)); len(old) != 3 {
		t.Fatalf("the rotated file has %d records", len(old))
	}
}

// text and json write today's access line to the file named, one JSON object per line with json.
func TestAccessLogTextAndJSON(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer o.Close()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf("origins: [{id: o, url: %q}]\nbehaviors: [{path_pattern: '*', target: o}]\naccess_log: {format: %s, file: access.log}\n", o.URL, format))
			p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
			resp, _ := fetch(t, "GET", "http://"+p.addr+"/a?b=1")
			line := waitLines(t, filepath.Join(dir, "access.log"), 1)[0]
			id := resp.Header.Get("X-Hookfront-Request-Id")
			switch format {
			case "text":
				if !strings.Contains(line, "msg=request id="+id+" method=GET path=\"/a?b=1\" status=200") || !strings.Contains(line, `attempts="o 200 `) {
					t.Fatalf("%q", line)
				}
			case "json":
				var v map[string]any
				if err := json.Unmarshal([]byte(line), &v); err != nil || v["msg"] != "request" || v["id"] != id || v["status"] != 200.0 || v["path"] != "/a?b=1" {
					t.Fatalf("%q: %v", line, err)
				}
			}
			if strings.Contains(p.logs(), "msg=request") {
				t.Fatalf("the access line also went to stderr")
			}
		})
	}
}

// closedURL is a loopback address where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(http.NotFoundHandler())
	u := ts.URL
	ts.Close()
	return u
}
