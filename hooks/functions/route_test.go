package functions

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// routeFor runs a viewer-request function whose body calls the origin helpers (cf is imported).
func routeFor(t *testing.T, body string) (*event.Route, error) {
	t.Helper()
	f := load(t, jsruntime.Runtime20, "import cf from 'cloudfront';\nfunction handler(event) {\n"+body+"\nreturn event.request; }", nil)
	out, _, err := f.Request(context.Background(), vrCfg, request(), nil)
	if err != nil {
		return nil, err
	}
	return out.Route, nil
}

func TestOriginHelpersMakeRoutes(t *testing.T) {
	r, err := routeFor(t, `cf.updateRequestOrigin({domainName: 'a.example', originPath: '/p', customHeaders: {'x-k': 'v'},
  connectionAttempts: 2, timeouts: {readTimeout: 30, connectionTimeout: 5, keepAliveTimeout: 9, responseCompletionTimeout: 60},
  originShield: {enabled: true, region: 'us-east-2'}, customOriginConfig: {port: 8443, protocol: 'https', sslProtocols: ['TLSv1.2']}});
cf.updateRequestOrigin({hostHeader: 'h.example'});`)
	if err != nil {
		t.Fatal(err)
	}
	u := r.Origins[0].Update
	if len(r.Origins) != 1 || r.Origins[0].ID != "" || r.Group || u.DomainName != "a.example" || *u.Path != "/p" || u.Port != 8443 ||
		u.Protocol != "https" || u.HostHeader != "h.example" || u.ConnectionAttempts != 2 || u.ReadTimeout != 30*time.Second ||
		u.ConnectionTimeout != 5*time.Second || u.KeepaliveTimeout != 9*time.Second || u.CustomHeaders.Get("x-k") != "v" {
		t.Fatalf("%+v %+v", r, u)
	}
	// A group, then an update: only its primary changes.
	r, err = routeFor(t, `cf.createRequestOriginGroup({originIds: ['a', {originId: 'b', originOverrides: {hostHeader: 'b.example'}}],
  selectionCriteria: 'default', failoverCriteria: {statusCodes: [500, 503]}});
cf.updateRequestOrigin({domainName: 'p.example'});`)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Group || r.Origins[0].ID != "a" || r.Origins[0].Update.DomainName != "p.example" || r.Origins[1].ID != "b" ||
		r.Origins[1].Update.HostHeader != "b.example" || len(r.FailoverOn) != 2 {
		t.Fatalf("%+v", r)
	}
	// A selection replaces what came before.
	r, err = routeFor(t, `cf.createRequestOriginGroup({originIds: ['a', 'b'], failoverCriteria: {statusCodes: [500]}});
cf.selectRequestOriginById('c', {hostHeader: 'c.example'});`)
	if err != nil {
		t.Fatal(err)
	}
	if r.Group || len(r.Origins) != 1 || r.Origins[0].ID != "c" || r.Origins[0].Update.HostHeader != "c.example" || r.FailoverOn != nil {
		t.Fatalf("%+v", r)
	}
}

func TestOriginHelperArgumentsAreChecked(t *testing.T) {
	for body, want := range map[string]string{
		`cf.updateRequestOrigin();`:                                                                                                "f.js:3:23: cf.updateRequestOrigin(): an object argument is required",
		`cf.updateRequestOrigin({domainName: 'a:80'});`:                                                                            "domainName \"a:80\" must be a host name or IP address without a port",
		`cf.updateRequestOrigin({originPath: 'p/'});`:                                                                              "originPath \"p/\" must start with / and not end with /",
		`cf.updateRequestOrigin({customHeaders: {'X-Up': 'v'}});`:                                                                  "\"X-Up\" must be a lower-case header name",
		`cf.updateRequestOrigin({customHeaders: {'x-cache': 'v'}});`:                                                               "x-cache is a disallowed header",
		`cf.updateRequestOrigin({connectionAttempts: 4});`:                                                                         "connectionAttempts must be a whole number from 1 to 3",
		`cf.updateRequestOrigin({timeouts: {connectionTimeout: 11}});`:                                                             "connectionTimeout must be a whole number from 1 to 10",
		`cf.updateRequestOrigin({timeouts: {readTimeout: 30, responseCompletionTimeout: 10}});`:                                    "responseCompletionTimeout must be at least readTimeout",
		`cf.updateRequestOrigin({customOriginConfig: {port: 80}});`:                                                                "customOriginConfig needs port, protocol and sslProtocols",
		`cf.updateRequestOrigin({colour: 'red'});`:                                                                                 `unknown field "colour"`,
		`cf.selectRequestOriginById(3);`:                                                                                           "the origin id must be a non-empty string, not the number 3",
		`cf.selectRequestOriginById('a', {domainName: 'x'});`:                                                                      `unknown field "domainName" (known: hostHeader, sni, allowedCertificateNames)`,
		`cf.createRequestOriginGroup({originIds: ['a'], failoverCriteria: {statusCodes: [500]}});`:                                 "originIds must list two origins",
		`cf.createRequestOriginGroup({originIds: ['a', 'b'], failoverCriteria: {statusCodes: [501]}});`:                            "the number 501 cannot trigger failover",
		`cf.createRequestOriginGroup({originIds: ['a', 'b']});`:                                                                    "failoverCriteria.statusCodes must list the statuses",
		`cf.createRequestOriginGroup({originIds: ['a', 'b'], selectionCriteria: 'fast', failoverCriteria: {statusCodes: [500]}});`: "selectionCriteria must be default or media-quality-score",
	} {
		_, err := routeFor(t, body)
		var fe *Error
		if !errorsAs(err, &fe) || fe.Kind != ValidationError || !strings.Contains(err.Error(), want) {
			t.Errorf("%s\n  want %q\n  got  %v", body, want, err)
		}
	}
}

func TestOriginHelpersOnlyInViewerRequest(t *testing.T) {
	f := load(t, jsruntime.Runtime20, `import cf from 'cloudfront';
function handler(event) { cf.selectRequestOriginById('a'); return event.response; }`, nil)
	cfg := vrCfg
	cfg.EventType = event.ViewerResponse
	_, err := f.Response(context.Background(), cfg, request(), &event.Response{Status: 200, Headers: event.Headers{}}, nil)
	var fe *Error
	if !errorsAs(err, &fe) || fe.Kind != ExecutionError || !strings.Contains(err.Error(), "cf.selectRequestOriginById() can only be called in a viewer-request function") {
		t.Fatalf("%v", err)
	}
}
