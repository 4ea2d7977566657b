package edge

import (
	"os/exec"
	"strings"
	"testing"
)

// The package boundaries of the design: edge never depends on the JavaScript runtime (not even
// through hooks), and jsruntime's own code knows nothing of HTTP (esbuild's API, which it uses,
// imports net/http for its dev server; that is esbuild's business).
func TestPackageBoundaries(t *testing.T) {
	list := func(args ...string) string {
		out, err := exec.Command("go", append([]string{"list"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if d := list("-deps", "github.com/hookfront/hookfront/edge"); strings.Contains(d, "dop251/goja") || strings.Contains(d, "hookfront/jsruntime") {
		t.Error("edge depends on the JavaScript runtime")
	}
	for _, imp := range strings.Fields(list("-f", "{{join .Imports \" \"}}", "github.com/hookfront/hookfront/jsruntime")) {
		if imp == "net/http" || strings.HasPrefix(imp, "github.com/hookfront/hookfront/edge") {
			t.Errorf("jsruntime imports %s", imp)
		}
	}
}
