package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var listeningTLS = regexp.MustCompile(`msg=listening addr=https://([0-9.:\[\]]+) .*sha256=([0-9A-F:]+)`)

// httpsAddr waits for the HTTPS listener's log line and returns its address and the fingerprint
// it printed.
func httpsAddr(t *testing.T, p *proc) (addr, fp string) {
	t.Helper()
	p.waitLog(t, "addr=https://")
	m := listeningTLS.FindStringSubmatch(p.logs())
	if m == nil {
		t.Fatalf("no HTTPS listening line with a fingerprint:\n%s", p.logs())
	}
	return m[1], m[2]
}

// sha256Colons writes a certificate's SHA-256 as AB:CD:…, independently of the code under test.
func sha256Colons(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// h2Get fetches u over HTTP/2 (ALPN h2), trusting any certificate, and returns the response and
// the certificate the server showed.
func h2Get(t *testing.T, u string) (*http.Response, string, *x509.Certificate) {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), resp.TLS.PeerCertificates[0]
}

// servedCert is the certificate a new TLS handshake with addr shows.
func servedCert(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0]
}

func TestServeTLSSelfSignedHTTP2(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }))
	defer o.Close()
	p := start(t, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0", "--tls", "--tls-listen", "127.0.0.1:0")
	addr, fp := httpsAddr(t, p)
	resp, body, cert := h2Get(t, "https://"+addr+"/x")
	if resp.Proto != "HTTP/2.0" || resp.TLS.NegotiatedProtocol != "h2" || body != "hello" {
		t.Fatalf("%s (ALPN %q) %q; want HTTP/2 over h2 with the origin's body", resp.Proto, resp.TLS.NegotiatedProtocol, body)
	}
	if got := sha256Colons(cert.Raw); got != fp {
		t.Fatalf("served certificate's SHA-256 %s, printed %s", got, fp)
	}
	if err := cert.VerifyHostname("localhost"); err != nil {
		t.Fatalf("the self-signed certificate is not for localhost: %v", err)
	}
	// The plain listener serves as before.
	if _, body := fetch(t, "GET", "http://"+p.addr+"/x"); body != "hello" {
		t.Fatalf("plain HTTP: %q", body)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.logs())
	}
}

// Through the binary's HTTPS listener, a second request on a connection tells the origin
// connectionReused in CloudFront-Viewer-TLS (the listener counts requests per connection).
func TestServeTLSViewerHeaderSaysConnectionReused(t *testing.T) {
	seen := make(chan string, 4)
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen <- r.Header.Get("CloudFront-Viewer-TLS") }))
	defer o.Close()
	cfg := writeFile(t, t.TempDir(), "hookfront.yaml", fmt.Sprintf(`origins:
  - {id: o, url: %q}
behaviors:
  - path_pattern: "*"
    target: o
    cache_policy: CachingDisabled
    origin_request_policy: tls-header
origin_request_policies:
  - name: tls-header
    headers: {behavior: whitelist, items: [CloudFront-Viewer-TLS]}
`, o.URL))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--tls", "--tls-listen", "127.0.0.1:0")
	addr, _ := httpsAddr(t, p)
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	var got []string
	for range 2 {
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://" + addr + "/x")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		v := <-seen
		got = append(got, v[strings.LastIndexByte(v, ':')+1:])
	}
	if g := strings.Join(got, " "); g != "fullHandshake connectionReused" {
		t.Fatalf("CloudFront-Viewer-TLS handshakes %q, want fullHandshake connectionReused", g)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.logs())
	}
}

// pemPair writes a certificate for 127.0.0.1 signed by key to cert (and key, when keyFile is
// not ""), and returns the certificate's DER.
func pemPair(t *testing.T, key *ecdsa.PrivateKey, serial int64, certFile, keyFile string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: fmt.Sprintf("test %d", serial)},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	// Written next to the file and renamed over it, as certificate tools do: never half a file.
	writeAtomic(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	if keyFile != "" {
		kb, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		writeAtomic(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
	}
	return der
}

func writeAtomic(t *testing.T, name string, b []byte) {
	t.Helper()
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestServeTLSCertificateReload(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }))
	defer o.Close()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls", "cert.pem"), filepath.Join(dir, "tls", "key.pem")
	if err := os.MkdirAll(filepath.Dir(certFile), 0o755); err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	first := pemPair(t, key, 1, certFile, keyFile)
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`
origins: [{id: o, url: %q}]
behaviors: [{path_pattern: "*", target: o}]
tls: {cert: tls/cert.pem, key: tls/key.pem, listen: 127.0.0.1:0}
watch: {debounce: 20ms, poll_interval: 200ms}
`, o.URL))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	addr, fp := httpsAddr(t, p)
	if got := servedCert(t, addr); sha256Colons(got.Raw) != fp || sha256Colons(first) != fp {
		t.Fatalf("serving %s, printed %s, the file's is %s", sha256Colons(got.Raw), fp, sha256Colons(first))
	}

	// A renewed certificate (same key) is served from the next handshake on.
	second := pemPair(t, key, 2, certFile, "")
	waitCert(t, addr, second)
	p.waitLog(t, "TLS certificate reloaded")

	// Garbage in its place: the last good certificate keeps serving, and the log says why.
	writeAtomic(t, certFile, []byte("not a certificate\n"))
	p.waitLog(t, "TLS certificate reload refused; the previous certificate keeps serving")
	if !strings.Contains(p.logs(), certFile+": no PEM certificate in it") {
		t.Fatalf("the refusal does not name the file and the reason:\n%s", p.logs())
	}
	if got := servedCert(t, addr); sha256Colons(got.Raw) != sha256Colons(second) {
		t.Fatal("a broken certificate file replaced the one serving")
	}
	// A key that does not belong to the certificate is refused too.
	pemPair(t, newKey(t), 3, certFile, "")
	p.waitLog(t, "does not belong to the certificate in "+certFile)
	if got := servedCert(t, addr); sha256Colons(got.Raw) != sha256Colons(second) {
		t.Fatal("a certificate for another key replaced the one serving")
	}
}

// waitCert waits (bounded) until a new handshake with addr shows der.
func waitCert(t *testing.T, addr string, der []byte) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for sha256Colons(servedCert(t, addr).Raw) != sha256Colons(der) {
		if time.Now().After(deadline) {
			t.Fatal("the new certificate was not served within 15s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeTLSRefusesBadCertificates(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t)
	pemPair(t, key, 1, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	pemPair(t, newKey(t), 2, filepath.Join(dir, "other.pem"), filepath.Join(dir, "otherkey.pem"))
	writeFile(t, dir, "garbage.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
	for _, c := range []struct{ cert, key, want string }{
		{"missing.pem", "key.pem", "tls.cert: " + filepath.Join(dir, "missing.pem") + ": open: no such file or directory"},
		{"cert.pem", "missing.pem", "tls.key: " + filepath.Join(dir, "missing.pem") + ": open: no such file or directory"},
		{"garbage.pem", "key.pem", "tls.cert: " + filepath.Join(dir, "garbage.pem") + ": certificate 1 does not parse"},
		{"cert.pem", "otherkey.pem", "tls.key: " + filepath.Join(dir, "otherkey.pem") + ": does not belong to the certificate in " + filepath.Join(dir, "cert.pem")},
	} {
		cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`
origins: [{id: o, url: "http://127.0.0.1:9"}]
behaviors: [{path_pattern: "*", target: o}]
tls:
  cert: %s
  key: %s
  listen: 127.0.0.1:0
`, c.cert, c.key))
		for _, args := range [][]string{{"serve", "--config", cfg, "--admin", "off"}, {"validate", "--config", cfg}} {
			_, errOut, code := runBinary(t, args...)
			if code != 1 || !strings.Contains(errOut, c.want) {
				t.Errorf("%s with cert %s and key %s: exit %d, want 1 and %q in:\n%s", args[0], c.cert, c.key, code, c.want, errOut)
			}
		}
	}
}

func TestHTTPSOriginWithItsCAAndServerName(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "sni=%s proto=%s", r.TLS.ServerName, r.Proto)
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted origin's handshake fails on purpose
	ts.StartTLS()
	defer ts.Close()
	dir := t.TempDir()
	writeFile(t, dir, "origin-ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})))
	// httptest's certificate is for 127.0.0.1 and example.com: the first origin checks it
	// against its address, the second against the name it is told.
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`
origins:
  - {id: byaddr, url: %[1]q, tls_ca: origin-ca.pem}
  - {id: byname, url: %[1]q, tls_ca: origin-ca.pem, tls_server_name: example.com}
  - {id: untrusted, url: %[1]q}
behaviors:
  - {path_pattern: /name/*, target: byname}
  - {path_pattern: /untrusted/*, target: untrusted}
  - {path_pattern: "*", target: byaddr}
`, ts.URL))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--no-cache")
	for path, want := range map[string]string{"/x": "sni= proto=HTTP/1.1", "/name/x": "sni=example.com proto=HTTP/1.1"} {
		if resp, body := fetch(t, "GET", "http://"+p.addr+path); resp.StatusCode != 200 || body != want {
			t.Errorf("%s: %d %q, want 200 %q", path, resp.StatusCode, body, want)
		}
	}
	if resp, _ := fetch(t, "GET", "http://"+p.addr+"/untrusted/x"); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("an origin whose certificate no trusted CA signed: %d, want 502", resp.StatusCode)
	}
}

func TestDemoTLSPrintsURLAndFingerprint(t *testing.T) {
	cmd := exec.Command(binary, "demo", "--listen", "127.0.0.1:0", "--admin", "off", "--tls", "--tls-listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	p := startCmd(t, cmd)
	addr, fp := httpsAddr(t, p)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.out(), "HTTPS (HTTP/2): https://"+addr+"   certificate SHA-256 "+fp) {
		if time.Now().After(deadline) {
			t.Fatalf("the demo's help does not show the HTTPS URL and fingerprint:\n%s", p.out())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if resp, body, cert := h2Get(t, "https://"+addr+"/hello"); resp.StatusCode != 200 || !strings.Contains(body, "primary") || sha256Colons(cert.Raw) != fp {
		t.Fatalf("demo over HTTPS: %d %q, certificate %s (printed %s)", resp.StatusCode, body, sha256Colons(cert.Raw), fp)
	}
}
