package supervision_test

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// peerProcess is a pyzmq peer: a python3 process with pyzmq running a
// script, and its stdout lines.
type peerProcess struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines *bufio.Scanner
}

// startPeer runs script with testutil.StartPython.
func startPeer(t *testing.T, script string, args ...string) *peerProcess {
	t.Helper()
	cmd, lines := testutil.StartPython(t, script, args...)
	return &peerProcess{t: t, cmd: cmd, lines: lines}
}

// expect reads the peer's next stdout line and fails unless it is want.
// The read ends with the process, which the test's context kills at the
// latest.
func (p *peerProcess) expect(want string) {
	p.t.Helper()
	if !p.lines.Scan() {
		p.t.Fatalf("python ended before printing %q: %v", want, p.lines.Err())
	}
	if got := p.lines.Text(); got != want {
		p.t.Fatalf("python printed %q, want %q", got, want)
	}
}

// kill ends the peer with SIGKILL, as a crash would: no close, no linger,
// the kernel drops its connections, and reaps it.
func (p *peerProcess) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	err := p.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		p.t.Fatalf("python after SIGKILL: %v", err)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		p.t.Fatalf("python ended with %v, not by SIGKILL", err)
	}
}

// wait waits for the peer to exit on its own, with status 0.
func (p *peerProcess) wait() {
	p.t.Helper()
	if err := p.cmd.Wait(); err != nil {
		p.t.Fatalf("python: %v", err)
	}
}

// peerQuiet checks that the socket actor owned by in neither restarted nor
// closed: it asks it for its stats, so that every event it sent before is
// in the inbox before a marker sent after the answer, and looks at all of
// them. Errors (a peer gone) are allowed, and returned.
func peerQuiet(t *testing.T, root *actor.RootContext, sock *actors.Socket, in *actors.Inbox) []*messages.Error {
	t.Helper()
	if _, err := sock.Stats(testutil.Ctx(t)); err != nil {
		t.Fatal(err)
	}
	type marker struct{}
	root.Send(in.PID(), marker{})
	var errs []*messages.Error
	for {
		switch m := testutil.Next(t, in, testutil.Wait).(type) {
		case marker:
			return errs
		case *messages.Error:
			errs = append(errs, m)
		case *messages.Restarting, *messages.Closed:
			t.Fatalf("socket actor %s: %T %v", sock.Name(), m, m)
		case *messages.Started:
			if m.GetRestarts() > 0 {
				t.Fatalf("socket actor %s restarted: %v", sock.Name(), m)
			}
		}
	}
}

// peerPyRepServer is a pyzmq REP server that binds the endpoint it is given and
// answers each request [body...] with [generation, body...].
const peerPyRepServer = `
import sys, zmq
ctx = zmq.Context()
rep = ctx.socket(zmq.REP)
rep.bind(sys.argv[1])
print("ready", flush=True)
gen = sys.argv[2].encode()
while True:
    rep.send_multipart([gen] + rep.recv_multipart())
`

// peerPyReqClient is a pyzmq REQ client that sends argv[3] requests "<gen>-<i>",
// checks each reply "re:<gen>-<i>" and prints "reply <i>"; with "hold" it
// then sends "hold" and waits for its reply, which the test never lets come
// before it kills the process.
const peerPyReqClient = `
import sys, zmq
ctx = zmq.Context()
req = ctx.socket(zmq.REQ)
req.setsockopt(zmq.LINGER, 0)
req.setsockopt(zmq.RCVTIMEO, 20000)
req.connect(sys.argv[1])
gen, n, hold = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "hold"
for i in range(n):
    body = b"%s-%d" % (gen.encode(), i)
    req.send(body)
    got = req.recv()
    if got != b"re:" + body:
        print("reply %r to %r" % (got, body), flush=True)
        sys.exit(1)
    print("reply %d" % i, flush=True)
if hold:
    req.send(b"hold")
    print("held", flush=True)
    req.recv()
print("ok %d" % n, flush=True)
req.close()
ctx.term()
`

// TestPeerKilledAndRestarted kills a pyzmq peer with SIGKILL and starts a
// new one on the same endpoint: the socket actor on our side goes on
// without a restart of its own, ZeroMQ reconnecting underneath.
func TestPeerKilledAndRestarted(t *testing.T) {
	// A pyzmq REP server on a port the test chose; an actor client.
	for _, typ := range []sockets.Type{sockets.Req, sockets.Dealer} {
		t.Run("server killed/"+typ.String()+" client", func(t *testing.T) {
			system, z := testutil.NewSystem(t)
			ctx := testutil.Ctx(t)
			endpoint := testutil.FreeEndpoint(t)
			peer := startPeer(t, peerPyRepServer, endpoint, "1")
			peer.expect("ready")
			owner := testutil.NewInbox(t, system, 256)
			client := testutil.Spawn(t, z, sockets.Spec{Name: "client", Type: typ, Connects: []string{endpoint}}, actors.WithOwner(owner.PID()))
			request := func(body string, opts ...actors.RequestOption) (*messages.Reply, error) {
				return client.Request(ctx, [][]byte{[]byte(body)}, opts...)
			}
			if r, err := request("one"); err != nil || fmt.Sprintf("%s", r.GetFrames()) != "[1 one]" {
				t.Fatalf("first request: %v %q", err, r.GetFrames())
			}

			peer.kill()
			// With no server, a request without retries times out...
			if _, err := request("lost", actors.WithTimeout(100*time.Millisecond)); !errors.Is(err, actors.ErrRequestTimeout) {
				t.Fatalf("request to a dead server: %v, want ErrRequestTimeout", err)
			}
			// ...and one with retries is sent again until a new server
			// answers it.
			type result struct {
				reply *messages.Reply
				err   error
			}
			again := make(chan result, 1)
			go func() {
				r, err := request("again", actors.WithTimeout(100*time.Millisecond), actors.WithRetries(200))
				again <- result{r, err}
			}()
			var down *messages.RequestStats
			if !testutil.Poll(func() bool {
				var err error
				if down, err = client.RequestStats(ctx); err != nil {
					t.Fatal(err)
				}
				return down.GetRetries() >= 1
			}) {
				t.Fatalf("no retry while the server is down: %v", down)
			}
			peer = startPeer(t, peerPyRepServer, endpoint, "2")
			peer.expect("ready")
			var r result
			select {
			case r = <-again:
			case <-time.After(testutil.Wait):
				t.Fatal("the retried request got no answer from the new server")
			}
			if r.err != nil || fmt.Sprintf("%s", r.reply.GetFrames()) != "[2 again]" || r.reply.GetAttempts() < 2 {
				t.Fatalf("retried request: %v %q after %d attempts", r.err, r.reply.GetFrames(), r.reply.GetAttempts())
			}
			if r, err := request("three"); err != nil || fmt.Sprintf("%s", r.GetFrames()) != "[2 three]" {
				t.Fatalf("request to the new server: %v %q", err, r.GetFrames())
			}
			st, err := client.RequestStats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.GetRequests() != 4 || st.GetReplies() != 3 || st.GetTimeouts() != 1 || st.GetRetries() < 1 || st.GetInFlight() != 0 {
				t.Fatalf("client stats %v", st)
			}
			if typ == sockets.Req && st.GetResets() < 2 {
				t.Fatalf("a REQ resets after each timed-out attempt: %v", st)
			}
			t.Logf("client stats: %v", st)
			for _, e := range peerQuiet(t, system.Root, client, owner) {
				t.Logf("client event: %v", e)
			}
		})
	}

	// A pyzmq REQ client of an actor server, killed while the server holds
	// its request; a new client is served.
	for _, typ := range []sockets.Type{sockets.Router, sockets.Rep} {
		t.Run("client killed/"+typ.String()+" server", func(t *testing.T) {
			system, z := testutil.NewSystem(t)
			ctx := testutil.Ctx(t)
			held := make(chan *actor.PID, 1)
			handler := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
				r, ok := ctx.Message().(*messages.Request)
				if !ok {
					return
				}
				if body := r.GetFrames()[0]; string(body) != "hold" {
					ctx.Respond(&messages.Reply{Frames: [][]byte{append([]byte("re:"), body...)}})
					return
				}
				held <- ctx.Sender()
			}))
			owner := testutil.NewInbox(t, system, 256)
			server := testutil.Spawn(t, z, sockets.Spec{Name: "server", Type: typ, Binds: []string{"tcp://127.0.0.1:*"}},
				actors.WithHandler(handler, actors.ServeOptions{Timeout: testutil.Wait}), actors.WithOwner(owner.PID()))
			const n = 20
			peer := startPeer(t, peerPyReqClient, server.Endpoint(), "1", fmt.Sprint(n), "hold")
			for i := range n {
				peer.expect(fmt.Sprintf("reply %d", i))
			}
			peer.expect("held")
			var answer *actor.PID
			select {
			case answer = <-held:
			case <-time.After(testutil.Wait):
				t.Fatal("the held request did not reach the handler")
			}
			peer.kill()
			// The answer goes to a peer that is gone: lost on the wire, or
			// refused by a ROUTER that already knows (host unreachable).
			system.Root.Send(answer, &messages.Reply{Frames: [][]byte{[]byte("too late")}})
			var settled *messages.RequestStats
			if !testutil.Poll(func() bool {
				var err error
				if settled, err = server.RequestStats(ctx); err != nil {
					t.Fatal(err)
				}
				return settled.GetPending() == 0 && settled.GetHandled() == n+1 && settled.GetAnswered()+settled.GetDropped() == n+1
			}) {
				t.Fatalf("the held request was not settled: %v", settled)
			}

			peer = startPeer(t, peerPyReqClient, server.Endpoint(), "2", fmt.Sprint(n), "no")
			for i := range n {
				peer.expect(fmt.Sprintf("reply %d", i))
			}
			peer.expect(fmt.Sprintf("ok %d", n))
			peer.wait()
			st, err := server.RequestStats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.GetHandled() != 2*n+1 || st.GetAnswered() < 2*n || st.GetPending() != 0 || st.GetHandlerFailures() != 0 {
				t.Fatalf("server stats %v", st)
			}
			t.Logf("server stats: %v", st)
			for _, e := range peerQuiet(t, system.Root, server, owner) {
				if e.GetCode() != messages.ErrorCode_ERROR_CODE_HOST_UNREACHABLE {
					t.Fatalf("server event: %v", e)
				}
				t.Logf("server event: %v", e)
			}
		})
	}
}
