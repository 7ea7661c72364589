package examples_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// mdworkers runs n mdworkers on broker, with args.
func mdworkers(t *testing.T, n int, broker string, args ...string) []*proc {
	t.Helper()
	return workers(t, "mdworker", n, broker, args...)
}

// checkMDReplies checks mdclient's output for the replies to requests 1
// to n, in order, and its last line.
func checkMDReplies(t *testing.T, out string, n int) {
	t.Helper()
	checkNumbered(t, "mdclient", out, "I: reply (%d)\n", 1, n)
	if want := fmt.Sprintf("%d requests/replies processed\n", n); !strings.HasSuffix(out, want) {
		t.Fatalf("mdclient did not end with %q:\n%s", want, out)
	}
}

// mmi asks mdbroker's mmi.service about service through mdclient and
// returns the code it printed.
func mmi(t *testing.T, broker, service string) string {
	t.Helper()
	out := program(t, "mdclient", "-connect", broker, "-mmi", "-service", service).exit()
	_, code, _ := strings.Cut(strings.TrimSpace(out), ": ")
	return code
}

// TestMajordomo runs mdclient through mdbroker to two mdworkers, and asks
// the broker's MMI about a service with workers and one without.
func TestMajordomo(t *testing.T) {
	b, ep := serve(t, "mdbroker")
	ws := mdworkers(t, 2, ep)
	checkMDReplies(t, program(t, "mdclient", "-connect", ep, "-n", "10").exit(), 10)
	if code := mmi(t, ep, "echo"); code != "200" {
		t.Fatalf("mmi.service echo: %q, want 200", code)
	}
	if code := mmi(t, ep, "nobody"); code != "404" {
		t.Fatalf("mmi.service nobody: %q, want 404", code)
	}
	n := 0
	for _, w := range ws {
		n += strings.Count(w.interrupt(syscall.SIGTERM), "I: normal reply (")
	}
	if n != 10 {
		t.Fatalf("the workers answered %d requests, want 10", n)
	}
	b.interrupt(syscall.SIGTERM)
}

// pyMDWorker is a Majordomo worker written from RFC 7 with pyzmq: READY
// for service "echo", heartbeats every 2.5 s, and an echo of each
// request's body. It prints "request BODY" for each.
const pyMDWorker = `
import sys, time, zmq
W = b"MDPW01"
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0); s.connect(sys.argv[1])
s.send_multipart([b"", W, b"\x01", b"echo"])
print("worker ready", flush=True)
next_beat = time.time() + 2.5
while True:
    if s.poll(500):
        f = s.recv_multipart()
        assert f[0] == b"" and f[1] == W, f
        if f[2] == b"\x02":
            client, body = f[3], f[5:]
            assert f[4] == b"", f
            print("request", b" ".join(body).decode(), flush=True)
            s.send_multipart([b"", W, b"\x03", client, b""] + body)
        elif f[2] == b"\x05":
            sys.exit("disconnected")
    if time.time() >= next_beat:
        s.send_multipart([b"", W, b"\x04"]); next_beat = time.time() + 2.5
`

// pyMDClient is a Majordomo client written from RFC 7 with pyzmq: it
// sends "echo" ten requests of two frames, checks each reply's frames
// ["", "MDPC01", "echo", body...], and asks mmi.service about "echo" and
// "nobody" and mmi.other.
const pyMDClient = `
import sys, zmq
C = b"MDPC01"
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0); s.setsockopt(zmq.RCVTIMEO, 20000)
s.connect(sys.argv[1])
for i in range(10):
    body = [b"Hello world", str(i).encode()]
    s.send_multipart([b"", C, b"echo"] + body)
    reply = s.recv_multipart()
    assert reply == [b"", C, b"echo"] + body, reply
for service, body, want in [(b"mmi.service", b"echo", b"200"), (b"mmi.service", b"nobody", b"404"), (b"mmi.other", b"x", b"501")]:
    s.send_multipart([b"", C, service, body])
    reply = s.recv_multipart()
    assert reply == [b"", C, service, want], reply
print("replies 10, mmi ok", flush=True)
s.close(); ctx.term()
`

// pyMDBroker is a Majordomo broker written from RFC 7 with pyzmq: services
// with waiting requests and idle workers, heartbeats every 2.5 s.
const pyMDBroker = `
import time, zmq
C, W = b"MDPC01", b"MDPW01"
ctx = zmq.Context()
s = ctx.socket(zmq.ROUTER); s.bind("tcp://127.0.0.1:*")
print("bound", s.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
services = {}  # name -> (requests, idle workers)
workers = {}   # id -> service
next_beat = time.time() + 2.5
def dispatch(name):
    reqs, idle = services[name]
    while reqs and idle:
        client, body = reqs.pop(0)
        s.send_multipart([idle.pop(0), b"", W, b"\x02", client, b""] + body)
while True:
    if s.poll(500):
        f = s.recv_multipart()
        sender, header = f[0], f[2]
        if header == C:
            services.setdefault(f[3], ([], []))[0].append((sender, f[4:])); dispatch(f[3])
        elif header == W:
            cmd = f[3]
            if cmd == b"\x01":
                workers[sender] = f[4]; services.setdefault(f[4], ([], []))[1].append(sender); dispatch(f[4])
            elif cmd == b"\x03":
                name = workers[sender]
                s.send_multipart([f[4], b"", C, name] + f[6:])
                services[name][1].append(sender); dispatch(name)
    if time.time() >= next_beat:
        for w in workers:
            s.send_multipart([w, b"", W, b"\x04"])
        next_beat = time.time() + 2.5
`

// TestMajordomoInterop puts pyzmq peers written from RFC 7 next to the
// programs: a pyzmq worker behind mdbroker answers mdclient; a pyzmq
// client's requests and MMI questions through mdbroker to mdworker come
// back as RFC 7 says; and mdclient and mdworker talk through a pyzmq
// broker.
func TestMajordomoInterop(t *testing.T) {
	t.Run("pyzmq worker", func(t *testing.T) {
		b, ep := serve(t, "mdbroker")
		w := pyzmq(t, pyMDWorker, ep)
		w.waitFor("worker ready")
		checkMDReplies(t, program(t, "mdclient", "-connect", ep, "-n", "5").exit(), 5)
		w.waitFor("request Hello world 5")
		b.interrupt(syscall.SIGTERM)
	})
	t.Run("pyzmq client", func(t *testing.T) {
		b, ep := serve(t, "mdbroker")
		ws := mdworkers(t, 1, ep)
		pyzmq(t, pyMDClient, ep).exitPrinting("replies 10, mmi ok")
		ws[0].interrupt(syscall.SIGTERM)
		b.interrupt(syscall.SIGTERM)
	})
	t.Run("pyzmq broker", func(t *testing.T) {
		ep := pyzmq(t, pyMDBroker).endpoints("bound ", 1)[0]
		ws := mdworkers(t, 1, ep)
		checkMDReplies(t, program(t, "mdclient", "-connect", ep, "-n", "5").exit(), 5)
		if out := ws[0].interrupt(syscall.SIGTERM); strings.Count(out, "I: normal reply (") != 5 || strings.Contains(out, "heartbeat failure") {
			t.Fatalf("mdworker behind the pyzmq broker:\n%s", out)
		}
	})
}

// TestMajordomoWorkerKilled kills an mdworker with SIGKILL while it holds a
// request: mdclient times out, asks again on a new socket, the broker gives
// the request to the other worker, and no request is lost. It logs the
// failover time, from the kill to the answer of the request the dead
// worker held.
func TestMajordomoWorkerKilled(t *testing.T) {
	const n = 12
	b, ep := serve(t, "mdbroker")
	ws := mdworkers(t, 2, ep, "-work", "300ms")
	client := program(t, "mdclient", "-connect", ep, "-n", fmt.Sprint(n), "-timeout", "1s", "-retries", "5")
	victim, _ := waitAny(t, "I: request (Hello world 4)", ws...)
	victim.kill()
	killed := time.Now()
	if strings.Contains(victim.out.String(), "I: normal reply (Hello world 4)") {
		t.Fatalf("the worker answered request 4 before it was killed:\n%s", victim.out.String())
	}
	client.waitFor("I: reply (4)")
	failover := time.Since(killed)
	out := client.exit()
	checkMDReplies(t, client.out.String(), n)
	if !strings.Contains(out, "W: retried") {
		t.Fatalf("mdclient did not retry:\n%s", out)
	}
	t.Logf("FIGURE majordomo, worker killed: %d/%d requests answered; failover %v (kill to the answer of request 4, client timeout 1s)",
		strings.Count(out, "I: reply ("), n, failover.Round(time.Millisecond))
	for _, w := range ws {
		if w != victim {
			w.interrupt(syscall.SIGTERM)
		}
	}
	b.interrupt(syscall.SIGTERM)
}

// TestMajordomoInterrupted: each program, interrupted while it waits,
// shuts down cleanly and exits 0.
func TestMajordomoInterrupted(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 2)
	checkInterrupted(t, []waiting{
		{"mdbroker", []string{"-bind", eps[0]}, "bound", syscall.SIGTERM},
		{"mdworker", []string{"-connect", eps[1]}, "worker ready", syscall.SIGINT},
	})
}
