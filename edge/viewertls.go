package edge

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
)

// CloudFront-Viewer-TLS ends in fullHandshake, sessionResumed or connectionReused: the last for
// a request on a connection that an earlier request already used (adding-cloudfront-headers.html).
// Telling them apart needs a count per connection, which ConnContext gives.

type connRequestsKey struct{}

// ConnContext gives each viewer connection its request count, for CloudFront-Viewer-TLS. Set it
// as the http.Server's ConnContext of the HTTPS listener; without it every request reports the
// connection's handshake.
func ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connRequestsKey{}, new(atomic.Int64))
}

// connReused counts r on its connection and reports whether an earlier request used it.
func connReused(r *http.Request) bool {
	n, _ := r.Context().Value(connRequestsKey{}).(*atomic.Int64)
	return n != nil && n.Add(1) > 1
}
