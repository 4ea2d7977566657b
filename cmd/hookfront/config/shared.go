package config

import "github.com/hookfront/hookfront/edge/sharedcache"

// SharedCache is cache.shared: the second cache tier replicas share on Redis or Valkey.
type SharedCache struct {
	URL       string   `yaml:"url"`
	KeyPrefix string   `yaml:"key_prefix"`
	MaxObject ByteSize `yaml:"max_object"`
	Timeout   Duration `yaml:"timeout"`
}

// maxSharedObject is Redis's largest string.
const maxSharedObject = 512 << 20

// On reports whether a shared tier is configured.
func (s *SharedCache) On() bool { return *s != SharedCache{} }

func (c *Config) validateShared(ck *checker) {
	s := &c.Cache.Shared
	if !s.On() {
		return
	}
	if _, err := sharedcache.ParseURL(s.URL); err != nil {
		ck.errorf("cache.shared.url", "%v", err)
	}
	if s.KeyPrefix == "" {
		s.KeyPrefix = sharedcache.DefaultKeyPrefix
	}
	if s.MaxObject == 0 {
		s.MaxObject = sharedcache.DefaultMaxObject
	} else if s.MaxObject < 0 || s.MaxObject > maxSharedObject {
		ck.errorf("cache.shared.max_object", "must be between 1 byte and 512MB (Redis's largest value)")
	}
	defaultDur(&s.Timeout, sharedcache.DefaultTimeout)
	rangeCheck(ck, "cache.shared.timeout", s.Timeout.Duration, sharedcache.MinTimeout, sharedcache.MaxTimeout)
	if !c.Cache.Enabled.On {
		ck.warnf("cache.shared", "the cache is off (cache.enabled: false): the shared tier is not used")
	}
}
