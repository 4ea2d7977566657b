package queuetest

import (
	"net"
	"strconv"
	"syscall"
	"testing"
)

// Refusing is a loopback address where nothing listens, so that connections to it are refused
// at once (a down origin), and that nothing else can take meanwhile: the port stays bound to a
// socket that never listens (without SO_REUSEADDR, so no other socket may share it).
type Refusing struct {
	Addr string
	fd   int
}

// NewRefusing reserves a refusing address for t.
func NewRefusing(t testing.TB) *Refusing {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	r := &Refusing{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)), fd: fd}
	t.Cleanup(r.Release)
	return r
}

// Release frees the address, to listen on it (the origin comes back).
func (r *Refusing) Release() {
	if r.fd >= 0 {
		syscall.Close(r.fd)
		r.fd = -1
	}
}
