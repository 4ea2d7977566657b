package edge

import (
	"net/http"
	"sort"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
)

// What an entry holds besides its body, key and header, in bytes: the Entry itself (144), the
// LRU's list element (80) and its share of the LRU's map (~40). Measured against the live heap
// by TestCacheHeapStaysNearMaxSize.
const entryOverhead = 264

// entrySize is what an entry really holds in memory: its allocations rounded up as Go's
// allocator rounds them, the header's map and slices, the key and the bookkeeping.
func entrySize(key string, e *Entry) int64 {
	return entryOverhead + allocSize(len(key)) + allocSize(cap(e.Body)) + headerSize(e.Header)
}

// headerSize is what a stored header (compactHeader) holds: its map, the one []string for all
// values and the one string holding their bytes (the names are mostly the canonical ones
// net/http shares between requests, but are counted too).
func headerSize(h http.Header) int64 {
	if h == nil {
		return 0
	}
	n, values, bytes := mapSize(len(h), 16+24), 0, 0
	for k, vs := range h {
		n += allocSize(len(k))
		values += len(vs)
		for _, v := range vs {
			bytes += len(v)
		}
	}
	return n + allocSize(values*16) + allocSize(bytes)
}

// compactHeader copies h for the cache in three allocations — the map, one []string for all
// values, one string for all their bytes — instead of one more per value: a full cache of small
// objects holds millions of headers, and each object is memory and work for the collector.
func compactHeader(h http.Header) http.Header {
	values, size := 0, 0
	for _, vs := range h {
		values += len(vs)
		for _, v := range vs {
			size += len(v)
		}
	}
	out := make(http.Header, len(h))
	all := make([]string, values)
	var b strings.Builder
	b.Grow(size)
	i := 0
	for k, vs := range h {
		out[k] = all[i : i+len(vs) : i+len(vs)]
		for _, v := range vs {
			b.WriteString(v)
			all[i] = v // for its length, until it points into the one string below
			i++
		}
	}
	s, off := b.String(), 0
	for j, v := range all {
		all[j] = s[off : off+len(v)]
		off += len(v)
	}
	return out
}

// eventHeadersSize is what the hooks' form of a header adds: its map and the one backing array
// of key/value pairs (the strings are the header's own).
func eventHeadersSize(h event.Headers) int64 {
	values := 0
	for _, vs := range h {
		values += len(vs)
	}
	return mapSize(len(h), 16+24) + allocSize(values*32)
}

// mapSize approximates a Go map of n entries of slotBytes each: its header and groups of eight
// slots with a control word, filled to at most 7/8.
func mapSize(n int, slotBytes int) int64 {
	const header = 48
	if n == 0 {
		return header
	}
	groups := (n*8/7 + 7) / 8
	return header + allocSize(groups*(8+8*slotBytes))
}

// sizeClasses are the object sizes of Go's allocator (internal/runtime/gc/sizeclasses.go) up to
// 32 KiB; larger objects take whole 8 KiB pages.
var sizeClasses = []int{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240,
	256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408,
	1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192,
	9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264,
	28672, 32768}

// smallSizes[(n+7)/8] is the size class of an allocation of n ≤ 1024 bytes, as the runtime's
// own table: most of what an entry holds is that small, and a Put sizes several of them.
var smallSizes [1024/8 + 1]int32

func init() {
	for i := range smallSizes {
		smallSizes[i] = int32(sizeClasses[sort.SearchInts(sizeClasses, i*8)])
	}
}

// allocSize is the memory an allocation of n bytes takes.
func allocSize(n int) int64 {
	switch {
	case n <= 0:
		return 0
	case n <= 1024:
		return int64(smallSizes[(n+7)/8])
	case n > 32768:
		return int64((n + 8191) &^ 8191)
	}
	return int64(sizeClasses[sort.SearchInts(sizeClasses, n)])
}
