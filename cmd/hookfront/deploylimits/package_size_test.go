package deploylimits

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// sized makes packageSize answer the given size for packages whose files are listed, joined
// by commas, and restores it after the test.
func sized(t *testing.T, sizes map[string]int64) {
	t.Helper()
	prev := packageSize
	t.Cleanup(func() { packageSize = prev })
	packageSize = func(src jsruntime.Source, files []string) (int64, error) {
		n, ok := sizes[strings.Join(files, ",")]
		if !ok {
			t.Fatalf("the size of an unexpected package %v was asked", files)
		}
		return n, nil
	}
}

func sizeFindings(out []Finding) []string {
	var got []string
	for _, f := range out {
		if f.Rule == "package-size" {
			got = append(got, f.String())
		}
	}
	return got
}

// The package-size rule for origin triggers: over 50 MB zipped is a finding, 50 MB is not.
// (A folder real enough to reach it is refused earlier by hooks.MaxFolderSize: see
// packageSize.) Viewer triggers' 1 MB is applied to the same sizes.
func TestPackageSizeLimitForOriginTriggers(t *testing.T) {
	src := jsruntime.Source{Files: map[string][]byte{
		"origin-request.js":  []byte("const lib = require('./lib/big');\nexports.handler = async (e) => e.Records[0].cf.request;\n"),
		"lib/big.js":         []byte("module.exports = 1;\n"),
		"origin-response.js": []byte("exports.handler = async (e) => e.Records[0].cf.response;\n"),
		"viewer-request.js":  []byte("exports.handler = async (e) => e.Records[0].cf.request;\n"),
		"viewer-response.js": []byte("exports.handler = async (e) => e.Records[0].cf.response;\n"),
	}}
	bindings := hooks.Bindings{"*": {
		event.OriginRequest:  {File: "origin-request.js"},
		event.OriginResponse: {File: "origin-response.js"},
		event.ViewerRequest:  {File: "viewer-request.js"},
		event.ViewerResponse: {File: "viewer-response.js"},
	}}
	sized(t, map[string]int64{
		"lib/big.js,origin-request.js": OriginPackageLimit + 1,
		"origin-response.js":           OriginPackageLimit,
		"viewer-request.js":            ViewerPackageLimit + 1,
		"viewer-response.js":           ViewerPackageLimit,
	})
	dir := filepath.Join("some", "hooks")
	got := sizeFindings(Check(nil, dir, src, bindings))
	want := []string{
		filepath.Join(dir, "origin-request.js") + ": the deployment package (origin-request.js and 1 file(s) it requires) is 50.00 MB zipped; Lambda@Edge allows 50.00 MB for origin triggers (origin-request) [package-size]",
		filepath.Join(dir, "viewer-request.js") + ": the deployment package (viewer-request.js and 0 file(s) it requires) is 1.00 MB zipped; Lambda@Edge allows 1.00 MB for viewer triggers (viewer-request) [package-size]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Bound in a config, the finding names the config field that binds the hook, and a file bound
// to an origin and a viewer trigger is held to each trigger's limit.
func TestPackageSizeLimitNamesTheConfigBinding(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hookfront.yaml")
	writeConfig(t, path, `hooks_dir: hooks
origins: [{id: a, url: "https://a.example.com"}]
behaviors:
  - path_pattern: "*"
    target: a
    hooks:
      origin-request: big.js
      viewer-request: big.js
`)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	src := jsruntime.Source{Files: map[string][]byte{"big.js": []byte("exports.handler = async (e) => e.Records[0].cf.request;\n")}}
	sized(t, map[string]int64{"big.js": OriginPackageLimit + 1<<20})
	got := sizeFindings(Check(cfg, filepath.Join(dir, "hooks"), src, nil))
	if len(got) != 2 ||
		!strings.Contains(strings.Join(got, "\n"), path+":7: behaviors[0].hooks.origin-request: the deployment package (big.js and 0 file(s) it requires) is 51.00 MB zipped; Lambda@Edge allows 50.00 MB for origin triggers (origin-request) [package-size]") ||
		!strings.Contains(strings.Join(got, "\n"), path+":8: behaviors[0].hooks.viewer-request: the deployment package (big.js and 0 file(s) it requires) is 51.00 MB zipped; Lambda@Edge allows 1.00 MB for viewer triggers (viewer-request) [package-size]") {
		t.Fatalf("findings:\n%s", strings.Join(got, "\n"))
	}
}

func writeConfig(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(filepath.Dir(path), "hooks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
