package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestTransportProblems(t *testing.T) {
	origin := func(fields string) string {
		return "origins:\n  - id: a\n    url: " + fields + "\nbehaviors:\n  - {path_pattern: '*', target: a}\n"
	}
	cases := []struct{ name, body, want string }{
		{"policy", origin("http://127.0.0.1:1\n    origin_protocol_policy: tcp"), `F:4: origins[0].origin_protocol_policy: "tcp" is not http-only, https-only, match-viewer`},
		{"https-only over http", origin("http://127.0.0.1:1\n    origin_protocol_policy: https-only"), "F:4: origins[0].origin_protocol_policy: https-only needs a https:// url"},
		{"http-only over https", origin("https://127.0.0.1:1\n    origin_protocol_policy: http-only"), "F:4: origins[0].origin_protocol_policy: http-only needs a http:// url"},
		{"https_port without match-viewer", origin("http://127.0.0.1:1\n    https_port: 8443"), "F:4: origins[0].https_port: applies only with origin_protocol_policy: match-viewer and a http:// url"},
		{"http_port with an http url", origin("http://127.0.0.1:1\n    origin_protocol_policy: match-viewer\n    http_port: 8080"), "F:5: origins[0].http_port: applies only with origin_protocol_policy: match-viewer and a https:// url"},
		{"port range", origin("https://127.0.0.1:1\n    origin_protocol_policy: match-viewer\n    http_port: 70000"), "F:5: origins[0].http_port: 70000 is not a port"},
		{"tls_ca unreadable", origin("https://127.0.0.1:1\n    tls_ca: nope.pem"), "F:4: origins[0].tls_ca: nope.pem: open: no such file or directory"},
		{"tls_server_name", origin("https://127.0.0.1:1\n    tls_server_name: 'a.example:443'"), `F:4: origins[0].tls_server_name: "a.example:443" is not a host name`},
		{"viewer protocol", "origins:\n  - {id: a, url: 'http://127.0.0.1:1'}\nbehaviors:\n  - path_pattern: '*'\n    target: a\n    viewer_protocol_policy: https-please\n", `F:6: behaviors[0].viewer_protocol_policy: "https-please" is not allow-all, redirect-to-https, https-only`},
		{"tls key without cert", origin("http://127.0.0.1:1") + "tls: {key: k.pem}\n", "F:6: tls.cert: tls.key is given but tls.cert is not"},
		{"tls listen", origin("http://127.0.0.1:1") + "tls: {listen: 8443}\n", `F:6: tls.listen: "8443" is not host:port`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := problems(t, c.body); !strings.Contains(got, c.want) {
				t.Errorf("got\n  %s\nwant it to contain\n  %s", got, c.want)
			}
		})
	}
}

func TestTransportSettingsReachTheEdge(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ca.pem", selfSignedPEM(t))
	body := `origins:
  - {id: a, url: 'http://127.0.0.1:1', origin_protocol_policy: match-viewer, https_port: 8443, tls_ca: ca.pem, tls_server_name: origin.test}
behaviors:
  - {path_pattern: /s/*, target: a, viewer_protocol_policy: redirect-to-https, compress: true}
  - {path_pattern: '*', target: a}
tls: {listen: '127.0.0.1:9443'}
`
	c, err := Parse(filepath.Join(dir, "hookfront.yaml"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Distribution()
	if err != nil {
		t.Fatal(err)
	}
	o, b := d.Origins[0], d.Behaviors[0]
	if o.ProtocolPolicy != "match-viewer" || o.HTTPSPort != 8443 || o.TLSRootCAs == nil || o.TLSServerName != "origin.test" {
		t.Fatalf("origin: %+v", o)
	}
	if b.ViewerProtocolPolicy != "redirect-to-https" || !b.Compress || d.HTTPSPort != 9443 {
		t.Fatalf("behavior %q compress %v, https port %d", b.ViewerProtocolPolicy, b.Compress, d.HTTPSPort)
	}
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
}
