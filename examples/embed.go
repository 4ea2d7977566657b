// Package examples holds runnable configs, hooks and error pages. The demo folder is embedded
// in the binary for `hookfront demo`.
package examples

import "embed"

// Demo is the demo's config, hooks and error pages, rooted at "demo".
//
//go:embed all:demo
var Demo embed.FS
