package examples_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// pyTitanicClient is a Titanic client written from RFC 9 (over RFC 7's
// client protocol) with pyzmq. "submit N" hands N requests [echo, "Hello
// N"] to titanic.request and prints each id; "collect ID..." asks
// titanic.reply for each id until it is answered, checks the echo, closes
// it, and prints "answered N/M".
const pyTitanicClient = `
import sys, time, zmq
C = b"MDPC01"
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0); s.setsockopt(zmq.RCVTIMEO, 20000)
s.connect(sys.argv[1])
def ask(service, *body):
    s.send_multipart([b"", C, service] + list(body))
    r = s.recv_multipart()
    assert r[:3] == [b"", C, service], r
    return r[3:]
if sys.argv[2] == "submit":
    for i in range(int(sys.argv[3])):
        r = ask(b"titanic.request", b"echo", b"Hello %d" % i)
        assert r[0] == b"200" and len(r) == 2, r
        print("id", r[1].decode(), flush=True)
    print("submitted", flush=True)
else:
    ids = sys.argv[3:]; answered = 0
    for i, id in enumerate(ids):
        deadline = time.time() + 20
        while time.time() < deadline:
            r = ask(b"titanic.reply", id.encode())
            if r[0] == b"200":
                assert r[1:] == [b"Hello %d" % i], r
                assert ask(b"titanic.close", id.encode()) == [b"200"]
                answered += 1
                break
            assert r == [b"300"], r
            time.sleep(0.2)
    print("answered %d/%d" % (answered, len(ids)), flush=True)
`

// TestTitanic runs titanic's client mode through mdbroker and the titanic
// service to mdworker.
func TestTitanic(t *testing.T) {
	b, ep := serve(t, "mdbroker")
	svc := program(t, "titanic", "-connect", ep, "-db", filepath.Join(t.TempDir(), "titanic.db"))
	svc.waitFor("I: titanic ready (0 requests waiting)")
	ws := mdworkers(t, 1, ep)
	out := program(t, "titanic", "-client", "-connect", ep, "-n", "3", "-poll", "100ms").exit()
	for i := 1; i <= 3; i++ {
		if !strings.Contains(out, fmt.Sprintf("Reply: Hello world %d\n", i)) {
			t.Fatalf("the client did not get reply %d:\n%s", i, out)
		}
	}
	ws[0].interrupt(syscall.SIGTERM)
	svc.interrupt(syscall.SIGTERM)
	b.interrupt(syscall.SIGTERM)
}

// TestTitanicRestarted hands a pyzmq client's requests to Titanic while
// no worker offers their service, kills the broker and the service with
// SIGKILL, starts both again (the broker on the same endpoint, the service
// on the same store), and only then a worker: every request the service
// took before the kill is answered.
func TestTitanicRestarted(t *testing.T) {
	const n = 8
	db := filepath.Join(t.TempDir(), "titanic.db")
	b, ep := serve(t, "mdbroker")
	svc := program(t, "titanic", "-connect", ep, "-db", db)
	svc.waitFor("I: titanic ready (0 requests waiting)")
	submit := pyzmq(t, pyTitanicClient, ep, "submit", fmt.Sprint(n))
	submit.exitPrinting("submitted")
	var ids []string
	for _, line := range strings.Split(submit.out.String(), "\n") {
		if id, ok := strings.CutPrefix(line, "id "); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) != n {
		t.Fatalf("the client printed %d ids, want %d:\n%s", len(ids), n, submit.out.String())
	}
	svc.kill()
	b.kill()

	b = program(t, "mdbroker", "-bind", ep)
	b.waitFor("bound " + ep)
	svc = program(t, "titanic", "-connect", ep, "-db", db)
	svc.waitFor(fmt.Sprintf("I: titanic ready (%d requests waiting)", n))
	ws := mdworkers(t, 1, ep)
	collect := pyzmq(t, pyTitanicClient, append([]string{ep, "collect"}, ids...)...)
	collect.exitPrinting(fmt.Sprintf("answered %d/%d", n, n))
	t.Logf("FIGURE titanic, broker and service killed and restarted: %d/%d requests answered", n, n)
	ws[0].interrupt(syscall.SIGTERM)
	svc.interrupt(syscall.SIGTERM)
	b.interrupt(syscall.SIGTERM)
}
