package multisocket

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
)

func TestMain(m *testing.M) { testutil.VerifyNoLeaks(m) }

// lockedBuffer is the reader's output, written by the reader's goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestOrder checks the order in which a reader handles what its two
// sockets delivered while it was busy: a prioritised reader (msreader)
// every task of the round first, then every update; a fair one
// (mspoller) each in the order it came. The messages are put in the
// reader's mailbox as its socket actors would put them, while a gate
// holds the reader in its start, so that they are all waiting when it
// runs: the socket actors' timing is not what is tested here (the
// programs' tests run them against real sockets).
func TestOrder(t *testing.T) {
	arrived := []*messages.Received{
		{Socket: subscriberName, Frames: [][]byte{[]byte("10001 1 11")}},
		{Socket: receiverName, Frames: [][]byte{[]byte("5")}},
		{Socket: subscriberName, Frames: [][]byte{[]byte("10001 2 12")}},
		{Socket: receiverName, Frames: [][]byte{[]byte("7")}},
	}
	for _, c := range []struct {
		name        string
		prioritised bool
		want        []string
	}{
		{"msreader", true, []string{"task: 5", "task: 7", "update: 10001 1 11", "update: 10001 2 12"}},
		{"mspoller", false, []string{"update: 10001 1 11", "task: 5", "update: 10001 2 12", "task: 7"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			system := actor.NewActorSystem()
			defer system.Shutdown()
			var out lockedBuffer
			finished := make(chan struct{}, 1)
			failed := make(chan error, 1)
			r := &reader{name: c.name, out: &out, prioritised: c.prioritised, maxTasks: 2, maxUpdates: 2,
				ready: make(chan string, 1), finished: finished, failed: failed}
			gate := make(chan struct{})
			hold := func(next actor.ReceiverFunc) actor.ReceiverFunc {
				return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
					if _, ok := env.Message.(*actor.Started); ok {
						<-gate // the test's only wait inside an actor
					}
					next(ctx, env)
				}
			}
			pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r }, actor.WithReceiverMiddleware(hold)))
			defer system.Root.Stop(pid)
			for _, m := range arrived {
				system.Root.Send(pid, m)
			}
			close(gate)
			select {
			case <-finished:
			case err := <-failed:
				t.Fatal(err)
			case <-time.After(testutil.Wait):
				t.Fatalf("the reader did not reach its limits within %v:\n%s", testutil.Wait, out.String())
			}
			if got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); !slices.Equal(got, c.want) {
				t.Fatalf("the reader handled %q, want %q", got, c.want)
			}
		})
	}
}

// TestMalformed checks that a reader reports a malformed task or update
// and neither prints nor counts it.
func TestMalformed(t *testing.T) {
	system := actor.NewActorSystem()
	defer system.Shutdown()
	var out lockedBuffer
	finished := make(chan struct{}, 1)
	r := &reader{name: "mspoller", out: &out, maxTasks: 1, maxUpdates: 1,
		ready: make(chan string, 1), finished: finished, failed: make(chan error, 1)}
	pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r }))
	defer system.Root.Stop(pid)
	for _, m := range []*messages.Received{
		{Socket: receiverName, Frames: [][]byte{[]byte("soon")}},
		{Socket: receiverName, Frames: [][]byte{[]byte("1"), []byte("2")}},
		{Socket: subscriberName, Frames: [][]byte{[]byte("10001 hot")}},
		{Socket: receiverName, Frames: [][]byte{[]byte("3")}},
		{Socket: subscriberName, Frames: [][]byte{[]byte("10001 4 44")}},
	} {
		system.Root.Send(pid, m)
	}
	select {
	case <-finished:
	case <-time.After(testutil.Wait):
		t.Fatalf("the reader did not reach its limits within %v:\n%s", testutil.Wait, out.String())
	}
	if got, want := out.String(), "task: 3\nupdate: 10001 4 44\n"; got != want {
		t.Fatalf("the reader printed %q, want %q", got, want)
	}
}
