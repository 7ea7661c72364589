package sockets

/*
#cgo !windows pkg-config: libzmq
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <zmq.h>

static int zmqactor_set_int(void *s, int option, int value) {
	return zmq_setsockopt(s, option, &value, sizeof value);
}

// zmqactor_get_int reads an int option, again when a signal interrupted
// it: reading ZMQ_EVENTS makes libzmq poll the socket's command pipe, and
// the Go runtime signals its threads at any time (SIGURG, to preempt), so
// EINTR is common; pebbe/zmq4 retries the same way.
static int zmqactor_get_int(void *s, int option, int *value) {
	int rc;
	do {
		size_t size = sizeof *value;
		rc = zmq_getsockopt(s, option, value, &size);
	} while (rc != 0 && zmq_errno() == EINTR);
	return rc;
}

// zmqactor_get_int keeps no pointer it is given and never calls Go: its
// value stays on the Go stack (pebbe/zmq4's GetEvents allocates it, once
// per read of ZMQ_EVENTS).
#cgo noescape zmqactor_get_int
#cgo nocallback zmqactor_get_int
*/
import "C"

import (
	"fmt"
	"reflect"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/pebbe/zmq4"
)

// zmqZAPEnforceDomain is ZMQ_ZAP_ENFORCE_DOMAIN, which libzmq 4.3 has but
// declares only in its draft API, and pebbe/zmq4 does not offer.
const zmqZAPEnforceDomain = 93

// rawHandle finds libzmq's socket handle inside a *zmq4.Socket, whose
// first field it is in pebbe/zmq4 v1.4: checked once, by name and type, so
// that another layout makes the options below fail with ErrUnsupported
// rather than crash.
var rawLayout = sync.OnceValue(func() bool {
	f, ok := reflect.TypeFor[zmq4.Socket]().FieldByName("soc")
	return ok && f.Offset == 0 && f.Type == reflect.TypeFor[unsafe.Pointer]()
})

func rawHandle(zs *zmq4.Socket) (unsafe.Pointer, error) {
	if !rawLayout() {
		return nil, fmt.Errorf("%w: this pebbe/zmq4 version hides the socket handle", ErrUnsupported)
	}
	h := *(*unsafe.Pointer)(unsafe.Pointer(zs))
	if h == nil {
		return nil, ErrClosed
	}
	return h, nil
}

// setZAPEnforceDomain sets ZMQ_ZAP_ENFORCE_DOMAIN: a server whose mechanism
// asks ZAP refuses the peer when no ZAP handler is bound, instead of
// letting it in unauthenticated (libzmq's default, kept for old programs).
func setZAPEnforceDomain(zs *zmq4.Socket, on bool) error {
	h, err := rawHandle(zs)
	if err != nil {
		return err
	}
	v := 0
	if on {
		v = 1
	}
	if rc, errno := C.zmqactor_set_int(h, zmqZAPEnforceDomain, C.int(v)); rc != 0 {
		return errno
	}
	return nil
}

// curvePublic derives a CURVE public key with zmq_curve_public(3).
func curvePublic(secret Key) (Key, error) {
	cs := C.CString(secret.String())
	defer func() {
		C.memset(unsafe.Pointer(cs), 0, 40) // not left in freed memory
		C.free(unsafe.Pointer(cs))
	}()
	var out [41]C.char
	if rc, errno := C.zmq_curve_public(&out[0], cs); rc != 0 {
		return Key{}, curveError("zmq_curve_public", errno)
	}
	return ParseKey(C.GoStringN(&out[0], 40))
}

// The options pebbe/zmq4 sets but cannot read back: read with
// zmq_getsockopt(3) on the raw handle.
const (
	rawConflate         = C.ZMQ_CONFLATE
	rawHeartbeatIvl     = C.ZMQ_HEARTBEAT_IVL
	rawHeartbeatTTL     = C.ZMQ_HEARTBEAT_TTL
	rawHeartbeatTimeout = C.ZMQ_HEARTBEAT_TIMEOUT
)

// getRawInt reads an int option of zs.
func getRawInt(zs *zmq4.Socket, option C.int) (int, error) {
	h, err := rawHandle(zs)
	if err != nil {
		return 0, err
	}
	var v C.int
	if rc, errno := C.zmqactor_get_int(h, option, &v); rc != 0 {
		return 0, errno
	}
	return int(v), nil
}

// events reads ZMQ_EVENTS of the loop's socket, as pebbe/zmq4's GetEvents
// does but without its allocation; through GetEvents when the socket
// handle cannot be reached.
func (s *Socket) events() (zmq4.State, error) {
	if !rawLayout() {
		return s.zs.GetEvents()
	}
	n, err := getRawInt(s.zs, C.ZMQ_EVENTS)
	if errno, ok := err.(syscall.Errno); ok {
		err = zmq4.Errno(errno) // as GetEvents says it: errors.Is(err, zmq4.ETERM)
	}
	return zmq4.State(n), err
}

// getRawMillis reads an option ZeroMQ reports in milliseconds.
func getRawMillis(option C.int) func(*zmq4.Socket) (time.Duration, error) {
	return func(zs *zmq4.Socket) (time.Duration, error) {
		n, err := getRawInt(zs, option)
		return time.Duration(n) * time.Millisecond, err
	}
}

// getRawBool reads an option ZeroMQ reports as 0 or 1.
func getRawBool(option C.int) func(*zmq4.Socket) (bool, error) {
	return func(zs *zmq4.Socket) (bool, error) {
		n, err := getRawInt(zs, option)
		return n != 0, err
	}
}
