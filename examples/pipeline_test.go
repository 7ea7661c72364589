package examples_test

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

var expectedCost = regexp.MustCompile(`Total expected cost: (\d+) msec`)

// cost returns the ventilator's total expected cost from its output.
func cost(t *testing.T, out string) int {
	t.Helper()
	m := expectedCost.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("taskvent did not print its total expected cost:\n%s", out)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkSink checks the sink's output for a batch of n results.
func checkSink(t *testing.T, out string, n int) {
	t.Helper()
	progress := ""
	for i := range n {
		if i%10 == 0 {
			progress += ":"
		} else {
			progress += "."
		}
	}
	if !strings.Contains(out, progress+"\nTotal elapsed time: ") {
		t.Fatalf("tasksink printed (want %q and the elapsed time):\n%s", progress, out)
	}
}

// checkTotal checks the line "total N" a Python worker or sink prints at
// its end: the workloads it got add up to taskvent's total expected cost,
// want. The script must then exit 0.
func checkTotal(t *testing.T, py *proc, want int) {
	t.Helper()
	if line := py.waitFor("total"); strings.TrimSpace(line) != fmt.Sprintf("total %d", want) {
		t.Fatalf("python got %q, taskvent sent a total of %d", line, want)
	}
	py.exit()
}

// TestPipeline runs the zguide pipeline as the zguide does: the sink, the
// ventilator waiting for Enter, two workers, then Enter; all separate
// processes over tcp. The workers stop on SIGTERM and SIGINT and must exit 0.
func TestPipeline(t *testing.T) {
	const tasks = 20
	eps := testutil.FreeEndpoints(t, 2)
	vent, sink := eps[0], eps[1]

	sinkProc := program(t, "tasksink", "-bind", sink, "-tasks", strconv.Itoa(tasks))
	sinkProc.waitFor("bound " + sink)
	ventProc := program(t, "taskvent", "-bind", vent, "-sink", sink,
		"-tasks", strconv.Itoa(tasks), "-max-ms", "5", "-wait")
	ventProc.waitFor("bound " + vent)
	var workers []*proc
	for range 2 {
		w := program(t, "taskwork", "-vent", vent, "-sink", sink)
		w.waitFor("worker ready")
		workers = append(workers, w)
	}
	ventProc.enter()

	ventOut := ventProc.exit()
	if !strings.Contains(ventOut, "Press Enter when the workers are ready: ") {
		t.Errorf("taskvent did not prompt:\n%s", ventOut)
	}
	if c := cost(t, ventOut); c < tasks || c > 5*tasks {
		t.Errorf("expected cost %d, want %d to %d", c, tasks, 5*tasks)
	}
	checkSink(t, sinkProc.exit(), tasks)

	done := 0
	for i, w := range workers {
		n := strings.Count(w.interrupt([]os.Signal{syscall.SIGTERM, syscall.SIGINT}[i]), ".")
		t.Logf("worker %d did %d tasks", i+1, n)
		done += n
	}
	if done != tasks {
		t.Fatalf("workers did %d tasks, want %d", done, tasks)
	}
}

// TestPipelineInterop drives our worker with pyzmq as the zguide's
// ventilator and sink: workloads in as one decimal-string frame each, and
// results out as exactly one empty frame each.
func TestPipelineInterop(t *testing.T) {
	const script = `
import zmq
ctx = zmq.Context()
vent = ctx.socket(zmq.PUSH); vent.setsockopt(zmq.LINGER, 0); vent.bind("tcp://127.0.0.1:*")
sink = ctx.socket(zmq.PULL); sink.setsockopt(zmq.LINGER, 0); sink.bind("tcp://127.0.0.1:*")
sink.setsockopt(zmq.RCVTIMEO, 20000)
print("endpoints", vent.getsockopt(zmq.LAST_ENDPOINT).decode(), sink.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
for i in range(10):
    vent.send_string(str(i % 3 + 1))
for i in range(10):
    frames = sink.recv_multipart()
    assert frames == [b""], frames
print("results 10", flush=True)
vent.close(); sink.close(); ctx.term()
`
	pyProc := pyzmq(t, script)
	eps := pyProc.endpoints("endpoints", 2)
	worker := program(t, "taskwork", "-vent", eps[0], "-sink", eps[1], "-n", "10")
	pyProc.exitPrinting("results 10")
	if dots := strings.Count(worker.exit(), "."); dots != 10 {
		t.Fatalf("worker did %d tasks, want 10", dots)
	}
}

// TestPipelinePythonWorker puts the zguide's worker, written with pyzmq,
// between our ventilator (without -wait) and our sink: it checks that each workload is one
// frame holding a decimal string from 1 to -max-ms, and answers with one
// empty frame as the zguide's worker does. The workloads it got must add
// up to the ventilator's expected cost.
func TestPipelinePythonWorker(t *testing.T) {
	const tasks, maxMs = 20, 5
	const script = `
import sys, time, zmq
vent, sink, n, max_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ctx = zmq.Context()
receiver = ctx.socket(zmq.PULL); receiver.setsockopt(zmq.RCVTIMEO, 20000); receiver.connect(vent)
sender = ctx.socket(zmq.PUSH); sender.setsockopt(zmq.LINGER, 5000); sender.connect(sink)
print("ready", flush=True)
total = 0
for i in range(n):
    frames = receiver.recv_multipart()
    assert len(frames) == 1, frames
    ms = int(frames[0])
    assert frames[0] == str(ms).encode() and 1 <= ms <= max_ms, frames
    total += ms
    time.sleep(ms / 1000.0)  # the work, as in the zguide
    sender.send(b"")
print("total", total, flush=True)
receiver.close(); sender.close(); ctx.term()
`
	eps := testutil.FreeEndpoints(t, 2)
	vent, sink := eps[0], eps[1]
	sinkProc := program(t, "tasksink", "-bind", sink, "-tasks", strconv.Itoa(tasks))
	sinkProc.waitFor("bound " + sink)
	// The worker connects before the ventilator listens, and the
	// ventilator does not wait for Enter: its workloads wait in its send
	// queue until the worker's connection is up.
	pyProc := pyzmq(t, script, vent, sink, strconv.Itoa(tasks), strconv.Itoa(maxMs))
	pyProc.waitFor("ready")
	ventProc := program(t, "taskvent", "-bind", vent, "-sink", sink,
		"-tasks", strconv.Itoa(tasks), "-max-ms", strconv.Itoa(maxMs))

	want := cost(t, ventProc.exit())
	checkSink(t, sinkProc.exit(), tasks)
	checkTotal(t, pyProc, want)
}

// TestVentilatorInterop receives from our ventilator with pyzmq as the
// zguide's sink and workers do: the sink gets one frame "0" to start the
// batch, the workers get one frame per workload, a decimal string.
func TestVentilatorInterop(t *testing.T) {
	const tasks, maxMs = 50, 100
	const script = `
import sys, zmq
vent, n, max_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = zmq.Context()
sink = ctx.socket(zmq.PULL); sink.setsockopt(zmq.RCVTIMEO, 20000); sink.bind("tcp://127.0.0.1:*")
work = ctx.socket(zmq.PULL); work.setsockopt(zmq.RCVTIMEO, 20000); work.connect(vent)
print("sink", sink.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
start = sink.recv_multipart()
assert start == [b"0"], start
total = 0
for i in range(n):
    frames = work.recv_multipart()
    assert len(frames) == 1, frames
    ms = int(frames[0])
    assert frames[0] == str(ms).encode() and 1 <= ms <= max_ms, frames
    total += ms
print("total", total, flush=True)
sink.close(); work.close(); ctx.term()
`
	vent := testutil.FreeEndpoint(t)
	pyProc := pyzmq(t, script, vent, strconv.Itoa(tasks), strconv.Itoa(maxMs))
	sink := pyProc.endpoints("sink ", 1)[0]
	ventProc := program(t, "taskvent", "-bind", vent, "-sink", sink, "-tasks", strconv.Itoa(tasks))
	checkTotal(t, pyProc, cost(t, ventProc.exit()))
}

// TestInterrupted checks that each program, interrupted while it waits,
// shuts down cleanly and exits 0.
func TestInterrupted(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 2)
	checkInterrupted(t, []waiting{
		{"tasksink", []string{"-bind", eps[0]}, "bound", syscall.SIGINT},
		{"taskvent", []string{"-bind", eps[1], "-sink", eps[0], "-wait"}, "bound", syscall.SIGTERM},
		{"taskwork", []string{"-vent", eps[1], "-sink", eps[0]}, "worker ready", syscall.SIGINT},
	})
}

// TestDemo runs the demo as `make demo` does.
func TestDemo(t *testing.T) {
	out := program(t, "demo").exit()
	for _, want := range []string{
		`consumer: PULL socket "pull" started, bound to [tcp://127.0.0.1:`,
		"the consumer prints messages 1 to 3 and the last, 1000; the others arrive the same way, in order",
		`consumer: message 1000: ["task" "1000"]`,
		"all 1000 messages arrived, in order",
		"ping: PAIR socket started (bound [inproc://ping-pong]",
		"pong: PAIR socket started (bound [], connected [inproc://ping-pong])",
		"ping: got ball 5", "rally over after 5 rounds",
		"ErrBadEndpoint: true", "ErrUnsupported: true", "ErrUnknownType: true", "ErrClosed: true",
		`weather: a peer subscribed to "reading."`,
		"everything   received 50 messages (expected 50)", "temperatures received 20 messages (expected 20)",
		"new-york     received 20 messages (expected 20)", "typed        received 10 messages (expected 10)",
		"100 deliveries to 4 subscribers over 5 wire subscriptions",
		`temperatures stopped; weather: a peer unsubscribed from "temp."`,
		`alice got "worker-`, `squared 3 = 9"`, `bob got "worker-`, `squared 9 = 81"`,
		"(ErrRequestTimeout: true)", `the next one: "worker-`, "squares-client: 8 requests, 7 replies, 2 retries, 1 timed out",
		"squares: 10 requests handled, 7 answered", "the client's 8 requests plus its 2 retries make 10 handled",
		"before the failure: 1000 received", `supervised-pull: restarting (attempt 1, reason "zmqactor: injected fault: demo: pulled the plug", backoff`,
		"supervised-pull: started again (restarts 1)", "in all: 3000 sent,",
		`vault: received "secret from friend"`, "authenticator: CURVE client friend let in (200 OK)",
		"authenticator: CURVE client intruder refused (400 client key not on the allowlist)",
		`intruder: its monitor reports "handshake failed auth", ZAP status 400`,
		"socket actors still running: 0 (expected 0", "shutdown complete",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// No raw enum names, no key prefixes: what a newcomer reads.
	for _, bad := range []string{"SOCKET_EVENT_KIND_", "..."} {
		if strings.Contains(out, bad) {
			t.Errorf("demo output has %q:\n%s", bad, out)
		}
	}
}
