package config

import (
	"os"
	"path/filepath"
)

// AccessLog is the access_log section: the format of the access log and where it goes.
type AccessLog struct {
	Format  string `yaml:"format"`  // text (default), json or cloudfront
	File    string `yaml:"file"`    // a file (reopened on SIGUSR1), or "-" / empty for standard output
	Cookies bool   `yaml:"cookies"` // cloudfront: log the Cookie header (CloudFront's cookie logging)
}

// Access log formats.
const (
	AccessLogText       = "text"
	AccessLogJSON       = "json"
	AccessLogCloudFront = "cloudfront"
)

func (c *Config) validateAccessLog(ck *checker) {
	a := c.AccessLog
	if a == nil {
		return
	}
	switch a.Format {
	case "":
		a.Format = AccessLogText
	case AccessLogText, AccessLogJSON, AccessLogCloudFront:
	default:
		ck.errorf("access_log.format", "%q must be text, json or cloudfront", a.Format)
	}
	if a.Cookies && a.Format != AccessLogCloudFront {
		ck.errorf("access_log.cookies", "is for the cloudfront format (the others never log cookies)")
	}
	if a.File != "" && a.File != "-" {
		dir := filepath.Dir(c.Resolve(a.File))
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			ck.errorf("access_log.file", "the folder %q does not exist", dir)
		}
	}
}

// AccessLogPath is the access log's file resolved against the config's folder, "" for
// standard output.
func (c *Config) AccessLogPath() string {
	if c.AccessLog == nil || c.AccessLog.File == "-" {
		return ""
	}
	return c.Resolve(c.AccessLog.File)
}
