package acrossnodes_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// A node is the test binary started again as a protoactor node: an actor
// system with its Runtime and a remote on 127.0.0.1, and three actors the
// tests drive from their own node:
//
//   - "relay" sends on everything it receives to the actor named by the
//     last messages.ActorRef it got (and answers that ActorRef): the
//     owner, subscriber or monitor watcher of a socket actor elsewhere,
//     whose deliveries the test sees in an inbox of its own;
//   - "echo" answers a Request with its frames and "node ADDRESS", and a
//     Request whose first frame is "hold" not at all: a server's handler;
//   - "asker", given a messages.ActorRef, sends that DEALER or REQ client
//     three Requests ("asked 1" to "asked 3", 30 s timeout) and drops
//     their replies: a client's asker.
//
// With -factory it runs a socket-actor factory (-clear: that accepts
// secrets in clear text); with -tls DIR its remote uses mutual TLS with
// DIR's cert.pem, key.pem and ca.pem; with -spawn-curve-at ADDRESS it asks
// the factory there to spawn a CURVE REP server and prints "spawned NAME"
// or "refused ERROR", then "encrypted BOOL" as that factory says. It
// prints "node ADDRESS" once it runs, and exits when its stdin closes.

// nodeMain is a node's main.
func nodeMain(args []string) int {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	tlsDir := fs.String("tls", "", "mutual TLS with DIR/cert.pem, key.pem, ca.pem")
	factory := fs.Bool("factory", false, "run a socket-actor factory")
	clear := fs.Bool("clear", false, "the factory accepts secrets in clear text")
	spawnAt := fs.String("spawn-curve-at", "", "spawn a CURVE REP server at the factory of this node address")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Println("error", err)
		return 1
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
	z, err := actors.NewRuntime(system)
	if err != nil {
		return fail(err)
	}
	var opts []remote.ConfigOption
	if *tlsDir != "" {
		server, client, err := actors.MutualTLS(filepath.Join(*tlsDir, "cert.pem"), filepath.Join(*tlsDir, "key.pem"), filepath.Join(*tlsDir, "ca.pem"))
		if err != nil {
			return fail(err)
		}
		opts = append(opts, actors.RemoteTLS(server, client))
	}
	remote.NewRemote(system, remoteConfig(opts...)).Start()
	address := system.Address()
	if _, err := system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return &relay{} }), "relay"); err != nil {
		return fail(err)
	}
	if _, err := system.Root.SpawnNamed(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*messages.Request); ok && string(r.GetFrames()[0]) != "hold" {
			ctx.Respond(&messages.Reply{Frames: append(r.GetFrames(), []byte("node "+address))})
		}
	}), "echo"); err != nil {
		return fail(err)
	}
	if _, err := system.Root.SpawnNamed(actor.PropsFromFunc(ask), "asker"); err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Wait)
	defer cancel()
	if *factory {
		var fopts []actors.FactoryOption
		if *clear {
			fopts = append(fopts, actors.WithFactorySecretsInClear())
		}
		if _, err := z.StartFactory(ctx, fopts...); err != nil {
			return fail(err)
		}
	}
	fmt.Println("node", address)
	if *spawnAt != "" {
		spawnCurve(ctx, system, z, *spawnAt)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// relay sends on what it receives to the actor an ActorRef named.
type relay struct{ to *actor.PID }

func (r *relay) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *messages.ActorRef:
		r.to = actors.PIDOf(m)
		ctx.Respond(m)
	case actor.SystemMessage, actor.AutoReceiveMessage:
	default:
		if r.to != nil {
			ctx.Send(r.to, m)
		}
	}
}

// ask is the asker: three requests to the client an ActorRef names.
func ask(ctx actor.Context) {
	if ref, ok := ctx.Message().(*messages.ActorRef); ok {
		for i := 1; i <= 3; i++ {
			ctx.Request(actors.PIDOf(ref), &messages.Request{Frames: [][]byte{[]byte(fmt.Sprintf("asked %d", i))},
				Timeout: durationpb.New(30 * time.Second)})
		}
		ctx.Respond(ref)
	}
}

// spawnCurve asks the factory at address for a CURVE REP server whose
// handler is this node's echo, and prints the outcome.
func spawnCurve(ctx context.Context, system *actor.ActorSystem, z *actors.Runtime, address string) {
	_, secret, err := sockets.NewKeyPair()
	if err != nil {
		fmt.Println("refused", err)
		return
	}
	s, err := z.SpawnAt(ctx, actors.FactoryAt(address), sockets.Spec{Name: "curve", Type: sockets.Rep,
		Binds: []string{"tcp://127.0.0.1:*"}, Options: []sockets.Option{sockets.CurveServer(secret)}},
		actors.WithHandler(actor.NewPID(system.Address(), "echo"), actors.ServeOptions{}))
	if err != nil {
		fmt.Println("refused", strings.ReplaceAll(err.Error(), "\n", " "))
	} else {
		fmt.Println("spawned", s.Name())
	}
	res, err := system.Root.RequestFuture(actors.FactoryAt(address), &messages.GetFactoryStats{}, testutil.Wait).Result()
	if st, ok := res.(*messages.FactoryStats); ok && err == nil {
		fmt.Println("encrypted", st.GetEncrypted())
	}
}

// proc is a process a test started: a node, a clusternode, etcd. Its
// output (stdout and stderr) is kept line by line as it comes.
type proc struct {
	t      testing.TB
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	races  string        // the prefix of its race reports, with -race
	exited chan struct{} // closed once it exited and its output is read

	mu     sync.Mutex
	out    []string
	at     []time.Time   // when each line of out came
	next   int           // the first line expect has not looked at
	update chan struct{} // a new line, or the end
}

// launch starts path with args and env until the test ends, when it is
// killed if it still runs and its race reports are checked.
func launch(t testing.TB, name, path string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, cmd: exec.Command(path, args...), exited: make(chan struct{}), update: make(chan struct{}, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	if raceBuild() {
		p.races = filepath.Join(t.TempDir(), "race")
		p.cmd.Env = append(p.cmd.Env, "GORACE=log_path="+p.races+" exitcode=0 atexit_sleep_ms=0")
	}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go p.read(stdout)
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s printed:\n%s", p.name, p.output())
		}
		if p.races != "" {
			checkRaces(t, p.name, p.races)
		}
	})
	return p
}

// read keeps the output's lines until it ends, then waits for the exit.
func (p *proc) read(r io.Reader) {
	lines := bufio.NewScanner(r)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		p.mu.Lock()
		p.out = append(p.out, lines.Text())
		p.at = append(p.at, time.Now())
		p.mu.Unlock()
		p.notify()
	}
	_ = p.cmd.Wait()
	close(p.exited)
	p.notify()
}

func (p *proc) notify() {
	select {
	case p.update <- struct{}{}:
	default:
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.out, "\n")
}

// expect waits for the next line that starts with prefix, within
// testutil.Wait, and returns its fields after the prefix.
func (p *proc) expect(prefix string) []string {
	p.t.Helper()
	line := p.find(func(line string) bool { return strings.HasPrefix(line, prefix) }, fmt.Sprintf("print %q", prefix))
	return strings.Fields(strings.TrimPrefix(line, prefix))
}

// find waits for the next line that match accepts, within testutil.Wait,
// and returns it; what says what that line shows, for the failure.
func (p *proc) find(match func(string) bool, what string) string {
	p.t.Helper()
	deadline := time.NewTimer(testutil.Wait)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		for ; p.next < len(p.out); p.next++ {
			if line := p.out[p.next]; match(line) {
				p.next++
				p.mu.Unlock()
				return line
			}
		}
		p.mu.Unlock()
		select {
		case <-p.update:
		case <-p.exited:
			select {
			case <-p.update: // lines came with the end: look at them first
				continue
			default:
			}
			p.t.Fatalf("%s exited, and did not %s:\n%s", p.name, what, p.output())
		case <-deadline.C:
			p.t.Fatalf("%s did not %s within %v:\n%s", p.name, what, testutil.Wait, p.output())
		}
	}
}

// until waits, within testutil.Wait, until ok is true of all the lines
// printed so far, and returns when the last of them came; what says what
// that shows, for the failure.
func (p *proc) until(ok func(lines []string) bool, what string) time.Time {
	p.t.Helper()
	deadline := time.NewTimer(testutil.Wait)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		done := ok(p.out)
		var at time.Time
		if len(p.at) > 0 {
			at = p.at[len(p.at)-1]
		}
		p.mu.Unlock()
		if done {
			return at
		}
		select {
		case <-p.update:
		case <-p.exited:
			p.t.Fatalf("%s exited, and did not %s:\n%s", p.name, what, p.output())
		case <-deadline.C:
			p.t.Fatalf("%s did not %s within %v:\n%s", p.name, what, testutil.Wait, p.output())
		}
	}
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop asks the processes to end, all at once (it closes their stdin and
// sends SIGTERM), and fails the test unless each exits 0 within
// testutil.Wait. A clusternode whose protoactor remote panicked at the
// end of its graceful shutdown (a race of protoactor-go's; clusternode
// says so and exits 1) is logged, not failed.
func stop(t testing.TB, procs ...*proc) {
	t.Helper()
	for _, p := range procs {
		_ = p.stdin.Close()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.After(testutil.Wait)
	for _, p := range procs {
		select {
		case <-p.exited:
			code := p.cmd.ProcessState.ExitCode()
			switch {
			case code == 1 && strings.Contains(p.output(), "protoactor remote's shutdown panicked"):
				t.Logf("%s: protoactor remote's graceful shutdown panicked after the member left (protoactor-go's race)", p.name)
			case code != 0:
				t.Errorf("%s exited %d after SIGTERM", p.name, code)
			}
		case <-deadline:
			t.Fatalf("%s did not exit within %v of SIGTERM:\n%s", p.name, testutil.Wait, p.output())
		}
	}
}

// node is a node the test started (nodeMain), watched from this process's
// node: gone is closed once protoactor remote reports it lost.
type node struct {
	*proc
	address string
	gone    <-chan struct{}
}

// startNode starts a node with args and returns it once it runs. When
// the test ends it is stopped, if it still runs, and this process's node
// has seen it go. This node cannot talk to a node with TLS (-tls): such a
// node is not watched, and gone is nil.
func startNode(t *testing.T, name string, args ...string) *node {
	t.Helper()
	system, _ := thisNode(t)
	p := launch(t, name, os.Args[0], []string{nodeEnv + "=1"}, args...)
	n := &node{proc: p, address: p.expect("node ")[0]}
	if slices.Contains(args, "-tls") {
		return n
	}
	n.gone = watch(t, system, n.pid("relay"))
	t.Cleanup(func() {
		// Wait until this node has seen the other go: then nothing of
		// protoactor remote's is still busy with it at the shutdown.
		_ = p.stdin.Close()
		select {
		case <-n.gone:
		case <-time.After(testutil.Wait):
			t.Errorf("%s: this node did not see it go within %v", name, testutil.Wait)
		}
	})
	return n
}

// pid returns the PID of the node's actor id.
func (n *node) pid(id string) *actor.PID { return actor.NewPID(n.address, id) }

// watch returns a channel closed when who stops, or its node is lost, as
// protoactor remote reports it.
func watch(t *testing.T, system *actor.ActorSystem, who *actor.PID) <-chan struct{} {
	t.Helper()
	gone, watching := make(chan struct{}), make(chan struct{})
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			ctx.Watch(who)
			close(watching)
		case *actor.Terminated:
			if m.GetWho().Equal(who) {
				close(gone)
				ctx.Stop(ctx.Self())
			}
		}
	}))
	<-watching
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	return gone
}

// tell sends msg to pid from this node and waits for its answer.
func tell(t *testing.T, system *actor.ActorSystem, pid *actor.PID, msg any) any {
	t.Helper()
	res, err := system.Root.RequestFuture(pid, msg, testutil.Wait).Result()
	if err != nil {
		t.Fatalf("%s did not answer %T: %v", pid, msg, err)
	}
	return res
}
