package sockets

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pebbe/zmq4"
	"go.uber.org/goleak"

	"github.com/zmqactor/zmqactor/messages"
)

// monitoredOwner is an owner whose hooks also take monitor events.
func monitoredOwner(t *testing.T) (*owner, chan *messages.SocketEvent, Hooks) {
	t.Helper()
	o := newOwner(t)
	events := make(chan *messages.SocketEvent, 1024)
	hooks := o.hooks()
	hooks.Event = func(ev *messages.SocketEvent) { events <- ev }
	return o, events, hooks
}

// nextEvent returns the next event of one of kinds, skipping the others,
// and fails the test after 10 s.
func nextEvent(t *testing.T, events <-chan *messages.SocketEvent, kinds ...messages.SocketEventKind) *messages.SocketEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			for _, k := range kinds {
				if ev.Kind == k {
					return ev
				}
			}
		case <-deadline:
			t.Fatalf("no %v event within 10s", kinds)
			return nil
		}
	}
}

// TestMonitorAcceptedPeer: a bound socket opened WithMonitor reports its
// LISTENING, and a peer that connects ACCEPTED then HANDSHAKE_SUCCEEDED,
// each with the endpoint; Close ends the monitor's waiter with the socket's.
func TestMonitorAcceptedPeer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testContext(t)
	pull, events, hooks := monitoredOwner(t)
	pull.openWith(ctx, Spec{Type: Pull, Name: "pull", Binds: []string{"tcp://127.0.0.1:*"}}, hooks, WithMonitor())
	var ep string
	var mon *monitor
	pull.do(func() { ep, mon = pull.sock.Bound()[0], pull.sock.mon })
	// The bind happened inside Open, after the monitor started.
	ev := nextEvent(t, events, messages.SocketEventKind_SOCKET_EVENT_KIND_LISTENING)
	if ev.Endpoint != ep || ev.Socket != "pull" || ev.Value <= 0 {
		t.Fatalf("LISTENING %v, want endpoint %s, socket pull and the listener's fd", ev, ep)
	}

	push := newOwner(t)
	push.open(ctx, Spec{Type: Push, Connects: []string{ep}})
	accepted := nextEvent(t, events, messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED)
	if accepted.Kind != messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED || accepted.Endpoint != ep {
		t.Fatalf("first peer event %v, want ACCEPTED on %s", accepted, ep)
	}
	if hs := nextEvent(t, events, messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED); hs.Endpoint != ep {
		t.Fatalf("HANDSHAKE_SUCCEEDED %v, want endpoint %s", hs, ep)
	}
	push.close()
	pull.close()
	select {
	case <-mon.rd.w.done:
	default:
		t.Fatal("the monitor's waiter runs on after Close")
	}
}

// TestMonitorKinds: Monitor reports only the kinds asked for, a new call
// restarts the monitor with the new kinds, StopMonitor ends it, and bad
// kinds and closed sockets are refused.
func TestMonitorKinds(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testContext(t)
	o, events, hooks := monitoredOwner(t)
	o.openWith(ctx, Spec{Type: Router}, hooks)
	var err error
	accepted := messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED
	listening := messages.SocketEventKind_SOCKET_EVENT_KIND_LISTENING
	var ep string
	o.do(func() {
		if err = o.sock.Monitor(messages.SocketEventKind_SOCKET_EVENT_KIND_UNSPECIFIED); !errors.Is(err, ErrBadOption) {
			t.Errorf("Monitor(UNSPECIFIED) = %v, want ErrBadOption", err)
		}
		if err = o.sock.Monitor(messages.SocketEventKind(99)); !errors.Is(err, ErrBadOption) {
			t.Errorf("Monitor(99) = %v, want ErrBadOption", err)
		}
		if o.sock.Monitored() != nil {
			t.Errorf("a refused Monitor left %v monitored", o.sock.Monitored())
		}
		if err = o.sock.Monitor(accepted); err != nil {
			return
		}
		ep, err = o.sock.Bind("tcp://127.0.0.1:*") // LISTENING: not asked for
	})
	if err != nil {
		t.Fatal(err)
	}
	peer := newOwner(t)
	peer.open(ctx, Spec{Type: Dealer, Connects: []string{ep}})
	if ev := nextEvent(t, events, EventKinds()...); ev.Kind != accepted {
		t.Fatalf("first event %v, want only ACCEPTED", ev)
	}
	var second string
	o.do(func() {
		if err = o.sock.Monitor(listening, accepted); err != nil {
			return
		}
		if got := o.sock.Monitored(); len(got) != 2 || got[0] != listening || got[1] != accepted {
			t.Errorf("Monitored() = %v", got)
		}
		second, err = o.sock.Bind("tcp://127.0.0.1:*")
	})
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, events, EventKinds()...); ev.Kind != listening || ev.Endpoint != second {
		t.Fatalf("after the restart: %v, want LISTENING on %s", ev, second)
	}
	var mon *monitor
	o.do(func() {
		mon = o.sock.mon
		o.sock.StopMonitor()
		if o.sock.Monitored() != nil {
			t.Error("monitored after StopMonitor")
		}
	})
	select {
	case <-mon.rd.w.done:
	default:
		t.Fatal("the monitor's waiter runs on after StopMonitor")
	}
	peer.close()
	o.close()
	if err := o.sock.Monitor(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Monitor on a closed socket: %v, want ErrClosed", err)
	}
	select {
	case ev := <-events:
		t.Fatalf("event %v after StopMonitor", ev)
	default:
	}
}

// TestMonitorNeedsEventHook: without Hooks.Event there is no one to tell,
// so Monitor fails with ErrBadOption, and so does Open, with nothing left
// open.
func TestMonitorNeedsEventHook(t *testing.T) {
	ctx := testContext(t)
	hooks := Hooks{Signal: func(*Signal) {}}
	if _, err := Open(ctx, Spec{Type: Push}, hooks, WithMonitor()); !errors.Is(err, ErrBadOption) {
		t.Fatalf("Open WithMonitor and no Hooks.Event: %v, want ErrBadOption", err)
	}
	s, err := Open(ctx, Spec{Type: Push}, hooks)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(nil)
	if err := s.Monitor(); !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), "Hooks.Event is required") {
		t.Fatalf("Monitor with no Hooks.Event: %v, want ErrBadOption", err)
	}
	if _, err := Open(ctx, Spec{Type: Push}, hooks, WithMonitor(messages.SocketEventKind_SOCKET_EVENT_KIND_UNSPECIFIED)); !errors.Is(err, ErrBadOption) {
		t.Fatalf("Open WithMonitor(UNSPECIFIED): %v, want ErrBadOption", err)
	}
}

// FuzzParseEvent: any frames decode to an event or an error, never a
// panic, and a well-formed event decodes to its kind and value.
func FuzzParseEvent(f *testing.F) {
	ev := func(id zmq4.Event, value uint32) []byte {
		b := make([]byte, 6)
		binary.NativeEndian.PutUint16(b, uint16(id))
		binary.NativeEndian.PutUint32(b[2:], value)
		return b
	}
	f.Add(ev(zmq4.EVENT_ACCEPTED, 7), []byte("tcp://127.0.0.1:5555"), false)
	f.Add(ev(zmq4.EVENT_MONITOR_STOPPED, 0), []byte(""), false)
	f.Add([]byte{1, 2, 3}, []byte("x"), true)
	f.Fuzz(func(t *testing.T, first, endpoint []byte, third bool) {
		frames := [][]byte{first, endpoint}
		if third {
			frames = append(frames, nil)
		}
		got, err := parseEvent(frames)
		if err != nil {
			return
		}
		if third || len(first) != 6 {
			t.Fatalf("parsed %v from frames of the wrong shape", got)
		}
		if eventBits()[got.Kind] != zmq4.Event(binary.NativeEndian.Uint16(first)) ||
			got.Value != int64(binary.NativeEndian.Uint32(first[2:])) || got.Endpoint != string(endpoint) {
			t.Fatalf("parsed %v from %x %q", got, first, endpoint)
		}
	})
}
