package acrossnodes_test

import (
	"fmt"
	"maps"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// lazyPirate is the client of the failover tests, in Python with pyzmq:
// workers REQ sockets, each asking in turn for the keys k0 to k29 with
// requests [key, tag] and, as the zguide's Lazy Pirate does, closing the
// socket after a timeout (argv[3] ms) and sending the request again on a
// new one, at most argv[4] times. It prints a line per request:
//
//	ok TAG KEY NODE SENT RECEIVED ATTEMPTS   (times in Unix seconds)
//	lost TAG KEY SENT
//	bad TAG REPLY                             (a reply that is not [tag, node])
//
// and runs until SIGTERM, when each worker finishes its request and it
// prints "done".
const lazyPirate = `
import signal, sys, threading, time, zmq
endpoint, workers, timeout, retries, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
keys = [b"k%d" % i for i in range(30)]
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
ctx = zmq.Context()
out = threading.Lock()

def say(*words):
    with out:
        print(*words, flush=True)

def connect():
    s = ctx.socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    return s

def work(w):
    s = connect()
    seq = 0
    while not stop.is_set():
        seq += 1
        key = keys[(w * 7 + seq) % len(keys)]
        tag = b"%d-%d" % (w, seq)
        sent, attempts = time.time(), 0
        while True:
            attempts += 1
            s.send_multipart([key, tag])
            if s.poll(timeout) & zmq.POLLIN:
                reply = s.recv_multipart()
                if len(reply) == 2 and reply[0] == tag:
                    say("ok", tag.decode(), key.decode(), reply[1].decode(), "%.6f" % sent, "%.6f" % time.time(), attempts)
                else:
                    say("bad", tag.decode(), repr(reply).replace(" ", ""))
                break
            s.close()
            s = connect()
            if attempts > retries:
                say("lost", tag.decode(), key.decode(), "%.6f" % sent)
                break
        time.sleep(pause)
    s.close()

threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
for t in threads:
    t.start()
while not stop.wait(0.1):
    pass
for t in threads:
    t.join()
say("done")
ctx.term()
`

// answer is one "ok" line of the client.
type answer struct {
	tag, key, node string
	sent, received time.Time
	attempts       int
}

func parseAnswer(t *testing.T, fields []string) answer {
	t.Helper()
	if len(fields) != 6 {
		t.Fatalf("client printed ok %q", fields)
	}
	at := func(s string) time.Time {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("client printed time %q", s)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9))
	}
	attempts, err := strconv.Atoi(fields[5])
	if err != nil {
		t.Fatalf("client printed attempts %q", fields[5])
	}
	return answer{tag: fields[0], key: fields[1], node: fields[2], sent: at(fields[3]), received: at(fields[4]), attempts: attempts}
}

// membership is how the nodes of a test find each other: the flags of
// clusternode for node i of n.
type membership func(i int) []string

// automanaged is protoactor's automanaged membership for n nodes, on free
// ports.
func automanaged(t testing.TB, n int) membership {
	ports := hostPorts(t, n)
	return func(i int) []string {
		return []string{"-manage", ports[i], "-peers", strings.Join(ports, ","), "-refresh", "250ms"}
	}
}

// etcdMembership is membership through an etcd that the test starts, with
// a data directory of its own and free ports on 127.0.0.1, and stops.
func etcdMembership(t *testing.T) membership {
	path, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatalf("etcd is not installed (make deps installs Debian's etcd-server): %v", err)
	}
	ports := hostPorts(t, 2)
	client, peer := "http://"+ports[0], "http://"+ports[1]
	etcd := launch(t, "etcd", path, nil, "--name", "test", "--data-dir", filepath.Join(t.TempDir(), "etcd"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "test="+peer,
		"--logger", "zap", "--log-outputs", "stderr")
	etcd.find(func(line string) bool { return strings.Contains(line, `"msg":"serving client traffic`) }, "serve clients")
	return func(int) []string { return []string{"-etcd", client} }
}

// hostPorts returns n free HOST:PORT on 127.0.0.1.
func hostPorts(t testing.TB, n int) []string {
	var out []string
	for _, ep := range testutil.FreeEndpoints(t, n) {
		out = append(out, strings.TrimPrefix(ep, "tcp://"))
	}
	return out
}

// member starts clusternode i of the cluster, named name, with its remote
// on address and the extra flags, and waits until it is a member.
func member(t *testing.T, name, address string, m membership, i int, extra ...string) *proc {
	t.Helper()
	args := append([]string{"-name", name, "-remote", address}, m(i)...)
	p := launch(t, name, clusternode, nil, append(args, extra...)...)
	p.expect("node " + name)
	return p
}

// members waits until the last membership p printed has n members, and
// returns about when it printed it (when its last line came).
func members(p *proc, n int) time.Time {
	p.t.Helper()
	return p.until(func(lines []string) bool {
		for i := len(lines) - 1; i >= 0; i-- {
			if strings.HasPrefix(lines[i], "members ") {
				return strings.HasPrefix(lines[i], fmt.Sprintf("members %d ", n))
			}
		}
		return false
	}, fmt.Sprintf("see %d members", n))
}

// TestFailoverAutomanaged and TestFailoverEtcd: three clusternode
// processes host echo grains, one of them (a) with the front; a pyzmq
// Lazy Pirate client sends requests for 30 keys; member b is killed with
// SIGKILL mid-traffic and started again. Every request is answered; those
// sent while b is down are answered by a or c; the figures of the
// failover are logged.
func TestFailoverAutomanaged(t *testing.T) { failover(t, automanaged(t, 3)) }

func TestFailoverEtcd(t *testing.T) { failover(t, etcdMembership(t)) }

func failover(t *testing.T, m membership) {
	remotes := hostPorts(t, 3)
	front := testutil.FreeEndpoint(t)
	// One at a time, each once the others see it: protoactor-go's etcd
	// provider lists the members and only then starts watching, so a
	// member that registers in between is never seen by the one starting
	// (it failed about once in eight runs with all three started at once).
	a := launch(t, "a", clusternode, nil, append([]string{"-name", "a", "-remote", remotes[0], "-front", front}, m(0)...)...)
	a.expect("node a")
	a.expect("front ")
	b := launch(t, "b", clusternode, nil, append([]string{"-name", "b", "-remote", remotes[1]}, m(1)...)...)
	b.expect("node b")
	members(a, 2)
	c := launch(t, "c", clusternode, nil, append([]string{"-name", "c", "-remote", remotes[2]}, m(2)...)...)
	c.expect("node c")
	for _, p := range []*proc{a, b, c} {
		members(p, 3) // every member places grains as the others do
	}

	client := launch(t, "client", testutil.Python(t), nil, "-c", lazyPirate, front, "8", "1000", "15", "0.01")
	// Wait until every key was answered, and note b's: the keys whose
	// grain is on b.
	byKey, bKeys := map[string]string{}, map[string]bool{}
	for len(byKey) < 30 {
		ans := parseAnswer(t, client.expect("ok "))
		byKey[ans.key] = ans.node
	}
	for key, node := range byKey {
		if node == "b" {
			bKeys[key] = true
		}
	}
	if len(bKeys) == 0 {
		t.Fatalf("b served none of the 30 keys: %v", byKey)
	}

	killed := time.Now()
	b.kill()
	noticed := members(a, 2)
	// Each of b's keys answered from where the cluster placed it anew;
	// the first such answer is the figure.
	var moved answer
	for unmoved := maps.Clone(bKeys); len(unmoved) > 0; {
		ans := parseAnswer(t, client.expect("ok "))
		if ans.node == "b" || !ans.received.After(killed) || !unmoved[ans.key] {
			continue
		}
		if moved.key == "" {
			moved = ans
		}
		delete(unmoved, ans.key)
	}

	restarted := time.Now()
	b = member(t, "b", remotes[1], m, 1)
	members(a, 3)
	// b serves again: the grains of its keys move back to it.
	for {
		if ans := parseAnswer(t, client.expect("ok ")); ans.node == "b" && ans.sent.After(restarted) {
			break
		}
	}
	_ = client.cmd.Process.Signal(syscall.SIGTERM)
	client.expect("done")
	stop(t, a, b, c) // they leave the cluster, and exit 0

	// Every request answered, by a survivor while b was down.
	var total, retried, inFlight, inFlightRetried int
	for _, line := range strings.Split(client.output(), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || f[0] == "done":
		case f[0] == "ok":
			ans := parseAnswer(t, f[1:])
			total++
			if ans.attempts > 1 {
				retried++
			}
			if ans.sent.Before(killed) && ans.received.After(killed) {
				inFlight++
				if ans.attempts > 1 {
					inFlightRetried++
				}
			}
			if ans.node == "b" && ans.sent.After(killed) && ans.received.Before(restarted) {
				t.Errorf("request %s, sent %v after b was killed, was answered by b before it was started again", ans.tag, ans.sent.Sub(killed))
			}
		default:
			t.Errorf("client: %s", line)
		}
	}
	if total == 0 {
		t.Fatal("no answers")
	}
	t.Logf("%d requests, all answered, %d of them retried; b served %d of the 30 keys before it was killed", total, retried, len(bKeys))
	t.Logf("SIGKILL to the front's membership without b: %v; to the first answer for one of b's keys from its new placement (%s on %s): %v",
		noticed.Sub(killed).Round(time.Millisecond), moved.key, moved.node, moved.received.Sub(killed).Round(time.Millisecond))
	t.Logf("requests in flight at the kill: %d, retried %d, lost 0", inFlight, inFlightRetried)
}
