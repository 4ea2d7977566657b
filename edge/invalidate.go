package edge

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// CloudFront's limits on one invalidation: paths per request and the length of a path.
const (
	MaxInvalidationPaths   = 3000
	MaxInvalidationPathLen = 4000
)

// Invalidation is a set of CloudFront invalidation paths: "/a.html" removes exactly that object
// (with a query string only when one is given: "/a.html?v=2"), and a "*" at the end makes a
// prefix that also covers query strings ("/img/*", "/*" for everything). Paths are
// case-sensitive and match every host and every header or cookie variant of the object.
type Invalidation struct {
	exact    map[string]bool
	prefixes []string
}

// ParseInvalidation checks paths by CloudFront's rules and returns their Invalidation.
func ParseInvalidation(paths []string) (*Invalidation, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no paths given")
	}
	if len(paths) > MaxInvalidationPaths {
		return nil, fmt.Errorf("%d paths; at most %d may be invalidated at once", len(paths), MaxInvalidationPaths)
	}
	iv := &Invalidation{exact: map[string]bool{}}
	for _, p := range paths {
		switch {
		case !strings.HasPrefix(p, "/"):
			return nil, fmt.Errorf("path %q must start with /", p)
		case len(p) > MaxInvalidationPathLen:
			return nil, fmt.Errorf("path %.40q… is longer than %d characters", p, MaxInvalidationPathLen)
		case strings.Contains(strings.TrimSuffix(p, "*"), "*"):
			return nil, fmt.Errorf("path %q: a * may only end a path", p)
		}
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			iv.prefixes = append(iv.prefixes, escapeInvalidation(prefix))
		} else {
			iv.exact[escapeInvalidation(p)] = true
		}
	}
	return iv, nil
}

// escapeInvalidation writes a path as cache keys hold it: percent-encoded as a viewer's request
// path is, the query string as given.
func escapeInvalidation(p string) string {
	path, query, hasQuery := strings.Cut(p, "?")
	if raw, err := url.PathUnescape(path); err == nil {
		path = (&url.URL{Path: raw}).EscapedPath()
	}
	if hasQuery {
		return path + "?" + query
	}
	return path
}

// Matches reports whether the cache key is covered.
func (iv *Invalidation) Matches(key string) bool {
	pq := keyPath(key)
	if iv.exact[pq] {
		return true
	}
	for _, p := range iv.prefixes {
		if strings.HasPrefix(pq, p) {
			return true
		}
	}
	return false
}

// keyPath is the path and query string of a cache key (cachekey.go): the key starts with an
// optional method and the host, which has no slash, and ends with header and cookie parts, each
// after a NUL.
func keyPath(key string) string {
	if i := strings.IndexByte(key, '/'); i >= 0 {
		key = key[i:]
	}
	if i := strings.IndexByte(key, 0); i >= 0 {
		key = key[:i]
	}
	return key
}

// Invalidate removes the entries whose keys iv covers and returns how many responses were
// removed.
func (c *Cache) Invalidate(iv *Invalidation) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.lru.Keys() {
		if !iv.Matches(k) {
			continue
		}
		if e, ok := c.lru.Peek(k); ok && !e.varyAE { // a marker of variants is no response
			n++
		}
		c.lru.Remove(k)
		c.evictions-- // Remove went through the eviction callback; this was no eviction
	}
	return n
}

// Invalidate removes the cached responses the CloudFront invalidation paths cover and returns
// how many copies there were. With the cache off there is nothing to remove. With a shared tier
// it is emptied of them too (its copies count), and so is every replica's local tier (a
// *SharedError when the shared tier could not be reached).
func (s *Server) Invalidate(paths []string) (int, error) {
	iv, err := ParseInvalidation(paths)
	if err != nil {
		return 0, err
	}
	n := s.invalidateLocal(iv)
	if s.shared == nil {
		return n, nil
	}
	m, err := s.shared.Invalidate(context.Background(), paths, iv.Matches)
	if err != nil {
		return n, &SharedError{Removed: n, Err: err}
	}
	return n + m, nil
}

// InvalidateLocal removes what paths cover from this replica's local tier only: what another
// replica's invalidation asks of this one (the shared tier is already done).
func (s *Server) InvalidateLocal(paths []string) (int, error) {
	iv, err := ParseInvalidation(paths)
	if err != nil {
		return 0, err
	}
	return s.invalidateLocal(iv), nil
}

func (s *Server) invalidateLocal(iv *Invalidation) int {
	if s.cache == nil {
		return 0
	}
	return s.cache.Invalidate(iv)
}
