package accesslog

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
)

// Fields are the fields of CloudFront's standard log format, in their documented order
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html).
var Fields = []string{"date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem",
	"sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type", "x-edge-request-id",
	"x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
	"x-edge-response-result-type", "cs-protocol-version", "fle-status", "fle-encrypted-fields", "c-port",
	"time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end"}

// CloudFrontHeader starts every CloudFront-format log file, as CloudFront's do.
var CloudFrontHeader = []byte("#Version: 1.0\n#Fields: " + strings.Join(Fields, " ") + "\n")

// EdgeLocation is what x-edge-location says for hookfront.
const EdgeLocation = "hookfront"

// CloudFront is an edge.Observer that writes one line of CloudFront's standard log format per
// request, so that tools made for CloudFront's logs (Athena tables, GoAccess, replay tools)
// read it unchanged.
type CloudFront struct {
	out     io.Writer
	cookies bool // log the Cookie header (CloudFront's "cookie logging"); "-" otherwise
	domain  atomic.Pointer[string]
}

// NewCloudFront writes to out; domain is cs(Host), the distribution's domain name.
func NewCloudFront(out io.Writer, domain string, cookies bool) *CloudFront {
	c := &CloudFront{out: out, cookies: cookies}
	c.SetDomain(domain)
	return c
}

// SetDomain changes cs(Host) (a config reload changed domain_name).
func (c *CloudFront) SetDomain(d string) { c.domain.Store(&d) }

// Observe follows a request; the viewer's request gives the fields the Summary does not have.
func (c *CloudFront) Observe(_ string, _ time.Time, r *http.Request) edge.Recorder {
	return &cfRecord{c: c, r: r}
}

type cfRecord struct {
	c         *CloudFront
	r         *http.Request
	hookClass string // the class of the first hook that failed
	generated bool   // origin-request generated the response
}

// BorrowsSummary: the line is written during End.
func (rec *cfRecord) BorrowsSummary() {}

func (rec *cfRecord) Detail() edge.Detail  { return edge.DetailSteps }
func (rec *cfRecord) Cache(edge.CacheStep) {}
func (rec *cfRecord) Page(edge.PageStep)   {}
func (rec *cfRecord) Hook(s edge.HookStep) {
	if s.Outcome == edge.HookFailed && rec.hookClass == "" {
		rec.hookClass = s.Class
	}
	if s.Outcome == edge.HookGenerated && s.Trigger == event.OriginRequest && !s.ForPage {
		rec.generated = true
	}
}

var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (rec *cfRecord) End(s *edge.Summary) {
	bp := lineBufs.Get().(*[]byte)
	line := rec.line((*bp)[:0], s)
	_, _ = rec.c.out.Write(line)
	*bp = line
	lineBufs.Put(bp)
}

// line appends the request's log line to b.
func (rec *cfRecord) line(b []byte, s *edge.Summary) []byte {
	r := rec.r
	end := s.Start.Add(s.Duration).UTC()
	result, response, detailed := rec.resultTypes(s)
	host, port, _ := net.SplitHostPort(r.RemoteAddr)
	if host == "" {
		host = s.ClientIP
	}
	field := func(v string) {
		if len(b) > 0 {
			b = append(b, '\t')
		}
		b = appendField(b, v)
	}
	b = end.AppendFormat(b, "2006-01-02")
	b = append(b, '\t')
	b = end.AppendFormat(b, "15:04:05")
	field(EdgeLocation)
	field(strconv.FormatInt(responseBytes(s), 10))
	field(host)
	field(s.Method)
	field(*rec.c.domain.Load())
	field(r.URL.Path)
	field(strconv.Itoa(s.Status))
	field(r.Header.Get("Referer"))
	field(r.Header.Get("User-Agent"))
	field(r.URL.RawQuery)
	if rec.c.cookies {
		field(strings.Join(r.Header.Values("Cookie"), "; "))
	} else {
		field("")
	}
	field(result)
	field(s.ID)
	field(s.Host)
	field(protocol(r))
	field(strconv.FormatInt(requestBytes(r), 10))
	field(seconds(s.Duration))
	field(r.Header.Get("X-Forwarded-For"))
	proto, cipher := tlsNames(r.TLS)
	field(proto)
	field(cipher)
	field(response)
	field(r.Proto)
	field("") // fle-status: no field-level encryption
	field("") // fle-encrypted-fields
	field(port)
	if s.Header != nil {
		field(seconds(s.FirstByte))
	} else {
		field("")
	}
	field(detailed)
	field(s.Header.Get("Content-Type"))
	field(s.Header.Get("Content-Length"))
	start, stop := contentRange(s.Header.Get("Content-Range"))
	field(start)
	field(stop)
	return append(b, '\n')
}

// resultTypes are x-edge-result-type, x-edge-response-result-type and
// x-edge-detailed-result-type, from the x-cache value and what went wrong.
func (rec *cfRecord) resultTypes(s *edge.Summary) (result, response, detailed string) {
	base, _, _ := strings.Cut(s.XCache, " from ")
	if base == "" {
		base = "Error"
	}
	result, response, detailed = base, base, base
	switch {
	case s.Header == nil: // nothing was sent: the viewer went away
		result, response = "Error", "Error"
		detailed = "ClientCommError"
		if strings.Contains(s.Note, "while sending the body") {
			detailed = "ClientHungUpRequest"
		}
	case strings.HasPrefix(s.Note, "body copy failed"):
		// The response started as base; the viewer or the origin broke off mid-body.
		result, detailed = "Error", "ClientCommError"
	case rec.generated && base == "LambdaGeneratedResponse":
		result, response, detailed = "Miss", "Miss", "MissGeneratedResponse"
	case base == "Error":
		detailed = rec.errorType(s)
	}
	return result, response, detailed
}

// errorType says what kind of error a response of type Error was, with CloudFront's names.
func (rec *cfRecord) errorType(s *edge.Summary) string {
	if rec.hookClass != "" {
		return rec.hookClass
	}
	for i := len(s.Attempts) - 1; i >= 0; i-- {
		a := s.Attempts[i]
		if a.Page || a.Skipped != "" {
			continue
		}
		switch a.Error {
		case "connect_failure":
			return "OriginConnectError"
		case "timeout", "body_timeout":
			return "OriginCommError"
		case "error":
			return "OriginError"
		case "body_error", "body_connect_failure":
			return "OriginReadError"
		}
		break
	}
	if len(s.Attempts) == 0 {
		switch s.Status {
		case http.StatusBadRequest:
			return "InvalidRequest"
		case http.StatusForbidden:
			return "InvalidRequestMethod"
		}
	}
	return "Error"
}

// appendField appends v with the escapes CloudFront's logs use: characters 0–32, 127 and above,
// and < > " # % { } | \ ^ ~ [ ] ` ' as %XX. An empty value is a hyphen.
func appendField(b []byte, v string) []byte {
	if v == "" {
		return append(b, '-')
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= 32 || c >= 127 || strings.IndexByte(`<>"#%{}|\^~[]`+"`'", c) >= 0 {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// protocol is cs-protocol: http, https, or ws/wss for a WebSocket upgrade.
func protocol(r *http.Request) string {
	ws := strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
	switch {
	case r.TLS != nil && ws:
		return "wss"
	case r.TLS != nil:
		return "https"
	case ws:
		return "ws"
	}
	return "http"
}

// requestBytes is cs-bytes: the request line, the headers as HTTP/1.1 sends them, and the body
// when its length was given.
func requestBytes(r *http.Request) int64 {
	n := int64(len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2)
	n += int64(len("Host: ") + len(r.Host) + 2)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += int64(len(k) + 2 + len(v) + 2)
		}
	}
	n += 2
	if r.ContentLength > 0 {
		n += r.ContentLength
	}
	return n
}

// responseBytes is sc-bytes: the status line, the headers as HTTP/1.1 sends them (with the Date
// header net/http adds), and the body bytes written. 0 when nothing was sent.
func responseBytes(s *edge.Summary) int64 {
	if s.Header == nil {
		return 0
	}
	n := int64(len("HTTP/1.1 000 ") + len(http.StatusText(s.Status)) + 2)
	n += int64(len("Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n"))
	for k, vs := range s.Header {
		for _, v := range vs {
			n += int64(len(k) + 2 + len(v) + 2)
		}
	}
	return n + 2 + s.BodyBytes
}

// contentRange gives the start and end of a Content-Range header ("bytes 0-99/1000").
func contentRange(v string) (string, string) {
	v, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return "", ""
	}
	span, _, _ := strings.Cut(v, "/")
	start, end, ok := strings.Cut(span, "-")
	if !ok {
		return "", ""
	}
	return start, end
}

// tlsNames are ssl-protocol and ssl-cipher as CloudFront writes them (OpenSSL's cipher names).
func tlsNames(cs *tls.ConnectionState) (string, string) {
	if cs == nil {
		return "", ""
	}
	proto := map[uint16]string{tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1", tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}[cs.Version]
	cipher, ok := opensslCiphers[cs.CipherSuite]
	if !ok {
		cipher = tls.CipherSuiteName(cs.CipherSuite)
	}
	return proto, cipher
}

// opensslCiphers are the OpenSSL names of the suites Go offers; TLS 1.3 suites keep their IANA
// names, as in CloudFront's logs.
var opensslCiphers = map[uint16]string{
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         "ECDHE-RSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         "ECDHE-RSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       "ECDHE-ECDSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       "ECDHE-ECDSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   "ECDHE-RSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            "ECDHE-RSA-AES128-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            "ECDHE-RSA-AES256-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:          "ECDHE-ECDSA-AES128-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          "ECDHE-ECDSA-AES256-SHA",
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256:               "AES128-GCM-SHA256",
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384:               "AES256-GCM-SHA384",
	tls.TLS_RSA_WITH_AES_128_CBC_SHA:                  "AES128-SHA",
	tls.TLS_RSA_WITH_AES_256_CBC_SHA:                  "AES256-SHA",
}
