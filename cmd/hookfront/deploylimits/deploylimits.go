// Package deploylimits finds what CloudFront would refuse to deploy in a config and its hooks:
// Lambda@Edge's package size and timeout limits, and the features hookfront has beyond
// CloudFront (IP-address and odd-port origins, origin groups of more than two, write failover,
// error pages per group role). hookfront runs all of these; `validate` reports them so that a
// deploy does not fail later. The table in docs/testing.md names each rule's source.
package deploylimits

import (
	"archive/zip"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/cmd/hookfront/modgraph"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// Lambda@Edge's limits (CloudFront quotas, "Quotas on Lambda@Edge").
const (
	ViewerPackageLimit = 1 << 20  // compressed function code and libraries, viewer triggers
	OriginPackageLimit = 50 << 20 // origin triggers
	ViewerTimeoutLimit = 5 * time.Second
	OriginTimeoutLimit = 30 * time.Second
)

// Finding is one thing CloudFront would refuse.
type Finding struct {
	File  string // the config, or a hook file
	Line  int    // 0 when unknown
	Field string // the config field, when it is one
	Rule  string // package-size, hook-timeout, origin-address, hook-origin, group-members, write-failover, group-error-pages
	Msg   string
}

func (f Finding) String() string {
	loc := f.File
	if f.Line > 0 {
		loc += ":" + strconv.Itoa(f.Line)
	}
	if f.Field != "" {
		loc += ": " + f.Field
	}
	return fmt.Sprintf("%s: %s [%s]", loc, f.Msg, f.Rule)
}

// Check lists what CloudFront would refuse in cfg and the hooks of src (the folder hooksDir)
// bound as bindings says. cfg is nil for a hooks folder without a config (serve --hooks).
func Check(cfg *config.Config, hooksDir string, src jsruntime.Source, bindings hooks.Bindings) []Finding {
	var out []Finding
	at := func(field, rule, format string, args ...any) {
		out = append(out, Finding{File: cfg.Path, Line: cfg.Line(field), Field: field, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	if cfg != nil {
		if v := cfg.HookTimeouts.Viewer.Duration; v > ViewerTimeoutLimit {
			at("hook_timeouts.viewer", "hook-timeout", "%v; Lambda@Edge allows viewer triggers %v at most", v, ViewerTimeoutLimit)
		}
		if o := cfg.HookTimeouts.Origin.Duration; o > OriginTimeoutLimit {
			at("hook_timeouts.origin", "hook-timeout", "%v; Lambda@Edge allows origin triggers %v at most", o, OriginTimeoutLimit)
		}
		for i, o := range cfg.Origins {
			if why := originAddress(o.URL); why != "" {
				at(fmt.Sprintf("origins[%d].url", i), "origin-address", "%s", why)
			}
		}
		for i, g := range cfg.OriginGroups {
			field := fmt.Sprintf("origin_groups[%d]", i)
			if len(g.Members) > 2 {
				at(field+".members", "group-members", "%d members; a CloudFront origin group has exactly two (primary and secondary)", len(g.Members))
			}
			if g.WriteFailover != nil {
				at(field+".write_failover", "write-failover", "CloudFront fails over GET, HEAD and OPTIONS only, never writes")
			}
			for _, role := range []struct {
				name string
				set  bool
			}{{"primary", len(g.ErrorPages.Primary) > 0}, {"secondary", len(g.ErrorPages.Secondary) > 0}, {"members", len(g.ErrorPages.Members) > 0}} {
				if role.set {
					at(field+".error_pages."+role.name, "group-error-pages", "CloudFront has one list of custom error responses for the whole distribution (error_pages), not one per group role or member")
					break
				}
			}
		}
	}
	out = append(out, packages(cfg, hooksDir, src, bindings)...)
	out = append(out, hookOrigins(hooksDir, src, bindings)...)
	return out
}

// originAddress says why CloudFront could not use an origin URL, or "".
func originAddress(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	var why []string
	if net.ParseIP(u.Hostname()) != nil {
		why = append(why, fmt.Sprintf("%s is an IP address; a CloudFront origin is a domain name", u.Hostname()))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err == nil && !allowedPort(n) {
			why = append(why, fmt.Sprintf("port %d; CloudFront connects to custom origins on 80, 443 or 1024-65535", n))
		}
	}
	return strings.Join(why, "; ")
}

func allowedPort(n int) bool { return n == 80 || n == 443 || (n >= 1024 && n <= 65535) }

// use is one binding of a hook file, for messages.
type use struct {
	trigger event.Trigger
	where   string // the config field that binds it, or the file
	line    int
}

// packages checks each bound hook's deployment package: the file and everything it requires,
// zipped, against the limit of the strictest trigger it is bound to.
func packages(cfg *config.Config, hooksDir string, src jsruntime.Source, bindings hooks.Bindings) []Finding {
	uses := map[string][]use{}
	if cfg != nil {
		for i, b := range cfg.Behaviors {
			for t, hb := range b.Hooks {
				field := fmt.Sprintf("behaviors[%d].hooks.%s", i, t)
				uses[hb.File] = append(uses[hb.File], use{event.Trigger(t), field, cfg.Line(field)})
			}
		}
	} else { // bound by file name
		for _, triggers := range bindings {
			for t, b := range triggers {
				uses[b.File] = append(uses[b.File], use{trigger: t})
			}
		}
	}
	files := make([]string, 0, len(uses))
	for f := range uses {
		files = append(files, f)
	}
	sort.Strings(files)
	var out []Finding
	for _, f := range files {
		if _, ok := src.Files[f]; !ok {
			continue // a missing hook is validate's own problem
		}
		pkg := modgraph.Reach(src, f)
		size, err := packageSize(src, pkg)
		if err != nil {
			continue
		}
		for _, u := range uses[f] {
			limit, side := int64(OriginPackageLimit), "origin"
			if u.trigger.IsViewer() {
				limit, side = ViewerPackageLimit, "viewer"
			}
			if size <= limit {
				continue
			}
			fd := Finding{File: joinPath(hooksDir, f), Rule: "package-size",
				Msg: fmt.Sprintf("the deployment package (%s and %d file(s) it requires) is %s zipped; Lambda@Edge allows %s for %s triggers (%s)",
					f, len(pkg)-1, mb(size), mb(limit), side, u.trigger)}
			if u.where != "" {
				fd.File, fd.Line, fd.Field = cfg.Path, u.line, u.where
			}
			out = append(out, fd)
		}
	}
	return out
}

// packageSize measures a package; a seam for tests. Real folders hardly reach the origin
// triggers' 50 MB here: hooks.MaxFolderSize refuses scripts over 50 MB together (uncompressed)
// first, so only a package of nearly the whole folder that zip cannot shrink could pass it.
var packageSize = zipped

// zipped is the size of a zip archive of files, compressed as a Lambda deployment package is.
func zipped(src jsruntime.Source, files []string) (int64, error) {
	var n counter
	zw := zip.NewWriter(&n)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f, Method: zip.Deflate})
		if err != nil {
			return 0, err
		}
		if _, err := w.Write(src.Files[f]); err != nil {
			return 0, err
		}
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(n), nil
}

type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}

func mb(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.2f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
}

func joinPath(dir, file string) string { return filepath.Join(dir, filepath.FromSlash(file)) }

// Where an origin-request hook, or a file it requires (a .json of addresses, say), sets an
// origin's domainName or port to a literal.
var (
	domainLiteral = regexp.MustCompile(`\bdomainName['"]?\s*[:=]\s*['"]([^'"\n]+)['"]`)
	portLiteral   = regexp.MustCompile(`\bport['"]?\s*[:=]\s*(\d+)\b`)
)

// hookOrigins finds origins that origin-request hooks set to an IP address or a port
// CloudFront does not connect to, where the source shows them as literals.
func hookOrigins(hooksDir string, src jsruntime.Source, bindings hooks.Bindings) []Finding {
	seen := map[string]bool{}
	for _, triggers := range bindings {
		if b, ok := triggers[event.OriginRequest]; ok {
			for _, f := range modgraph.Reach(src, b.File) {
				seen[f] = true
			}
		}
	}
	files := make([]string, 0, len(seen))
	for f := range seen {
		files = append(files, f)
	}
	sort.Strings(files)
	var out []Finding
	for _, f := range files {
		text := string(src.Files[f])
		add := func(at int, format string, args ...any) {
			out = append(out, Finding{File: joinPath(hooksDir, f), Line: 1 + strings.Count(text[:at], "\n"), Rule: "hook-origin",
				Msg: "an origin-request hook sets the origin to " + fmt.Sprintf(format, args...)})
		}
		for _, m := range domainLiteral.FindAllStringSubmatchIndex(text, -1) {
			if host := text[m[2]:m[3]]; net.ParseIP(host) != nil {
				add(m[0], "the IP address %s; CloudFront takes a domain name there", host)
			}
		}
		for _, m := range portLiteral.FindAllStringSubmatchIndex(text, -1) {
			if n, err := strconv.Atoi(text[m[2]:m[3]]); err == nil && !allowedPort(n) {
				add(m[0], "port %d; CloudFront connects to origins on 80, 443 or 1024-65535", n)
			}
		}
	}
	return out
}
