package edge

import (
	"bytes"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func sampleEntry() *Entry {
	now := time.Unix(1_700_000_000, 123456789)
	return &Entry{Status: 203, Header: http.Header{"Content-Type": {"text/html"}, "Etag": {`"x"`}, "X-Two": {"a", "b"}},
		Body: []byte("<p>hello</p>\x00\xff"), Stored: now, Expires: now.Add(time.Minute)}
}

func TestEntryEncodingRoundTrips(t *testing.T) {
	in := sampleEntry()
	out, pass, err := decodeEntry(encodeEntry(in, false))
	if err != nil || pass {
		t.Fatal(err, pass)
	}
	if out.Status != in.Status || !reflect.DeepEqual(out.Header, in.Header) || !bytes.Equal(out.Body, in.Body) ||
		!out.Stored.Equal(in.Stored) || !out.Expires.Equal(in.Expires) || out.varyAE {
		t.Fatalf("got %+v, want %+v", out, in)
	}
	// Markers: hit-for-miss until Expires, and the Accept-Encoding variants' marker.
	until := time.Now().Add(passTTL)
	out, pass, err = decodeEntry(encodeEntry(&Entry{Expires: until}, true))
	if err != nil || !pass || !out.Expires.Equal(until) {
		t.Fatalf("pass marker: %+v %v %v", out, pass, err)
	}
	out, pass, err = decodeEntry(encodeEntry(&Entry{varyAE: true, Stored: until}, false))
	if err != nil || pass || !out.varyAE {
		t.Fatalf("vary marker: %+v %v %v", out, pass, err)
	}
}

func TestEntryEncodingRefusesOtherVersionsAndDamage(t *testing.T) {
	good := encodeEntry(sampleEntry(), false)
	newer := bytes.Clone(good)
	newer[len(entryMagic)] = entryVersion + 1
	if _, _, err := decodeEntry(newer); !errors.Is(err, errUnknownVersion) {
		t.Fatalf("a newer version: %v", err)
	}
	// Every single flipped bit and every truncation is caught.
	for i := range good {
		for bit := range 8 {
			b := bytes.Clone(good)
			b[i] ^= 1 << bit
			if _, _, err := decodeEntry(b); err == nil {
				t.Fatalf("bit %d of byte %d flipped: accepted", bit, i)
			}
		}
	}
	for n := range len(good) {
		if _, _, err := decodeEntry(good[:n]); err == nil {
			t.Fatalf("cut to %d bytes: accepted", n)
		}
	}
	for _, v := range []string{"", "garbage", "HFE", "HFE\x01"} {
		if _, _, err := decodeEntry([]byte(v)); err == nil {
			t.Fatalf("%q accepted", v)
		}
	}
}

// FuzzDecodeEntry: whatever the store holds, decoding never panics, and what it accepts
// encodes back to itself.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(encodeEntry(sampleEntry(), false))
	f.Add(encodeEntry(&Entry{Expires: time.Unix(5, 0)}, true))
	f.Add([]byte("HFE\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, pass, err := decodeEntry(b)
		if err != nil {
			return
		}
		if _, _, err := decodeEntry(encodeEntry(e, pass)); err != nil {
			t.Fatalf("an accepted entry does not encode back: %v", err)
		}
	})
}

func BenchmarkEntryEncoding(b *testing.B) {
	e := sampleEntry()
	e.Body = bytes.Repeat([]byte("x"), 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := decodeEntry(encodeEntry(e, false)); err != nil {
			b.Fatal(err)
		}
	}
}
