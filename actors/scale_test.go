package actors_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// osThreads returns the process's OS thread count from /proc/self/status.
func osThreads(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
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

// TestScale runs 1,000 socket actors in one process, 500 PUSH/PULL pairs
// over inproc, and sends a message across each pair: the OS threads stay
// under 64, because the waiters park in Go's netpoller, not on a thread of
// their own.
func TestScale(t *testing.T) {
	const pairs, maxThreads = 500, 64
	system, z := testutil.NewSystem(t)
	inbox := testutil.NewInbox(t, system, 1024)
	ctx := testutil.Ctx(t)
	base := osThreads(t)
	start := time.Now()
	pushes := make([]*actors.Socket, pairs)
	for i := range pairs {
		ep := "inproc://scale-" + strconv.Itoa(i)
		spec := sockets.Spec{Name: "pull-" + strconv.Itoa(i), Type: sockets.Pull, Binds: []string{ep}}
		if _, err := z.Spawn(ctx, spec, actors.WithOwner(inbox.PID())); err != nil {
			t.Fatal(err)
		}
		push := testutil.Spawn(t, z, sockets.Spec{Name: "push-" + strconv.Itoa(i), Type: sockets.Push, Connects: []string{ep}})
		pushes[i] = push
	}
	spawned := time.Since(start)
	if n := z.Len(); n != 2*pairs {
		t.Fatalf("%d socket actors alive, want %d", n, 2*pairs)
	}
	idle := osThreads(t)
	start = time.Now()
	for i, p := range pushes {
		if err := p.Send([]byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[string]bool, pairs)
	for len(seen) < pairs {
		r, ok := testutil.Next(t, inbox, testutil.Wait).(*messages.Received)
		if !ok {
			continue // Started
		}
		if want := "pull-" + string(r.Frames[0]); r.Socket != want || seen[r.Socket] {
			t.Fatalf("%q arrived on %s (seen before: %v)", r.Frames[0], r.Socket, seen[r.Socket])
		}
		seen[r.Socket] = true
	}
	crossed := time.Since(start)
	threads := osThreads(t)
	t.Logf("%d socket actors: OS threads %d before, %d with all open, %d after a message crossed each pair (GOMAXPROCS %d); spawned in %v, crossed in %v",
		z.Len(), base, idle, threads, runtime.GOMAXPROCS(0), spawned, crossed)
	if max(idle, threads) >= maxThreads {
		t.Fatalf("%d OS threads for %d sockets, want under %d", max(idle, threads), 2*pairs, maxThreads)
	}
}
