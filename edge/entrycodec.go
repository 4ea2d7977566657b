package edge

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"time"
)

// The shared tier holds entries as bytes that other replicas, possibly of another hookfront
// version, read back. The layout (all integers big-endian, lengths and counts as uvarints):
//
//	"HFE" version(1) flags(1) status(2) stored(8, unix ns) expires(8, unix ns)
//	header-count { name-len name value-count { value-len value } } body-len body
//	crc32c(4) of everything before it
//
// A version this build does not know, a bad checksum or any inconsistency is a miss: a format
// change or a damaged value never serves garbage.
const (
	entryMagic   = "HFE"
	entryVersion = 1
	entryFixed   = len(entryMagic) + 1 + 1 + 2 + 8 + 8 // up to the header count
	entryCRCLen  = 4

	flagPass   = 1 << 0 // a hit-for-miss marker until Expires, not a response
	flagVaryAE = 1 << 1 // the marker of a URL whose responses vary on Accept-Encoding
	flagsKnown = flagPass | flagVaryAE
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Errors of DecodeEntry; errUnknownVersion is told apart so that a newer writer can be named.
var (
	errUnknownVersion = errors.New("entry written in an unknown format version")
	errCorrupt        = errors.New("entry is damaged")
)

// encodeEntry writes e in the shared tier's format; pass makes it a hit-for-miss marker.
func encodeEntry(e *Entry, pass bool) []byte {
	n := entryFixed + binary.MaxVarintLen64*(2+len(e.Header)) + len(e.Body) + entryCRCLen
	for k, vs := range e.Header {
		n += len(k) + binary.MaxVarintLen64
		for _, v := range vs {
			n += len(v) + binary.MaxVarintLen64
		}
	}
	b := make([]byte, 0, n)
	b = append(b, entryMagic...)
	b = append(b, entryVersion)
	var flags byte
	if pass {
		flags |= flagPass
	}
	if e.varyAE {
		flags |= flagVaryAE
	}
	b = append(b, flags)
	b = binary.BigEndian.AppendUint16(b, uint16(e.Status))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Stored.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Expires.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(e.Header)))
	for k, vs := range e.Header {
		b = appendBytes(b, k)
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendBytes(b, v)
		}
	}
	b = appendBytes(b, e.Body)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func appendBytes[T string | []byte](b []byte, s T) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeEntry reads an entry encodeEntry wrote, and whether it is a hit-for-miss marker. The
// body shares b's memory.
func decodeEntry(b []byte) (e *Entry, pass bool, err error) {
	if len(b) < entryFixed+entryCRCLen || string(b[:len(entryMagic)]) != entryMagic {
		return nil, false, errCorrupt
	}
	if v := b[len(entryMagic)]; v != entryVersion {
		return nil, false, fmt.Errorf("%w (%d; this build reads %d)", errUnknownVersion, v, entryVersion)
	}
	sum := b[len(b)-entryCRCLen:]
	b = b[:len(b)-entryCRCLen]
	if crc32.Checksum(b, crcTable) != binary.BigEndian.Uint32(sum) {
		return nil, false, errCorrupt
	}
	d := decoder{b: b[len(entryMagic)+1:]}
	flags := d.byte()
	pass = flags&flagPass != 0
	e = &Entry{Status: int(d.uint16()), varyAE: flags&flagVaryAE != 0}
	e.Stored = time.Unix(0, int64(d.uint64()))
	e.Expires = time.Unix(0, int64(d.uint64()))
	nh := d.count()
	e.Header = make(http.Header, nh)
	for range nh {
		k := d.str()
		nv := d.count()
		vs := make([]string, nv)
		for j := range vs {
			vs[j] = d.str()
		}
		e.Header[k] = vs
	}
	if body := d.bytes(); len(body) > 0 {
		e.Body = body
	}
	response := !pass && !e.varyAE
	if d.bad || len(d.b) != 0 || flags&^flagsKnown != 0 || (response && (e.Status < 100 || e.Status > 999)) {
		return nil, false, errCorrupt
	}
	return e, pass, nil
}

// decoder reads the fields of an entry; any overrun sets bad and yields zero values.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) take(n uint64) []byte {
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) byte() byte {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) uint16() uint16 {
	if p := d.take(2); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) uint64() uint64 {
	if p := d.take(8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) uvarint() uint64 {
	if d.bad {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a number of items, each at least one byte long, so it never exceeds what is left.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.bad = true
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte { return d.take(d.uvarint()) }

func (d *decoder) str() string { return string(d.bytes()) }
