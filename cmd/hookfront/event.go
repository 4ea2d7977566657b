package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/event/sample"
)

// headerFlags collects repeated --header 'Name: value' flags.
type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

// byName are the headers by lower-case name, each with its values in order.
func (h headerFlags) byName() (map[string]any, error) {
	out := map[string]any{}
	for _, line := range h {
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usageError{fmt.Sprintf("--header %q: write 'Name: value'", line)}
		}
		name = strings.ToLower(strings.TrimSpace(name))
		list, _ := out[name].([]any)
		out[name] = append(list, strings.TrimSpace(value))
	}
	return out, nil
}

// eventCmd prints a complete Lambda@Edge event for a trigger, for invoke or a test file.
func eventCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("event", flag.ContinueOnError)
	fs.SetOutput(stderr)
	uri := fs.String("uri", "/", "request path (a ?query is split off into the querystring)")
	method := fs.String("method", "GET", "request method")
	query := fs.String("querystring", "", "query string, without the leading ?")
	status := fs.Int("status", 200, "response status (origin-response and viewer-response)")
	body := fs.String("body", "", "request body, shown as include_body shows it (viewer-request and origin-request)")
	clientIP := fs.String("client-ip", "", "the viewer's address (default 203.0.113.178)")
	origin := fs.String("origin", "", "the origin of origin events, as a URL: https://example.org[:port][/path]")
	runtime := fs.String("runtime", "", "print a CloudFront Functions event (cloudfront-js-1.0 or cloudfront-js-2.0; the shape is the same) for viewer-request or viewer-response")
	var headers headerFlags
	fs.Var(&headers, "header", "a request header 'Name: value' (repeatable)")
	const use = "usage: hookfront event viewer-request|origin-request|origin-response|viewer-response [--uri /path] [--method M] [--header 'Name: value']... [--querystring q] [--status 200] [--body TEXT] [--origin URL] [--client-ip IP] [--runtime cloudfront-js-2.0]"
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	trig, err := oneArg(rest, "trigger")
	if err != nil {
		return err
	}
	t := event.Trigger(trig)
	if !t.Valid() {
		if near, ok := config.TriggerFileHint(trig); ok && event.Trigger(near).Valid() {
			return usageError{fmt.Sprintf("%q is not a trigger (did you mean %s?)", trig, near)}
		}
		return usageError{use}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["runtime"] {
		return functionEventCmd(stdout, t, *runtime, set, functionEventFlags{uri: *uri, method: *method, query: *query, status: *status, clientIP: *clientIP, headers: headers})
	}
	isResponse := t == event.OriginResponse || t == event.ViewerResponse
	switch {
	case set["status"] && !isResponse:
		return usageError{"--status applies to origin-response and viewer-response events"}
	case set["body"] && isResponse:
		return usageError{"--body applies to viewer-request and origin-request events (Lambda@Edge never shows a response body)"}
	case set["origin"] && t.IsViewer():
		return usageError{"--origin applies to origin-request and origin-response events"}
	}

	req := map[string]any{"method": strings.ToUpper(*method), "uri": *uri}
	if set["querystring"] {
		req["querystring"] = *query
	}
	if *clientIP != "" {
		req["clientIp"] = *clientIP
	}
	if set["body"] {
		req["body"] = *body
	}
	h, err := headers.byName()
	if err != nil {
		return err
	}
	req["headers"] = h
	if *origin != "" {
		custom, err := originFlag(*origin)
		if err != nil {
			return usageError{err.Error()}
		}
		req["origin"] = map[string]any{"custom": custom}
	}
	short := map[string]any{"request": req}
	if isResponse {
		short["response"] = map[string]any{"status": float64(*status)}
	}
	ev, err := sample.Event(t, short, sample.Defaults{})
	if err != nil {
		return usageError{err.Error()}
	}
	out, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the event: %w", err)
	}
	fmt.Fprintln(stdout, string(out))
	return nil
}

// originFlag reads --origin into request.origin.custom fields.
func originFlag(s string) (map[string]any, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("--origin %q: write http(s)://host[:port][/path]", s)
	}
	port := 443.0
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("--origin %q: bad port", s)
		}
		port = float64(n)
	}
	return map[string]any{"domainName": u.Hostname(), "port": port, "protocol": u.Scheme, "path": strings.TrimSuffix(u.Path, "/")}, nil
}
