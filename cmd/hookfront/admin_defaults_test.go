package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Without --admin and without admin.listen, the admin listener is at 127.0.0.1:9901. The binary
// binds it only when it is free: on a shared machine another process may hold it, and then the
// warning names the address instead. Either way the address resolved is the default one.
func TestAdminListensOnItsDefaultAddressWithoutTheFlag(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	// Not start(): it turns the admin listener off when no --admin is given.
	p := startCmd(t, exec.Command(binary, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0"))
	logs := p.logs()
	bound := strings.Contains(logs, `msg="admin listener" url=http://127.0.0.1:9901/`)
	taken := strings.Contains(logs, "admin listener off: its default address is taken") && strings.Contains(logs, "addr=127.0.0.1:9901")
	if bound == taken {
		t.Fatalf("the default admin address is not 127.0.0.1:9901 (bound %v, taken %v):\n%s", bound, taken, logs)
	}
	if bound {
		// It is this process's listener: its API answers and knows the edge.
		var h hooksDoc
		getJSON(t, "http://127.0.0.1:9901/api/hooks", 200, &h)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

// admin.token from the config file, with no HOOKFRONT_ADMIN_TOKEN in the environment, is
// required on every admin request.
func TestAdminTokenFromTheConfigFile(t *testing.T) {
	t.Setenv(tokenEnv, "") // restored after the test
	os.Unsetenv(tokenEnv)
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`origins: [{id: o, url: %q}]
behaviors: [{path_pattern: "*", target: o}]
admin: {token: from-the-file}
`, o.URL))
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	for _, c := range []struct {
		path   string
		hdr    []string
		status int
	}{
		{"/api/hooks", nil, 401},
		{"/api/requests", []string{"Authorization", "Bearer wrong"}, 401},
		{"/", nil, 401},
		{"/api/hooks", []string{"Authorization", "Bearer from-the-file"}, 200},
		{"/api/requests", []string{"Authorization", "Bearer from-the-file"}, 200},
	} {
		if status, _, b := call(t, "GET", admin+c.path, "", c.hdr...); status != c.status {
			t.Fatalf("%s %v: %d, want %d\n%s", c.path, c.hdr, status, c.status, b)
		}
	}
	if !strings.Contains(p.logs(), "token=true") {
		t.Fatalf("the start-up log does not say a token is required:\n%s", p.logs())
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
