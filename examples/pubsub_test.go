package examples_test

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

var averageLine = regexp.MustCompile(`Average temperature for zipcode '([^']*)' was (-?\d+)F`)

// checkAverage checks wuclient's output: the zguide's two lines, for
// filter, and an average in the range of the server's temperatures. It
// returns the average.
func checkAverage(t *testing.T, out, filter string) int {
	t.Helper()
	if !strings.HasPrefix(out, "Collecting updates from weather server...\n") {
		t.Fatalf("wuclient did not start with the zguide's line:\n%s", out)
	}
	m := averageLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("wuclient printed no average:\n%s", out)
	}
	if m[1] != filter {
		t.Fatalf("wuclient printed the average for %q, want %q:\n%s", m[1], filter, out)
	}
	avg, err := strconv.Atoi(m[2])
	if err != nil {
		t.Fatal(err)
	}
	if avg < -80 || avg > 134 {
		t.Fatalf("average temperature %d is out of the server's range -80 to 134", avg)
	}
	return avg
}

// checkEnvelopes checks psenvsub's output: exactly n lines, each the
// zguide's "[B] We would like to see this".
func checkEnvelopes(t *testing.T, out string, n int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("psenvsub printed %d lines, want %d:\n%s", len(lines), n, out)
	}
	for _, l := range lines {
		if l != "[B] We would like to see this" {
			t.Fatalf("psenvsub printed %q:\n%s", l, out)
		}
	}
}

// TestWeather runs the weather server and a client subscribed to every
// zipcode that starts with 1 (a tenth of the updates).
func TestWeather(t *testing.T) {
	server, ep := serve(t, "wuserver")
	client := program(t, "wuclient", "-connect", ep, "-n", "20", "1")
	checkAverage(t, client.exit(), "1")
	server.interrupt(syscall.SIGTERM)
}

// TestWeatherProxy puts the forwarder between the server and the client:
// the client's subscription goes upstream through the proxy, and the
// updates come down through it. The proxy's capture shows both.
func TestWeatherProxy(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 2)
	serverEp, backend := eps[0], eps[1]
	server := program(t, "wuserver", "-bind", serverEp)
	server.waitFor("bound " + serverEp)
	proxy := program(t, "wuproxy", "-frontend", serverEp, "-backend", backend, "-capture")
	proxy.waitFor("bound " + backend)
	client := program(t, "wuclient", "-connect", backend, "-n", "20", "12")
	checkAverage(t, client.exit(), "12")

	proxy.waitFor(`backend: subscribe "12"`)
	if line := proxy.waitFor("frontend: "); !regexp.MustCompile(`^frontend: "12\d{3} -?\d+ \d+"\n$`).MatchString(line) {
		t.Fatalf("proxy captured %q, want an update for a zipcode 12xxx", line)
	}
	// The client is gone: its unsubscription goes upstream too.
	proxy.waitFor(`backend: unsubscribe "12"`)
	out := proxy.interrupt(syscall.SIGTERM)
	server.interrupt(syscall.SIGINT)
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "frontend: ") && !strings.HasPrefix(l, `frontend: "12`) {
			t.Fatalf("proxy forwarded an update nobody subscribed to: %q", l)
		}
	}
}

// TestPublisherCount checks that the publishers stop by themselves after
// -n updates or rounds: the weather server at its default rate and as fast
// as it can, the envelope publisher at its default interval and a short one.
func TestPublisherCount(t *testing.T) {
	for _, rate := range []string{"100000", "0"} {
		ep := testutil.FreeEndpoint(t)
		out := program(t, "wuserver", "-bind", ep, "-n", "2500", "-rate", rate).exit()
		if out != fmt.Sprintf("bound %s\npublished 2500 updates\n", ep) {
			t.Fatalf("wuserver -rate %s printed:\n%s", rate, out)
		}
	}
	for _, args := range [][]string{{"-n", "1"}, {"-n", "3", "-interval", "10ms"}} {
		ep := testutil.FreeEndpoint(t)
		out := program(t, "psenvpub", append([]string{"-bind", ep}, args...)...).exit()
		if out != fmt.Sprintf("bound %s\n", ep) {
			t.Fatalf("psenvpub %s printed:\n%s", strings.Join(args, " "), out)
		}
	}
}

// TestEnvelope runs the envelope publisher and subscriber: the subscriber
// gets the B messages, never the A ones.
func TestEnvelope(t *testing.T) {
	const n = 5
	pub, ep := serve(t, "psenvpub", "-interval", "20ms")
	sub := program(t, "psenvsub", "-connect", ep, "-n", strconv.Itoa(n))
	checkEnvelopes(t, sub.exit(), n)
	pub.interrupt(syscall.SIGINT)
}

// TestSync runs the synchronized publisher with two subscribers: one syncs
// at once, the other waits the zguide's second first. Each must get every
// update.
func TestSync(t *testing.T) {
	const updates = 20000
	eps := testutil.FreeEndpoints(t, 2)
	pubEp, syncEp := eps[0], eps[1]
	pub := program(t, "syncpub", "-bind", pubEp, "-sync", syncEp,
		"-subscribers", "2", "-updates", strconv.Itoa(updates))
	pub.waitFor("Waiting for subscribers")
	subs := []*proc{
		program(t, "syncsub", "-connect", pubEp, "-sync", syncEp, "-settle", "0"),
		program(t, "syncsub", "-connect", pubEp, "-sync", syncEp),
	}
	for i, s := range subs {
		if out := s.exit(); out != fmt.Sprintf("Received %d updates\n", updates) {
			t.Errorf("subscriber %d printed:\n%s", i+1, out)
		}
	}
	if out := pub.exit(); out != "Waiting for subscribers\nBroadcasting messages\n" {
		t.Fatalf("syncpub printed:\n%s", out)
	}
}

// TestWeatherInterop checks our weather programs against pyzmq speaking
// the zguide's format: a pyzmq subscriber on our server, and our client on
// a pyzmq server.
func TestWeatherInterop(t *testing.T) {
	t.Run("server", func(t *testing.T) {
		// Zipcodes below 10000 show the zero padding.
		const script = `
import re, sys, zmq
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB); sub.setsockopt(zmq.RCVTIMEO, 20000); sub.setsockopt(zmq.LINGER, 0)
sub.connect(sys.argv[1]); sub.setsockopt(zmq.SUBSCRIBE, b"0")
for i in range(50):
    frames = sub.recv_multipart()
    assert len(frames) == 1, frames
    m = re.fullmatch(rb"(\d+) (-?\d+) (\d+)", frames[0])
    assert m, frames
    zipcode, temperature, relhumidity = (int(g) for g in m.groups())
    assert frames[0] == b"%05d %d %d" % (zipcode, temperature, relhumidity), frames
    assert zipcode < 10000 and -80 <= temperature <= 134 and 10 <= relhumidity <= 59, frames
print("updates 50", flush=True)
sub.close(); ctx.term()
`
		server, ep := serve(t, "wuserver")
		pyzmq(t, script, ep).exitPrinting("updates 50")
		server.interrupt(syscall.SIGTERM)
	})
	t.Run("client", func(t *testing.T) {
		// Every update for 10001 is at -7 degrees; the others are random.
		// It publishes until its stdin closes.
		const script = `
import random, select, sys, zmq
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB); pub.setsockopt(zmq.LINGER, 0); pub.bind("tcp://127.0.0.1:*")
print("endpoint", pub.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
while not select.select([sys.stdin], [], [], 0.001)[0]:
    for i in range(100):
        zipcode = random.randrange(100000)
        if zipcode != 10001:
            pub.send_string("%05d %d %d" % (zipcode, random.randrange(-80, 135), random.randrange(10, 60)))
    pub.send_string("10001 -7 42")
pub.close(); ctx.term()
`
		server := pyzmq(t, script)
		ep := server.endpoints("endpoint", 1)[0]
		client := program(t, "wuclient", "-connect", ep)
		if avg := checkAverage(t, client.exit(), "10001 "); avg != -7 {
			t.Fatalf("average %d, want -7", avg)
		}
		_ = server.stdin.Close()
		server.exit()
	})
}

// TestWeatherProxyInterop puts wuproxy between the zguide's weather
// server and client in pyzmq, and the zguide's proxy in pyzmq (XSUB to
// XPUB, zmq.proxy) between our server and client. Through either proxy
// the client's subscription goes upstream and only its updates come down,
// frame for frame.
func TestWeatherProxyInterop(t *testing.T) {
	t.Run("pyzmq server and client", func(t *testing.T) {
		// Every update for 10001 is "10001 -7 42"; the others are random.
		// The client connects to the proxy's backend, read from stdin,
		// and the server publishes until the client has five updates.
		const script = `
import random, sys, time, zmq
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB); pub.setsockopt(zmq.LINGER, 0); pub.bind("tcp://127.0.0.1:*")
print("endpoint", pub.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
backend = sys.stdin.readline().strip()
sub = ctx.socket(zmq.SUB); sub.setsockopt(zmq.LINGER, 0); sub.connect(backend)
sub.setsockopt(zmq.SUBSCRIBE, b"10001 ")
deadline = time.monotonic() + 20
got = 0
while got < 5:
    assert time.monotonic() < deadline, "no updates through the proxy"
    for i in range(100):
        zipcode = random.randrange(100000)
        if zipcode != 10001:
            pub.send_string("%05d %d %d" % (zipcode, random.randrange(-80, 135), random.randrange(10, 60)))
    pub.send_string("10001 -7 42")
    while got < 5 and sub.poll(1, zmq.POLLIN):
        frames = sub.recv_multipart()
        assert frames == [b"10001 -7 42"], frames
        got += 1
print("updates", got, flush=True)
pub.close(); sub.close(); ctx.term()
`
		py := pyzmq(t, script)
		upstream := py.endpoints("endpoint", 1)[0]
		backend := testutil.FreeEndpoint(t)
		proxy := program(t, "wuproxy", "-frontend", upstream, "-backend", backend, "-capture")
		proxy.waitFor("bound " + backend)
		if _, err := io.WriteString(py.stdin, backend+"\n"); err != nil {
			t.Fatal(err)
		}
		py.exitPrinting("updates 5")
		proxy.waitFor(`backend: subscribe "10001 "`)
		proxy.waitFor(`frontend: "10001 -7 42"`)
		proxy.interrupt(syscall.SIGTERM)
	})
	t.Run("pyzmq proxy", func(t *testing.T) {
		const script = `
import sys, zmq
ctx = zmq.Context()
frontend = ctx.socket(zmq.XSUB); frontend.connect(sys.argv[1])
backend = ctx.socket(zmq.XPUB); backend.bind("tcp://127.0.0.1:*")
print("bound", backend.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
zmq.proxy(frontend, backend)
`
		server, ep := serve(t, "wuserver")
		// The proxy runs until the test ends.
		backend := pyzmq(t, script, ep).endpoints("bound", 1)[0]
		checkAverage(t, program(t, "wuclient", "-connect", backend, "-n", "20", "12").exit(), "12")
		server.interrupt(syscall.SIGTERM)
	})
}

// TestEnvelopeInterop checks the envelope programs against pyzmq: our
// subscriber on a pyzmq publisher, and a pyzmq subscriber to everything on
// our publisher, which must see exactly the zguide's two-frame messages.
func TestEnvelopeInterop(t *testing.T) {
	t.Run("subscriber", func(t *testing.T) {
		const n = 3
		const script = `
import select, sys, zmq
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB); pub.setsockopt(zmq.LINGER, 0); pub.bind("tcp://127.0.0.1:*")
print("endpoint", pub.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
while not select.select([sys.stdin], [], [], 0.01)[0]:
    pub.send_multipart([b"A", b"We don't want to see this"])
    pub.send_multipart([b"B", b"We would like to see this"])
pub.close(); ctx.term()
`
		pub := pyzmq(t, script)
		ep := pub.endpoints("endpoint", 1)[0]
		sub := program(t, "psenvsub", "-connect", ep, "-n", strconv.Itoa(n))
		checkEnvelopes(t, sub.exit(), n)
		_ = pub.stdin.Close()
		pub.exit()
	})
	t.Run("publisher", func(t *testing.T) {
		const script = `
import sys, zmq
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB); sub.setsockopt(zmq.RCVTIMEO, 20000); sub.setsockopt(zmq.LINGER, 0)
sub.connect(sys.argv[1]); sub.setsockopt(zmq.SUBSCRIBE, b"")
want = [[b"A", b"We don't want to see this"], [b"B", b"We would like to see this"]]
first = sub.recv_multipart()
assert first in want, first
if first == want[0]:
    first = sub.recv_multipart()
assert first == want[1], first
# Whole rounds from now on: A, then B.
for i in range(3):
    for w in want:
        frames = sub.recv_multipart()
        assert frames == w, frames
print("rounds 3", flush=True)
sub.close(); ctx.term()
`
		pub, ep := serve(t, "psenvpub", "-interval", "20ms")
		pyzmq(t, script, ep).exitPrinting("rounds 3")
		pub.interrupt(syscall.SIGTERM)
	})
}

// TestSyncInterop checks the sync programs against pyzmq: our publisher
// with a pyzmq subscriber that syncs at once (without the zguide's sleep),
// and our subscriber with a pyzmq publisher as the zguide's.
func TestSyncInterop(t *testing.T) {
	const updates = 5000
	t.Run("publisher", func(t *testing.T) {
		const script = `
import sys, zmq
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB); sub.setsockopt(zmq.RCVTIMEO, 20000); sub.setsockopt(zmq.LINGER, 0)
sub.connect(sys.argv[1]); sub.setsockopt(zmq.SUBSCRIBE, b"")
req = ctx.socket(zmq.REQ); req.setsockopt(zmq.RCVTIMEO, 20000); req.setsockopt(zmq.LINGER, 0)
req.connect(sys.argv[2])
req.send(b"")
reply = req.recv_multipart()
assert reply == [b""], reply
n = 0
while True:
    frames = sub.recv_multipart()
    if frames == [b"END"]:
        break
    assert frames == [b"Rhubarb"], frames
    n += 1
print("Received %d updates" % n, flush=True)
sub.close(); req.close(); ctx.term()
`
		eps := testutil.FreeEndpoints(t, 2)
		pub := program(t, "syncpub", "-bind", eps[0], "-sync", eps[1],
			"-subscribers", "2", "-updates", strconv.Itoa(updates))
		pub.waitFor("Waiting for subscribers")
		pySub := pyzmq(t, script, eps[0], eps[1])
		sub := program(t, "syncsub", "-connect", eps[0], "-sync", eps[1], "-settle", "0")
		want := fmt.Sprintf("Received %d updates\n", updates)
		if out := pySub.exit(); out != want {
			t.Errorf("python printed:\n%s", out)
		}
		if out := sub.exit(); out != want {
			t.Errorf("syncsub printed:\n%s", out)
		}
		pub.exit()
	})
	t.Run("subscriber", func(t *testing.T) {
		// The zguide's publisher: a PUB with a high-water mark above the
		// broadcast, one sync request answered, then the broadcast.
		const script = `
import sys, zmq
n = int(sys.argv[1])
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB); pub.setsockopt(zmq.SNDHWM, n + 10); pub.bind("tcp://127.0.0.1:*")
rep = ctx.socket(zmq.REP); rep.setsockopt(zmq.RCVTIMEO, 20000); rep.setsockopt(zmq.LINGER, 0); rep.bind("tcp://127.0.0.1:*")
print("endpoints", pub.getsockopt(zmq.LAST_ENDPOINT).decode(), rep.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
request = rep.recv_multipart()
assert request == [b""], request
rep.send(b"")
for i in range(n):
    pub.send(b"Rhubarb")
pub.send(b"END")
pub.setsockopt(zmq.LINGER, 20000)
pub.close(); rep.close(); ctx.term()
print("done", flush=True)
`
		pub := pyzmq(t, script, strconv.Itoa(updates))
		eps := pub.endpoints("endpoints", 2)
		// With the zguide's settle time: this publisher does not wait for
		// the subscription.
		sub := program(t, "syncsub", "-connect", eps[0], "-sync", eps[1])
		if out := sub.exit(); out != fmt.Sprintf("Received %d updates\n", updates) {
			t.Errorf("syncsub printed:\n%s", out)
		}
		pub.waitFor("done")
		pub.exit()
	})
}

// TestPubSubInterrupted checks that the pub/sub programs, interrupted while
// they run or wait, shut down cleanly and exit 0.
func TestPubSubInterrupted(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 6)
	checkInterrupted(t, []waiting{
		{"wuserver", []string{"-bind", eps[4], "-rate", "100000"}, "bound", syscall.SIGTERM},
		{"wuserver", []string{"-bind", eps[5], "-rate", "0"}, "bound", syscall.SIGINT},
		{"wuclient", []string{"-connect", eps[0]}, "Collecting updates", syscall.SIGINT},
		{"syncpub", []string{"-bind", eps[1], "-sync", eps[2]}, "Waiting for subscribers", syscall.SIGTERM},
		{"wuproxy", []string{"-frontend", eps[0], "-backend", eps[3]}, "bound", syscall.SIGINT},
	})
	t.Run("psenv", func(t *testing.T) {
		pub, ep := serve(t, "psenvpub", "-interval", "20ms")
		sub := program(t, "psenvsub", "-connect", ep)
		sub.waitFor("[B] We would like to see this")
		sub.interrupt(syscall.SIGTERM)
		pub.interrupt(syscall.SIGTERM)
	})
}
