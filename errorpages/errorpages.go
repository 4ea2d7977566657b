// Package errorpages holds custom error pages (distribution-wide and per origin-group role) and
// renders the built-in pages for errors the edge makes itself.
package errorpages

import (
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"time"
)

// ErrorCodes are the origin statuses a custom error page may be configured for (CloudFront's list).
var ErrorCodes = []int{400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504}

// ResponseCodes are the statuses a page may be served with: 200 and the error codes.
var ResponseCodes = append([]int{200}, ErrorCodes...)

// Page is one custom error response.
type Page struct {
	Status int // the status the page replaces
	// Body and ContentType hold a page loaded from a file (config field "page").
	Body        []byte
	ContentType string
	File        string
	// Path is fetched through the edge's own behaviors instead (config "page_path").
	Path string
	// ResponseCode is sent with the page; 0 keeps Status.
	ResponseCode int
	// CacheTTL is the error-caching minimum TTL for Status; HasTTL tells an explicit 0 from unset.
	CacheTTL time.Duration
	HasTTL   bool
}

// HasPage reports whether the entry replaces the body (an entry may only set a TTL).
func (p *Page) HasPage() bool { return p.Body != nil || p.Path != "" }

// Code is the status the page is served with.
func (p *Page) Code() int {
	if p.ResponseCode != 0 {
		return p.ResponseCode
	}
	return p.Status
}

// Load reads the page file (relative to dir) into memory, so that the request path never reads
// the disk.
func (p *Page) Load(dir string) error {
	if p.File == "" {
		return nil
	}
	name := p.File
	if !filepath.IsAbs(name) {
		name = filepath.Join(dir, name)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("loading error page for %d: %w", p.Status, err)
	}
	p.Body = b
	p.ContentType = mime.TypeByExtension(filepath.Ext(name))
	if p.ContentType == "" {
		p.ContentType = "text/html; charset=utf-8"
	}
	return nil
}

// Role says which member of an origin group gave the final answer.
type Role string

// Roles of an origin-group member.
const (
	Primary   Role = "primary"
	Secondary Role = "secondary"
)

// List maps a status to its page.
type List map[int]*Page

// GroupPages are the pages of one origin group.
type GroupPages struct {
	Primary   List
	Secondary List
	// Members holds pages for one member origin by id; they win over the role's pages.
	Members map[string]List
}

// Set is every configured page.
type Set struct {
	Distribution List
	Groups       map[string]*GroupPages
}

// Lookup finds the entry for status: the member's own, then the group role's, then the
// distribution-wide one. group is "" for a single origin.
func (s *Set) Lookup(group string, role Role, member string, status int) (*Page, bool) {
	p, _, ok := s.Find(group, role, member, status)
	return p, ok
}

// Where a page was found, for traces.
const (
	FromMember       = "member"
	FromDistribution = "distribution"
)

// Find is Lookup that also says which list the entry came from: FromMember, the role
// (Primary or Secondary) or FromDistribution.
func (s *Set) Find(group string, role Role, member string, status int) (*Page, string, bool) {
	if s == nil {
		return nil, "", false
	}
	if g := s.Groups[group]; group != "" && g != nil {
		if p, ok := g.Members[member][status]; ok {
			return p, FromMember, true
		}
		roleList := g.Primary
		if role == Secondary {
			roleList = g.Secondary
		}
		if p, ok := roleList[status]; ok {
			return p, string(role), true
		}
	}
	p, ok := s.Distribution[status]
	return p, FromDistribution, ok
}
