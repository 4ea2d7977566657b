package edge

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// cfHeader is a request header CloudFront generates from the viewer (adding-cloudfront-headers.html).
type cfHeader int

const (
	cfForwardedProto cfHeader = iota
	cfIsAndroid
	cfIsDesktop
	cfIsIOS
	cfIsMobile
	cfIsSmartTV
	cfIsTablet
	cfAddress
	cfASN
	cfCity
	cfCountry
	cfCountryName
	cfCountryRegion
	cfCountryRegionName
	cfLatitude
	cfLongitude
	cfMetroCode
	cfPostalCode
	cfTimeZone
	cfHTTPVersion
	cfTLS
	cfHeaderCount
	cfHeaderOrder
	cfJA3
	cfCount
)

// cfHeaderNames are spelled as CloudFront spells them; they are also the keys the edge sets, so
// that origins and hooks see CloudFront's spelling.
var cfHeaderNames = [cfCount]string{
	"CloudFront-Forwarded-Proto", "CloudFront-Is-Android-Viewer", "CloudFront-Is-Desktop-Viewer",
	"CloudFront-Is-IOS-Viewer", "CloudFront-Is-Mobile-Viewer", "CloudFront-Is-SmartTV-Viewer",
	"CloudFront-Is-Tablet-Viewer", "CloudFront-Viewer-Address", "CloudFront-Viewer-ASN",
	"CloudFront-Viewer-City", "CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Name",
	"CloudFront-Viewer-Country-Region", "CloudFront-Viewer-Country-Region-Name",
	"CloudFront-Viewer-Latitude", "CloudFront-Viewer-Longitude", "CloudFront-Viewer-Metro-Code",
	"CloudFront-Viewer-Postal-Code", "CloudFront-Viewer-Time-Zone", "CloudFront-Viewer-Http-Version",
	"CloudFront-Viewer-TLS", "CloudFront-Viewer-Header-Count", "CloudFront-Viewer-Header-Order",
	"CloudFront-Viewer-JA3-Fingerprint",
}

// cfHeaderByCanonical finds a generated header by its Go-canonical name (as viewers' headers
// arrive and as policies name them, once canonicalised).
var cfHeaderByCanonical = map[string]cfHeader{}

// overrideHeaders maps the development overrides (X-Hookfront-Viewer-Country, …) to the header
// each one sets: the geo and network values a local viewer cannot have.
var overrideHeaders = map[string]cfHeader{}

const overridePrefix = "X-Hookfront-Viewer-"

func init() {
	for i, n := range cfHeaderNames {
		cfHeaderByCanonical[textproto.CanonicalMIMEHeaderKey(n)] = cfHeader(i)
	}
	for g := cfAddress; g <= cfTimeZone; g++ {
		suffix := strings.TrimPrefix(cfHeaderNames[g], "CloudFront-Viewer-")
		overrideHeaders[textproto.CanonicalMIMEHeaderKey(overridePrefix+suffix)] = g
	}
}

// isGenerated reports whether a viewer header (canonical name) has the name of a header the edge
// generates: such a header from the viewer never reaches the origin, so it cannot be forged.
func isGenerated(canonical string) bool {
	if len(canonical) < 11 || canonical[:11] != "Cloudfront-" {
		return false
	}
	_, ok := cfHeaderByCanonical[canonical]
	return ok
}

// Viewer is the simulated viewer's location and network: the values of the CloudFront-Viewer-*
// geo headers. A field left empty is a header not sent.
type Viewer struct {
	Country, CountryName, CountryRegion, CountryRegionName, City, PostalCode, TimeZone string
	Latitude, Longitude, MetroCode, ASN                                                string
	// AllowOverride lets X-Hookfront-Viewer-* request headers override these per request.
	AllowOverride bool

	vals [cfCount][]string // header values, percent-encoded as CloudFront does
}

// DefaultViewer is the viewer of a distribution that describes none: in Seattle, on Amazon's
// network.
var DefaultViewer = Viewer{Country: "US", CountryName: "United States", CountryRegion: "WA",
	CountryRegionName: "Washington", City: "Seattle", PostalCode: "98101", TimeZone: "America/Los_Angeles",
	Latitude: "47.60620", Longitude: "-122.33210", MetroCode: "819", ASN: "16509", AllowOverride: true}

func (v *Viewer) prepare() {
	for g, val := range map[cfHeader]string{cfCountry: v.Country, cfCountryName: v.CountryName, cfCountryRegion: v.CountryRegion,
		cfCountryRegionName: v.CountryRegionName, cfCity: v.City, cfPostalCode: v.PostalCode, cfTimeZone: v.TimeZone,
		cfLatitude: v.Latitude, cfLongitude: v.Longitude, cfMetroCode: v.MetroCode, cfASN: v.ASN} {
		v.vals[g] = nil
		if val != "" {
			v.vals[g] = []string{cfEncode(val)}
		}
	}
}

// cfEncode percent-encodes the non-ASCII bytes of a header value, as CloudFront does for its geo
// headers (RFC 3986 §2.1).
func cfEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 || s[i] == 0x7f {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 || c == 0x7f {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// viewerFacts computes the generated headers of one request, each on first use.
type viewerFacts struct {
	r        *http.Request
	vr       *viewerRequest // the request as the viewer-request hook left it (nil: r): its User-Agent
	v        *Viewer
	override map[cfHeader][]string
	device   deviceFlags
	detected bool
	reused   bool // an earlier request used the TLS connection
}

var (
	trueValue  = []string{"true"}
	falseValue = []string{"false"}
	protoHTTP  = []string{"http"}
	protoHTTPS = []string{"https"}
)

// value is header g's value, or nil when CloudFront would not send it (TLS details on a plain
// connection; the header order, which Go does not keep; JA3).
func (f *viewerFacts) value(g cfHeader) []string {
	if v, ok := f.override[g]; ok {
		return v
	}
	r := f.r
	switch g {
	case cfForwardedProto:
		if r.TLS != nil {
			return protoHTTPS
		}
		return protoHTTP
	case cfIsAndroid, cfIsDesktop, cfIsIOS, cfIsMobile, cfIsSmartTV, cfIsTablet:
		if !f.detected {
			// The User-Agent the hook left, which the origin gets too: the viewer's own would
			// call an iPhone the hook claims to be a desktop, and the reverse.
			h := r.Header
			if f.vr != nil {
				h = f.vr.header
			}
			f.device, f.detected = detectDevice(h.Get("User-Agent")), true
		}
		if f.device&(1<<(g-cfIsAndroid)) != 0 {
			return trueValue
		}
		return falseValue
	case cfAddress:
		return []string{viewerAddress(r.RemoteAddr)}
	case cfHTTPVersion:
		return []string{strconv.Itoa(r.ProtoMajor) + "." + strconv.Itoa(r.ProtoMinor)}
	case cfTLS:
		if r.TLS == nil {
			return nil
		}
		return []string{tlsDescription(r.TLS, f.reused)}
	case cfHeaderCount:
		n := 1 // Host, which Go keeps apart
		for _, vs := range r.Header {
			n += len(vs)
		}
		return []string{strconv.Itoa(n)}
	case cfHeaderOrder, cfJA3:
		return nil
	}
	return f.v.vals[g]
}

// viewerAddress is ip:port without brackets around an IPv6 address, as CloudFront writes it.
func viewerAddress(remote string) string {
	host, port, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host + ":" + port
}

// tlsDescription is CloudFront-Viewer-TLS: version:cipher:handshake, with OpenSSL cipher names
// for TLS 1.2 as CloudFront writes them; reused: an earlier request used the connection.
func tlsDescription(cs *tls.ConnectionState, reused bool) string {
	version := map[uint16]string{tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1", tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}[cs.Version]
	cipher, ok := opensslCipherNames[cs.CipherSuite]
	if !ok {
		cipher = tls.CipherSuiteName(cs.CipherSuite)
	}
	handshake := "fullHandshake"
	switch {
	case reused:
		handshake = "connectionReused"
	case cs.DidResume:
		handshake = "sessionResumed"
	}
	return version + ":" + cipher + ":" + handshake
}

var opensslCipherNames = map[uint16]string{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       "ECDHE-ECDSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         "ECDHE-RSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       "ECDHE-ECDSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         "ECDHE-RSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   "ECDHE-RSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            "ECDHE-RSA-AES128-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            "ECDHE-RSA-AES256-SHA",
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256:               "AES128-GCM-SHA256",
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384:               "AES256-GCM-SHA384",
}

// viewer is the distribution's simulated viewer, prepared.
func (d *Distribution) viewer() *Viewer {
	if d.Viewer != nil {
		return d.Viewer
	}
	return &defaultViewer
}

var defaultViewer = func() Viewer { v := DefaultViewer; v.prepare(); return v }()

// initPolicy starts a request's view through its behavior's policies (vr.pol stays nil for a
// behavior without), and, in a distribution with policies, takes the X-Hookfront-Viewer-*
// development overrides out of the viewer's headers, so that they never reach a hook or an
// origin (without policies nothing reads them, and they are ordinary headers).
func (d *Distribution) initPolicy(vr *viewerRequest, b *Behavior, r *http.Request) {
	if d.policies { // inlined: a distribution without policies pays no call
		d.startPolicy(vr, b, r)
	}
}

func (d *Distribution) startPolicy(vr *viewerRequest, b *Behavior, r *http.Request) {
	v := d.viewer()
	if b.fwd != nil {
		// A separate allocation: embedded in viewerRequest it would make every request larger.
		vr.pol = &policyState{fwd: b.fwd, facts: viewerFacts{r: r, vr: vr, v: v, reused: vr.connReused},
			noAE: b.keysWithoutAcceptEncoding()}
	}
	// Ranging over the headers costs a request ~60 ns: only distributions with policies pay it.
	if !v.AllowOverride {
		return
	}
	for k, vals := range r.Header {
		if len(k) <= len(overridePrefix) || k[:len(overridePrefix)] != overridePrefix {
			continue
		}
		if g, ok := overrideHeaders[k]; ok && vr.pol != nil && len(vals) > 0 {
			f := &vr.pol.facts
			if f.override == nil {
				f.override = map[cfHeader][]string{}
			}
			f.override[g] = []string{cfEncode(vals[0])}
		}
		delete(r.Header, k)
	}
}

// deviceFlags has one bit per CloudFront-Is-*-Viewer header, in cfHeader order.
type deviceFlags uint8

const (
	devAndroid deviceFlags = 1 << iota
	devDesktop
	devIOS
	devMobile
	devSmartTV
	devTablet
)

// detectDevice classifies a User-Agent. CloudFront documents the headers but not its rules, so
// these are hookfront's (docs/policies.md): tokens that browsers and devices have sent for years.
// A tablet with a mobile OS is both mobile and tablet, as CloudFront says "some tablets" are;
// anything that is neither mobile, tablet nor smart TV is a desktop, an empty User-Agent too.
func detectDevice(ua string) deviceFlags {
	var f deviceFlags
	has := func(tokens ...string) bool {
		for _, t := range tokens {
			if strings.Contains(ua, t) {
				return true
			}
		}
		return false
	}
	android := has("Android")
	if android {
		f |= devAndroid
	}
	switch {
	case has("SmartTV", "SMART-TV", "Smart-TV", "SmartTv", "HbbTV", "GoogleTV", "Google TV", "AppleTV", "Apple TV",
		"BRAVIA", "NetCast", "Roku", "CrKey", "Web0S", "webOS.TV", "Tizen TV", "AFTB", "AFTM", "AFTS", "AFTT", "AFTK"):
		f |= devSmartTV
	case has("iPad"):
		f |= devIOS | devTablet | devMobile
	case has("iPhone", "iPod"):
		f |= devIOS | devMobile
	case android && !has("Mobile"):
		// Android tablets leave "Mobile" out of their User-Agent (Google's guidance).
		f |= devTablet | devMobile
	case has("Tablet", "Kindle", "Silk/", "PlayBook"):
		f |= devTablet | devMobile
	case android || has("Mobi", "BlackBerry", "BB10", "Windows Phone", "IEMobile", "Opera Mini", "KaiOS"):
		f |= devMobile
	default:
		f |= devDesktop
	}
	return f
}
