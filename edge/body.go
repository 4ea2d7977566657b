package edge

import (
	"bytes"
	"io"
)

type readCloser struct {
	io.Reader
	io.Closer
}

// readAtMost reads rc whole when it holds at most limit bytes (rest is then nil). When it holds
// more, nothing is lost: rest streams all of it, what was read first and then the remainder.
func readAtMost(rc io.ReadCloser, limit int64) (data []byte, rest io.ReadCloser, err error) {
	data, err = io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > limit {
		return nil, readCloser{io.MultiReader(bytes.NewReader(data), rc), rc}, nil
	}
	return data, nil, nil
}
