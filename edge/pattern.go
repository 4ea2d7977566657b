package edge

import (
	"fmt"
	"strings"
)

// patternChars are the characters CloudFront allows in a path pattern (besides letters and digits).
const patternChars = "_-.*$/~\"'@:+&?"

// Pattern is a CloudFront path pattern: "*" matches any run of characters (slashes included),
// "?" exactly one; matching is case-sensitive and uses the path only.
type Pattern struct{ glob string }

// ParsePattern checks a path pattern against CloudFront's rules. A leading "/" is optional,
// as in CloudFront: "images/*.jpg" and "/images/*.jpg" are the same pattern.
func ParsePattern(s string) (Pattern, error) {
	if s == "" {
		return Pattern{}, fmt.Errorf("path pattern is empty")
	}
	if len(s) > 255 {
		return Pattern{}, fmt.Errorf("path pattern is %d characters long; CloudFront allows 255", len(s))
	}
	for _, c := range s {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(patternChars, c)) {
			continue
		}
		return Pattern{}, fmt.Errorf("path pattern %q has the character %q; allowed are letters, digits and %s", s, c, patternChars)
	}
	if s != "*" && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "*") {
		s = "/" + s
	}
	return Pattern{glob: s}, nil
}

// String returns the pattern as written (with the leading slash added).
func (p Pattern) String() string { return p.glob }

// Match reports whether path matches. It runs in O(len(pattern)·len(path)) at worst, with no
// allocation: the classic wildcard walk that backtracks only to the last star.
func (p Pattern) Match(path string) bool {
	g := p.glob
	gi, pi := 0, 0
	star, mark := -1, 0
	for pi < len(path) {
		switch {
		case gi < len(g) && (g[gi] == '?' || g[gi] == path[pi]):
			gi++
			pi++
		case gi < len(g) && g[gi] == '*':
			star, mark = gi, pi
			gi++
		case star >= 0:
			gi = star + 1
			mark++
			pi = mark
		default:
			return false
		}
	}
	for gi < len(g) && g[gi] == '*' {
		gi++
	}
	return gi == len(g)
}
