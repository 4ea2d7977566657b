package testrun

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWatchedDirsHoldTheStores checks that --watch watches the folders of key value store files
// outside the config's folder (the config's stores and a case's kvs: file), so that a save
// there is an event, not something the periodic rescan finds seconds later.
func TestWatchedDirsHoldTheStores(t *testing.T) {
	root, configStores, caseStores := t.TempDir(), t.TempDir(), t.TempDir()
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	store := `{"data": []}`
	write(filepath.Join(configStores, "r.json"), store)
	write(filepath.Join(caseStores, "c.json"), store)
	write(filepath.Join(root, "hooks", "f.js"), "function handler(event) { return event.request; }\n")
	write(filepath.Join(root, "hookfront.yaml"), "hooks_dir: hooks\norigins: [{id: o, url: 'http://127.0.0.1:9'}]\n"+
		"key_value_stores: [{name: r, file: "+filepath.Join(configStores, "r.json")+"}]\nbehaviors: [{path_pattern: '*', target: o}]\n")
	write(filepath.Join(root, "tests", "f.test.yaml"), "- {name: a, function: f.js, kvs: "+filepath.Join(caseStores, "c.json")+"}\n")
	p, problems := load(Options{Config: filepath.Join(root, "hookfront.yaml")})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	dirs := watchedDirs(Options{Config: filepath.Join(root, "hookfront.yaml")}, p)
	for _, want := range []string{root, configStores, caseStores} {
		if !slices.Contains(dirs, want) {
			t.Errorf("%s is not watched: %v", want, dirs)
		}
	}
}
