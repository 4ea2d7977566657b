package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hookfront/hookfront/admin"
)

// invalidateCmd asks a running edge's admin API to remove cached responses, as
// `aws cloudfront create-invalidation --paths` does for a distribution.
func invalidateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invalidate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("admin", admin.DefaultListen, "the running edge's admin listener (host:port or a URL)")
	token := fs.String("token", "", "admin token (default $"+tokenEnv+")")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: hookfront invalidate [--admin ADDR] [--token T] PATH...\n\n"+
			"Removes cached responses by CloudFront invalidation paths: /a.html (that object; add ?query to\n"+
			"name one query string), /img/* (a prefix, query strings included), /* (everything).\n\n")
		fs.PrintDefaults()
	}
	paths, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageError{"give at least one path, e.g. hookfront invalidate '/*'"}
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	base := *addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	body, _ := json.Marshal(map[string][]string{"paths": paths})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/api/invalidations", bytes.NewReader(body))
	if err != nil {
		return usageError{fmt.Sprintf("--admin %q: %v", *addr, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	if *token != "" {
		req.Header.Set("Authorization", "Bearer "+*token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reaching the admin listener (is hookfront running with its admin listener at %s?): %w", *addr, err)
	}
	defer resp.Body.Close()
	var out struct {
		Removed int    `json:"removed"`
		Error   string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return fmt.Errorf("the admin listener answered %s, not the JSON expected: %w", resp.Status, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized && *token == "":
		return fmt.Errorf("%s: the edge's admin listener has a token: give it with --token T or $%s", resp.Status, tokenEnv)
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%s: the token given (--token or $%s) is not the edge's admin token", resp.Status, tokenEnv)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%s: %s", resp.Status, out.Error)
	}
	fmt.Fprintf(stdout, "removed %d cached response(s)\n", out.Removed)
	return nil
}
