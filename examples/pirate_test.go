package examples_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// ppqueue runs ppqueue on two free endpoints (frontend, backend), with
// args, and returns it once it listens.
func ppqueue(t *testing.T, eps []string, args ...string) *proc {
	t.Helper()
	q := program(t, "ppqueue", append([]string{"-frontend", eps[0], "-backend", eps[1]}, args...)...)
	q.waitFor("bound " + eps[0] + " " + eps[1])
	return q
}

// workers runs n of the worker program name (ppworker, mdworker)
// connected to endpoint, with args, each once it printed "I: worker
// ready".
func workers(t *testing.T, name string, n int, endpoint string, args ...string) []*proc {
	t.Helper()
	var ws []*proc
	for range n {
		w := program(t, name, append([]string{"-connect", endpoint}, args...)...)
		w.waitFor("I: worker ready")
		ws = append(ws, w)
	}
	return ws
}

// ppworkers runs n ppworkers on the queue's backend, with args.
func ppworkers(t *testing.T, n int, backend string, args ...string) []*proc {
	t.Helper()
	return workers(t, "ppworker", n, backend, args...)
}

// replies counts the requests the workers printed they answered.
func replies(ws ...*proc) int {
	n := 0
	for _, w := range ws {
		n += strings.Count(w.out.String(), "I: normal reply (")
	}
	return n
}

// TestParanoidPirate runs lpclient through ppqueue to two ppworkers: every
// request is answered at the first attempt, by one of the workers.
func TestParanoidPirate(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 2)
	q := ppqueue(t, eps)
	ws := ppworkers(t, 2, eps[1])
	out := program(t, "lpclient", "-connect", eps[0], "-n", "10").exit()
	checkOK(t, out, 10)
	if strings.Contains(out, "W: ") {
		t.Fatalf("lpclient retried:\n%s", out)
	}
	for _, w := range ws {
		w.interrupt(syscall.SIGTERM)
	}
	if n := replies(ws...); n != 10 {
		t.Fatalf("the workers answered %d requests, want 10", n)
	}
	q.interrupt(syscall.SIGINT)
}

// pyPirateWorker is a Paranoid Pirate worker written from ZeroMQ RFC 6 with
// pyzmq: READY, heartbeats every second, liveness 3, and an echo of each
// request's body. It prints "request BODY" for each.
const pyPirateWorker = `
import sys, time, zmq
READY, HEARTBEAT = b"\x01", b"\x02"
ctx = zmq.Context()
def connect():
    s = ctx.socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0); s.connect(sys.argv[1]); s.send(READY)
    return s
sock = connect(); liveness = 3; next_beat = time.time() + 1
print("worker ready", flush=True)
while True:
    if sock.poll(1000):
        frames = sock.recv_multipart(); liveness = 3
        if frames == [HEARTBEAT]:
            pass
        else:
            d = frames.index(b"")
            body = frames[d + 1:]
            print("request", b" ".join(body).decode(), flush=True)
            sock.send_multipart(frames[:d + 1] + body)
    else:
        liveness -= 1
        if liveness == 0:
            sock.close(); time.sleep(1); sock = connect(); liveness = 3
    if time.time() >= next_beat:
        sock.send(HEARTBEAT); next_beat = time.time() + 1
`

// pyPirateQueue is a Paranoid Pirate queue written from ZeroMQ RFC 6 with
// pyzmq: workers by readiness, heartbeats every second, expiry after 3,
// the first heartbeat of an unknown worker taken as READY.
const pyPirateQueue = `
import time, zmq
READY, HEARTBEAT = b"\x01", b"\x02"
ctx = zmq.Context()
fe = ctx.socket(zmq.ROUTER); fe.bind("tcp://127.0.0.1:*")
be = ctx.socket(zmq.ROUTER); be.bind("tcp://127.0.0.1:*")
print("bound", fe.getsockopt(zmq.LAST_ENDPOINT).decode(), be.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
workers = {}  # id -> expiry, in the order they became ready
next_beat = time.time() + 1
poller = zmq.Poller(); poller.register(be, zmq.POLLIN); poller.register(fe, zmq.POLLIN)
while True:
    events = dict(poller.poll(1000))
    if be in events:
        frames = be.recv_multipart(); wid = frames[0]
        workers.pop(wid, None); workers[wid] = time.time() + 3
        if len(frames) > 2:
            fe.send_multipart(frames[1:])
        else:
            assert frames[1] in (READY, HEARTBEAT), frames
    if fe in events and workers:
        frames = fe.recv_multipart()
        wid = next(iter(workers)); del workers[wid]
        be.send_multipart([wid] + frames)
    if time.time() >= next_beat:
        for wid in workers:
            be.send_multipart([wid, HEARTBEAT])
        next_beat = time.time() + 1
    now = time.time()
    for wid in [w for w, exp in workers.items() if exp < now]:
        del workers[wid]
`

// pyPirateClient sends ten requests of two frames [i, "tail"] through a
// REQ and checks that each reply is the worker's echo of both frames.
const pyPirateClient = `
import sys, zmq
ctx = zmq.Context()
req = ctx.socket(zmq.REQ); req.setsockopt(zmq.LINGER, 0); req.setsockopt(zmq.RCVTIMEO, 20000)
req.connect(sys.argv[1])
for i in range(1, 11):
    req.send_multipart([str(i).encode(), b"tail"])
    reply = req.recv_multipart()
    assert reply == [str(i).encode(), b"tail"], reply
print("replies 10", flush=True)
req.close(); ctx.term()
`

// TestParanoidPirateInterop puts pyzmq peers written from RFC 6 next to
// the programs: a pyzmq worker behind ppqueue answers lpclient; ppworker
// behind a pyzmq queue answers lpclient; and a pyzmq client's two-frame
// requests come back whole through ppqueue and ppworker.
func TestParanoidPirateInterop(t *testing.T) {
	t.Run("pyzmq worker", func(t *testing.T) {
		eps := testutil.FreeEndpoints(t, 2)
		q := ppqueue(t, eps)
		w := pyzmq(t, pyPirateWorker, eps[1])
		w.waitFor("worker ready")
		checkOK(t, program(t, "lpclient", "-connect", eps[0], "-n", "5").exit(), 5)
		w.waitFor("request 5")
		q.interrupt(syscall.SIGTERM)
	})
	t.Run("pyzmq queue", func(t *testing.T) {
		eps := pyzmq(t, pyPirateQueue).endpoints("bound ", 2)
		ws := ppworkers(t, 1, eps[1])
		checkOK(t, program(t, "lpclient", "-connect", eps[0], "-n", "5").exit(), 5)
		// The worker heartbeats the pyzmq queue and stays: no failure.
		if out := ws[0].interrupt(syscall.SIGTERM); strings.Contains(out, "heartbeat failure") || replies(ws...) != 5 {
			t.Fatalf("ppworker behind the pyzmq queue:\n%s", out)
		}
	})
	t.Run("pyzmq client", func(t *testing.T) {
		eps := testutil.FreeEndpoints(t, 2)
		q := ppqueue(t, eps)
		ws := ppworkers(t, 1, eps[1])
		pyzmq(t, pyPirateClient, eps[0]).exitPrinting("replies 10")
		ws[0].interrupt(syscall.SIGINT)
		q.interrupt(syscall.SIGINT)
	})
}

// TestParanoidPirateWorkerKilled kills a ppworker with SIGKILL while it
// holds a request: lpclient times out, asks again, and the other worker
// answers; every request is answered. It logs the failover time, from the
// kill to the answer of the request the dead worker held.
func TestParanoidPirateWorkerKilled(t *testing.T) {
	const n = 12
	eps := testutil.FreeEndpoints(t, 2)
	q := ppqueue(t, eps)
	ws := ppworkers(t, 2, eps[1], "-work", "300ms")
	client := program(t, "lpclient", "-connect", eps[0], "-n", fmt.Sprint(n), "-timeout", "1s", "-retries", "10")
	// The worker that takes request 4 is killed while it works on it.
	victim, _ := waitAny(t, "I: request (4)", ws...)
	victim.kill()
	killed := time.Now()
	const held = "4"
	if strings.Contains(victim.out.String(), "I: normal reply (4)") {
		t.Fatalf("the worker answered request 4 before it was killed:\n%s", victim.out.String())
	}
	client.waitFor("I: server replied OK (" + held + ")")
	failover := time.Since(killed)
	out := client.exit()
	checkOK(t, client.out.String(), n)
	answered := strings.Count(out, "I: server replied OK (")
	t.Logf("FIGURE paranoid pirate, worker killed: %d/%d requests answered; failover %v (kill to the answer of request %s, client timeout 1s)",
		answered, n, failover.Round(time.Millisecond), held)
	for _, w := range ws {
		if w != victim {
			w.interrupt(syscall.SIGTERM)
		}
	}
	q.interrupt(syscall.SIGTERM)
}

// TestParanoidPirateQueueRestarted kills ppqueue with SIGKILL in the
// middle of lpclient's requests and starts it again on the same
// endpoints: the worker finds it by its heartbeats (the new queue takes a
// worker whose first message is a heartbeat), the client by its retries,
// and every request is answered. It logs the time from the new queue's
// start to the first answer through it.
func TestParanoidPirateQueueRestarted(t *testing.T) {
	const n = 10
	eps := testutil.FreeEndpoints(t, 2)
	q := ppqueue(t, eps)
	ws := ppworkers(t, 1, eps[1], "-work", "50ms")
	client := program(t, "lpclient", "-connect", eps[0], "-n", fmt.Sprint(n), "-timeout", "500ms", "-retries", "20")
	client.waitFor("I: server replied OK (3)")
	q.kill()
	restarted := time.Now()
	q = ppqueue(t, eps)
	var first time.Duration
	for i := 4; i <= n; i++ {
		client.waitFor(fmt.Sprintf("I: server replied OK (%d)", i))
		if first == 0 {
			first = time.Since(restarted)
		}
	}
	out := client.exit()
	checkOK(t, out, n)
	t.Logf("FIGURE paranoid pirate, queue restarted: %d/%d requests answered; first answer %v after the restart",
		strings.Count(out, "I: server replied OK ("), n, first.Round(time.Millisecond))
	ws[0].interrupt(syscall.SIGTERM)
	q.interrupt(syscall.SIGTERM)
}

// TestSimplePirate runs lpclient through spqueue to two spworkers, and a
// pyzmq client's two-frame requests too.
func TestSimplePirate(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 2)
	q := program(t, "spqueue", "-frontend", eps[0], "-backend", eps[1])
	q.waitFor("bound " + eps[0] + " " + eps[1])
	var ws []*proc
	for range 2 {
		w := program(t, "spworker", "-connect", eps[1])
		w.waitFor("worker ready")
		ws = append(ws, w)
	}
	checkOK(t, program(t, "lpclient", "-connect", eps[0], "-n", "10").exit(), 10)
	pyzmq(t, pyPirateClient, eps[0]).exitPrinting("replies 10")
	n := 0
	for _, w := range ws {
		n += strings.Count(w.interrupt(syscall.SIGTERM), "normal reply")
	}
	if n != 20 {
		t.Fatalf("the workers answered %d requests, want 20", n)
	}
	q.interrupt(syscall.SIGTERM)
}

// TestPirateInterrupted: each program, interrupted while it waits, shuts
// down cleanly and exits 0.
func TestPirateInterrupted(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 5)
	checkInterrupted(t, []waiting{
		{"ppqueue", []string{"-frontend", eps[0], "-backend", eps[1]}, "bound", syscall.SIGTERM},
		{"spqueue", []string{"-frontend", eps[2], "-backend", eps[3]}, "bound", syscall.SIGINT},
		{"ppworker", []string{"-connect", eps[4]}, "worker ready", syscall.SIGTERM},
		{"spworker", []string{"-connect", eps[4]}, "worker ready", syscall.SIGINT},
	})
}
