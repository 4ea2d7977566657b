package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/examples"
)

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", config.DefaultListen, "address for the edge")
	dir := fs.String("dir", "", "folder to write the demo's config and hooks to, and keep (default: a temporary folder, removed on exit)")
	var lf logFlags
	var df devFlags
	lf.register(fs)
	df.register(fs)
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(rest, false); err != nil {
		return err
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	return runDemo(ctx, *listen, *dir, df, log, stdout, nil)
}

// runDemo starts the two demo origins and the edge on the embedded demo config. Without dir it
// works in a temporary folder and removes it on the way out. ready, when not nil, gets the edge's
// address.
func runDemo(ctx context.Context, listen, dir string, df devFlags, log *slog.Logger, stdout io.Writer, ready func(string)) error {
	primary, err := startDemoOrigin(ctx, "primary")
	if err != nil {
		return err
	}
	secondary, err := startDemoOrigin(ctx, "secondary")
	if err != nil {
		return err
	}
	keep := dir != ""
	if !keep {
		if dir, err = os.MkdirTemp("", "hookfront-demo-"); err != nil {
			return fmt.Errorf("making the demo folder: %w", err)
		}
		defer os.RemoveAll(dir)
	}
	if err := extractDemo(dir, map[string]string{"http://127.0.0.1:9001": primary, "http://127.0.0.1:9002": secondary}); err != nil {
		return err
	}
	cfg, err := config.Load(filepath.Join(dir, "hookfront.yaml"))
	if err != nil {
		return err
	}
	cfg.Listen = listen
	cfg.Overrides = df.apply // also over each version a reload reads
	df.apply(cfg)
	return serve(ctx, cfg, log, func(addr, adminAddr string) {
		printDemoHelp(stdout, "http://"+addr, dir, keep, primary, secondary)
		printTLS(stdout, cfg.TLS)
		printInspector(stdout, adminAddr)
		if ready != nil {
			ready(addr)
		}
	})
}

// extractDemo writes the embedded demo folder to dir, pointing the config at the live origins.
func extractDemo(dir string, replace map[string]string) error {
	return fs.WalkDir(examples.Demo, "demo", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, strings.TrimPrefix(strings.TrimPrefix(p, "demo"), "/"))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := examples.Demo.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".yaml") {
			s := string(b)
			for from, to := range replace {
				s = strings.ReplaceAll(s, from, to)
			}
			b = []byte(s)
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return fmt.Errorf("writing the demo: %w", err)
		}
		return nil
	})
}

// startDemoOrigin serves one demo origin on a free loopback port until ctx ends.
func startDemoOrigin(ctx context.Context, name string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("starting the %s demo origin: %w", name, err)
	}
	srv := &http.Server{Handler: demoOrigin(name), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	return "http://" + l.Addr().String(), nil
}

// demoOrigin answers like a small site. The primary fails on /flaky/* (503: failover) and on
// /down/* (both fail: the secondary's page); /missing is a 404 (the primary's page); /broken a
// 500 (the distribution-wide page).
func demoOrigin(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", name)
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/errors/"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!DOCTYPE html><h1>Sorry</h1><p>Both origins are failing; this page came from %s via page_path.</p>\n", name)
		case strings.HasPrefix(p, "/down/"):
			http.Error(w, name+" is down", http.StatusServiceUnavailable)
		case strings.HasPrefix(p, "/flaky/") && name == "primary":
			http.Error(w, "primary is overloaded", http.StatusServiceUnavailable)
		case p == "/missing":
			http.NotFound(w, r)
		case p == "/broken":
			http.Error(w, "broken", http.StatusInternalServerError)
		case strings.HasPrefix(p, "/api/"):
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_ = json.NewEncoder(w).Encode(map[string]any{"origin": name, "path": p, "method": r.Method, "time": time.Now().Format(time.RFC3339Nano)})
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "max-age=30")
			fmt.Fprintf(w, "Hello from the %s origin: %s (generated %s)\n", name, p, time.Now().Format(time.RFC3339Nano))
		}
	})
}

func printDemoHelp(w io.Writer, base, dir string, keep bool, primary, secondary string) {
	where := "(removed when the demo stops; --dir DIR keeps them)"
	if keep {
		where = "(kept when the demo stops)"
	}
	fmt.Fprintf(w, `
hookfront demo is running at %[1]s
Its config and hooks are in %[2]s — edit them while it runs %[5]s.
Origins: primary %[3]s, secondary %[4]s

Try:
  curl -i %[1]s/hello              # a miss, then run it again: x-cache: Hit, age (viewer hooks run, origin hooks do not)
  curl -i %[1]s/flaky/page         # the primary answers 503, the secondary serves it: the origin hooks
  %[6]s#   run twice (see the log), x-hook-origin names the secondary
  curl -i %[1]s/old/hello          # a 301 generated by the viewer-request hook
  curl -i %[1]s/missing            # the primary's custom 404 page
  curl -i %[1]s/down/page          # both fail: the secondary's page, fetched via page_path
  curl -i %[1]s/broken             # the distribution-wide 500 page
  curl -i -X POST %[1]s/api/items  # writes pass through, never cached
  curl -i -X DELETE %[1]s/hello    # a method the behavior does not allow: 403

Its tests, with scripted origins:  hookfront test --config %[2]s/hookfront.yaml

Stop with Ctrl-C.
`, base, dir, primary, secondary, where, strings.Repeat(" ", len("curl -i ")+len(base)+len("/hello              ")))
}
