package actors_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

const interopMessages = 1000

// interopFrames is message i as both sides build it: three frames, the
// middle one empty.
func interopFrames(i int) [][]byte {
	return [][]byte{[]byte(fmt.Sprintf("msg-%d", i)), {}, bytes.Repeat([]byte{byte(i)}, i%100)}
}

// python runs script with pyzmq and returns its stdout lines as they come.
func python(t *testing.T, script string, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.CommandContext(testutil.Ctx(t), testutil.Python(t), append([]string{"-c", script}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("python stderr:\n%s", stderr.String())
		}
	})
	return cmd, bufio.NewScanner(out)
}

// TestInteropPyzmqPushToActorPull: a pyzmq PUSH feeds an actor PULL.
func TestInteropPyzmqPushToActorPull(t *testing.T) {
	system, z := testutil.NewSystem(t)
	inbox := actors.NewInbox(system, 256)
	defer inbox.Close()
	pull, err := z.Spawn(testutil.Ctx(t), sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(inbox.PID()))
	if err != nil {
		t.Fatal(err)
	}
	python(t, `
import sys, zmq
ctx = zmq.Context()
push = ctx.socket(zmq.PUSH)
push.connect(sys.argv[1])
for i in range(int(sys.argv[2])):
    push.send_multipart([b"msg-%d" % i, b"", bytes([i % 256]) * (i % 100)])
push.close(linger=10000)
ctx.term()
`, pull.Endpoint(), fmt.Sprint(interopMessages))
	for i := 0; i < interopMessages; {
		r, ok := testutil.Next(t, inbox, testutil.Wait).(*messages.Received)
		if !ok {
			continue
		}
		want := interopFrames(i)
		if len(r.Frames) != len(want) || !bytes.Equal(r.Frames[0], want[0]) || len(r.Frames[1]) != 0 || !bytes.Equal(r.Frames[2], want[2]) {
			t.Fatalf("message %d: got %q, want %q", i, r.Frames, want)
		}
		i++
	}
}

// TestInteropActorPushToPyzmqPull: an actor PUSH feeds a pyzmq PULL, which
// checks every frame and reports the count.
func TestInteropActorPushToPyzmqPull(t *testing.T) {
	_, z := testutil.NewSystem(t)
	cmd, lines := python(t, `
import sys, zmq
ctx = zmq.Context()
pull = ctx.socket(zmq.PULL)
pull.setsockopt(zmq.RCVTIMEO, 20000)
port = pull.bind_to_random_port("tcp://127.0.0.1")
print("tcp://127.0.0.1:%d" % port, flush=True)
n = int(sys.argv[1])
for i in range(n):
    frames = pull.recv_multipart()
    want = [b"msg-%d" % i, b"", bytes([i % 256]) * (i % 100)]
    if frames != want:
        print("bad %d %r" % (i, frames), flush=True)
        sys.exit(1)
print("ok %d" % n, flush=True)
`, fmt.Sprint(interopMessages))
	if !lines.Scan() {
		t.Fatal("python printed no endpoint")
	}
	push, err := z.Spawn(testutil.Ctx(t), sockets.Spec{Type: sockets.Push, Connects: []string{lines.Text()}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range interopMessages {
		if err := push.Send(interopFrames(i)...); err != nil {
			t.Fatal(err)
		}
	}
	if !lines.Scan() || lines.Text() != fmt.Sprintf("ok %d", interopMessages) {
		t.Fatalf("python: %q", lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("python: %v", err)
	}
}
