package examples_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// checkReplies checks a hello world client's output (hwclient, rrclient,
// ironhouse): the zguide's "Received reply N [World]" for each of n
// requests, in order, and no other reply.
func checkReplies(t *testing.T, name, out string, n int) {
	t.Helper()
	checkNumbered(t, name, out, "Received reply %d [World]\n", 0, n)
}

// checkOK checks lpclient's output for the answers to requests 1 to n,
// in order, and no other answer.
func checkOK(t *testing.T, out string, n int) {
	t.Helper()
	checkNumbered(t, "lpclient", out, "I: server replied OK (%d)\n", 1, n)
}

// requests counts the requests a server or worker printed it handled.
func requests(out string) int { return strings.Count(out, "Received request: [Hello]\n") }

// checkHandled interrupts a hello world server or worker (hwserver,
// rrworker, mtserver) with sig, and checks that it exits 0 after handling
// n requests.
func checkHandled(t *testing.T, server *proc, sig os.Signal, n int) {
	t.Helper()
	if got := requests(server.interrupt(sig)); got != n {
		t.Fatalf("%s handled %d requests, want %d", server.name, got, n)
	}
}

// TestHelloWorld runs the zguide's first pair: hwclient's ten "Hello" to
// hwserver, each answered "World".
func TestHelloWorld(t *testing.T) {
	server, ep := serve(t, "hwserver", "-work", "0")
	out := program(t, "hwclient", "-connect", ep).exit()
	if !strings.HasPrefix(out, "Connecting to hello world server...\nSending Hello 0...\n") {
		t.Errorf("hwclient did not start with the zguide's lines:\n%s", out)
	}
	checkReplies(t, "hwclient", out, 10)
	checkHandled(t, server, syscall.SIGTERM, 10)
}

// pyHelloClient is the zguide's hwclient in pyzmq: a REQ connected to
// argv[1] asks "Hello" ten times, wants one frame "World" each time and
// prints "replies 10".
const pyHelloClient = `
import sys, zmq
ctx = zmq.Context()
req = ctx.socket(zmq.REQ); req.setsockopt(zmq.LINGER, 0); req.setsockopt(zmq.RCVTIMEO, 20000)
req.connect(sys.argv[1])
for i in range(10):
    req.send(b"Hello")
    reply = req.recv_multipart()
    assert reply == [b"World"], reply
print("replies 10", flush=True)
req.close(); ctx.term()
`

// TestHelloWorldInterop talks to pyzmq both ways: a pyzmq REQ client asks
// hwserver, and hwclient asks a pyzmq REP server; each side checks the
// other's frames: one frame "Hello", one frame "World".
func TestHelloWorldInterop(t *testing.T) {
	t.Run("pyzmq client", func(t *testing.T) {
		server, ep := serve(t, "hwserver", "-work", "0")
		pyzmq(t, pyHelloClient, ep).exitPrinting("replies 10")
		checkHandled(t, server, syscall.SIGINT, 10)
	})
	t.Run("pyzmq server", func(t *testing.T) {
		const script = `
import zmq
ctx = zmq.Context()
rep = ctx.socket(zmq.REP); rep.setsockopt(zmq.LINGER, 5000); rep.setsockopt(zmq.RCVTIMEO, 20000)
rep.bind("tcp://127.0.0.1:*")
print("bound", rep.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
for i in range(10):
    frames = rep.recv_multipart()
    assert frames == [b"Hello"], frames
    rep.send(b"World")
print("requests 10", flush=True)
rep.close(); ctx.term()
`
		server := pyzmq(t, script)
		ep := server.endpoints("bound ", 1)[0]
		checkReplies(t, "hwclient", program(t, "hwclient", "-connect", ep).exit(), 10)
		server.exitPrinting("requests 10")
	})
}

// TestReqRepBroker runs rrclient through rrbroker to two rrworkers: the
// ten replies come back, and the workers handled ten requests between
// them (the broker's DEALER spreads them over the workers connected).
func TestReqRepBroker(t *testing.T) {
	brokerRoundTrip(t, "rrbroker", syscall.SIGTERM, syscall.SIGTERM, syscall.SIGINT)
}

// brokerRoundTrip runs rrclient through broker (rrbroker or msgqueue) to
// two rrworkers, checks the ten replies and that the workers handled ten
// requests between them, then ends the workers with the signals workerSigs
// (one each) and the broker with brokerSig.
func brokerRoundTrip(t *testing.T, broker string, brokerSig syscall.Signal, workerSigs ...syscall.Signal) {
	t.Helper()
	eps := testutil.FreeEndpoints(t, 2)
	frontend, backend := eps[0], eps[1]
	b := program(t, broker, "-frontend", frontend, "-backend", backend)
	b.waitFor("bound " + frontend + " " + backend)
	var workers []*proc
	for range workerSigs {
		w := program(t, "rrworker", "-connect", backend, "-work", "0")
		w.waitFor("worker ready")
		workers = append(workers, w)
	}
	checkReplies(t, "rrclient", program(t, "rrclient", "-connect", frontend).exit(), 10)
	handled := 0
	for i, w := range workers {
		n := requests(w.interrupt(workerSigs[i]))
		t.Logf("worker %d handled %d requests", i+1, n)
		handled += n
	}
	if handled != 10 {
		t.Fatalf("the workers handled %d requests, want 10", handled)
	}
	b.interrupt(brokerSig)
}

// TestReqRepBrokerInterop puts each of our programs next to pyzmq ones:
// rrclient and rrworker talk through a pyzmq zmq.proxy broker (ROUTER to
// DEALER, as the zguide's msgqueue); and rrbroker forwards between a pyzmq
// REQ client and a pyzmq DEALER worker, which checks that the client's
// envelope came through frame for frame, [client id, "", "Hello"], and
// sends it back with the reply.
func TestReqRepBrokerInterop(t *testing.T) {
	t.Run("pyzmq broker", func(t *testing.T) {
		const script = `
import zmq
ctx = zmq.Context()
frontend = ctx.socket(zmq.ROUTER); frontend.bind("tcp://127.0.0.1:*")
backend = ctx.socket(zmq.DEALER); backend.bind("tcp://127.0.0.1:*")
print("bound", frontend.getsockopt(zmq.LAST_ENDPOINT).decode(), backend.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
zmq.proxy(frontend, backend)
`
		// The broker runs until the test ends.
		eps := pyzmq(t, script).endpoints("bound ", 2)
		worker := program(t, "rrworker", "-connect", eps[1], "-work", "0")
		worker.waitFor("worker ready")
		checkReplies(t, "rrclient", program(t, "rrclient", "-connect", eps[0]).exit(), 10)
		checkHandled(t, worker, syscall.SIGTERM, 10)
	})
	t.Run("pyzmq client and worker", func(t *testing.T) {
		const script = `
import sys, zmq
ctx = zmq.Context()
client = ctx.socket(zmq.REQ); client.setsockopt(zmq.LINGER, 0); client.setsockopt(zmq.RCVTIMEO, 20000)
worker = ctx.socket(zmq.DEALER); worker.setsockopt(zmq.LINGER, 0); worker.setsockopt(zmq.RCVTIMEO, 20000)
client.connect(sys.argv[1]); worker.connect(sys.argv[2])
for i in range(10):
    client.send(b"Hello")
    frames = worker.recv_multipart()
    assert len(frames) == 3 and frames[0] and frames[1] == b"" and frames[2] == b"Hello", frames
    worker.send_multipart(frames[:2] + [b"World"])
    reply = client.recv_multipart()
    assert reply == [b"World"], reply
print("replies 10", flush=True)
client.close(); worker.close(); ctx.term()
`
		eps := testutil.FreeEndpoints(t, 2)
		frontend, backend := eps[0], eps[1]
		broker := program(t, "rrbroker", "-frontend", frontend, "-backend", backend)
		broker.waitFor("bound " + frontend + " " + backend)
		pyzmq(t, script, frontend, backend).exitPrinting("replies 10")
		broker.interrupt(syscall.SIGINT)
	})
}

// TestMultithreadedServer runs three hwclients at once against mtserver,
// whose pool of worker actors answers them all.
func TestMultithreadedServer(t *testing.T) {
	server, ep := serve(t, "mtserver", "-work", "10ms")
	var clients []*proc
	for range 3 {
		clients = append(clients, program(t, "hwclient", "-connect", ep))
	}
	for _, c := range clients {
		checkReplies(t, "hwclient", c.exit(), 10)
	}
	checkHandled(t, server, syscall.SIGTERM, 30)
}

// TestMultithreadedServerInterop asks mtserver from pyzmq, as the
// zguide's clients do: three REQ sockets at once, ten "Hello" each, and
// each answered with one frame "World"; and a DEALER, which sends the
// empty delimiter itself, gets it back before "World".
func TestMultithreadedServerInterop(t *testing.T) {
	const script = `
import sys, zmq
ctx = zmq.Context()
def socket(kind):
    s = ctx.socket(kind); s.setsockopt(zmq.LINGER, 0); s.setsockopt(zmq.RCVTIMEO, 20000)
    s.connect(sys.argv[1])
    return s
clients = [socket(zmq.REQ) for i in range(3)]
for i in range(10):
    for c in clients:
        c.send(b"Hello")
    for c in clients:
        reply = c.recv_multipart()
        assert reply == [b"World"], reply
dealer = socket(zmq.DEALER)
dealer.send_multipart([b"", b"Hello"])
reply = dealer.recv_multipart()
assert reply == [b"", b"World"], reply
print("replies 31", flush=True)
for s in clients + [dealer]:
    s.close()
ctx.term()
`
	server, ep := serve(t, "mtserver", "-work", "10ms")
	pyzmq(t, script, ep).exitPrinting("replies 31")
	checkHandled(t, server, syscall.SIGTERM, 31)
}

// TestLazyPirateInterop puts each Lazy Pirate program next to the
// zguide's other one, in pyzmq: requests are sequence numbers, one frame
// each, echoed frame for frame. The server overloads once, longer than
// the client's timeout, so that each client gives up on its socket and
// sends the request again on a new one.
func TestLazyPirateInterop(t *testing.T) {
	t.Run("pyzmq client", func(t *testing.T) {
		// The zguide's lpclient.py: poll with the timeout, and when no
		// reply came, close the REQ socket, open a new one, send again.
		const script = `
import sys, zmq
endpoint, n, timeout_ms, retries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ctx = zmq.Context()
def connect():
    s = ctx.socket(zmq.REQ); s.setsockopt(zmq.LINGER, 0); s.connect(endpoint)
    return s
client = connect()
retried = 0
for sequence in range(1, n + 1):
    request = str(sequence).encode()
    client.send(request)
    left = retries
    while True:
        if client.poll(timeout_ms, zmq.POLLIN):
            reply = client.recv_multipart()
            assert reply == [request], reply
            print("I: server replied OK (%d)" % sequence, flush=True)
            break
        left -= 1
        client.close()
        assert left > 0, "E: server seems to be offline, abandoning"
        retried += 1
        client = connect()
        client.send(request)
print("retried", retried, flush=True)
client.close(); ctx.term()
`
		server, ep := serve(t, "lpserver", "-chaos=false", "-work", "0", "-overload-at", "2", "-overload", "700ms")
		out := pyzmq(t, script, ep, "3", "300", "10").exit()
		checkNumbered(t, "python", out, "I: server replied OK (%d)\n", 1, 3)
		if strings.Contains(out, "retried 0\n") || !strings.Contains(out, "retried ") {
			t.Fatalf("the pyzmq client did not retry:\n%s", out)
		}
		server.waitFor("I: simulating CPU overload")
		server.interrupt(syscall.SIGTERM)
	})
	t.Run("pyzmq server", func(t *testing.T) {
		// The zguide's lpserver.py without the dice: the second request
		// is a CPU overload. It serves until its stdin closes.
		const script = `
import sys, time, zmq
ctx = zmq.Context()
server = ctx.socket(zmq.REP); server.setsockopt(zmq.LINGER, 0)
server.bind("tcp://127.0.0.1:*")
print("bound", server.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
stdin = sys.stdin.fileno()
poller = zmq.Poller()
poller.register(server, zmq.POLLIN); poller.register(stdin, zmq.POLLIN)
cycles = 0
while stdin not in dict(poller.poll()):
    request = server.recv_multipart()
    assert len(request) == 1 and request[0].isdigit(), request
    cycles += 1
    if cycles == 2:
        print("I: simulating CPU overload", flush=True)
        time.sleep(0.7)
    print("I: normal request (%s)" % request[0].decode(), flush=True)
    server.send_multipart(request)
print("requests", cycles, flush=True)
server.close(); ctx.term()
`
		server := pyzmq(t, script)
		ep := server.endpoints("bound ", 1)[0]
		out := program(t, "lpclient", "-connect", ep, "-n", "3", "-timeout", "300ms", "-retries", "10").exit()
		checkOK(t, out, 3)
		if !strings.Contains(out, "W: no response from server, retried on a new socket") {
			t.Fatalf("lpclient did not retry:\n%s", out)
		}
		_ = server.stdin.Close()
		sout := server.exit()
		for i := 1; i <= 3; i++ {
			if want := fmt.Sprintf("I: normal request (%d)\n", i); !strings.Contains(sout, want) {
				t.Fatalf("the pyzmq server did not print %q:\n%s", want, sout)
			}
		}
	})
}

// TestLazyPirate runs lpclient against a well-behaved lpserver: every
// request is answered at the first attempt.
func TestLazyPirate(t *testing.T) {
	server, ep := serve(t, "lpserver", "-chaos=false", "-work", "0")
	out := program(t, "lpclient", "-connect", ep, "-n", "5").exit()
	if !strings.HasPrefix(out, "I: connecting to server...\n") {
		t.Errorf("lpclient did not start with the zguide's line:\n%s", out)
	}
	checkOK(t, out, 5)
	if strings.Contains(out, "W: ") || strings.Contains(out, "E: ") {
		t.Fatalf("lpclient retried or complained:\n%s", out)
	}
	sout := server.interrupt(syscall.SIGTERM)
	for i := 1; i <= 5; i++ {
		if want := fmt.Sprintf("I: normal request (%d)\n", i); !strings.Contains(sout, want) {
			t.Fatalf("lpserver did not print %q:\n%s", want, sout)
		}
	}
}

// TestLazyPirateRecovers overloads lpserver at the second request for
// longer than lpclient's timeout: the client gives up on its socket, sends
// the request again on a new one, and gets its answer once the server is
// back.
func TestLazyPirateRecovers(t *testing.T) {
	server, ep := serve(t, "lpserver", "-chaos=false", "-work", "0",
		"-overload-at", "2", "-overload", "700ms")
	out := program(t, "lpclient", "-connect", ep, "-n", "3",
		"-timeout", "300ms", "-retries", "10").exit()
	checkOK(t, out, 3)
	if !strings.Contains(out, "W: no response from server, retried on a new socket") {
		t.Fatalf("lpclient did not retry:\n%s", out)
	}
	server.waitFor("I: simulating CPU overload")
	server.interrupt(syscall.SIGTERM)
}

// TestLazyPirateServerCrash crashes lpserver at the third request: lpclient
// has its first two answers, tries the third -retries times and abandons,
// exit 1; the server exits 0, as the zguide's does.
func TestLazyPirateServerCrash(t *testing.T) {
	server, ep := serve(t, "lpserver", "-chaos=false", "-work", "0", "-crash-at", "3")
	client := program(t, "lpclient", "-connect", ep, "-timeout", "200ms", "-retries", "3")
	if sout := server.exit(); !strings.Contains(sout, "I: simulating a crash\n") || strings.Contains(sout, "(3)") {
		t.Fatalf("lpserver did not crash at the third request:\n%s", sout)
	}
	out := client.exitWith(1)
	checkOK(t, out, 2)
	if !strings.HasSuffix(out, "E: server seems to be offline, abandoning\n") {
		t.Fatalf("lpclient did not abandon:\n%s", out)
	}
}

// TestLazyPirateNoServer: with no server at all, lpclient abandons its
// first request after -retries attempts of -timeout each, and exits 1.
func TestLazyPirateNoServer(t *testing.T) {
	const timeout, retries = 100 * time.Millisecond, 3
	ep := testutil.FreeEndpoint(t)
	begin := time.Now()
	client := program(t, "lpclient", "-connect", ep,
		"-timeout", timeout.String(), "-retries", strconv.Itoa(retries))
	out := client.exitWith(1)
	took := time.Since(begin)
	if want := "I: connecting to server...\nE: server seems to be offline, abandoning\n"; out != want {
		t.Fatalf("lpclient printed:\n%s\nwant:\n%s", out, want)
	}
	if took < retries*timeout {
		t.Fatalf("lpclient abandoned after %v, before its %d attempts of %v", took, retries, timeout)
	}
}

// TestReqRepInterrupted checks that each program, interrupted while it
// waits (a server or broker for requests, a client for a reply that will
// not come), shuts down cleanly and exits 0 at once: the clients would
// wait much longer than the test's deadline for their replies. (rrclient,
// hwclient's twin, prints nothing before its first reply to wait for.)
func TestReqRepInterrupted(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 6)
	nobody := eps[5] // no one listens there
	checkInterrupted(t, []waiting{
		{"hwserver", []string{"-bind", eps[0]}, "bound", syscall.SIGTERM},
		{"mtserver", []string{"-bind", eps[1]}, "bound", syscall.SIGINT},
		{"lpserver", []string{"-bind", eps[2]}, "bound", syscall.SIGTERM},
		{"rrbroker", []string{"-frontend", eps[3], "-backend", eps[4]}, "bound", syscall.SIGINT},
		{"rrworker", []string{"-connect", nobody}, "worker ready", syscall.SIGTERM},
		{"hwclient", []string{"-connect", nobody}, "Sending Hello 0", syscall.SIGINT},
		{"lpclient", []string{"-connect", nobody, "-timeout", "1h"}, "I: connecting", syscall.SIGINT},
	})
}
