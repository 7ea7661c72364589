package testutil

import (
	"os"
	"strconv"
	"sync"
	"testing"
)

// netpoller starts Go's netpoller once; see FDs.
var netpoller = sync.OnceValue(func() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	r.Close()
	return w.Close()
})

// FDs returns the process's open file descriptors, each with what it
// refers to (a path, "socket:[…]", "anon_inode:[eventpoll]"), from
// /proc/self/fd, leaving out the one it reads the directory with.
//
// Go's netpoller is started first: it opens an epoll descriptor and an
// eventfd with the first pollable descriptor of the process and keeps them,
// so without this a test's first socket or pipe would show as two
// descriptors left open.
func FDs(t testing.TB) map[int]string {
	t.Helper()
	if err := netpoller(); err != nil {
		t.Fatalf("starting the netpoller: %v", err)
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	fds := make(map[int]string, len(entries))
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// ReadDir's own descriptor is closed by now, as is any that
		// another goroutine closed meanwhile: neither is open.
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			fds[fd] = target
		}
	}
	return fds
}

// OpenFDs returns how many file descriptors the process has open: the
// length of FDs.
func OpenFDs(t testing.TB) int {
	t.Helper()
	return len(FDs(t))
}
