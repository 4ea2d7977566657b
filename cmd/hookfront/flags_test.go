package main

import (
	"strings"
	"testing"
	"time"
)

func TestOriginFlagsNeedAScheme(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--origin", "127.0.0.1:9301"}, `--origin: "127.0.0.1:9301" needs http:// or https:// (write http://127.0.0.1:9301)`},
		{[]string{"--origin", "http://127.0.0.1:9301", "--secondary", "127.0.0.1:9302"}, `--secondary: "127.0.0.1:9302" needs http:// or https:// (write http://127.0.0.1:9302)`},
		{[]string{"--origin", "ws://127.0.0.1:9301"}, `--origin: "ws://127.0.0.1:9301" must start with http:// or https://`},
	}
	for _, c := range cases {
		_, errOut, code := runIn(t, append([]string{"serve", "--listen", "127.0.0.1:0"}, c.args...)...)
		if code != 1 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "first path segment") {
			t.Errorf("serve %v: exit %d\n%s\nwant it to say\n%s", c.args, code, errOut, c.want)
		}
	}
}

// TestFailoverCodesNeedASecondary: --failover-codes without --secondary is refused (it was
// ignored, codes unchecked, and the edge served one origin as if the flag had not been given).
func TestFailoverCodesNeedASecondary(t *testing.T) {
	r := runBackground(t, "serve", "--origin", "http://127.0.0.1:9301", "--failover-codes", "500,418", "--listen", "127.0.0.1:0", "--admin", "off")
	select {
	case code := <-r.code:
		r.code <- code // for the cleanup's exit
		if errOut := r.err.String(); code != 1 || !strings.Contains(errOut, "--failover-codes: it chooses when an origin group fails over: give --secondary URL too") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve ran, ignoring --failover-codes")
	}
	// Nor does a config take it: its origin_groups say when to fail over.
	cfg := writeFile(t, t.TempDir(), "hookfront.yaml", "listen: 127.0.0.1:0\norigins: [{id: o, url: \"http://127.0.0.1:9301\"}]\nbehaviors: [{path_pattern: \"*\", target: o}]\n")
	r = runBackground(t, "serve", "--config", cfg, "--failover-codes", "500", "--admin", "off")
	select {
	case code := <-r.code:
		r.code <- code
		if errOut := r.err.String(); code != 2 || !strings.Contains(errOut, "--config cannot be combined with --origin, --secondary, --hooks or --failover-codes") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve --config ran, ignoring --failover-codes")
	}
}
