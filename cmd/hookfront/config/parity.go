package config

import "fmt"

// checkParity notes where this config would make the edge behave differently from CloudFront;
// `validate --strict` reports these.
func (c *Config) checkParity(ck *checker) {
	for i, b := range c.Behaviors {
		if b.CachePolicy == "" && b.ForwardedValues == nil {
			at := fmt.Sprintf("behaviors[%d]", i)
			c.Parity = append(c.Parity, Problem{File: ck.file, Line: ck.line(at), Field: at,
				Msg: "no cache_policy: every viewer header, cookie and query string reaches the origin and its hooks, and cache.key makes the key; " +
					"a CloudFront behavior always has a cache policy (or legacy settings) and forwards only what it names"})
		}
	}
}
