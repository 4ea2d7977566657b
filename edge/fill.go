package edge

import "io"

// fill is an origin body on its way to the viewer that keeps a copy for the cache as it goes:
// the viewer never waits for the whole body. The copy is stored only when the body arrived whole
// (the transport reports a body short of its Content-Length as an error, not as the end). It is
// dropped — the viewer's stream goes on — as soon as it outgrows the largest object the cache
// takes, or when the copies of all bodies being filled would exceed the cache's fill budget: so
// many slow viewers of large bodies cannot hold much memory between them. It is read and closed
// by one goroutine, the request's.
type fill struct {
	rc       io.ReadCloser
	c        *Cache
	buf      []byte
	reserved int64 // bytes of the fill budget held; buf's capacity
	done     bool
	// end is called once: with the whole body, or with why there is none.
	end  func(body []byte, why dropReason)
	note string // for the access log, when the copy was dropped for a reason worth telling
}

type dropReason int

const (
	whole        dropReason = iota - 1 // not dropped: the body arrived whole
	dropFailed                         // the body failed or was not read to its end
	dropTooLarge                       // over the cache's max_object
	dropBudget                         // the fill budget is in use by other bodies
)

// fillStart is the first capacity of a copy; it doubles from there, and a body stored is copied
// to its exact size.
const fillStart = 32 << 10

func newFill(rc io.ReadCloser, declared int64, c *Cache, end func(body []byte, why dropReason)) *fill {
	f := &fill{rc: rc, c: c, end: end}
	n := int64(fillStart)
	if declared >= 0 {
		n = min(declared, n)
	}
	if !f.grow(n) {
		f.finish(dropBudget)
	}
	return f
}

func (f *fill) Read(p []byte) (int, error) {
	n, err := f.rc.Read(p)
	if f.done {
		return n, err
	}
	if need := int64(len(f.buf) + n); need > f.reserved {
		switch {
		case need > f.c.maxObject:
			f.finish(dropTooLarge)
			return n, err
		case !f.grow(min(max(2*f.reserved, need), f.c.maxObject)):
			f.finish(dropBudget)
			return n, err
		}
	}
	f.buf = append(f.buf, p[:n]...)
	switch {
	case err == io.EOF:
		f.finish(whole)
	case err != nil:
		f.finish(dropFailed)
	}
	return n, err
}

// grow makes the copy's capacity n, within the fill budget.
func (f *fill) grow(n int64) bool {
	if !f.c.reserveFill(n - f.reserved) {
		return false
	}
	nb := make([]byte, len(f.buf), n) // exactly n: slices.Grow and append may take twice that
	copy(nb, f.buf)
	f.buf, f.reserved = nb, n
	return true
}

// Close ends the fill; a body not read to its end is not stored.
func (f *fill) Close() error {
	if !f.done {
		f.finish(dropFailed)
	}
	return f.rc.Close()
}

// complete reads what the viewer will not (a hook replaced the body), so that the copy can
// still be stored; it stops as soon as the copy is dropped, and closes.
func (f *fill) complete() {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	for !f.done {
		if _, err := f.Read(*bp); err != nil {
			break
		}
	}
	_ = f.Close()
}

// finish ends the copy: stored when the body arrived whole, dropped otherwise.
func (f *fill) finish(why dropReason) {
	f.done = true
	body := f.buf
	f.buf = nil
	defer f.c.reserveFill(-f.reserved)
	switch why {
	case whole:
		if cap(body) != len(body) { // what is stored holds no spare capacity
			body = append(make([]byte, 0, len(body)), body...)
		}
		f.end(body, whole)
		return
	case dropTooLarge:
		f.note = "too large to cache"
	case dropBudget:
		f.note = "not cached: the memory for bodies being filled is in use"
	}
	f.end(nil, why)
}

// reserveFill takes n bytes of the fill budget (gives them back when n < 0); false when they
// are not free.
func (c *Cache) reserveFill(n int64) bool {
	if n <= 0 {
		c.filling.Add(n)
		return true
	}
	if c.filling.Add(n) > c.fillBudget {
		c.filling.Add(-n)
		return false
	}
	return true
}

// fillBudgetFor is the memory all bodies being filled may hold together: an eighth of the cache,
// and at least one largest object.
func fillBudgetFor(maxBytes, maxObject int64) int64 { return max(maxBytes/8, maxObject) }
