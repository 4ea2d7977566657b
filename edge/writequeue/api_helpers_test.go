package writequeue_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// getJSON sends method to url, checks the status and decodes the JSON answer into v.
func getJSON(t *testing.T, method, url string, status int, v any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %d, not %d: %s", method, url, resp.StatusCode, status, b)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, url, resp.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s %s: %v: %s", method, url, err, b)
	}
}
