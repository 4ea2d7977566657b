package sharedcache

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/rueidis"
)

// ParseURL reads cache.shared.url as rueidis does: redis:// and valkey:// (TLS: rediss://,
// valkeys://), unix:///path, user and password, a database as the path (/0) or ?db=, more
// addresses with ?addr= (a Cluster is found by itself), and Sentinel with ?master_set=NAME
// (the addresses are then the sentinels').
func ParseURL(raw string) (rueidis.ClientOption, error) {
	if strings.TrimSpace(raw) == "" {
		return rueidis.ClientOption{}, errors.New("no URL given (redis://host:6379/0)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, password included
		}
		return rueidis.ClientOption{}, fmt.Errorf("%q is not a URL: %w", Redacted(raw), err)
	}
	if u.Scheme != "unix" && u.Host == "" {
		return rueidis.ClientOption{}, fmt.Errorf("%q has no host (redis://host:6379/0)", Redacted(raw))
	}
	opt, err := rueidis.ParseURL(raw)
	if err != nil {
		return opt, fmt.Errorf("%q: %w", Redacted(raw), err)
	}
	return opt, nil
}

// Redacted is the URL without its password, for logs and errors.
func Redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	return u.Redacted()
}
