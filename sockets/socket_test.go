package sockets

import (
	"errors"
	"testing"
)

// TestStaleSignalsAndClose: a Signal of a closed Socket does nothing to a
// new one (signals left in a mailbox across a restart), and a closed Socket
// refuses work with ErrClosed and closes only once.
func TestStaleSignalsAndClose(t *testing.T) {
	ctx := testContext(t)
	var signals []*Signal
	hooks := Hooks{Signal: func(sig *Signal) { signals = append(signals, sig) }, Deliver: func([][]byte) {
		t.Error("delivered a message from nowhere")
	}}
	old, err := Open(ctx, Spec{Type: Pull, Binds: []string{"inproc://stale"}}, hooks)
	if err != nil {
		t.Fatal(err)
	}
	if len(signals) != 1 {
		t.Fatalf("Open asked for %d turns, want 1 (drain before the first arm)", len(signals))
	}
	stale := signals[0]
	if _, err := old.Close(nil); err != nil {
		t.Fatal(err)
	}
	if unsent, err := old.Close(nil); unsent != 0 || err != nil {
		t.Fatalf("second Close = %d, %v", unsent, err)
	}
	if err := old.Handle(stale); err != nil {
		t.Fatalf("Handle after Close: %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := old.Send([][]byte{{1}}); return err },
		func() error { _, err := old.Bind("inproc://x"); return err },
		func() error { return old.Connect("inproc://x") },
		func() error { return old.SetOption(Linger(0)) },
	} {
		if err := f(); !errors.Is(err, ErrClosed) {
			t.Fatalf("call on a closed socket: %v, want ErrClosed", err)
		}
	}

	fresh, err := Open(ctx, Spec{Type: Pull, Binds: []string{"inproc://stale2"}}, hooks)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close(nil)
	before := fresh.Stats().Wakeups
	if err := fresh.Handle(stale); err != nil {
		t.Fatal(err)
	}
	if fresh.Stats().Wakeups != before {
		t.Fatal("a new socket acted on the signal of an old one")
	}
	if err := fresh.Handle(signals[len(signals)-1]); err != nil || fresh.Stats().Wakeups != before+1 {
		t.Fatalf("own signal: %v, wakeups %d", err, fresh.Stats().Wakeups)
	}
}
