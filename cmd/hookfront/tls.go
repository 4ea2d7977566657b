package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks"
)

// tlsFlags are --tls and --tls-listen of serve and demo.
type tlsFlags struct {
	selfSigned bool
	listen     string
}

func (f *tlsFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.selfSigned, "tls", false, "also serve HTTPS (HTTP/2) with a self-signed certificate for localhost made at start-up")
	fs.StringVar(&f.listen, "tls-listen", "", "address of the HTTPS listener (default tls.listen, else "+config.DefaultTLSListen+")")
}

// apply lays the flags over cfg.
func (f *tlsFlags) apply(cfg *config.Config) {
	if (f.selfSigned || f.listen != "") && cfg.TLS == nil {
		cfg.TLS = &config.TLS{Listen: config.DefaultTLSListen}
	}
	if f.selfSigned {
		cfg.TLS.SelfSigned = true
	}
	if f.listen != "" {
		cfg.TLS.Listen = f.listen
	}
}

// tlsListener is the HTTPS listener: HTTP/2 and HTTP/1.1 over TLS, in front of the same edge as
// the plain one.
type tlsListener struct {
	l     net.Listener
	certs *certFiles // nil for a self-signed certificate
	self  *tls.Certificate
	hs    *http.Server
}

// openTLS prepares the certificate and opens the HTTPS listener of cfg.TLS (nil without one).
// A certificate that cannot be read, or a key that does not belong to it, refuses start-up,
// naming the file. cfg.TLS.Listen becomes the address listened on (for a :0 port), and
// cfg.TLS.Fingerprint the certificate's SHA-256 fingerprint.
func openTLS(ctx context.Context, cfg *config.Config, log *slog.Logger) (*tlsListener, error) {
	t := cfg.TLS
	if t == nil {
		warnNoTLS(cfg, log)
		return nil, nil
	}
	tl := &tlsListener{}
	var leaf *x509.Certificate
	switch {
	case t.SelfSigned:
		cert, err := selfSignedCert(t.Listen, time.Now())
		if err != nil {
			return nil, fmt.Errorf("making a self-signed certificate: %w", err)
		}
		tl.self, leaf = cert, cert.Leaf
	case t.Cert == "":
		return nil, usageError{"tls: no certificate; give tls.cert and tls.key in the config, or --tls for a self-signed one"}
	default:
		tl.certs = &certFiles{cert: cfg.Resolve(t.Cert), key: cfg.Resolve(t.Key), log: log}
		if err := tl.certs.load(); err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		leaf = tl.certs.cur.Load().Leaf
	}
	l, err := net.Listen("tcp", t.Listen)
	if err != nil {
		return nil, fmt.Errorf("listening on %s (tls.listen): %w", t.Listen, err)
	}
	tl.l = l
	t.Listen = l.Addr().String()
	t.Fingerprint = fingerprint(leaf)
	if tl.certs != nil {
		tl.certs.watch(ctx, cfg)
	}
	return tl, nil
}

// serve serves the edge's handler over TLS with the plain server's settings; a failure of the
// listener goes to errc.
func (tl *tlsListener) serve(plain *http.Server, errc chan<- error) {
	if tl == nil {
		return
	}
	getCert := func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return tl.self, nil }
	if tl.certs != nil {
		getCert = tl.certs.get
	}
	tl.hs = &http.Server{
		Handler:           plain.Handler,
		ReadHeaderTimeout: plain.ReadHeaderTimeout,
		IdleTimeout:       plain.IdleTimeout,
		MaxHeaderBytes:    plain.MaxHeaderBytes,
		ErrorLog:          plain.ErrorLog,
		ConnContext:       edge.ConnContext, // CloudFront-Viewer-TLS tells a reused connection
		// ServeTLS adds h2 to NextProtos: HTTP/2 is negotiated by ALPN, HTTP/1.1 otherwise.
		TLSConfig: &tls.Config{GetCertificate: getCert, MinVersion: tls.VersionTLS12},
	}
	go func() {
		if err := tl.hs.ServeTLS(tl.l, "", ""); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("TLS: %w", err)
		}
	}()
}

// logListening says where HTTPS is served and which certificate it shows.
func (tl *tlsListener) logListening(log *slog.Logger, t *config.TLS) {
	if tl == nil {
		return
	}
	cert := "self-signed for localhost"
	if tl.certs != nil {
		cert = tl.certs.cert
	}
	log.Info("listening", "addr", "https://"+t.Listen, "protocols", "h2, http/1.1", "certificate", cert, "sha256", t.Fingerprint)
}

// shutdown drains the HTTPS listener as the plain one is drained.
func (tl *tlsListener) shutdown(ctx context.Context) error {
	if tl == nil || tl.hs == nil {
		return nil
	}
	return tl.hs.Shutdown(ctx)
}

// close closes the listener and any connection still open on it.
func (tl *tlsListener) close() {
	switch {
	case tl == nil:
	case tl.hs != nil:
		_ = tl.hs.Close()
	default:
		_ = tl.l.Close()
	}
}

// warnNoTLS warns of behaviors that send HTTP viewers to HTTPS when there is no HTTPS listener.
func warnNoTLS(cfg *config.Config, log *slog.Logger) {
	for i, b := range cfg.Behaviors {
		if p := b.ViewerProtocolPolicy; p == edge.ViewerRedirectToHTTPS || p == edge.ViewerHTTPSOnly {
			log.Warn("no HTTPS listener, but a behavior needs one: add a tls section or run with --tls",
				"behavior", fmt.Sprintf("behaviors[%d] (%s)", i, b.PathPattern), "viewer_protocol_policy", p)
		}
	}
}

// printTLS tells the demo's user where HTTPS is served and how to recognise its certificate.
func printTLS(w io.Writer, t *config.TLS) {
	if t == nil {
		return
	}
	fmt.Fprintf(w, "HTTPS (HTTP/2): https://%s   certificate SHA-256 %s\n", t.Listen, t.Fingerprint)
	if t.SelfSigned {
		fmt.Fprintf(w, "  curl -k -i https://%s/hello      # -k: the certificate is self-signed\n", t.Listen)
	}
	fmt.Fprintln(w)
}

// keepTLS keeps the running HTTPS listener over a reloaded config: it cannot change while
// running (its certificate files are reloaded on their own), which a reload that changes it says.
func keepTLS(running, loaded *config.Config, log *slog.Logger) {
	r, n := running.TLS, loaded.TLS
	changed := false
	switch {
	case r != nil && r.SelfSigned: // --tls: the flags decide, not the file
	case r == nil || n == nil:
		changed = r != n
	default:
		changed = r.Cert != n.Cert || r.Key != n.Key
	}
	if changed {
		log.Warn("tls cannot change while running; restart to use the new settings")
	}
	loaded.TLS = r
}

// certFiles is a certificate served from files and reloaded when they change. A change that
// does not load (garbage, a key that does not belong to the certificate) is refused with a log
// line, and the certificate that was serving keeps serving.
type certFiles struct {
	cert, key string
	log       *slog.Logger
	cur       atomic.Pointer[tls.Certificate]

	mu   sync.Mutex
	seen [sha256.Size]byte // the files' content as last loaded or refused
}

func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.cur.Load(), nil }

// load reads the pair; the first time, an error refuses start-up.
func (c *certFiles) load() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = c.digest()
	return c.use()
}

// use loads the pair and serves it; on an error the certificate serving stays. c.mu is held.
func (c *certFiles) use() error {
	cert, err := config.LoadCertificate(c.cert, c.key)
	if err != nil {
		return err
	}
	c.warnExpiry(cert.Leaf)
	c.cur.Store(cert)
	return nil
}

// rescan reloads the pair when either file changed since it was last looked at.
func (c *certFiles) rescan() {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := c.digest()
	if sum == c.seen {
		return
	}
	c.seen = sum
	if err := c.use(); err != nil {
		c.log.Error("TLS certificate reload refused; the previous certificate keeps serving", "error", err,
			"serving_sha256", fingerprint(c.cur.Load().Leaf))
		return
	}
	cert := c.cur.Load()
	c.log.Info("TLS certificate reloaded", "certificate", c.cert, "sha256", fingerprint(cert.Leaf), "not_after", cert.Leaf.NotAfter)
}

func (c *certFiles) digest() [sha256.Size]byte {
	h := sha256.New()
	for _, f := range []string{c.cert, c.key} {
		b, err := os.ReadFile(f)
		if err != nil {
			b = []byte(err.Error())
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func (c *certFiles) warnExpiry(leaf *x509.Certificate) {
	if leaf != nil && time.Now().After(leaf.NotAfter) {
		c.log.Warn("the TLS certificate has expired; clients will refuse it", "certificate", c.cert, "not_after", leaf.NotAfter)
	}
}

// watch reloads the pair when a file changes, through each file's folder (editors and
// certificate tools replace files; a Kubernetes secret swaps a symlink), with the config's watch
// settings and the periodic rescan as a backstop.
func (c *certFiles) watch(ctx context.Context, cfg *config.Config) {
	byDir := map[string]map[string]bool{}
	for _, f := range []string{c.cert, c.key} {
		dir := filepath.Dir(f)
		if byDir[dir] == nil {
			byDir[dir] = map[string]bool{}
		}
		byDir[dir][filepath.Base(f)] = true
	}
	for dir, names := range byDir {
		opt := hooks.WatchOptions{Debounce: cfg.Watch.Debounce.Duration, Poll: cfg.Watch.PollInterval.Duration,
			PollOnly: cfg.Watch.Poll, Log: c.log, Match: func(name string) bool { return names[name] }}
		go func() {
			if err := hooks.Watch(ctx, dir, opt, c.rescan); err != nil {
				c.log.Error("reloading the TLS certificate when it changes is off", "dir", dir, "error", err)
			}
		}()
	}
}

// selfSignedCert makes a certificate for localhost (and the listener's host, when it is another
// name or address), valid for a year, with a new P-256 key.
func selfSignedCert(listen string, now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"hookfront (self-signed)"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if host, _, err := net.SplitHostPort(listen); err == nil && host != "" && host != "localhost" {
		if ip := net.ParseIP(host); ip == nil {
			tmpl.DNSNames = append(tmpl.DNSNames, host)
		} else if !ip.IsLoopback() && !ip.IsUnspecified() {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// fingerprint is the SHA-256 of the certificate, written as browsers and openssl show it
// (AB:CD:…).
func fingerprint(leaf *x509.Certificate) string {
	if leaf == nil {
		return ""
	}
	sum := sha256.Sum256(leaf.Raw)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}
