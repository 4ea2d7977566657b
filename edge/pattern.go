package edge

import (
	"fmt"
	"strings"
	"unicode/utf8"
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

// Match reports whether path matches. "?" is one character (a UTF-8 sequence; a byte that is
// not valid UTF-8 counts as one). It runs in O(len(pattern)·len(path)) at worst, with no
// allocation: the classic wildcard walk that backtracks only to the last star. A star in the
// pattern is a wildcard before anything else, even where the path holds a literal "*": comparing
// it as a literal first would lose the backtracking point (issue 9: "/api/*x/admin" escaped
// "/api/*/admin").
func (p Pattern) Match(path string) bool {
	g := p.glob
	gi, pi := 0, 0
	star, mark := -1, 0
	for pi < len(path) {
		if gi < len(g) {
			switch c := g[gi]; {
			case c == '*':
				for gi < len(g) && g[gi] == '*' {
					gi++
				}
				if gi == len(g) { // a trailing star takes the rest, whatever it is
					return true
				}
				star, mark = gi-1, pi
				continue
			case c == '?':
				gi++
				pi += runeLen(path[pi:])
				continue
			case c == path[pi]: // patterns are ASCII: a byte is a character
				gi++
				pi++
				continue
			}
		}
		if star < 0 {
			return false
		}
		// The star takes one more character; backtracking stays on character boundaries.
		gi = star + 1
		if path[mark] < utf8.RuneSelf {
			mark++
		} else {
			mark += multiByteLen(path[mark:])
		}
		pi = mark
	}
	for gi < len(g) && g[gi] == '*' {
		gi++
	}
	return gi == len(g)
}

// runeLen is the length of the character s starts with; small enough to be inlined, since it
// runs for every step back of a star.
func runeLen(s string) int {
	if s[0] < utf8.RuneSelf {
		return 1
	}
	return multiByteLen(s)
}

func multiByteLen(s string) int {
	_, n := utf8.DecodeRuneInString(s)
	return n
}
