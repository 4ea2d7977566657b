package event

import "time"

// Route is where a viewer-request CloudFront Function sent the request with the cloudfront
// module's origin helpers (updateRequestOrigin, selectRequestOriginById,
// createRequestOriginGroup). It holds for every origin attempt of the request: functions do not
// run again when a group fails over.
type Route struct {
	// Origins are the origins to try, in order: one, or the primary and the secondary of a group
	// the function created. An empty ID stands for the origin the behavior targets — the primary
	// when it targets a group, whose secondary then stays as configured.
	Origins []RouteOrigin
	// Group is set when the function created an origin group; it fails over on FailoverOn (and
	// on connection failures and timeouts, as every group does).
	Group      bool
	FailoverOn []int
}

// RouteOrigin is one origin of a Route: a configured origin and what the function changed.
type RouteOrigin struct {
	ID     string
	Update *OriginUpdate // nil: as configured
}

// OriginUpdate holds what updateRequestOrigin (or a selected origin's overrides) set; zero
// values keep the origin's own settings.
type OriginUpdate struct {
	DomainName         string
	Port               int
	Protocol           string  // "http" or "https"
	Path               *string // the origin path; set (possibly to "") when given
	HostHeader         string  // the Host sent to the origin, instead of the domain name
	CustomHeaders      Headers // nil keeps the origin's custom headers; empty removes them
	ConnectionAttempts int
	ConnectionTimeout  time.Duration
	ReadTimeout        time.Duration
	KeepaliveTimeout   time.Duration
}
