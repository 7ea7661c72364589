package actors_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestBatches: messages sent with SendBatch arrive at an owner spawned
// WithBatchDelivery in ReceivedBatch events that hold every message once,
// whole and in order; a batch with a bad message is refused whole.
func TestBatches(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	inbox := actors.NewInbox(system, 1024)
	defer inbox.Close()
	pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithOwner(inbox.PID()), actors.WithBatchDelivery())
	if err != nil {
		t.Fatal(err)
	}
	// Room for every message: a refused send would be an Error event, not
	// a lost message, but this test counts messages.
	push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: []string{pull.Endpoint()}, SendQueueLimit: 5000},
		actors.WithOwner(inbox.PID()))
	if err != nil {
		t.Fatal(err)
	}
	// Refused whole: nothing of this batch is sent.
	res, err := system.Root.RequestFuture(push.PID(), &messages.SendBatch{Messages: []*messages.Frames{
		{Frames: [][]byte{[]byte("never")}}, {}}}, testutil.Wait).Result()
	if e, ok := res.(*messages.Error); err != nil || !ok || e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE {
		t.Fatalf("a batch with an empty message: %v %v", res, err)
	}
	if err := push.SendBatch([][]byte{[]byte("x")}, nil); !errors.Is(err, sockets.ErrBadMessage) {
		t.Errorf("SendBatch with an empty message: %v", err)
	}
	const n, per = 5000, 100
	for i := 0; i < n; i += per {
		batch := make([][][]byte, per)
		for j := range batch {
			batch[j] = [][]byte{[]byte(fmt.Sprint(i + j)), []byte("second frame")}
		}
		if err := push.SendBatch(batch...); err != nil {
			t.Fatal(err)
		}
	}
	next, batches := 0, 0
	for next < n {
		var b *messages.ReceivedBatch
		switch m := testutil.Next(t, inbox, testutil.Wait).(type) {
		case *messages.ReceivedBatch:
			b = m
		case *messages.Error:
			t.Fatalf("error event: %v", sockets.ErrorFromProto(m))
		default:
			continue
		}
		if b.GetSocket() != pull.Name() || len(b.GetMessages()) == 0 {
			t.Fatalf("batch %v", b)
		}
		batches++
		for _, m := range b.GetMessages() {
			f := m.GetFrames()
			if len(f) != 2 || string(f[0]) != fmt.Sprint(next) || string(f[1]) != "second frame" {
				t.Fatalf("message %d: %q", next, f)
			}
			next++
		}
	}
	t.Logf("%d messages in %d batches", n, batches)
	st, err := pull.Stats(ctx)
	if err != nil || st.GetReceived() != n {
		t.Errorf("stats %v %v, want %d received", st, err, n)
	}
}
