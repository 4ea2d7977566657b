package edge

import "net/http"

// requestHeaderSize is the size of a request's head as sent: the request line and every header
// line (net/http keeps Host apart from the map). It is counted on every request without
// allocating.
func requestHeaderSize(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 // "GET /x HTTP/1.1\r\n"
	n += len("Host: \r\n") + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // "K: v\r\n"
		}
	}
	return n + 2
}

// NetHTTPMaxHeaderBytes is the http.Server.MaxHeaderBytes to run the edge with when it enforces
// limit (server.max_header_bytes) itself: larger, so that a request over limit reaches the edge
// and gets its answer — a 431 page with a request id, x-cache and an access-log line. Only a
// head beyond this hard limit still gets net/http's own plain 431.
func NetHTTPMaxHeaderBytes(limit int) int { return max(4*limit, 256<<10) }
