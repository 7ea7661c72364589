package examples_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// bin is the directory TestMain builds the example programs into.
var bin string

// TestMain builds the example programs once, with -race when the tests
// run with it (so a data race in a program fails the test that runs it),
// and checks that no test left a goroutine behind.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zmqactor-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./taskvent", "./taskwork", "./tasksink", "./demo", "./wuserver", "./wuclient", "./wuproxy", "./psenvpub", "./psenvsub", "./syncpub", "./syncsub",
		"./hwserver", "./hwclient", "./rrclient", "./rrworker", "./rrbroker", "./mtserver", "./lpclient", "./lpserver", "./ironhouse", "./monitor", "./metrics")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go %s: %v\n%s", strings.Join(args, " "), err, out)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	bin = dir
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running program whose output (stdout and stderr) is read line
// by line as it comes.
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // closed at the end of the output
	done  chan error  // the result of cmd.Wait, after lines is closed
	out   strings.Builder
}

// start runs path with args until the test ends (or ctx does).
func start(ctx context.Context, t *testing.T, path string, args ...string) *proc {
	t.Helper()
	cmd := exec.CommandContext(ctx, path, args...)
	// A program built with -race sleeps a second at exit unless told not to.
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: filepath.Base(path), cmd: cmd, stdin: stdin, lines: make(chan string, 64), done: make(chan error, 1)}
	go func() {
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			if line != "" {
				p.lines <- line
			}
			if err != nil {
				close(p.lines)
				p.done <- cmd.Wait()
				return
			}
		}
	}()
	t.Cleanup(func() {
		// Ends the program if the test did not, and the reader with it.
		_ = cmd.Process.Kill()
		for range p.lines {
		}
		<-p.done
	})
	return p
}

// waitFor reads lines until one contains s and returns that line.
func (p *proc) waitFor(s string) string {
	p.t.Helper()
	deadline := time.NewTimer(testutil.Wait)
	defer deadline.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s ended before printing %q:\n%s", p.name, s, p.out.String())
			}
			p.out.WriteString(line)
			if strings.Contains(line, s) {
				return line
			}
		case <-deadline.C:
			p.t.Fatalf("%s did not print %q within %v:\n%s", p.name, s, testutil.Wait, p.out.String())
		}
	}
}

// signal sends sig to the program.
func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// exit waits for the program to end, fails the test unless it exited 0,
// and returns all it printed.
func (p *proc) exit() string {
	p.t.Helper()
	deadline := time.NewTimer(testutil.Wait)
	defer deadline.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if ok {
				p.out.WriteString(line)
				continue
			}
			select {
			case err := <-p.done:
				p.done <- err // for the cleanup
				if err != nil {
					p.t.Fatalf("%s: %v\n%s", p.name, err, p.out.String())
				}
			case <-deadline.C:
				p.t.Fatalf("%s closed its output but did not exit within %v", p.name, testutil.Wait)
			}
			return p.out.String()
		case <-deadline.C:
			p.t.Fatalf("%s did not finish within %v:\n%s", p.name, testutil.Wait, p.out.String())
		}
	}
}

// enter writes a line to the program's stdin.
func (p *proc) enter() {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, "\n"); err != nil {
		p.t.Fatalf("%s: stdin: %v", p.name, err)
	}
}

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

// TestPipeline runs the zguide pipeline as the zguide does: the sink, the
// ventilator waiting for Enter, two workers, then Enter; all separate
// processes over tcp. The workers stop on SIGTERM and SIGINT and must exit 0.
func TestPipeline(t *testing.T) {
	const tasks = 20
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	eps := testutil.FreeEndpoints(t, 2)
	vent, sink := eps[0], eps[1]

	sinkProc := start(ctx, t, filepath.Join(bin, "tasksink"), "-bind", sink, "-tasks", strconv.Itoa(tasks))
	sinkProc.waitFor("bound " + sink)
	ventProc := start(ctx, t, filepath.Join(bin, "taskvent"), "-bind", vent, "-sink", sink,
		"-tasks", strconv.Itoa(tasks), "-max-ms", "5", "-wait")
	ventProc.waitFor("bound " + vent)
	var workers []*proc
	for range 2 {
		w := start(ctx, t, filepath.Join(bin, "taskwork"), "-vent", vent, "-sink", sink)
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
		w.signal([]os.Signal{syscall.SIGTERM, syscall.SIGINT}[i])
		n := strings.Count(w.exit(), ".")
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
	py := testutil.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
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
	pyProc := start(ctx, t, py, "-c", script)
	eps := strings.Fields(pyProc.waitFor("endpoints"))
	if len(eps) != 3 {
		t.Fatalf("python printed %q", eps)
	}
	worker := start(ctx, t, filepath.Join(bin, "taskwork"), "-vent", eps[1], "-sink", eps[2], "-n", "10")
	if out := pyProc.exit(); !strings.Contains(out, "results 10") {
		t.Fatalf("python printed:\n%s", out)
	}
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
	py := testutil.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
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
	sinkProc := start(ctx, t, filepath.Join(bin, "tasksink"), "-bind", sink, "-tasks", strconv.Itoa(tasks))
	sinkProc.waitFor("bound " + sink)
	// The worker connects before the ventilator listens, and the
	// ventilator does not wait for Enter: its workloads wait in its send
	// queue until the worker's connection is up.
	pyProc := start(ctx, t, py, "-c", script, vent, sink, strconv.Itoa(tasks), strconv.Itoa(maxMs))
	pyProc.waitFor("ready")
	ventProc := start(ctx, t, filepath.Join(bin, "taskvent"), "-bind", vent, "-sink", sink,
		"-tasks", strconv.Itoa(tasks), "-max-ms", strconv.Itoa(maxMs))

	want := cost(t, ventProc.exit())
	checkSink(t, sinkProc.exit(), tasks)
	if line := pyProc.waitFor("total"); strings.TrimSpace(line) != fmt.Sprintf("total %d", want) {
		t.Fatalf("python worker got %q, taskvent sent a total of %d", line, want)
	}
	pyProc.exit()
}

// TestVentilatorInterop receives from our ventilator with pyzmq as the
// zguide's sink and workers do: the sink gets one frame "0" to start the
// batch, the workers get one frame per workload, a decimal string.
func TestVentilatorInterop(t *testing.T) {
	const tasks, maxMs = 50, 100
	py := testutil.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
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
	pyProc := start(ctx, t, py, "-c", script, vent, strconv.Itoa(tasks), strconv.Itoa(maxMs))
	sink := strings.Fields(pyProc.waitFor("sink "))[1]
	ventProc := start(ctx, t, filepath.Join(bin, "taskvent"), "-bind", vent, "-sink", sink, "-tasks", strconv.Itoa(tasks))
	want := cost(t, ventProc.exit())
	if line := pyProc.waitFor("total"); strings.TrimSpace(line) != fmt.Sprintf("total %d", want) {
		t.Fatalf("python got %q, taskvent sent a total of %d", line, want)
	}
	pyProc.exit()
}

// TestInterrupted checks that each program, interrupted while it waits,
// shuts down cleanly and exits 0.
func TestInterrupted(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 2)
	for _, tc := range []struct {
		name  string
		args  []string
		ready string
		sig   syscall.Signal
	}{
		{"tasksink", []string{"-bind", eps[0]}, "bound", syscall.SIGINT},
		{"taskvent", []string{"-bind", eps[1], "-sink", eps[0], "-wait"}, "bound", syscall.SIGTERM},
		{"taskwork", []string{"-vent", eps[1], "-sink", eps[0]}, "worker ready", syscall.SIGINT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			p := start(ctx, t, filepath.Join(bin, tc.name), tc.args...)
			p.waitFor(tc.ready)
			p.signal(tc.sig)
			p.exit()
		})
	}
}

// TestDemo runs the demo as `make demo` does.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := start(ctx, t, filepath.Join(bin, "demo")).exit()
	for _, want := range []string{
		`consumer: PULL socket "pull" started, bound to [tcp://127.0.0.1:`,
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
		"before the failure: 1000 received", `supervised-pull: restarting (attempt 1, reason "zmqactor: injected fault: demo: pulled the plug", backoff`,
		"supervised-pull: started again (restarts 1)", "in all: 3000 sent,",
		`vault: received "secret from friend"`, "allowed=false (400 client key not on the allowlist)",
		"intruder: monitor says SOCKET_EVENT_KIND_HANDSHAKE_FAILED_AUTH, ZAP status 400",
		"shutdown complete",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
