package config

import (
	"strings"
	"testing"
	"time"
)

const healthGroup = "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\n  - {id: b, url: 'http://127.0.0.1:2'}\norigin_groups:\n  - id: g\n    members: [a, b]\n    health:\n"
const healthTail = "behaviors:\n  - {path_pattern: '*', target: g}\n"

func TestHealthDefaultsAndEdgeSettings(t *testing.T) {
	body := healthGroup + "      passive: {}\n      active: {path: /healthz, write_path: /w}\n" + healthTail
	c, err := Parse(write(t, t.TempDir(), "hookfront.yaml", body), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Distribution()
	if err != nil {
		t.Fatal(err)
	}
	h := d.Groups[0].Health
	if p := h.Passive; p.Failures != 5 || p.Window != 10*time.Second || p.EjectFor != 30*time.Second {
		t.Fatalf("passive: %+v", p)
	}
	if a := h.Active; a.Interval != 5*time.Second || a.Timeout != 2*time.Second || a.Healthy != 2 || a.Unhealthy != 3 ||
		a.WriteMethod != "POST" || a.Path != "/healthz" || len(a.ExpectStatus) != 0 {
		t.Fatalf("active: %+v", a)
	}
}

func TestHealthAndAccessLogProblems(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"neither", healthGroup + "      {}\n" + healthTail, "F:8: origin_groups[0].health: give passive, active or both"},
		{"failures", healthGroup + "      passive: {failures: 101}\n" + healthTail, "F:8: origin_groups[0].health.passive.failures: 101 is out of range (1 to 100)"},
		{"window", healthGroup + "      passive: {window: 500ms}\n" + healthTail, "origin_groups[0].health.passive.window: 500ms is out of range (1s to 1h0m0s)"},
		{"eject_for", healthGroup + "      passive: {eject_for: 2h}\n" + healthTail, "origin_groups[0].health.passive.eject_for: 2h0m0s is out of range"},
		{"path", healthGroup + "      active: {interval: 5s}\n" + healthTail, "origin_groups[0].health.active.path: give the path probed"},
		{"interval", healthGroup + "      active: {path: /h, interval: 500ms}\n" + healthTail, "origin_groups[0].health.active.interval: 500ms is out of range (1s to 1h0m0s)"},
		{"timeout", healthGroup + "      active: {path: /h, timeout: 50ms}\n" + healthTail, "origin_groups[0].health.active.timeout: 50ms is out of range (100ms to 1m0s)"},
		{"healthy", healthGroup + "      active: {path: /h, healthy: 11}\n" + healthTail, "origin_groups[0].health.active.healthy: 11 is out of range (1 to 10)"},
		{"unhealthy", healthGroup + "      active: {path: /h, unhealthy: -1}\n" + healthTail, "origin_groups[0].health.active.unhealthy: -1 is out of range (1 to 10)"},
		{"expect_status", healthGroup + "      active: {path: /h, expect_status: [200, 99]}\n" + healthTail, "origin_groups[0].health.active.expect_status[1]: 99 is not a status code"},
		{"write_method alone", healthGroup + "      active: {path: /h, write_method: PUT}\n" + healthTail, "origin_groups[0].health.active.write_method: needs write_path"},
		{"write_method", healthGroup + "      active: {path: /h, write_path: /w, write_method: GET}\n" + healthTail, `origin_groups[0].health.active.write_method: "GET" is not a write method`},
		{"unknown field", healthGroup + "      passive: {failure: 3}\n" + healthTail, `unknown field "failure"`},
		{"shared origin", healthGroup + "      passive: {failures: 1}\n  - id: g2\n    members: [a, b]\n    health: {passive: {failures: 2}}\n" + healthTail,
			`origin_groups[1].health: origin "a" is also in group "g", whose health settings differ`},
		{"access_log format", "origins: [{id: a, url: 'http://127.0.0.1:1'}]\nbehaviors: [{path_pattern: '*', target: a}]\naccess_log: {format: w3c}\n", `F:3: access_log.format: "w3c" must be text, json or cloudfront`},
		{"access_log cookies", "origins: [{id: a, url: 'http://127.0.0.1:1'}]\nbehaviors: [{path_pattern: '*', target: a}]\naccess_log: {format: json, cookies: true}\n", `access_log.cookies: is for the cloudfront format`},
		{"access_log folder", "origins: [{id: a, url: 'http://127.0.0.1:1'}]\nbehaviors: [{path_pattern: '*', target: a}]\naccess_log: {file: nowhere/access.log}\n", `access_log.file: the folder`},
		{"shutdown_delay", "origins: [{id: a, url: 'http://127.0.0.1:1'}]\nbehaviors: [{path_pattern: '*', target: a}]\nserver: {shutdown_delay: 10m}\n", `server.shutdown_delay: 10m0s is out of range (0s to 5m0s)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := problems(t, c.body); !strings.Contains(got, c.want) {
				t.Errorf("got\n  %s\nwant it to contain\n  %s", got, c.want)
			}
		})
	}
}
