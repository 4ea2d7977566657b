package edge

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// certFor makes a self-signed certificate for the DNS name alone (no IP address in it), and a
// pool that trusts it.
func certFor(t *testing.T, name string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// tlsOrigin is an HTTPS origin on 127.0.0.1 that serves cert and answers with the SNI it got.
func tlsOrigin(t *testing.T, cert tls.Certificate) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tls sni="+r.TLS.ServerName+" host="+r.Host)
	}))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes refused on purpose
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

func TestHTTPSOriginTrustAndServerName(t *testing.T) {
	cert, pool := certFor(t, "origin.test")
	ts := tlsOrigin(t, cert)
	untrusted := org(t, "untrusted", ts.URL) // the system roots do not know the certificate
	noName := org(t, "noname", ts.URL)       // trusted, but it is not for 127.0.0.1
	noName.TLSRootCAs = pool
	named := org(t, "named", ts.URL)
	named.TLSRootCAs, named.TLSServerName = pool, "origin.test"
	d := &Distribution{Origins: []*Origin{untrusted, noName, named},
		Behaviors: []*Behavior{behavior(t, "/untrusted/*", "untrusted"), behavior(t, "/noname/*", "noname"), behavior(t, "*", "named")}}
	_, edge := edgeServer(t, d, Options{CacheBytes: -1})

	for _, path := range []string{"/untrusted/x", "/noname/x"} {
		r := get(t, edge.URL+path)
		if r.status != http.StatusBadGateway || !strings.Contains(r.body, "TLS handshake") {
			t.Fatalf("%s: %d %q; want 502 saying the TLS handshake failed", path, r.status, r.body)
		}
	}
	r := get(t, edge.URL+"/named/x")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(ts.URL, "https://"))
	if want := "tls sni=origin.test host=127.0.0.1:" + port; r.status != 200 || r.body != want {
		t.Fatalf("with tls_ca and tls_server_name: %d %q, want 200 %q", r.status, r.body, want)
	}
}

func TestOriginProtocolMatchViewer(t *testing.T) {
	cert, pool := certFor(t, "origin.test")
	secure := tlsOrigin(t, cert)
	plain := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain host="+r.Host) })
	_, tlsPort, _ := net.SplitHostPort(strings.TrimPrefix(secure.URL, "https://"))
	o := org(t, "o", plain.URL) // http://127.0.0.1:P; HTTPS viewers go to https://127.0.0.1:tlsPort
	o.ProtocolPolicy, o.HTTPSPort, o.TLSRootCAs, o.TLSServerName = OriginMatchViewer, atoi(t, tlsPort), pool, "origin.test"
	var seen []string
	h := &recorder{bound: map[event.Trigger]bool{event.OriginRequest: true}, onReq: func(_ event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
		seen = append(seen, r.Origin.Protocol+":"+strconv.Itoa(r.Origin.Port))
		return r, nil, nil
	}}
	d := &Distribution{Origins: []*Origin{o}, Behaviors: []*Behavior{behavior(t, "*", "o")}}
	plainEdge, secureEdge, client := dualEdge(t, d, Options{Hooks: h, CacheBytes: -1})

	if _, body := sendWith(t, client, http.MethodGet, plainEdge+"/a"); !strings.HasPrefix(body, "plain ") {
		t.Fatalf("an HTTP viewer reached %q; want the origin over http", body)
	}
	if _, body := sendWith(t, client, http.MethodGet, secureEdge+"/b"); body != "tls sni=origin.test host=127.0.0.1:"+tlsPort {
		t.Fatalf("an HTTPS viewer reached %q; want the origin over https on its https port", body)
	}
	_, plainPort, _ := net.SplitHostPort(strings.TrimPrefix(plain.URL, "http://"))
	if got, want := strings.Join(seen, " "), "http:"+plainPort+" https:"+tlsPort; got != want {
		t.Fatalf("origin-request saw request.origin %q, want %q", got, want)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOriginProtocolPolicyMustFitTheURL(t *testing.T) {
	for _, c := range []struct{ url, policy, want string }{
		{"http://127.0.0.1:1", OriginHTTPSOnly, "needs a https:// url"},
		{"https://127.0.0.1:1", OriginHTTPOnly, "needs a http:// url"},
		{"http://127.0.0.1:1", "tcp-only", "is not http-only"},
	} {
		o := org(t, "o", c.url)
		o.ProtocolPolicy = c.policy
		d := &Distribution{Origins: []*Origin{o}, Behaviors: []*Behavior{behavior(t, "*", "o")}}
		if err := d.Prepare(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s with %s: %v, want %q", c.url, c.policy, err, c.want)
		}
	}
}
