package supervision_test

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/supervision"
)

// treeSocket returns the tree's socket of that name, failing the test if
// there is none.
func treeSocket(t *testing.T, tree *supervision.Running, name string) *actors.Socket {
	t.Helper()
	s, err := tree.Socket(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// treeHandler returns the tree's handler of that name, failing the test if
// there is none.
func treeHandler(t *testing.T, tree *supervision.Running, name string) *actor.PID {
	t.Helper()
	pid, err := tree.Handler(name)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// expectClosed reads the Closed of n sockets from owner, counting them by
// socket, and fails the test if any socket actor of z is left.
func expectClosed(t *testing.T, owner *actors.Inbox, z *actors.Runtime, n int) map[string]int {
	t.Helper()
	closed := map[string]int{}
	for len(closed) < n {
		closed[testutil.Expect[*messages.Closed](t, owner, testutil.Wait).GetSocket()]++
	}
	if left := z.Len(); left != 0 {
		t.Fatalf("%d socket actors left", left)
	}
	return closed
}
