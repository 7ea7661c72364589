package examples_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// build compiles the example programs into a temporary directory.
func build(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, n), "./"+n).CombinedOutput()
		if err != nil {
			t.Fatalf("build %s: %v\n%s", n, err, out)
		}
	}
	return dir
}

// freePort returns a tcp port that was free a moment ago. The zguide
// programs take fixed endpoints, so the test chooses them.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a running example program whose output lines are read as they come.
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	lines chan string
	all   *strings.Builder
	done  chan error
}

func start(t *testing.T, ctx context.Context, path string, args ...string) *proc {
	t.Helper()
	cmd := exec.CommandContext(ctx, path, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: filepath.Base(path), cmd: cmd, lines: make(chan string, 1024), all: &strings.Builder{}, done: make(chan error, 1)}
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
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return p
}

// waitFor reads lines until one contains s.
func (p *proc) waitFor(s string) {
	p.t.Helper()
	deadline := time.After(testutil.Wait)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s ended before printing %q:\n%s", p.name, s, p.all)
			}
			p.all.WriteString(line)
			if strings.Contains(line, s) {
				return
			}
		case <-deadline:
			p.t.Fatalf("%s did not print %q within %v:\n%s", p.name, s, testutil.Wait, p.all)
		}
	}
}

// exit waits for the program to end and returns all it printed.
func (p *proc) exit() string {
	p.t.Helper()
	for {
		select {
		case line, ok := <-p.lines:
			if ok {
				p.all.WriteString(line)
				continue
			}
			select {
			case err := <-p.done:
				if err != nil {
					p.t.Fatalf("%s: %v\n%s", p.name, err, p.all)
				}
			case <-time.After(testutil.Wait):
				p.t.Fatalf("%s did not exit", p.name)
			}
			return p.all.String()
		case <-time.After(testutil.Wait):
			p.t.Fatalf("%s did not finish within %v:\n%s", p.name, testutil.Wait, p.all)
		}
	}
}

// TestPipeline runs the zguide pipeline: the sink, two workers and the
// ventilator, as separate processes over tcp.
func TestPipeline(t *testing.T) {
	dir := build(t, "taskvent", "taskwork", "tasksink")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vent := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	sink := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))

	sinkProc := start(t, ctx, filepath.Join(dir, "tasksink"), "-bind", sink, "-tasks", "20")
	sinkProc.waitFor("bound")
	var workers []*proc
	for range 2 {
		w := start(t, ctx, filepath.Join(dir, "taskwork"), "-vent", vent, "-sink", sink)
		w.waitFor("worker ready")
		workers = append(workers, w)
	}
	ventProc := start(t, ctx, filepath.Join(dir, "taskvent"), "-bind", vent, "-sink", sink, "-tasks", "20", "-max-ms", "5")
	if out := ventProc.exit(); !strings.Contains(out, "Total expected cost:") {
		t.Fatalf("taskvent printed:\n%s", out)
	}
	if out := sinkProc.exit(); !strings.Contains(out, "Total elapsed time:") || strings.Count(out, ":")+strings.Count(out, ".") < 20 {
		t.Fatalf("tasksink printed:\n%s", out)
	}
	dots := 0
	for _, w := range workers {
		if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		dots += strings.Count(w.exit(), ".")
	}
	if dots != 20 {
		t.Fatalf("workers did %d tasks, want 20", dots)
	}
}

// TestPipelineInterop drives our worker with pyzmq as the ventilator and the
// sink, using the zguide's frames: workloads in, empty results out.
func TestPipelineInterop(t *testing.T) {
	py := testutil.Python(t)
	dir := build(t, "taskwork")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	script := `
import sys, zmq
ctx = zmq.Context()
vent = ctx.socket(zmq.PUSH); vent.bind("tcp://127.0.0.1:0")
sink = ctx.socket(zmq.PULL); sink.bind("tcp://127.0.0.1:0")
sink.setsockopt(zmq.RCVTIMEO, 20000)
print(vent.getsockopt(zmq.LAST_ENDPOINT).decode(), sink.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
for i in range(10):
    vent.send_string(str(i % 3 + 1))
for i in range(10):
    frames = sink.recv_multipart()
    assert frames == [b""], frames
print("results 10", flush=True)
`
	pyProc := exec.CommandContext(ctx, py, "-c", script)
	out, err := pyProc.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	pyProc.Stderr = pyProc.Stdout
	if err := pyProc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pyProc.Process.Kill() }()
	r := bufio.NewReader(out)
	first, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("python: %v %q", err, first)
	}
	eps := strings.Fields(first)
	if len(eps) != 2 {
		t.Fatalf("python printed %q", first)
	}
	worker := start(t, ctx, filepath.Join(dir, "taskwork"), "-vent", eps[0], "-sink", eps[1], "-n", "10")
	rest, _ := io.ReadAll(r)
	if err := pyProc.Wait(); err != nil || !strings.Contains(string(rest), "results 10") {
		t.Fatalf("python: %v\n%s", err, rest)
	}
	if dots := strings.Count(worker.exit(), "."); dots != 10 {
		t.Fatalf("worker did %d tasks, want 10", dots)
	}
}

// TestDemo runs the demo as `make demo` does.
func TestDemo(t *testing.T) {
	dir := build(t, "demo")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := start(t, ctx, filepath.Join(dir, "demo")).exit()
	for _, want := range []string{"all 1000 messages arrived", "rally over after 5 rounds", "ErrBadEndpoint: true",
		"ErrUnsupported: true", "ErrClosed: true", "restarted (attempt 1", "shutdown complete"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
