package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestTestingDocCasesPass: the test cases docs/testing.md shows pass as written, run against the
// examples they are drawn from (a hook case from examples/hooks, function cases from
// examples/functions, a distribution case from examples/demo).
func TestTestingDocCasesPass(t *testing.T) {
	b, err := os.ReadFile("../../docs/testing.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	examples := []string{"hooks", "functions", "demo"}
	if len(blocks) != len(examples) {
		t.Fatalf("docs/testing.md has %d YAML blocks; this test knows %d", len(blocks), len(examples))
	}
	dir := t.TempDir()
	for i, block := range blocks {
		var cases []map[string]any
		if err := yaml.Unmarshal([]byte(block[1]), &cases); err != nil {
			t.Fatalf("block %d: %v", i, err)
		}
		var kept []map[string]any
		for _, c := range cases {
			if c["function"] == "token.js" { // the doc says it is a function of the reader's own
				continue
			}
			kept = append(kept, c)
		}
		out, _ := yaml.Marshal(kept)
		f := writeFile(t, dir, examples[i]+".test.yaml", string(out))
		cfg := filepath.Join("..", "..", "examples", examples[i], "hookfront.yaml")
		stdout, stderr, code := runIn(t, "test", "--config", cfg, f)
		if code != 0 || !strings.Contains(stdout, " 0 failed") {
			t.Errorf("the cases of docs/testing.md's block %d, against examples/%s: exit %d\n%s%s", i+1, examples[i], code, stdout, stderr)
		}
	}
}
