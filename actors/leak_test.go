package actors_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func osThreads(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads line in /proc/self/status")
	return 0
}

// TestNoLeaks spawns and closes a connected PUSH/PULL pair 1,000 times,
// with a message across each, then shuts the context down: every file
// descriptor is given back and (TestMain) every goroutine ends.
func TestNoLeaks(t *testing.T) {
	before := openFDs(t)
	system := actor.NewActorSystem(actor.WithLoggerFactory(testutil.QuietLogger))
	z, err := actors.NewContext(system)
	if err != nil {
		t.Fatal(err)
	}
	inbox := actors.NewInbox(system, 16)
	ctx := testutil.Ctx(t)
	const cycles = 1000
	for i := range cycles {
		pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(inbox.PID()))
		if err != nil {
			t.Fatal(err)
		}
		push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: []string{pull.Endpoint()}})
		if err != nil {
			t.Fatal(err)
		}
		if err := push.Send([]byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
		for got := false; !got; {
			m := testutil.Next(t, inbox, testutil.Wait)
			r, ok := m.(*messages.Received)
			got = ok && string(r.Frames[0]) == strconv.Itoa(i)
		}
		if _, err := push.CloseLinger(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := pull.CloseLinger(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	if n := z.Len(); n != 0 {
		t.Fatalf("%d socket actors alive after closing all", n)
	}
	during := openFDs(t)
	inbox.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := z.Shutdown(shutdownCtx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	system.Shutdown()
	after := openFDs(t)
	t.Logf("fds: %d before, %d after %d cycles with the context open, %d after shutdown (%v)", before, during, cycles, after, time.Since(start))
	if after != before {
		t.Fatalf("fd leak: %d open before, %d after", before, after)
	}
}

// TestScale runs 1,000 socket actors in one process: the OS threads stay
// few (waiters park in the netpoller) and a message crosses each pair.
func TestScale(t *testing.T) {
	system, z := testutil.NewSystem(t)
	inbox := actors.NewInbox(system, 1024)
	defer inbox.Close()
	ctx := testutil.Ctx(t)
	const pairs = 500
	start := time.Now()
	var pushes []*actors.Socket
	for i := range pairs {
		ep := "inproc://scale-" + strconv.Itoa(i)
		if _, err := z.Spawn(ctx, sockets.Spec{Name: "pull-" + strconv.Itoa(i), Type: sockets.Pull, Binds: []string{ep}}, actors.WithOwner(inbox.PID())); err != nil {
			t.Fatal(err)
		}
		push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: []string{ep}})
		if err != nil {
			t.Fatal(err)
		}
		pushes = append(pushes, push)
	}
	for i, p := range pushes {
		if err := p.Send([]byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[string]bool, pairs)
	for len(seen) < pairs {
		m := testutil.Next(t, inbox, testutil.Wait)
		if r, ok := m.(*messages.Received); ok {
			if want := "pull-" + string(r.Frames[0]); r.Socket != want {
				t.Fatalf("%q arrived on %s", r.Frames[0], r.Socket)
			}
			seen[r.Socket] = true
		}
	}
	threads := osThreads(t)
	t.Logf("%d socket actors, %d OS threads (GOMAXPROCS %d), all crossed in %v", z.Len(), threads, runtime.GOMAXPROCS(0), time.Since(start))
	if z.Len() != 2*pairs {
		t.Fatalf("%d socket actors alive, want %d", z.Len(), 2*pairs)
	}
	if threads >= 64 {
		t.Fatalf("%d OS threads for %d sockets, want under 64", threads, 2*pairs)
	}
}
