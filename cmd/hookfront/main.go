// Command hookfront runs a scriptable HTTP edge that behaves like a CloudFront distribution with
// origin groups and Lambda@Edge hooks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `hookfront — a scriptable HTTP edge (CloudFront origin groups + Lambda@Edge, locally)

Usage:
  hookfront serve --config FILE [--listen ADDR] [--admin ADDR|off] [--no-cache] [--tls] [--tls-listen ADDR]
  hookfront serve --origin URL [--secondary URL] [--hooks DIR] [--listen ADDR] [--failover-codes 500,502,503,504] [--admin ADDR|off] [--no-cache] [--tls] [--tls-listen ADDR]
  hookfront validate (--config FILE | --hooks DIR) [--strict]
  hookfront import FILE.json [-o hookfront.yaml] [--origin ID=URL]... [--function NAME-or-ARN=FILE]... [--hooks-dir DIR] [--policies FILE]... [--function-config FILE]... [--kvs NAME-or-ARN=FILE]...
  hookfront invoke FILE.js --event EVENT.json [--context CONTEXT.json] [--handler NAME] [--hooks DIR] [--timeout 30s] [--strict]
  hookfront invoke FILE.js --event EVENT.json --runtime cloudfront-js-1.0|cloudfront-js-2.0 [--kvs FILE] [--now RFC3339] [--timeout 1s]
  hookfront test [--config FILE | --hooks DIR] [PATH...] [--run REGEX] [--junit FILE] [--json] [--watch]
  hookfront event TRIGGER [--uri /path] [--method M] [--header 'Name: value']... [--querystring q] [--status 200] [--body TEXT] [--origin URL] [--client-ip IP] [--runtime cloudfront-js-2.0]
  hookfront demo [--listen ADDR] [--dir DIR] [--admin ADDR|off] [--no-cache] [--tls] [--tls-listen ADDR]
  hookfront invalidate [--admin ADDR] [--token T] PATH...
  hookfront version

Run "hookfront COMMAND -h" for a command's flags.
`

// gcPercent is hookfront's default GOGC. A proxy keeps a small live heap and makes much
// short-lived garbage per request; at Go's default (100) it collects every few MB allocated,
// hundreds of times a second under load. 400 trades some memory under load for far fewer
// collections; serve then raises the minimum heap goal to 64 MB (gctune.go). GOGC in the
// environment wins.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serveCmd(ctx, args[1:], stdout, stderr)
	case "validate":
		err = validateCmd(ctx, args[1:], stdout, stderr)
	case "demo":
		err = demoCmd(ctx, args[1:], stdout, stderr)
	case "invoke":
		err = invokeCmd(ctx, args[1:], stdout, stderr)
	case "import":
		err = importCmd(args[1:], stdout, stderr)
	case "invalidate":
		err = invalidateCmd(ctx, args[1:], stdout, stderr)
	case "event":
		err = eventCmd(ctx, args[1:], stdout, stderr)
	case "test":
		err = testCmd(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "hookfront", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "hookfront: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errFlag):
		return 2
	case errors.Is(err, errReported):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "hookfront %s: %s\n", args[0], ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "hookfront %s: %v\n", args[0], err)
		return 1
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
