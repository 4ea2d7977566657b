package main

import (
	"strings"
	"testing"
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
