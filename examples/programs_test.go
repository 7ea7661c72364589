package examples_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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
		"./hwserver", "./hwclient", "./rrclient", "./rrworker", "./rrbroker", "./mtserver", "./lpclient", "./lpserver", "./ironhouse", "./monitor", "./metrics", "./service", "./httpserver",
		"./ppqueue", "./ppworker", "./spqueue", "./spworker", "./mdbroker", "./mdworker", "./mdclient", "./titanic", "./flserver", "./flclient", "./bstarsrv", "./bstarcli",
		"./msreader", "./mspoller", "./msgqueue", "./mtrelay", "./taskwork2", "./tasksink2", "./interrupt", "./version",
		"./identity", "./rtreq", "./rtdealer", "./lbbroker", "./asyncsrv", "./peering")
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

// program runs the example program name with args until the test ends.
func program(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return start(t, filepath.Join(bin, name), args...)
}

// serve runs the example server name bound to a free endpoint (-bind)
// with args, until the test ends, and returns it with the endpoint once it
// printed "bound ENDPOINT".
func serve(t *testing.T, name string, args ...string) (*proc, string) {
	t.Helper()
	ep := testutil.FreeEndpoint(t)
	p := program(t, name, append([]string{"-bind", ep}, args...)...)
	p.waitFor("bound " + ep)
	return p, ep
}

// pyzmq runs a Python script with pyzmq (testutil.Python) and args until
// the test ends.
func pyzmq(t *testing.T, script string, args ...string) *proc {
	t.Helper()
	return start(t, testutil.Python(t), append([]string{"-c", script}, args...)...)
}

// start runs path with args until the test ends, for a minute at most.
func start(t *testing.T, path string, args ...string) *proc {
	t.Helper()
	return startIn(t, "", path, args...)
}

// startIn runs path with args in directory dir (empty: the test's) until
// the test ends, for a minute at most.
func startIn(t *testing.T, dir, path string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	// A program built with -race sleeps a second at exit unless told not to.
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		cancel()
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
		cancel()
	})
	return p
}

// read returns the next line of output, kept in p.out, or false at its
// end. If deadline fires first it fails the test: the program did not do
// what within testutil.Wait.
func (p *proc) read(deadline <-chan time.Time, what string) (string, bool) {
	p.t.Helper()
	select {
	case line, ok := <-p.lines:
		p.out.WriteString(line)
		return line, ok
	case <-deadline:
		p.t.Fatalf("%s did not %s within %v:\n%s", p.name, what, testutil.Wait, p.out.String())
		return "", false
	}
}

// waitFor reads lines until one contains s and returns that line.
func (p *proc) waitFor(s string) string {
	p.t.Helper()
	deadline := time.NewTimer(testutil.Wait)
	defer deadline.Stop()
	for {
		line, ok := p.read(deadline.C, fmt.Sprintf("print %q", s))
		if !ok {
			p.t.Fatalf("%s ended before printing %q:\n%s", p.name, s, p.out.String())
		}
		if strings.Contains(line, s) {
			return line
		}
	}
}

// endpoints waits for the line in which a Python script prints what its
// sockets bound, s and then n endpoints, and returns the endpoints.
func (p *proc) endpoints(s string, n int) []string {
	p.t.Helper()
	f := strings.Fields(p.waitFor(s))
	if len(f) != n+1 {
		p.t.Fatalf("%s printed %q, want %q and %d endpoints", p.name, f, s, n)
	}
	return f[1:]
}

// waitAny reads the lines of several programs as they come until one of
// them prints a line containing s, and returns that program and line.
func waitAny(t *testing.T, s string, procs ...*proc) (*proc, string) {
	t.Helper()
	deadline := time.NewTimer(testutil.Wait)
	defer deadline.Stop()
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(deadline.C)}}
	for _, p := range procs {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(p.lines)})
	}
	for {
		i, v, ok := reflect.Select(cases)
		if i == 0 {
			t.Fatalf("no program printed %q within %v", s, testutil.Wait)
		}
		p := procs[i-1]
		if !ok {
			t.Fatalf("%s ended before any printed %q:\n%s", p.name, s, p.out.String())
		}
		line := v.String()
		p.out.WriteString(line)
		if strings.Contains(line, s) {
			return p, line
		}
	}
}

// kill ends the program with SIGKILL, as a crash would, and waits until
// it is gone.
func (p *proc) kill() {
	p.t.Helper()
	p.signal(syscall.SIGKILL)
	for line := range p.lines {
		p.out.WriteString(line)
	}
	err := <-p.done
	p.done <- err // for the cleanup
}

// signal sends sig to the program.
func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// exitWith waits for the program to end, fails the test unless it exited
// with code, and returns all it printed.
func (p *proc) exitWith(code int) string {
	p.t.Helper()
	deadline := time.NewTimer(testutil.Wait)
	defer deadline.Stop()
	for ok := true; ok; {
		_, ok = p.read(deadline.C, "finish")
	}
	var err error
	select {
	case err = <-p.done:
		p.done <- err // for the cleanup
	case <-deadline.C:
		p.t.Fatalf("%s closed its output but did not exit within %v", p.name, testutil.Wait)
	}
	got := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		got = exit.ExitCode()
	case err != nil:
		p.t.Fatalf("%s: %v\n%s", p.name, err, p.out.String())
	}
	if got != code {
		p.t.Fatalf("%s exited %d, want %d:\n%s", p.name, got, code, p.out.String())
	}
	return p.out.String()
}

// exit waits for the program to end, fails the test unless it exited 0,
// and returns all it printed.
func (p *proc) exit() string {
	p.t.Helper()
	return p.exitWith(0)
}

// exitPrinting waits for the program to exit 0 and fails the test unless
// it printed s.
func (p *proc) exitPrinting(s string) {
	p.t.Helper()
	if out := p.exit(); !strings.Contains(out, s) {
		p.t.Fatalf("%s did not print %q:\n%s", p.name, s, out)
	}
}

// interrupt sends sig to the program, waits for it to exit 0 and returns
// all it printed.
func (p *proc) interrupt(sig os.Signal) string {
	p.t.Helper()
	p.signal(sig)
	return p.exit()
}

// enter writes a line to the program's stdin.
func (p *proc) enter() {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, "\n"); err != nil {
		p.t.Fatalf("%s: stdin: %v", p.name, err)
	}
}

// waiting is a program that waits once it printed ready: a server for
// requests, a client for a reply that will not come.
type waiting struct {
	name  string
	args  []string
	ready string
	sig   syscall.Signal
}

// checkInterrupted runs each program until it waits, sends it its signal
// and checks that it shuts down cleanly and exits 0 at once: a client
// would wait much longer than the test's deadline.
func checkInterrupted(t *testing.T, programs []waiting) {
	t.Helper()
	for _, w := range programs {
		t.Run(w.name, func(t *testing.T) {
			p := program(t, w.name, w.args...)
			p.waitFor(w.ready)
			p.interrupt(w.sig)
		})
	}
}

// checkNumbered checks that out holds the lines format makes of from,
// from+1, ... in order (n of them), and no other line starting as they
// do (format up to its verb).
func checkNumbered(t *testing.T, name, out, format string, from, n int) {
	t.Helper()
	at := 0
	for i := from; i < from+n; i++ {
		want := fmt.Sprintf(format, i)
		j := strings.Index(out[at:], want)
		if j < 0 {
			t.Fatalf("%s did not print %q after the lines before it:\n%s", name, want, out)
		}
		at += j + len(want)
	}
	prefix, _, _ := strings.Cut(format, "%")
	if got := strings.Count(out, prefix); got != n {
		t.Fatalf("%s printed %d lines %q..., want %d:\n%s", name, got, prefix, n, out)
	}
}
