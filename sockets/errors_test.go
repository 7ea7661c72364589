package sockets

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/messages"
)

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		op       Op
		errno    zmq4.Errno
		sentinel error
		code     messages.ErrorCode
	}{
		{OpBind, zmq4.EADDRINUSE, ErrAddressInUse, messages.ErrorCode_ERROR_CODE_ADDRESS_IN_USE},
		{OpBind, zmq4.Errno(syscall.EINVAL), ErrBadEndpoint, messages.ErrorCode_ERROR_CODE_INVALID_ENDPOINT},
		{OpConnect, zmq4.EPROTONOSUPPORT, ErrBadEndpoint, messages.ErrorCode_ERROR_CODE_INVALID_ENDPOINT},
		{OpUnbind, zmq4.Errno(syscall.ENOENT), ErrEndpointNotFound, messages.ErrorCode_ERROR_CODE_ENDPOINT_NOT_FOUND},
		{OpSetOption, zmq4.Errno(syscall.EINVAL), ErrBadOption, messages.ErrorCode_ERROR_CODE_INVALID_OPTION},
		{OpSend, zmq4.EFSM, ErrUnsupported, messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION},
		{OpSend, zmq4.EHOSTUNREACH, ErrHostUnreachable, messages.ErrorCode_ERROR_CODE_HOST_UNREACHABLE},
		{OpReceive, zmq4.ETERM, ErrTerminated, messages.ErrorCode_ERROR_CODE_TERMINATED},
		{OpReceive, zmq4.Errno(syscall.EIO), ErrSocket, messages.ErrorCode_ERROR_CODE_SOCKET_FAILED},
	}
	for _, tt := range tests {
		t.Run(string(tt.op)+"/"+tt.errno.Error(), func(t *testing.T) {
			err := zmqError(tt.op, "s1", "tcp://x:1", tt.errno)
			if !errors.Is(err, tt.sentinel) || !errors.Is(err, tt.errno) {
				t.Fatalf("%v: want both %v and errno %d", err, tt.sentinel, tt.errno)
			}
			m := ErrorToProto("", err)
			if m.Code != tt.code || m.Errno != int32(tt.errno) || m.Operation != string(tt.op) || m.Endpoint != "tcp://x:1" || m.Socket != "s1" {
				t.Fatalf("ErrorToProto = %v", m)
			}
			back := ErrorFromProto(m)
			if !errors.Is(back, tt.sentinel) || !errors.Is(back, tt.errno) || back.Error() != err.Error() {
				t.Fatalf("round trip: %v (%v)", back, err)
			}
		})
	}
	if ErrorFromProto(nil) != nil {
		t.Fatal("ErrorFromProto(nil) != nil")
	}
}

// TestMisuseWrapsSentinels: Open without the hooks it needs, and a failure
// of libzmq's CURVE functions, give errors that match a sentinel (and the
// errno) with errors.Is.
func TestMisuseWrapsSentinels(t *testing.T) {
	ctx := testContext(t)
	for _, c := range []struct {
		name  string
		typ   Type
		hooks Hooks
	}{
		{"no Signal", Push, Hooks{}},
		{"no Deliver", Pull, Hooks{Signal: func(*Signal) {}}},
	} {
		_, err := Open(ctx, Spec{Type: c.typ}, c.hooks)
		if !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), "are required") {
			t.Errorf("Open with %s: %v, want ErrBadOption", c.name, err)
		}
	}
	for errno, want := range map[zmq4.Errno]error{zmq4.ENOTSUP: ErrUnsupported, zmq4.Errno(syscall.EINVAL): ErrSocket} {
		if err := curveError("zmq_curve_public", errno); !errors.Is(err, want) || !errors.Is(err, errno) {
			t.Errorf("CURVE failure %v: %v, want %v", errno, err, want)
		}
	}
}

func TestParseType(t *testing.T) {
	for _, typ := range Types() {
		got, err := ParseType(typ.String())
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v", typ.String(), got, err)
		}
		if typ.zmq() != map[Type]zmq4.Type{Pair: zmq4.PAIR, Pub: zmq4.PUB, Sub: zmq4.SUB, Req: zmq4.REQ, Rep: zmq4.REP,
			Dealer: zmq4.DEALER, Router: zmq4.ROUTER, Pull: zmq4.PULL, Push: zmq4.PUSH, XPub: zmq4.XPUB, XSub: zmq4.XSUB, Stream: zmq4.STREAM}[typ] {
			t.Errorf("%v maps to zmq type %v", typ, typ.zmq())
		}
	}
	if got, _ := ParseType("xreq"); got != Dealer {
		t.Errorf("XREQ = %v", got)
	}
	if _, err := ParseType("FOO"); !errors.Is(err, ErrUnknownType) {
		t.Errorf("FOO: %v", err)
	}
	if Type(0).Valid() || Type(13).Valid() {
		t.Error("invalid types reported valid")
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want error
	}{
		{"no type", Spec{}, ErrUnknownType},
		{"bad type", Spec{Type: 99}, ErrUnknownType},
		{"negative hwm", Spec{Type: Push, Options: []Option{SendHWM(-1)}}, ErrBadOption},
		{"empty routing id", Spec{Type: Dealer, Options: []Option{RoutingID(nil)}}, ErrBadOption},
		{"long routing id", Spec{Type: Dealer, Options: []Option{RoutingID(make([]byte, 256))}}, ErrBadOption},
		{"zero routing id", Spec{Type: Dealer, Options: []Option{RoutingID([]byte{0, 1})}}, ErrBadOption},
		{"sub-ms linger", Spec{Type: Push, Options: []Option{Linger(1500000)}}, ErrBadOption},
		{"subscribe on push", Spec{Type: Push, Options: []Option{Subscribe([]byte("a"))}}, ErrUnsupported},
		{"mandatory on dealer", Spec{Type: Dealer, Options: []Option{RouterMandatory(true)}}, ErrUnsupported},
		{"verbose on pub", Spec{Type: Pub, Options: []Option{XPubVerbose(true)}}, ErrUnsupported},
		{"conflate on router", Spec{Type: Router, Options: []Option{Conflate(true)}}, ErrUnsupported},
		{"bad keepalive", Spec{Type: Push, Options: []Option{TCPKeepalive(true, 1500000000, 0, 0)}}, ErrBadOption},
		{"empty option", Spec{Type: Push, Options: []Option{{}}}, ErrBadOption},
		{"no transport", Spec{Type: Push, Binds: []string{"127.0.0.1:5555"}}, ErrBadEndpoint},
		{"bad transport", Spec{Type: Push, Connects: []string{"nope://x"}}, ErrBadEndpoint},
		{"negative queue", Spec{Type: Push, SendQueueLimit: -1}, ErrBadOption},
		{"good", Spec{Type: Sub, Options: []Option{Subscribe(nil), Linger(0), TCPKeepalive(true, 60e9, 10e9, 3)}, Binds: []string{"tcp://127.0.0.1:*"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSpecProtoRoundTrip(t *testing.T) {
	spec := Spec{Name: "a", Type: Router, Options: []Option{RouterMandatory(true), SendHWM(5)},
		Binds: []string{"inproc://a"}, Connects: []string{"tcp://127.0.0.1:1"}, SendQueueLimit: 7}
	back, err := SpecFromProto(spec.Proto())
	if err != nil {
		t.Fatal(err)
	}
	if back.Name != "a" || back.Type != Router || len(back.Options) != 2 || back.Binds[0] != "inproc://a" ||
		back.Connects[0] != "tcp://127.0.0.1:1" || back.SendQueueLimit != 7 {
		t.Fatalf("round trip: %+v", back)
	}
	if _, err := SpecFromProto(nil); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("nil spec: %v", err)
	}
}
