package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// DefaultTLSListen is where the HTTPS listener listens when tls.listen and --tls-listen are
// not given.
const DefaultTLSListen = "127.0.0.1:8443"

// TLS is the tls section: an HTTPS listener (HTTP/2 and HTTP/1.1) beside the plain one.
type TLS struct {
	Cert   string `yaml:"cert"`
	Key    string `yaml:"key"`
	Listen string `yaml:"listen"`
	// SelfSigned is --tls: a certificate for localhost made at start-up serves instead of files.
	SelfSigned bool `yaml:"-"`
	// Fingerprint is the SHA-256 fingerprint of the certificate serving, once listening.
	Fingerprint string `yaml:"-"`
}

func (c *Config) validateTLS(ck *checker) {
	t := c.File.TLS
	if t == nil {
		return
	}
	if t.Listen == "" {
		t.Listen = DefaultTLSListen
	} else if _, _, err := net.SplitHostPort(t.Listen); err != nil {
		ck.errorf("tls.listen", "%q is not host:port", t.Listen)
	}
	switch {
	case t.Cert == "" && t.Key == "":
		// A listener alone: serve refuses it unless --tls makes the certificate.
	case t.Cert == "":
		ck.errorf("tls.cert", "tls.key is given but tls.cert is not")
	case t.Key == "":
		ck.errorf("tls.key", "tls.cert is given but tls.key is not")
	default:
		if _, err := LoadCertificate(c.Resolve(t.Cert), c.Resolve(t.Key)); err != nil {
			var ce *CertError
			field := "tls.cert"
			if errors.As(err, &ce) && ce.Field != "" {
				field = ce.Field
			}
			ck.errorf(field, "%v", err)
		}
	}
}

// httpsPort is the port of the HTTPS listener, where HTTP viewers are redirected; 0 without one
// (the redirect then names no port: 443).
func (c *Config) httpsPort() int {
	if c.File.TLS == nil {
		return 0
	}
	_, port, _ := net.SplitHostPort(c.File.TLS.Listen)
	n, _ := strconv.Atoi(port)
	return n
}

// CertError says which file of a certificate pair is at fault, and why.
type CertError struct {
	Field string // tls.cert or tls.key
	File  string
	Err   error
}

func (e *CertError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *CertError) Unwrap() error { return e.Err }

// LoadCertificate reads a PEM certificate (chain) and its private key, naming the file at fault
// when they cannot be read, are not what they should be, or do not belong together.
func LoadCertificate(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, &CertError{Field: "tls.cert", File: certFile, Err: unwrapPath(err)}
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, &CertError{Field: "tls.key", File: keyFile, Err: unwrapPath(err)}
	}
	if err := checkCertPEM(certPEM); err != nil {
		return nil, &CertError{Field: "tls.cert", File: certFile, Err: err}
	}
	if !hasPEMBlock(keyPEM, "PRIVATE KEY") {
		return nil, &CertError{Field: "tls.key", File: keyFile, Err: errors.New("no PEM private key in it")}
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return nil, &CertError{Field: "tls.key", File: keyFile, Err: fmt.Errorf("does not belong to the certificate in %s (%w)", certFile, err)}
		}
		return nil, &CertError{Field: "tls.key", File: keyFile, Err: err}
	}
	return &pair, nil
}

// checkCertPEM checks that b holds at least one certificate, and only certificates that parse.
func checkCertPEM(b []byte) error {
	n := 0
	for rest := b; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("certificate %d does not parse: %w", n+1, err)
		}
		n++
	}
	if n == 0 {
		return errors.New("no PEM certificate in it")
	}
	return nil
}

func hasPEMBlock(b []byte, suffix string) bool {
	for rest := b; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return false
		}
		if strings.HasSuffix(block.Type, suffix) {
			return true
		}
	}
}

// unwrapPath drops the *PathError's own copy of the path: the error names the file once.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
