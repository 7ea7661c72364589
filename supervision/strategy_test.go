package supervision_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		reason any
		want   actor.Directive
	}{
		{fmt.Errorf("receive: %w", sockets.ErrTerminated), actor.StopDirective},
		{&sockets.Error{Op: "send", Err: sockets.ErrClosed}, actor.StopDirective},
		// A socket actor retries EADDRINUSE itself when it reopens; a failure
		// with it after that is for good, as are other spec errors.
		{fmt.Errorf("bind: %w: %w", sockets.ErrAddressInUse, zmq4.EADDRINUSE), actor.StopDirective},
		{&sockets.Error{Op: "connect", Err: sockets.ErrBadEndpoint}, actor.StopDirective},
		{fmt.Errorf("open: %w", sockets.ErrUnknownType), actor.StopDirective},
		{fmt.Errorf("%w: config store gone", supervision.ErrEscalate), actor.EscalateDirective},
		{fmt.Errorf("send: %w: %w", sockets.ErrUnsupported, zmq4.EFSM), actor.RestartDirective},
		{fmt.Errorf("receive: %w", sockets.ErrSocket), actor.RestartDirective},
		{&actors.InjectedFault{Reason: "test"}, actor.RestartDirective},
		{"a panic with a string", actor.RestartDirective},
	}
	for _, tt := range tests {
		if got := supervision.Decide(tt.reason); got != tt.want {
			t.Errorf("Decide(%v) = %v, want %v", tt.reason, got, tt.want)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	s, err := supervision.OneForOne(supervision.WithBackoff(10*time.Millisecond, 80*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]time.Duration{1: 10 * time.Millisecond, 2: 20 * time.Millisecond,
		3: 40 * time.Millisecond, 4: 80 * time.Millisecond, 9: 80 * time.Millisecond} {
		if got := s.Delay(n); got != want {
			t.Errorf("Delay(%d) = %v, want %v", n, got, want)
		}
	}
	for _, o := range []supervision.Option{supervision.WithMaxRestarts(-1), supervision.WithWindow(0),
		supervision.WithBackoff(time.Second, time.Millisecond), supervision.WithJitter(1.5), supervision.WithDecider(nil)} {
		if _, err := supervision.AllForOne(o); !errors.Is(err, supervision.ErrBadPolicy) {
			t.Errorf("bad option accepted: %v", err)
		}
	}
}

// supervise starts a parent actor under strategy with one PULL socket actor
// child per name, each reporting to inbox, and returns the children.
func supervise(t *testing.T, strategy actor.SupervisorStrategy, names ...string) (*actor.RootContext, *actors.Inbox, map[string]*actor.PID) {
	t.Helper()
	system, z := testutil.NewSystem(t)
	inbox := testutil.NewInbox(t, system, 64)
	children := make(chan map[string]*actor.PID, 1)
	parent := actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*actor.Started); !ok {
			return
		}
		pids := map[string]*actor.PID{}
		for _, name := range names {
			props, err := z.Props(sockets.Spec{Name: name, Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}},
				actors.WithOwner(inbox.PID()), actors.WithProps(actor.WithReceiverMiddleware(testutil.FailOnBoom)))
			if err != nil {
				t.Error(err)
				return
			}
			pids[name] = ctx.Spawn(props)
		}
		children <- pids
	}, actor.WithSupervisor(strategy))
	system.Root.Spawn(parent)
	pids := <-children
	for range names {
		testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
	}
	return system.Root, inbox, pids
}

// TestRestartLimit: two restarts are allowed, the third failure within the
// window stops the socket actor for good, and it closes its socket.
func TestRestartLimit(t *testing.T) {
	s, err := supervision.OneForOne(supervision.WithMaxRestarts(2), supervision.WithBackoff(time.Millisecond, 4*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	root, inbox, pids := supervise(t, s, "a", "b")
	for want := uint32(1); want <= 2; want++ {
		root.Send(pids["a"], testutil.Boom{})
		r := testutil.Expect[*messages.Restarting](t, inbox, testutil.Wait)
		if r.GetSocket() != "a" || r.GetAttempt() != want || !strings.Contains(r.GetReason(), "boom") || r.GetBackoff().AsDuration() <= 0 {
			t.Fatalf("restart %d: event %v", want, r)
		}
		if st := testutil.Expect[*messages.Started](t, inbox, testutil.Wait); st.Restarts != want {
			t.Fatalf("Started.Restarts = %d, want %d", st.Restarts, want)
		}
	}
	root.Send(pids["a"], testutil.Boom{})
	closed := testutil.Expect[*messages.Closed](t, inbox, testutil.Wait)
	if closed.Socket != "a" || !strings.Contains(closed.GetReason(), "restart limit reached") || !strings.Contains(closed.GetReason(), "boom") {
		t.Fatalf("Closed %v", closed)
	}
	// The supervisor and its other child are still up.
	if st, err := root.RequestFuture(pids["b"], &messages.GetStats{}, testutil.Wait).Result(); err != nil {
		t.Fatalf("sibling after the limit: %v %v", st, err)
	}
}

// TestAllForOne: one failing child restarts its sibling too; one-for-one
// restarts only the child that failed.
func TestAllForOne(t *testing.T) {
	for _, all := range []bool{true, false} {
		t.Run(fmt.Sprintf("all=%v", all), func(t *testing.T) {
			newStrategy := supervision.OneForOne
			if all {
				newStrategy = supervision.AllForOne
			}
			s, err := newStrategy(supervision.WithBackoff(time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			root, inbox, pids := supervise(t, s, "backend", "frontend")
			root.Send(pids["backend"], testutil.Boom{})
			restarted := map[string]bool{}
			want := 1
			if all {
				want = 2
			}
			for len(restarted) < want {
				st := testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
				restarted[st.Socket] = true
			}
			// Anything the frontend sent before answering a request is in the
			// inbox before a marker sent after the answer.
			if _, err := root.RequestFuture(pids["frontend"], &messages.GetStats{}, testutil.Wait).Result(); err != nil {
				t.Fatal(err)
			}
			root.Send(inbox.PID(), "marker")
			for {
				m := testutil.Next(t, inbox, testutil.Wait)
				if m == "marker" {
					break
				}
				if st, ok := m.(*messages.Started); ok {
					restarted[st.Socket] = true
				}
			}
			if restarted["frontend"] != all || !restarted["backend"] {
				t.Fatalf("all-for-one %v restarted %v", all, restarted)
			}
		})
	}
}

// TestManyRestarts restarts one socket actor 1,000 times: it comes back
// each time, a message still crosses it, and no file descriptor is left
// behind (TestMain checks goroutines). Each decision is published on the
// event stream.
func TestManyRestarts(t *testing.T) {
	const restarts = 1000
	s, err := supervision.OneForOne(supervision.WithMaxRestarts(restarts), supervision.WithWindow(time.Hour),
		supervision.WithBackoff(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	root, inbox, pids := supervise(t, s, "a")
	events := make(chan *actor.SupervisorEvent, restarts)
	sub := root.ActorSystem().EventStream.Subscribe(func(evt any) {
		if e, ok := evt.(*actor.SupervisorEvent); ok {
			events <- e
		}
	})
	defer root.ActorSystem().EventStream.Unsubscribe(sub)
	before := testutil.OpenFDs(t)
	var endpoint string
	for i := uint32(1); i <= restarts; i++ {
		root.Send(pids["a"], testutil.Boom{})
		st := testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
		if st.Restarts != i {
			t.Fatalf("Started.Restarts = %d, want %d", st.Restarts, i)
		}
		endpoint = st.Bound[0]
	}
	if after := testutil.OpenFDs(t); after != before {
		t.Fatalf("fds: %d before, %d after %d restarts", before, after, restarts)
	}
	if len(events) != restarts {
		t.Fatalf("%d supervisor events, want %d", len(events), restarts)
	}
	z, _ := actors.FromSystem(root.ActorSystem())
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{endpoint}})
	if err := push.Send([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if r := testutil.Expect[*messages.Received](t, inbox, testutil.Wait); string(r.Frames[0]) != "after" {
		t.Fatalf("got %q", r.Frames)
	}
}
