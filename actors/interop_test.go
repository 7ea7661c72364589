package actors_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"testing"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The pyzmq interop tests: socket actors and pyzmq (libzmq through another
// binding) exchange interopMessages multipart messages each way over tcp,
// and each receiver checks every frame byte for byte.

const interopMessages = 1000

// interopFrames is message i as both sides build it: a name, an empty
// frame, a payload of every byte value (zero included) of length i%300;
// every tenth message ends with another empty frame and every hundredth
// carries a 100,000-byte frame too.
func interopFrames(i int) [][]byte {
	payload := make([]byte, i%300)
	for j := range payload {
		payload[j] = byte((i*7 + j) % 256)
	}
	frames := [][]byte{[]byte(fmt.Sprintf("msg-%d", i)), {}, payload}
	if i%10 == 0 {
		frames = append(frames, []byte{})
	}
	if i%100 == 0 {
		big := make([]byte, 100_000)
		for j := range big {
			big[j] = byte(j % 251)
		}
		frames = append(frames, big)
	}
	return frames
}

// pyFrames is interopFrames in Python.
const pyFrames = `
def frames(i):
    f = [b"msg-%d" % i, b"", bytes((i * 7 + j) % 256 for j in range(i % 300))]
    if i % 10 == 0:
        f.append(b"")
    if i % 100 == 0:
        f.append(bytes(j % 251 for j in range(100000)))
    return f
`

// python runs pyFrames and script with testutil.StartPython.
func python(t *testing.T, script string, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	return testutil.StartPython(t, pyFrames+script, args...)
}

// TestInteropPyzmqPushToActorPull: a pyzmq PUSH connects to a PULL socket
// actor's resolved tcp endpoint and sends; the actor's owner checks every
// message.
func TestInteropPyzmqPushToActorPull(t *testing.T) {
	system, z := testutil.NewSystem(t)
	inbox := testutil.NewInbox(t, system, 256)
	pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(inbox.PID()))
	cmd, _ := python(t, `
import sys, zmq
ctx = zmq.Context()
push = ctx.socket(zmq.PUSH)
push.connect(sys.argv[1])
for i in range(int(sys.argv[2])):
    push.send_multipart(frames(i))
push.close(linger=20000)
ctx.term()
`, pull.Endpoint(), fmt.Sprint(interopMessages))
	for i := 0; i < interopMessages; {
		switch m := testutil.Next(t, inbox, testutil.Wait).(type) {
		case *messages.Received:
			if want := interopFrames(i); !slices.EqualFunc(m.Frames, want, bytes.Equal) {
				t.Fatalf("message %d: got %s, want %s", i, describe(m.Frames), describe(want))
			}
			i++
		case *messages.Error:
			t.Fatalf("error event: %v", sockets.ErrorFromProto(m))
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("python: %v", err)
	}
}

// TestInteropActorPushToPyzmqPull: a pyzmq PULL binds tcp://127.0.0.1:*
// and prints its ZMQ_LAST_ENDPOINT; a PUSH socket actor connects to it and
// sends, and the Python side checks every message and reports the count.
func TestInteropActorPushToPyzmqPull(t *testing.T) {
	_, z := testutil.NewSystem(t)
	cmd, lines := python(t, `
import sys, zmq
ctx = zmq.Context()
pull = ctx.socket(zmq.PULL)
pull.setsockopt(zmq.RCVTIMEO, 20000)
pull.bind("tcp://127.0.0.1:*")
print(pull.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
n = int(sys.argv[1])
for i in range(n):
    got, want = pull.recv_multipart(), frames(i)
    if got != want:
        print("message %d: got %d frames of %r bytes, want %d of %r" % (
            i, len(got), [len(f) for f in got], len(want), [len(f) for f in want]), flush=True)
        sys.exit(1)
print("ok %d" % n, flush=True)
pull.close()
ctx.term()
`, fmt.Sprint(interopMessages))
	if !lines.Scan() {
		t.Fatal("python printed no endpoint")
	}
	ctx := testutil.Ctx(t)
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{lines.Text()}})
	for i := range interopMessages {
		if _, err := push.SendWait(ctx, interopFrames(i)...); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if !lines.Scan() || lines.Text() != fmt.Sprintf("ok %d", interopMessages) {
		t.Fatalf("python: %q", lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("python: %v", err)
	}
}

// describe shows frames by length, for messages too long to print.
func describe(frames [][]byte) string {
	lens := make([]int, len(frames))
	for i, f := range frames {
		lens[i] = len(f)
	}
	return fmt.Sprintf("%d frames of %v bytes", len(frames), lens)
}
