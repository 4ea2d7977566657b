package edge

import (
	"fmt"
	"sync/atomic"
)

// DefaultWriteBufferBytes bounds the write bodies buffered at once when Options gives no bound.
const DefaultWriteBufferBytes = 256 << 20

// writeBuffers bounds the bytes of write bodies held in memory at once for failover. max_body
// bounds one write; without this, many concurrent writes (or an attacker's) each held up to
// max_body (64 MB at most) for as long as their attempts ran.
type writeBuffers struct {
	max  int64
	used atomic.Int64
}

func (b *writeBuffers) reserve(n int64) bool {
	for {
		u := b.used.Load()
		if u+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

func (b *writeBuffers) release(n int64) { b.used.Add(-n) }

// bufferWrite buffers a write's body for failover (bufferBody) within the server's budget and
// returns the bytes it holds until the request ends. A body that does not fit while other
// writes hold the budget is not buffered: it streams to the first member and does not fail
// over, as a body over max_body.
func (s *Server) bufferWrite(vr *viewerRequest, max int64) (int64, error) {
	if vr.body == nil || vr.bodyLen > max {
		return 0, vr.bufferBody(max)
	}
	n := vr.bodyLen
	if n < 0 { // unknown length: room for the most it may be, until it is read
		n = max
	}
	if !s.writeBufs.reserve(n) {
		vr.unbuffered = fmt.Sprintf("body not buffered (server.write_buffer: %d bytes in use by other writes)", s.writeBufs.used.Load())
		return 0, nil
	}
	err := vr.bufferBody(max)
	kept := int64(len(vr.buffered))
	s.writeBufs.release(n - kept)
	return kept, err
}
