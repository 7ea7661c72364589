package actors_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

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
	inbox := testutil.NewInbox(t, system, 1024)
	pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithOwner(inbox.PID()), actors.WithBatchDelivery())
	// Room for every message: a refused send would be an Error event, not
	// a lost message, but this test counts messages.
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{pull.Endpoint()}, SendQueueLimit: 5000},
		actors.WithOwner(inbox.PID()))
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

// TestSubscribeBatched: a batched subscriber gets the same messages as an
// unbatched one of the same prefix, in order, in ReceivedBatch events.
func TestSubscribeBatched(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	pub := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"}, Options: []sockets.Option{sockets.SendHWM(0)}})
	sub := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Sub, Connects: []string{pub.Endpoint()}, Options: []sockets.Option{sockets.ReceiveHWM(0)}})
	batched, single := testutil.NewInbox(t, system, 4096), testutil.NewInbox(t, system, 4096)
	if err := sub.SubscribeBatched(ctx, batched.PID(), "t"); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe(ctx, single.PID(), "t"); err != nil {
		t.Fatal(err)
	}
	// PUB drops until the subscription reaches it: publish until the
	// unbatched subscriber has a message, then count from the next.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for warm := false; !warm; {
		if err := pub.Send([]byte("t-warm")); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-single.C():
			_, warm = m.(*messages.Received)
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("no message reached the subscriber")
		}
	}
	const n = 3000
	for i := range n {
		if err := pub.Send([]byte(fmt.Sprintf("t%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// The batched subscriber: warm-up messages, then 0..n-1 in order.
	next, batches := 0, 0
	for next < n {
		b := testutil.Expect[*messages.ReceivedBatch](t, batched, testutil.Wait)
		batches++
		for _, m := range b.GetMessages() {
			body := string(m.GetFrames()[0])
			if body == "t-warm" {
				continue
			}
			if body != fmt.Sprintf("t%d", next) {
				t.Fatalf("batched subscriber: message %d is %q", next, body)
			}
			next++
		}
	}
	for next = 0; next < n; {
		r := testutil.Expect[*messages.Received](t, single, testutil.Wait)
		if body := string(r.GetFrames()[0]); body != "t-warm" {
			if body != fmt.Sprintf("t%d", next) {
				t.Fatalf("single subscriber: message %d is %q", next, body)
			}
			next++
		}
	}
	t.Logf("%d messages in %d batches", n, batches)
}
