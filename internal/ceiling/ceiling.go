package ceiling

/*
#cgo pkg-config: libzmq
#cgo LDFLAGS: -lpthread
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

typedef struct {
	void *ctx, *snd, *rcv;
	pthread_t echo;  // an Echo's REP thread, which owns echo_sock
	void *echo_sock; // set before the thread starts, never changed
	int echo_started;
	int echo_err;
} zb_pipe;

// No signal is taken on a thread of ours: Go's runtime delivers its own to
// its threads, and a blocking libzmq call would return EINTR.
static void zb_block_signals(void) {
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

static int zb_set(void *s, int opt, int v) {
	return zmq_setsockopt(s, opt, &v, sizeof v);
}

static int zb_close(zb_pipe *p) {
	int err = 0;
	if (p->snd) {
		zb_set(p->snd, ZMQ_LINGER, 0);
		if (zmq_close(p->snd)) err = zmq_errno();
		p->snd = NULL;
	}
	// A receiver that an echo thread owns is closed by that thread when the
	// context is terminated; otherwise it is ours.
	if (p->rcv && !p->echo_started) {
		zb_set(p->rcv, ZMQ_LINGER, 0);
		if (zmq_close(p->rcv) && !err) err = zmq_errno();
	}
	p->rcv = NULL;
	if (p->ctx) {
		while (zmq_ctx_term(p->ctx)) {
			if (zmq_errno() != EINTR) {
				if (!err) err = zmq_errno();
				break;
			}
		}
		p->ctx = NULL;
	}
	if (p->echo_started) {
		pthread_join(p->echo, NULL);
		p->echo_started = 0;
		if (!err) err = p->echo_err;
	}
	return err;
}

// zb_open creates a context with a socket of rcv_type bound to bind_ep and
// one of snd_type connected to the endpoint it resolved to. unlimited sets
// both high-water marks to 0; a SUB subscribes to everything.
static int zb_open(zb_pipe *p, int snd_type, int rcv_type, const char *bind_ep, int unlimited) {
	memset(p, 0, sizeof *p);
	char ep[256];
	size_t eplen = sizeof ep;
	p->ctx = zmq_ctx_new();
	if (!p->ctx) return zmq_errno();
	p->rcv = zmq_socket(p->ctx, rcv_type);
	p->snd = zmq_socket(p->ctx, snd_type);
	if (!p->rcv || !p->snd) goto fail;
	if (zb_set(p->rcv, ZMQ_LINGER, 0) || zb_set(p->snd, ZMQ_LINGER, 0)) goto fail;
	if (unlimited && (zb_set(p->rcv, ZMQ_RCVHWM, 0) || zb_set(p->snd, ZMQ_SNDHWM, 0))) goto fail;
	if (rcv_type == ZMQ_SUB && zmq_setsockopt(p->rcv, ZMQ_SUBSCRIBE, "", 0)) goto fail;
	if (zmq_bind(p->rcv, bind_ep)) goto fail;
	if (zmq_getsockopt(p->rcv, ZMQ_LAST_ENDPOINT, ep, &eplen)) goto fail;
	if (zmq_connect(p->snd, ep)) goto fail;
	return 0;
fail:;
	int err = zmq_errno();
	zb_close(p);
	return err;
}

// zb_warm sends 1-byte messages until the receiver has one (a subscriber
// joins asynchronously), for at most timeout_ms.
static int zb_warm(zb_pipe *p, long timeout_ms) {
	char w = 'w';
	zmq_pollitem_t item = { p->rcv, 0, ZMQ_POLLIN, 0 };
	for (long waited = 0; waited < timeout_ms; waited++) {
		if (zmq_send(p->snd, &w, 1, ZMQ_DONTWAIT) < 0 && zmq_errno() != EAGAIN && zmq_errno() != EINTR) return zmq_errno();
		int rc = zmq_poll(&item, 1, 1);
		if (rc < 0 && zmq_errno() != EINTR) return zmq_errno();
		if (rc > 0) {
			zmq_msg_t m;
			zmq_msg_init(&m);
			while (zmq_msg_recv(&m, p->rcv, ZMQ_DONTWAIT) >= 0) {}
			zmq_msg_close(&m);
			return 0;
		}
	}
	return ETIMEDOUT;
}

typedef struct {
	void *s;
	long n;
	size_t size;
	int err;
} zb_sender;

static void *zb_send_loop(void *arg) {
	zb_sender *a = arg;
	zb_block_signals();
	char *buf = malloc(a->size ? a->size : 1);
	if (!buf) {
		a->err = ENOMEM;
		return NULL;
	}
	memset(buf, 'm', a->size);
	for (long i = 0; i < a->n; i++) {
		zmq_msg_t m;
		if (zmq_msg_init_size(&m, a->size)) {
			a->err = zmq_errno();
			break;
		}
		memcpy(zmq_msg_data(&m), buf, a->size);
		int rc;
		while ((rc = zmq_msg_send(&m, a->s, 0)) < 0 && zmq_errno() == EINTR) {}
		if (rc < 0) {
			a->err = zmq_errno();
			zmq_msg_close(&m);
			break;
		}
	}
	free(buf);
	return NULL;
}

// zb_transfer sends n messages of size bytes from the sender on a new
// thread and receives them on the calling thread. The receiver counts only
// messages of size bytes: the 1-byte warm-up messages may still arrive.
static int zb_transfer(zb_pipe *p, long n, size_t size) {
	pthread_t t;
	zb_sender a = { p->snd, n, size, 0 };
	int err = pthread_create(&t, NULL, zb_send_loop, &a);
	if (err) return err;
	zmq_msg_t m;
	zmq_msg_init(&m);
	for (long got = 0; got < n;) {
		int rc = zmq_msg_recv(&m, p->rcv, 0);
		if (rc < 0) {
			if (zmq_errno() == EINTR) continue;
			err = zmq_errno();
			break;
		}
		if ((size_t)rc == size) got++;
	}
	zmq_msg_close(&m);
	// A receive that failed may leave the sender blocked at the high-water
	// mark: shutting the context down makes its send fail with ETERM. The
	// pipe is then of no more use but to Close.
	if (err) zmq_ctx_shutdown(p->ctx);
	pthread_join(t, NULL);
	return err ? err : a.err;
}

static void *zb_echo_loop(void *arg) {
	zb_pipe *p = arg;
	void *rep = p->echo_sock;
	zb_block_signals();
	zmq_msg_t m;
	zmq_msg_init(&m);
	for (;;) {
		int rc = zmq_msg_recv(&m, rep, 0);
		if (rc >= 0) rc = zmq_msg_send(&m, rep, 0);
		if (rc < 0 && zmq_errno() != EINTR) {
			if (zmq_errno() != ETERM) p->echo_err = zmq_errno();
			break;
		}
	}
	zmq_msg_close(&m);
	zmq_close(rep);
	return NULL;
}

static int zb_open_echo(zb_pipe *p, const char *bind_ep) {
	int err = zb_open(p, ZMQ_REQ, ZMQ_REP, bind_ep, 0);
	if (err) return err;
	p->echo_sock = p->rcv;
	err = pthread_create(&p->echo, NULL, zb_echo_loop, p);
	if (err) {
		zb_close(p);
		return err;
	}
	p->echo_started = 1;
	return 0;
}

// zb_round_trips sends n requests of size bytes from the REQ socket, one at
// a time, and stores each round trip's nanoseconds in ns.
static int zb_round_trips(zb_pipe *p, long n, size_t size, int64_t *ns) {
	char *buf = malloc(size ? size : 1);
	if (!buf) return ENOMEM;
	memset(buf, 'r', size);
	zmq_msg_t reply;
	zmq_msg_init(&reply);
	int err = 0;
	for (long i = 0; i < n && !err; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		zmq_msg_t m;
		if (zmq_msg_init_size(&m, size)) {
			err = zmq_errno();
			break;
		}
		memcpy(zmq_msg_data(&m), buf, size);
		int rc;
		while ((rc = zmq_msg_send(&m, p->snd, 0)) < 0 && zmq_errno() == EINTR) {}
		if (rc < 0) {
			err = zmq_errno();
			zmq_msg_close(&m);
			break;
		}
		while ((rc = zmq_msg_recv(&reply, p->snd, 0)) < 0 && zmq_errno() == EINTR) {}
		if (rc < 0) err = zmq_errno();
		else if ((size_t)rc != size) err = EPROTO;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns[i] = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
	}
	zmq_msg_close(&reply);
	free(buf);
	return err;
}

static void zb_trim(void) { malloc_trim(0); }
*/
import "C"

import (
	"errors"
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

// Kind is a ZeroMQ socket type, as libzmq numbers it.
type Kind int

// The socket types a Pipe can use.
const (
	Pub  Kind = C.ZMQ_PUB
	Sub  Kind = C.ZMQ_SUB
	Push Kind = C.ZMQ_PUSH
	Pull Kind = C.ZMQ_PULL
)

// ErrClosed is returned by the methods of a closed Pipe or Echo.
var ErrClosed = errors.New("zmqactor: ceiling: closed")

// zmqErr turns an errno from the C side into an error that names op and,
// through zmq_strerror, what libzmq calls it.
func zmqErr(op string, errno C.int) error {
	if errno == 0 {
		return nil
	}
	return fmt.Errorf("zmqactor: ceiling: %s: %s: %w", op, C.GoString(C.zmq_strerror(errno)), syscall.Errno(errno))
}

// Pipe is a sending and a receiving socket in a libzmq context of their
// own, driven by C loops. It is not safe for concurrent use.
type Pipe struct {
	p *C.zb_pipe // C memory: the C threads keep pointers into it
}

func newPipe() *Pipe {
	return &Pipe{p: (*C.zb_pipe)(C.calloc(1, C.sizeof_zb_pipe))}
}

func (p *Pipe) free() {
	C.free(unsafe.Pointer(p.p))
	p.p = nil
}

// OpenPipe opens a pipe: a receiver of type receiver bound to endpoint
// (such as "tcp://127.0.0.1:*" or "inproc://name"), and a sender of type
// sender connected to it. unlimited sets both high-water marks to 0, for a
// PUB that must not drop; a SUB subscribes to every message.
func OpenPipe(sender, receiver Kind, endpoint string, unlimited bool) (*Pipe, error) {
	p := newPipe()
	ep := C.CString(endpoint)
	defer C.free(unsafe.Pointer(ep))
	var u C.int
	if unlimited {
		u = 1
	}
	if err := zmqErr("open "+endpoint, C.zb_open(p.p, C.int(sender), C.int(receiver), ep, u)); err != nil {
		p.free()
		return nil, err
	}
	return p, nil
}

// Warm sends 1-byte messages until the receiver has one, for at most
// timeout: a tcp connection is then up and a subscription has reached the
// publisher.
func (p *Pipe) Warm(timeout time.Duration) error {
	if p.p == nil {
		return ErrClosed
	}
	return zmqErr("warm-up", C.zb_warm(p.p, C.long(timeout.Milliseconds())))
}

// Transfer sends n messages of size bytes from a new C thread and receives
// them in C on the calling goroutine's thread, and returns the time from
// the start of the sender to the last message received. Messages of
// another size (Warm's) are received and not counted.
func (p *Pipe) Transfer(n, size int) (time.Duration, error) {
	if p.p == nil {
		return 0, ErrClosed
	}
	if n < 0 || size < 2 {
		return 0, fmt.Errorf("zmqactor: ceiling: transfer of %d messages of %d bytes (at least 2)", n, size)
	}
	start := time.Now()
	err := zmqErr("transfer", C.zb_transfer(p.p, C.long(n), C.size_t(size)))
	return time.Since(start), err
}

// Close closes both sockets with linger 0 and terminates the context.
func (p *Pipe) Close() error {
	if p.p == nil {
		return ErrClosed
	}
	err := zmqErr("close", C.zb_close(p.p))
	p.free()
	return err
}

// Echo is a REQ socket and a REP socket bound to an endpoint, whose C
// thread sends back every request. It is not safe for concurrent use.
type Echo struct {
	pipe *Pipe
}

// OpenEcho opens an Echo whose REP binds endpoint.
func OpenEcho(endpoint string) (*Echo, error) {
	p := newPipe()
	ep := C.CString(endpoint)
	defer C.free(unsafe.Pointer(ep))
	if err := zmqErr("open echo "+endpoint, C.zb_open_echo(p.p, ep)); err != nil {
		p.free()
		return nil, err
	}
	return &Echo{pipe: p}, nil
}

// RoundTrips sends len(rtt) requests of size bytes, one at a time, and
// stores the time of each round trip, measured in C, in rtt.
func (e *Echo) RoundTrips(rtt []time.Duration, size int) error {
	if e.pipe.p == nil {
		return ErrClosed
	}
	if len(rtt) == 0 {
		return nil
	}
	ns := make([]int64, len(rtt))
	err := zmqErr("round trip", C.zb_round_trips(e.pipe.p, C.long(len(ns)), C.size_t(size), (*C.int64_t)(unsafe.Pointer(&ns[0]))))
	for i, d := range ns {
		rtt[i] = time.Duration(d)
	}
	return err
}

// Close closes the REQ socket, terminates the context, which ends the echo
// thread and closes its REP socket, and waits for that thread.
func (e *Echo) Close() error { return e.pipe.Close() }

// TrimMalloc returns the C heap's free memory to the system (glibc's
// malloc_trim), so that a measure of resident memory taken next does not
// count what libzmq freed before.
func TrimMalloc() { C.zb_trim() }
