package examples_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// checkFLReplies checks flclient's output for n replies "OK", in order.
func checkFLReplies(t *testing.T, out string, n int) {
	t.Helper()
	checkNumbered(t, "flclient", out, "I: reply (%d) OK\n", 1, n)
}

// pyFLServer is a Freelance server written with pyzmq from the zguide's
// model 3: a ROUTER bound to the endpoint in argv, its identity, PONG for PING, and
// [sequence, "OK"] for a request [sequence, body...].
const pyFLServer = `
import sys, zmq
ctx = zmq.Context()
ep = sys.argv[1].encode()
s = ctx.socket(zmq.ROUTER); s.setsockopt(zmq.IDENTITY, ep); s.bind(ep)
print("bound", ep.decode(), flush=True)
n = 0
while True:
    f = s.recv_multipart()
    if f[1:] == [b"PING"]:
        s.send_multipart([f[0], b"PONG"])
    else:
        n += 1
        print("request", n, flush=True)
        s.send_multipart([f[0], f[1], b"OK"])
`

// pyFLClient is a Freelance client written with pyzmq: a ROUTER connected
// to the server, which pings it until it answers PONG, then sends ten
// requests [sequence, body] and checks the replies [sequence, "OK"].
const pyFLClient = `
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.ROUTER); s.setsockopt(zmq.LINGER, 0); s.setsockopt(zmq.ROUTER_MANDATORY, 1)
ep = sys.argv[1].encode(); s.connect(ep)
while True:
    try:
        s.send_multipart([ep, b"PING"])
    except zmq.ZMQError:
        pass
    if s.poll(100):
        assert s.recv_multipart() == [ep, b"PONG"]
        break
for i in range(1, 11):
    s.send_multipart([ep, str(i).encode(), b"hello"])
    assert s.poll(20000)
    f = s.recv_multipart()
    assert f == [ep, str(i).encode(), b"OK"], f
print("replies 10", flush=True)
`

// TestFreelance runs flclient over two flservers, then over a pyzmq
// server, and a pyzmq client against flserver. (Which server takes a
// request depends on which answered a ping first: the actors' tests check
// the order.)
func TestFreelance(t *testing.T) {
	s1, ep1 := serve(t, "flserver")
	s2, ep2 := serve(t, "flserver")
	checkFLReplies(t, program(t, "flclient", "-n", "10", ep1, ep2).exit(), 10)
	ep3 := testutil.FreeEndpoint(t)
	py := pyzmq(t, pyFLServer, ep3)
	py.waitFor("bound " + ep3)
	checkFLReplies(t, program(t, "flclient", "-n", "5", ep3).exit(), 5)
	py.waitFor("request 5")
	pyzmq(t, pyFLClient, ep2).exitPrinting("replies 10")
	// The servers took the first client's ten requests between them, and
	// the second flserver the pyzmq client's ten.
	n := strings.Count(s1.interrupt(syscall.SIGTERM), "I: request (") + strings.Count(s2.interrupt(syscall.SIGTERM), "I: request (")
	if n != 20 {
		t.Fatalf("the flservers took %d requests, want 20", n)
	}
}

// TestFreelanceServerKilled kills the flserver that holds a request with
// SIGKILL: flclient sends it to the other server, and every request is
// answered. It logs the failover time, from the kill to the answer.
func TestFreelanceServerKilled(t *testing.T) {
	const n = 10
	s1, ep1 := serve(t, "flserver", "-work", "200ms")
	s2, ep2 := serve(t, "flserver", "-work", "200ms")
	client := program(t, "flclient", "-n", fmt.Sprint(n), "-ping", "250ms", "-timeout", "10s", ep1, ep2)
	s1.waitFor("I: request (request 4)")
	s1.kill()
	killed := time.Now()
	client.waitFor("I: reply (4) OK")
	failover := time.Since(killed)
	out := client.exit()
	checkFLReplies(t, out, n)
	t.Logf("FIGURE freelance, server killed: %d/%d requests answered; failover %v (kill to the answer of request 4, ping 250ms)",
		strings.Count(out, "OK\n"), n, failover.Round(time.Millisecond))
	s2.interrupt(syscall.SIGTERM)
}
