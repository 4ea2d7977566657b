package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
)

// The HTTPS address when neither --tls-listen nor tls.listen gives one is 127.0.0.1:8443; a
// flag wins over the file, the file over the default.
func TestTLSListenDefault(t *testing.T) {
	const want = "127.0.0.1:8443" // the documented default, written out: the constant may not drift
	dir := t.TempDir()
	key := newKey(t)
	cert, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pemPair(t, key, 1, cert, keyFile)
	noTLS := writeFile(t, dir, "plain.yaml", "origins: [{id: o, url: 'http://127.0.0.1:9'}]\nbehaviors: [{path_pattern: '*', target: o}]\n")
	files := writeFile(t, dir, "files.yaml", fmt.Sprintf("origins: [{id: o, url: 'http://127.0.0.1:9'}]\nbehaviors: [{path_pattern: '*', target: o}]\ntls: {cert: %q, key: %q}\n", cert, keyFile))
	listen := writeFile(t, dir, "listen.yaml", "origins: [{id: o, url: 'http://127.0.0.1:9'}]\nbehaviors: [{path_pattern: '*', target: o}]\ntls: {listen: '127.0.0.1:9443'}\n")
	for _, c := range []struct {
		name   string
		config string // "" : serve --origin
		flags  []string
		want   string // "" : no HTTPS listener
	}{
		{"--tls alone", "", []string{"--tls"}, want},
		{"--tls with a config without tls", noTLS, []string{"--tls"}, want},
		{"tls.cert and tls.key without tls.listen", files, nil, want},
		{"tls.listen", listen, []string{"--tls"}, "127.0.0.1:9443"},
		{"--tls-listen over tls.listen", listen, []string{"--tls-listen", "127.0.0.1:7443"}, "127.0.0.1:7443"},
		{"--tls-listen alone", "", []string{"--tls-listen", "127.0.0.1:6443"}, "127.0.0.1:6443"},
		{"no TLS", noTLS, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var df devFlags
			df.register(fs)
			if err := fs.Parse(c.flags); err != nil {
				t.Fatal(err)
			}
			var cfg *config.Config
			var err error
			if c.config == "" {
				cfg, err = config.FromFlags(config.FlagConfig{Origin: "http://127.0.0.1:9"})
			} else {
				cfg, err = config.Load(c.config)
			}
			if err != nil {
				t.Fatal(err)
			}
			df.apply(cfg)
			got := ""
			if cfg.TLS != nil {
				got = cfg.TLS.Listen
			}
			if got != c.want {
				t.Fatalf("HTTPS listener %q, want %q", got, c.want)
			}
		})
	}
	// The flag's help says the default too.
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var df devFlags
	df.register(fs)
	if u := fs.Lookup("tls-listen").Usage; !strings.Contains(u, "else "+want) {
		t.Errorf("--tls-listen's help: %q", u)
	}
}

// The binary listens there: only when the port is free now (the machine is shared; a port in
// use by something else is not this test's to take).
func TestTLSListenDefaultBinds(t *testing.T) {
	const addr = "127.0.0.1:8443"
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("%s is in use here: %v", addr, err)
	}
	l.Close()
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }))
	defer o.Close()
	cmd := exec.Command(binary, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0", "--tls", "--admin", "off")
	var out syncBuffer
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	logs := out.String
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs(), "addr=https://"+addr) {
		select {
		case err := <-exited:
			if strings.Contains(logs(), "address already in use") {
				exited <- err
				t.Skipf("%s was taken between the check and the start:\n%s", addr, logs())
			}
			exited <- err
			t.Fatalf("hookfront exited (%v) without listening on %s:\n%s", err, addr, logs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS listener on %s within 20s:\n%s", addr, logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, body, _ := h2Get(t, "https://"+addr+"/x")
	if resp.StatusCode != 200 || body != "hello" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}
