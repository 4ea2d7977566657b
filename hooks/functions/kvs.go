package functions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hookfront/hookfront/jsruntime"
)

// CloudFront's KeyValueStore limits.
const (
	MaxKeyBytes   = 512
	MaxValueBytes = 1 << 10
	MaxStoreBytes = 5 << 20 // keys and values together
)

// Store is a KeyValueStore read from a file in CloudFront's import format:
// {"data": [{"key": "...", "value": "..."}, ...]}. It is immutable: a changed file makes a new
// store (and a new generation).
type Store struct {
	Name string
	File string
	data map[string]string
	meta jsruntime.StoreMeta
}

// Get returns the value of key.
func (s *Store) Get(key string) (string, bool) {
	v, ok := s.data[key]
	return v, ok
}

// Meta is what kvs.meta() reports; the file's modification time stands in for both dates.
func (s *Store) Meta() jsruntime.StoreMeta { return s.meta }

// Len is the number of keys.
func (s *Store) Len() int { return len(s.data) }

// ParseStore reads a store file. Malformed JSON is reported with file:line:column; an entry
// over a limit, or a key given twice, with file:line and the key.
func ParseStore(name, file string, data []byte, modTime time.Time) (*Store, error) {
	s := &Store{Name: name, File: file, data: map[string]string{}, meta: jsruntime.StoreMeta{Created: modTime, Updated: modTime}}
	failAt := func(line, col int, format string, args ...any) error {
		return fmt.Errorf("key value store %s: %s:%d:%d: %s", name, file, line, col, fmt.Sprintf(format, args...))
	}
	// fail reports at the next token after offset (json offsets point just past the last one).
	fail := func(offset int64, format string, args ...any) error {
		line, col := position(data, offset, true)
		return failAt(line, col, format, args...)
	}
	// Syntax first, over the whole file: a Decoder's error offsets are relative to the value it
	// was decoding, Unmarshal's to the file.
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, max(se.Offset-1, 0), false) // the byte that broke it
			return nil, failAt(line, col, "malformed JSON: %v", err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	syntax := func(err error) error {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fail(dec.InputOffset(), "%s must be a %s, not a JSON %s", fieldOr(te.Field, "the value"), te.Type, te.Value)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail(int64(len(data)), "malformed JSON: unexpected end of the file")
		}
		return fail(dec.InputOffset(), "%v", err)
	}
	expect := func(want json.Delim, what string) error {
		start := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		if d, ok := t.(json.Delim); !ok || d != want {
			return fail(start, "%s must be a JSON %s (CloudFront's import format: {\"data\": [{\"key\": \"...\", \"value\": \"...\"}]})", what, map[json.Delim]string{'{': "object", '[': "array"}[want])
		}
		return nil
	}
	if err := expect('{', "the file"); err != nil {
		return nil, err
	}
	seen := map[string]int64{}
	total, found := 0, false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		if t != "data" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, syntax(err)
			}
			continue
		}
		found = true
		if err := expect('[', `"data"`); err != nil {
			return nil, err
		}
		for dec.More() {
			at := dec.InputOffset()
			var item struct {
				Key   *string `json:"key"`
				Value *string `json:"value"`
			}
			if err := dec.Decode(&item); err != nil {
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) {
					return nil, fail(at, "an entry must be {\"key\": \"...\", \"value\": \"...\"}: %s is a JSON %s", fieldOr(te.Field, "the entry"), te.Value)
				}
				return nil, syntax(err)
			}
			switch {
			case item.Key == nil || *item.Key == "":
				return nil, fail(at, "an entry has no key")
			case item.Value == nil:
				return nil, fail(at, "key %q has no value", *item.Key)
			case len(*item.Key) > MaxKeyBytes:
				return nil, fail(at, "key %q is %d bytes; the limit is %d", short(*item.Key), len(*item.Key), MaxKeyBytes)
			case len(*item.Value) > MaxValueBytes:
				return nil, fail(at, "the value of key %q is %d bytes; the limit is %d", *item.Key, len(*item.Value), MaxValueBytes)
			}
			if prev, dup := seen[*item.Key]; dup {
				line, _ := position(data, prev, true)
				return nil, fail(at, "key %q is given twice (first at line %d)", *item.Key, line)
			}
			seen[*item.Key] = at
			if total += len(*item.Key) + len(*item.Value); total > MaxStoreBytes {
				return nil, fail(at, "the store is over %d bytes of keys and values at key %q", MaxStoreBytes, *item.Key)
			}
			s.data[*item.Key] = *item.Value
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntax(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntax(err)
	}
	if !found {
		return nil, fail(0, `no "data" list (CloudFront's import format: {"data": [{"key": "...", "value": "..."}]})`)
	}
	s.meta.Keys = len(s.data)
	return s, nil
}

// position turns a byte offset into a line and column; skip moves on to the next token first.
func position(data []byte, offset int64, skip bool) (int, int) {
	i := int(min(offset, int64(len(data))))
	for skip && i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r' || data[i] == ',' || data[i] == ':') {
		i++
	}
	line := bytes.Count(data[:i], []byte("\n")) + 1
	col := i - bytes.LastIndexByte(data[:i], '\n')
	return line, col
}

func fieldOr(f, def string) string {
	if f == "" {
		return def
	}
	return f
}

// short keeps a long key readable in a message.
func short(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
