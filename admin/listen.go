package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"
)

// DefaultListen is where the admin listener is unless told otherwise.
const DefaultListen = "127.0.0.1:9901"

// CheckAddr applies the exposure rule: off loopback, the admin listener needs a token, since it
// shows every request's headers and can empty the cache.
func CheckAddr(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin address %q is not host:port", addr)
	}
	if token == "" && !loopback(host) {
		return fmt.Errorf("the admin listener on %s would be reachable from other machines: set admin.token (or HOOKFRONT_ADMIN_TOKEN), or listen on 127.0.0.1", addr)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Listen opens the admin address. When the address is the default one (not asked for) and it is
// taken, it returns a nil listener and no error: the edge runs without its admin listener, which
// the caller says in a warning. An address asked for that cannot be had is an error.
func Listen(addr string, explicit bool) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err == nil {
		return l, nil
	}
	if !explicit && errors.Is(err, syscall.EADDRINUSE) {
		return nil, nil
	}
	return nil, fmt.Errorf("admin listener: %w", err)
}

// Serve serves h on l until ctx ends, then closes every connection (event streams never end on
// their own, so they are not waited for).
func Serve(ctx context.Context, l net.Listener, h http.Handler, log *slog.Logger) {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("admin listener stopped", "error", err)
	}
}
