package examples_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// The zguide's chapter 2 programs: reading from several sockets
// (msreader, mspoller), the zmq_proxy broker (msgqueue), the relay over
// inproc PAIRs (mtrelay), the pipeline's kill signal (taskwork2,
// tasksink2), signal handling (interrupt) and the version report.

// linesWith returns the lines of out that start with prefix, without it.
func linesWith(out, prefix string) []string {
	var got []string
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			got = append(got, strings.TrimSuffix(rest, "\n"))
		}
	}
	return got
}

// checkReader checks a reader's output (msreader, mspoller): exactly
// tasks task lines, each a workload of 1 to maxMs milliseconds, adding up
// to cost, and at least updates weather updates, each three numbers whose
// zipcode starts with filter. It returns the task lines.
func checkReader(t *testing.T, name, out string, tasks, maxMs, cost, updates int, filter string) []string {
	t.Helper()
	got := linesWith(out, "task: ")
	if len(got) != tasks {
		t.Fatalf("%s handled %d tasks, want %d:\n%s", name, len(got), tasks, out)
	}
	total := 0
	for _, w := range got {
		ms, err := strconv.Atoi(w)
		if err != nil || ms < 1 || ms > maxMs {
			t.Fatalf("%s printed task %q, want 1 to %d milliseconds", name, w, maxMs)
		}
		total += ms
	}
	if total != cost {
		t.Fatalf("%s's tasks add up to %d msec, taskvent sent %d", name, total, cost)
	}
	ups := linesWith(out, "update: ")
	if len(ups) < updates {
		t.Fatalf("%s handled %d weather updates, want at least %d:\n%s", name, len(ups), updates, out)
	}
	for _, u := range ups {
		f := strings.Fields(u)
		if len(f) != 3 || !strings.HasPrefix(u, filter) {
			t.Fatalf("%s printed update %q, want %q... with three fields", name, u, filter)
		}
		for _, n := range f {
			if _, err := strconv.Atoi(n); err != nil {
				t.Fatalf("%s printed update %q: %v", name, u, err)
			}
		}
	}
	return got
}

// TestMultipleSockets runs msreader and mspoller against the zguide's
// ventilator and weather server (taskvent, wuserver; tasksink takes the
// start of the batch): each reads every task and at least -updates
// weather updates of its filter, then exits 0.
func TestMultipleSockets(t *testing.T) {
	const tasks, maxMs, updates = 20, 5, 5
	for _, name := range []string{"msreader", "mspoller"} {
		t.Run(name, func(t *testing.T) {
			eps := testutil.FreeEndpoints(t, 3)
			vent, sink := eps[0], eps[1]
			sinkProc := program(t, "tasksink", "-bind", sink, "-tasks", "0")
			sinkProc.waitFor("bound " + sink)
			// About 10% of the zipcodes start with "1": a hundred
			// updates a second for the reader.
			weather, weatherEp := serve(t, "wuserver", "-rate", "1000")
			reader := program(t, name, "-vent", vent, "-weather", weatherEp, "-filter", "1",
				"-tasks", strconv.Itoa(tasks), "-updates", strconv.Itoa(updates))
			reader.waitFor("reader ready")
			ventProc := program(t, "taskvent", "-bind", vent, "-sink", sink,
				"-tasks", strconv.Itoa(tasks), "-max-ms", strconv.Itoa(maxMs))

			c := cost(t, ventProc.exit())
			sinkProc.exit()
			checkReader(t, name, reader.exit(), tasks, maxMs, c, updates, "1")
			weather.interrupt(syscall.SIGINT)
		})
	}
}

// TestMultipleSocketsInterop feeds msreader and mspoller from pyzmq as the
// zguide's ventilator and weather server: one decimal-string frame per
// task on a PUSH, one frame "%05d %d %d" per update on a PUB. The
// publisher is an XPUB, which checks that the reader subscribed to
// exactly "10001 " before anything is sent; updates of other zipcodes go
// first and must not reach the reader.
func TestMultipleSocketsInterop(t *testing.T) {
	const script = `
import zmq
ctx = zmq.Context()
vent = ctx.socket(zmq.PUSH); vent.setsockopt(zmq.LINGER, 5000); vent.setsockopt(zmq.SNDTIMEO, 20000)
vent.bind("tcp://127.0.0.1:*")
pub = ctx.socket(zmq.XPUB); pub.setsockopt(zmq.LINGER, 5000); pub.setsockopt(zmq.RCVTIMEO, 20000)
pub.bind("tcp://127.0.0.1:*")
print("bound", vent.getsockopt(zmq.LAST_ENDPOINT).decode(), pub.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
sub = pub.recv_multipart()
assert sub == [b"\x0110001 "], sub
for i in range(20):
    pub.send(b"%05d %d %d" % (20002 + i, i, 50))
for i in range(5):
    vent.send(str(i + 1).encode())
    pub.send(b"10001 %d %d" % (i - 2, 40 + i))
print("sent", flush=True)
vent.close(); pub.close(); ctx.term()
`
	for _, name := range []string{"msreader", "mspoller"} {
		t.Run(name, func(t *testing.T) {
			py := pyzmq(t, script)
			eps := py.endpoints("bound", 2)
			out := program(t, name, "-vent", eps[0], "-weather", eps[1], "-tasks", "5", "-updates", "5").exit()
			py.exitPrinting("sent")
			if got, want := linesWith(out, "task: "), []string{"1", "2", "3", "4", "5"}; !slices.Equal(got, want) {
				t.Errorf("%s handled tasks %q, want %q:\n%s", name, got, want, out)
			}
			want := []string{"10001 -2 40", "10001 -1 41", "10001 0 42", "10001 1 43", "10001 2 44"}
			if got := linesWith(out, "update: "); !slices.Equal(got, want) {
				t.Errorf("%s handled updates %q, want %q:\n%s", name, got, want, out)
			}
		})
	}
}

// TestMsgqueue runs rrclient through msgqueue to two rrworkers, as
// TestReqRepBroker does through rrbroker: the ten replies come back and
// the workers handled ten requests between them.
func TestMsgqueue(t *testing.T) {
	brokerRoundTrip(t, "msgqueue", syscall.SIGINT, syscall.SIGTERM, syscall.SIGTERM)
}

// TestMsgqueueInterop puts msgqueue between a pyzmq REQ client and a
// pyzmq REP worker, in separate processes as the zguide's rrclient and
// rrworker are: each "Hello" reaches the worker as one frame and each
// "World" the client, the envelope passing through the queue unseen.
func TestMsgqueueInterop(t *testing.T) {
	const worker = `
import sys, zmq
ctx = zmq.Context()
rep = ctx.socket(zmq.REP); rep.setsockopt(zmq.LINGER, 5000); rep.setsockopt(zmq.RCVTIMEO, 20000)
rep.connect(sys.argv[1])
print("worker ready", flush=True)
for i in range(10):
    frames = rep.recv_multipart()
    assert frames == [b"Hello"], frames
    rep.send(b"World")
print("requests 10", flush=True)
rep.close(); ctx.term()
`
	eps := testutil.FreeEndpoints(t, 2)
	frontend, backend := eps[0], eps[1]
	queue := program(t, "msgqueue", "-frontend", frontend, "-backend", backend)
	queue.waitFor("bound " + frontend + " " + backend)
	w := pyzmq(t, worker, backend)
	w.waitFor("worker ready")
	pyzmq(t, pyHelloClient, frontend).exitPrinting("replies 10")
	w.exitPrinting("requests 10")
	queue.interrupt(syscall.SIGTERM)
}

// killed is the line a taskwork2 prints when the sink's KILL ends it.
const killed = `killed by the sink (["KILL"])`

// TestKillSignal runs the zguide's pipeline with kill signalling:
// tasksink2, taskvent waiting for Enter, two taskwork2 workers, then
// Enter. Once the sink has every result it publishes KILL, and the
// workers, which no one interrupts, exit 0 on their own.
func TestKillSignal(t *testing.T) {
	const tasks = 20
	eps := testutil.FreeEndpoints(t, 3)
	vent, sink, controller := eps[0], eps[1], eps[2]

	sinkProc := program(t, "tasksink2", "-bind", sink, "-controller", controller, "-tasks", strconv.Itoa(tasks))
	sinkProc.waitFor("bound " + sink + " " + controller)
	ventProc := program(t, "taskvent", "-bind", vent, "-sink", sink,
		"-tasks", strconv.Itoa(tasks), "-max-ms", "5", "-wait")
	ventProc.waitFor("bound " + vent)
	var workers []*proc
	for range 2 {
		w := program(t, "taskwork2", "-vent", vent, "-sink", sink, "-controller", controller)
		w.waitFor("worker ready")
		workers = append(workers, w)
	}
	ventProc.enter()
	ventProc.exit()
	sinkOut := sinkProc.exit()
	checkSink(t, sinkOut, tasks)
	if !strings.HasSuffix(sinkOut, "sent KILL\n") {
		t.Errorf("tasksink2 did not end with \"sent KILL\":\n%s", sinkOut)
	}
	done := 0
	for i, w := range workers {
		out := w.exit()
		if !strings.Contains(out, killed) {
			t.Errorf("worker %d did not print %q:\n%s", i+1, killed, out)
		}
		done += strings.Count(out, ".")
	}
	if done != tasks {
		t.Fatalf("workers did %d tasks, want %d", done, tasks)
	}
}

// TestKillSignalInterop puts each kill-signalling program next to pyzmq
// ones speaking the zguide's frames: a pyzmq worker between taskvent and
// tasksink2, which must get exactly one frame "KILL" on its SUB; and
// taskwork2 fed by a pyzmq ventilator and sink, whose XPUB waits for the
// worker's subscription to everything before it sends anything and
// publishes "KILL" once it has every result.
func TestKillSignalInterop(t *testing.T) {
	t.Run("pyzmq worker", func(t *testing.T) {
		const tasks, maxMs = 20, 5
		const script = `
import sys, time, zmq
vent, sink, controller = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = zmq.Context()
receiver = ctx.socket(zmq.PULL); receiver.connect(vent)
sender = ctx.socket(zmq.PUSH); sender.setsockopt(zmq.LINGER, 5000); sender.connect(sink)
control = ctx.socket(zmq.SUB); control.setsockopt(zmq.SUBSCRIBE, b""); control.connect(controller)
poller = zmq.Poller(); poller.register(receiver, zmq.POLLIN); poller.register(control, zmq.POLLIN)
print("ready", flush=True)
total = 0
while True:
    events = dict(poller.poll(20000))
    assert events, "nothing within 20 s"
    if receiver in events:
        frames = receiver.recv_multipart()
        assert len(frames) == 1, frames
        total += int(frames[0])
        time.sleep(int(frames[0]) / 1000.0)
        sender.send(b"")
    if control in events:
        frames = control.recv_multipart()
        assert frames == [b"KILL"], frames
        break
print("total", total, flush=True)
receiver.setsockopt(zmq.LINGER, 0); control.setsockopt(zmq.LINGER, 0)
receiver.close(); sender.close(); control.close(); ctx.term()
`
		eps := testutil.FreeEndpoints(t, 3)
		vent, sink, controller := eps[0], eps[1], eps[2]
		sinkProc := program(t, "tasksink2", "-bind", sink, "-controller", controller, "-tasks", strconv.Itoa(tasks))
		sinkProc.waitFor("bound " + sink + " " + controller)
		py := pyzmq(t, script, vent, sink, controller)
		py.waitFor("ready")
		ventProc := program(t, "taskvent", "-bind", vent, "-sink", sink,
			"-tasks", strconv.Itoa(tasks), "-max-ms", strconv.Itoa(maxMs))
		want := cost(t, ventProc.exit())
		checkSink(t, sinkProc.exit(), tasks)
		checkTotal(t, py, want)
	})
	t.Run("pyzmq ventilator and sink", func(t *testing.T) {
		const script = `
import zmq
ctx = zmq.Context()
def bound(kind):
    s = ctx.socket(kind); s.setsockopt(zmq.LINGER, 5000); s.setsockopt(zmq.RCVTIMEO, 20000)
    s.bind("tcp://127.0.0.1:*")
    return s
vent, sink, controller = bound(zmq.PUSH), bound(zmq.PULL), bound(zmq.XPUB)
print("bound", *(s.getsockopt(zmq.LAST_ENDPOINT).decode() for s in (vent, sink, controller)), flush=True)
sub = controller.recv_multipart()
assert sub == [b"\x01"], sub
for i in range(10):
    vent.send(str(i % 3 + 1).encode())
for i in range(10):
    frames = sink.recv_multipart()
    assert frames == [b""], frames
controller.send(b"KILL")
print("sent KILL", flush=True)
for s in (vent, sink, controller):
    s.close()
ctx.term()
`
		py := pyzmq(t, script)
		eps := py.endpoints("bound", 3)
		worker := program(t, "taskwork2", "-vent", eps[0], "-sink", eps[1], "-controller", eps[2])
		py.exitPrinting("sent KILL")
		out := worker.exit()
		if !strings.Contains(out, killed) {
			t.Errorf("taskwork2 did not print %q:\n%s", killed, out)
		}
		if dots := strings.Count(out, "."); dots != 10 {
			t.Fatalf("taskwork2 did %d tasks, want 10:\n%s", dots, out)
		}
	})
}

// TestInterruptExample sends interrupt SIGINT and SIGTERM once its REP
// socket is bound (after ten requests of hwclient, for SIGINT): it says
// so as the zguide's does, closes its socket actor and exits 0.
func TestInterruptExample(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			server, ep := serve(t, "interrupt")
			if sig == syscall.SIGINT {
				checkReplies(t, "hwclient", program(t, "hwclient", "-connect", ep).exit(), 10)
			}
			out := server.interrupt(sig)
			want := "W: interrupt received, killing server...\nsocket closed\n"
			if !strings.HasSuffix(out, want) {
				t.Fatalf("interrupt printed (want it to end with %q):\n%s", want, out)
			}
			if sig == syscall.SIGINT && requests(out) != 10 {
				t.Fatalf("interrupt handled %d requests, want 10:\n%s", requests(out), out)
			}
		})
	}
}

// TestMtrelay runs the relay: the three steps signal each other in order
// and the last prints the zguide's "Test successful!".
func TestMtrelay(t *testing.T) {
	out := program(t, "mtrelay").exit()
	want := "Step 1 ready, signaling step 2\nStep 2 ready, signaling step 3\nTest successful!\n"
	if out != want {
		t.Fatalf("mtrelay printed %q, want %q", out, want)
	}
}

// TestVersion checks that version prints the libzmq version the tests
// run with, as zmq_version reports it, and the module's.
func TestVersion(t *testing.T) {
	out := program(t, "version").exit()
	major, minor, patch := zmq4.Version()
	if want := fmt.Sprintf("Current ØMQ version is %d.%d.%d\n", major, minor, patch); !strings.HasPrefix(out, want) {
		t.Fatalf("version printed (want it to start with %q):\n%s", want, out)
	}
	for _, m := range []string{"zmqactor ", "github.com/pebbe/zmq4 v", "github.com/asynkron/protoactor-go v"} {
		if len(linesWith(out, m)) != 1 {
			t.Errorf("version did not print one line %q...:\n%s", m, out)
		}
	}
}

// TestChapter2Interrupted checks that each chapter 2 program that runs
// until stopped, interrupted while it waits, shuts down cleanly and exits
// 0.
func TestChapter2Interrupted(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 6)
	checkInterrupted(t, []waiting{
		{"msreader", []string{"-vent", eps[0], "-weather", eps[1]}, "reader ready", syscall.SIGINT},
		{"mspoller", []string{"-vent", eps[0], "-weather", eps[1]}, "reader ready", syscall.SIGTERM},
		{"msgqueue", []string{"-frontend", eps[2], "-backend", eps[3]}, "bound", syscall.SIGTERM},
		{"tasksink2", []string{"-bind", eps[4], "-controller", eps[5]}, "bound", syscall.SIGINT},
		{"taskwork2", []string{"-vent", eps[0], "-sink", eps[4], "-controller", eps[5]}, "worker ready", syscall.SIGTERM},
	})
}
