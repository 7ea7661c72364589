package actors_test

import (
	"context"
	"errors"
	"testing"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestInboxReceive: Receive returns the next message of the type asked
// for, skipping others, and turns a Closed event, an ended ctx and a
// closed inbox into errors.
func TestInboxReceive(t *testing.T) {
	f := newFixture(t)
	in := actors.NewInbox(f.system, 16)
	pull, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://receive"}}, actors.WithOwner(in.PID()))
	if err != nil {
		t.Fatal(err)
	}
	push, _ := f.spawn(sockets.Spec{Type: sockets.Push, Connects: []string{"inproc://receive"}})
	if err := push.Send([]byte("one")); err != nil {
		t.Fatal(err)
	}
	// Started comes first, and is skipped.
	r, err := actors.Receive[*messages.Received](f.ctx, in)
	if err != nil || string(r.GetFrames()[0]) != "one" {
		t.Fatalf("Receive: %v %v", r, err)
	}
	if _, err := pull.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := actors.Receive[*messages.Received](f.ctx, in); !errors.Is(err, actors.ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, err := actors.Receive[*messages.Received](ctx, in); !errors.Is(err, context.Canceled) {
		t.Fatalf("with an ended ctx: %v", err)
	}
	in.Close()
	if _, err := actors.Receive[*messages.Received](f.ctx, in); !errors.Is(err, actors.ErrClosed) {
		t.Fatalf("from a closed inbox: %v, want ErrClosed", err)
	}
}
