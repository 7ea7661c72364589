package sockets

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// waiter parks on a duplicate of a socket's ZMQ_FD in Go's netpoller and
// calls fired once each time it is armed and the fd is, or becomes,
// readable. It never reads the fd and never calls into ZeroMQ: libzmq clears
// the fd itself inside any call on the socket.
//
// One goroutine per socket, parked on a channel or in the netpoller; no OS
// thread and no timer.
type waiter struct {
	file  *os.File
	raw   syscall.RawConn
	arms  chan struct{} // capacity 1: the owner holds at most one arm at a time
	stop  chan struct{}
	done  chan struct{}
	fired func()
}

// newWaiter starts a waiter on a duplicate of fd, which stays libzmq's.
func newWaiter(fd int, fired func()) (*waiter, error) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dup ZMQ_FD: %w", err)
	}
	// libzmq made its fd non-blocking, and the duplicate shares that flag, so
	// os.NewFile registers it with the netpoller.
	file := os.NewFile(uintptr(dup), "zmq-fd")
	if err := file.SetReadDeadline(time.Time{}); err != nil {
		file.Close()
		return nil, fmt.Errorf("ZMQ_FD is not pollable by the Go runtime: %w", err)
	}
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("ZMQ_FD: %w", err)
	}
	w := &waiter{
		file:  file,
		raw:   raw,
		arms:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		fired: fired,
	}
	go w.run()
	return w, nil
}

// arm asks for one call of fired when the fd is readable. The owner arms
// only as rule 1 (package doc) says, and at most once per fired.
func (w *waiter) arm() {
	select {
	case w.arms <- struct{}{}:
	default:
	}
}

func (w *waiter) run() {
	defer close(w.done)
	for {
		select {
		case <-w.arms:
		case <-w.stop:
			return
		}
		// Rule 2 (package doc): the callback checks the fd's level, and Read
		// parks only when it is not readable; a later edge wakes it and the
		// level is checked again.
		if err := w.raw.Read(readable); err != nil {
			return // the file was closed
		}
		w.fired()
	}
}

// readable reports whether fd is readable now, without blocking.
func readable(fd uintptr) bool {
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(p, 0)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0 && p[0].Revents&(unix.POLLIN|unix.POLLERR|unix.POLLHUP) != 0
	}
}

// close stops the waiter and waits for its goroutine to end. After it
// returns the duplicate fd is closed and fired is never called again, so the
// socket can be closed safely.
func (w *waiter) close() {
	close(w.stop)
	w.file.Close() // wakes a parked Read with an error
	<-w.done
}
