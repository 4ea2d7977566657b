package config

import "testing"

func TestNearest(t *testing.T) {
	fields := []string{"id", "url", "connection_attempts", "connection_timeout", "response_timeout", "keepalive_timeout", "custom_headers"}
	for word, want := range map[string]string{
		"conection_timeout":  "connection_timeout", // a letter missing
		"connection_timeuot": "connection_timeout", // two neighbours swapped: one edit
		"Connection_Timeout": "connection_timeout", // case does not count
		"custom_header":      "custom_headers",
		"ulr":                "url",
		"responce_timout":    "response_timeout", // two edits
		"timeout":            "",                 // too far from every field
		"ur":                 "",                 // one edit, but half of a short word
		"colour":             "",
	} {
		got, ok := Nearest(word, fields)
		if got != want || ok != (want != "") {
			t.Errorf("Nearest(%q) = %q, %v; want %q", word, got, ok, want)
		}
	}
}

func TestTriggerFileHint(t *testing.T) {
	for file, want := range map[string]string{
		"viewer-reponse.js":  "viewer-response.js",
		"origin_request.js":  "origin-request.js",
		"viewerRequest.ts":   "viewer-request.ts",
		"Origin-Response.js": "origin-response.js",
		"origin-requests.js": "origin-request.js",
		"viewer-request.js":  "", // binds already
		"helper.js":          "",
		"origin.js":          "",
		"request.js":         "",
	} {
		got, ok := TriggerFileHint(file)
		if got != want || ok != (want != "") {
			t.Errorf("TriggerFileHint(%q) = %q, %v; want %q", file, got, ok, want)
		}
	}
}
