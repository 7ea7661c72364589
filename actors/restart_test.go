package actors_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestRestartRebuildsSocket fails a bound PULL socket actor and checks that
// protoactor's restart brings it back on the same resolved endpoint with the
// options and binds it had, and that traffic goes on.
func TestRestartRebuildsSocket(t *testing.T) {
	system, z := testutil.NewSystem(t)
	inbox := testutil.NewInbox(t, system, 64)
	ctx := testutil.Ctx(t)
	pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithOwner(inbox.PID()), actors.WithProps(actor.WithReceiverMiddleware(testutil.FailOnBoom)))
	first := testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
	extra, err := pull.Bind(ctx, "inproc://restart-extra")
	if err != nil {
		t.Fatal(err)
	}
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{pull.Endpoint()}})
	for round := 1; round <= 3; round++ {
		system.Root.Send(pull.PID(), testutil.Boom{})
		// A command sent while the actor restarts is carried out after it.
		during := fmt.Sprintf("inproc://restart-during-%d", round)
		if got, err := pull.Bind(ctx, during); err != nil || got != during {
			t.Fatalf("restart %d: bind during restart = %q, %v", round, got, err)
		}
		again := testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
		if again.Restarts != uint32(round) {
			t.Fatalf("restart %d: Started.Restarts = %d", round, again.Restarts)
		}
		want := append(append([]string{}, first.Bound...), extra)
		for r := 1; r < round; r++ {
			want = append(want, fmt.Sprintf("inproc://restart-during-%d", r))
		}
		if fmt.Sprint(again.Bound) != fmt.Sprint(want) {
			t.Fatalf("restart %d: bound %v, want %v", round, again.Bound, want)
		}
		// The PUSH may still hold the old connection and lose what it sends
		// there (messages in ZeroMQ's queues do not survive a restart), so
		// send until one arrives.
		msg := []byte{byte(round)}
		tick := time.NewTicker(20 * time.Millisecond)
		deadline := time.After(testutil.Wait)
	wait:
		for {
			select {
			case m := <-inbox.C():
				if r, ok := m.(*messages.Received); ok && bytes.Equal(r.Frames[0], msg) {
					break wait
				}
			case <-tick.C:
				if err := push.Send(msg); err != nil {
					t.Fatal(err)
				}
			case <-deadline:
				t.Fatalf("restart %d: no message through the restarted socket", round)
			}
		}
		tick.Stop()
	}
	if z.Len() != 2 {
		t.Fatalf("%d socket actors registered, want 2", z.Len())
	}
}

// TestInjectFault: a socket actor spawned with fault injection fails on
// InjectFault and reports the reason when it is back; one without refuses.
func TestInjectFault(t *testing.T) {
	system, z := testutil.NewSystem(t)
	inbox := testutil.NewInbox(t, system, 64)
	pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://fault"}},
		actors.WithOwner(inbox.PID()), actors.WithFaultInjection())
	testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
	system.Root.Send(pull.PID(), &messages.InjectFault{Reason: "chaos monkey"})
	st := testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
	if st.Restarts != 1 || !strings.Contains(st.RestartReason, "chaos monkey") {
		t.Fatalf("after the fault: %v", st)
	}

	plain := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push})
	res, err := system.Root.RequestFuture(plain.PID(), &messages.InjectFault{Reason: "no"}, testutil.Wait).Result()
	if e, ok := res.(*messages.Error); err != nil || !ok || e.Code != messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION {
		t.Fatalf("InjectFault without the option: %v, %v", res, err)
	}
}

// explodeOnSend makes the socket actor fail on a Send whose first frame is
// "explode", as a bug would.
var explodeOnSend = testutil.FailOn(func(msg any) bool {
	s, ok := msg.(*messages.Send)
	return ok && string(s.GetFrames()[0]) == "explode"
}, errors.New("exploded on a send"))

// TestFailedCommandIsAnswered: the command a socket actor fails on is not
// carried out, and not lost without a word either: its sender gets an
// Error (or, sent without one, the owner does). The owner sees Restarting
// with the attempt and reason, then Started, and the socket works again.
func TestFailedCommandIsAnswered(t *testing.T) {
	system, z := testutil.NewSystem(t)
	inbox := testutil.NewInbox(t, system, 64)
	ctx := testutil.Ctx(t)
	pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://failed-command"}}, actors.WithOwner(inbox.PID()))
	owner := testutil.NewInbox(t, system, 64)
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{"inproc://failed-command"}},
		actors.WithOwner(owner.PID()), actors.WithProps(actor.WithReceiverMiddleware(explodeOnSend)))
	testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	_, err := push.SendWait(ctx, []byte("explode"))
	if !errors.Is(err, sockets.ErrSocket) || !strings.Contains(err.Error(), "not carried out") {
		t.Fatalf("SendWait on the failing send: %v", err)
	}
	r := testutil.Expect[*messages.Restarting](t, owner, testutil.Wait)
	if r.GetAttempt() != 1 || !strings.Contains(r.GetReason(), "exploded") {
		t.Fatalf("Restarting %v", r)
	}
	if st := testutil.Expect[*messages.Started](t, owner, testutil.Wait); st.GetRestarts() != 1 {
		t.Fatalf("Started %v", st)
	}
	// Without a sender the owner hears of it.
	if err := push.Send([]byte("explode")); err != nil {
		t.Fatal(err)
	}
	if e := testutil.Expect[*messages.Error](t, owner, testutil.Wait); e.GetCode() != messages.ErrorCode_ERROR_CODE_SOCKET_FAILED {
		t.Fatalf("owner got %v", e)
	}
	if r := testutil.Expect[*messages.Restarting](t, owner, testutil.Wait); r.GetAttempt() != 2 {
		t.Fatalf("Restarting %v", r)
	}
	if _, err := push.SendWait(ctx, []byte("fine")); err != nil {
		t.Fatal(err)
	}
	for {
		m := testutil.Expect[*messages.Received](t, inbox, testutil.Wait)
		if string(m.GetFrames()[0]) == "explode" {
			t.Fatal("the failed send was carried out")
		}
		if string(m.GetFrames()[0]) == "fine" {
			break
		}
	}
	_ = pull
}
