package main

import (
	"os"
	"path/filepath"
	"testing"
)

// artifactsEnv names the folder tests keep their artifacts in (screenshots); without it they go
// to testdata/artifacts in the package's folder, which git ignores.
const artifactsEnv = "HOOKFRONT_ARTIFACTS"

// artifactPath is where the artifact called name is kept.
func artifactPath(name string) (string, error) {
	dir := os.Getenv(artifactsEnv)
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// keepArtifact writes an artifact where a developer or CI finds it after the run, and logs
// where.
func keepArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	path, err := artifactPath(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("keeping the artifact %s: %v", name, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("keeping the artifact %s: %v", name, err)
	}
	t.Logf("artifact: %s", path)
}

func TestArtifactsAreKeptInAStablePlace(t *testing.T) {
	t.Setenv(artifactsEnv, "")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if p, err := artifactPath("inspector.png"); err != nil || p != filepath.Join(wd, "testdata", "artifacts", "inspector.png") {
		t.Fatalf("default artifact path %q, %v", p, err)
	}
	dir := t.TempDir()
	t.Setenv(artifactsEnv, filepath.Join(dir, "ci"))
	keepArtifact(t, "x.png", []byte("png"))
	if b, err := os.ReadFile(filepath.Join(dir, "ci", "x.png")); err != nil || string(b) != "png" {
		t.Fatalf("artifact in %s: %q, %v", artifactsEnv, b, err)
	}
}
