package examples_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/internal/testutil/hostile"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The hostile tests throw a storm (internal/testutil/hostile) at each
// example that binds a socket, and at the library's server path, then
// check that the server is alive and serves a well-formed peer. Each logs
// its figures in hostile.Figures' one-line form.
//
// A REP socket of libzmq 4.3.4 loses the reply to the next request after
// it received a message without an empty delimiter: from a peer that fell
// back to ZMTP/1.0 (04 00 'abc' 04 00 'xyz', or random bytes), or a
// DEALER's junk (also past a CURVE handshake, where ZMTP/1.0 is refused).
// Every storm ends with that fallback, and the tests of REP servers
// (hwserver, lpserver, syncpub's sync service, ironhouse's server, the
// library's REP) assert that the next request is answered: each fails in
// some of the runs (when no junk request took the lost reply first; about
// half for the plain REPs) until REP server socket actors stop relying on
// libzmq's REP.

// answerWait bounds the wait for a server's first answer to a
// well-formed peer after a storm: what the storm left in its queues may
// come first. It took up to a quarter of a second under -race with the
// CPUs loaded here, but a CI run's rrbroker, starved while the other
// packages' tests ran, still had wrong-type handshakes unsettled after
// 5 s and gave no answer within 5 s: the bound leaves room for that, and
// a test that fails stays under half a minute.
const answerWait = 15 * time.Second

// stuckPeers is how many connections stay stuck in their greeting
// (hostile.Hold) while a server is asked after its storm.
const stuckPeers = 20

// follower reads a program's output in the background, so that a server
// printing a line for each junk request never blocks on a full pipe, and
// tells when a line holds a string a test waits for.
type follower struct {
	p       *proc
	mu      sync.Mutex
	out     strings.Builder
	watches []watch
	ended   bool // the output ended: the program exited
	stop    chan struct{}
	done    chan struct{}
}

type watch struct {
	s  string
	at chan time.Time // buffered: gets the time of the first line with s
}

// follow starts reading p's output in the background until end.
func (p *proc) follow() *follower {
	f := &follower{p: p, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		for {
			select {
			case <-f.stop:
				return
			case line, ok := <-p.lines:
				f.read(line, ok)
				if !ok {
					return
				}
			}
		}
	}()
	return f
}

// read takes one line of output, or its end (!ok).
func (f *follower) read(line string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !ok {
		f.ended = true
		return
	}
	f.out.WriteString(line)
	now := time.Now()
	kept := f.watches[:0]
	for _, w := range f.watches {
		if strings.Contains(line, w.s) {
			w.at <- now
		} else {
			kept = append(kept, w)
		}
	}
	f.watches = kept
}

// expect returns a channel that gets the time at which a line holding s
// is read from now on.
func (f *follower) expect(s string) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	at := make(chan time.Time, 1)
	f.watches = append(f.watches, watch{s: s, at: at})
	return at
}

// await waits up to answerWait for a line registered with expect, and
// returns when it was read.
func (f *follower) await(at <-chan time.Time, what string) (time.Time, error) {
	deadline := time.NewTimer(answerWait)
	defer deadline.Stop()
	select {
	case t := <-at:
		return t, nil
	case <-deadline.C:
		return time.Time{}, fmt.Errorf("%s did not %s within %v", f.p.name, what, answerWait)
	}
}

// end stops reading and hands what was read back to the program's output
// (p.out), where read and exit go on from.
func (f *follower) end() {
	close(f.stop)
	<-f.done
	f.p.out.WriteString(f.out.String())
	f.out.Reset()
}

// alive reports whether the program still runs: its output has not ended
// and the process is no zombie.
func (f *follower) alive() bool {
	f.mu.Lock()
	ended := f.ended
	f.mu.Unlock()
	if ended {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", f.p.cmd.Process.Pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// rss is the program's resident set size, 0 once it ended.
func (f *follower) rss() int64 {
	n, _ := hostile.RSS(f.p.cmd.Process.Pid)
	return n
}

// output is what the program printed so far.
func (f *follower) output() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.p.out.String() + f.out.String()
}

// target is what a siege storms: a program, through its follower, or a
// socket actor of this process.
type target interface {
	alive() bool
	rss() int64     // 0 if it cannot be read
	output() string // for a failure message
}

// siege is one hostile test: the storms thrown at a server's endpoints at
// the same time, then a well-formed exchange with it.
type siege struct {
	name   string
	target target
	storms []hostile.Storm
	// answer talks to the server as a well-formed peer after the storms
	// and returns when the server's first answer came.
	answer func(ctx context.Context) (time.Time, error)
	// ends: the program ends by itself after the exchange (a batch
	// done, a broadcast sent), so it must be alive after the storm, and
	// its RSS after is taken then.
	ends bool
}

// run throws the storms, then runs the well-formed exchange while
// stuckPeers connections to the first storm's endpoint are stuck in their
// greeting, logs the figures in hostile.Figures' one-line form and fails
// the test unless the server answered and was alive after the storm and
// (unless it ends) after the exchange.
func (s siege) run(t *testing.T) {
	t.Helper()
	figures := hostile.Figures{Name: s.name, RSSBefore: s.target.rss()}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The storms' seeds follow from the one logged.
	seed := uint64(time.Now().UnixNano())
	for i, storm := range s.storms {
		storm.Seed = seed + uint64(i)
		wg.Go(func() {
			thrown, err := storm.Run(ctx)
			mu.Lock()
			defer mu.Unlock()
			figures.Thrown = figures.Thrown.Add(thrown)
			if err != nil {
				errs = append(errs, fmt.Errorf("storm at %s: %w", storm.Endpoint, err))
			}
		})
	}
	wg.Wait()
	figures.Thrown.Seed = seed
	calm := time.Now()
	figures.Alive = s.target.alive()
	if s.ends {
		figures.RSSAfter = s.target.rss()
	}
	// Slow peers stuck in their greeting must not hold up the others.
	release, err := hostile.Hold(ctx, s.storms[0].Endpoint, stuckPeers)
	if err != nil {
		errs = append(errs, err)
	} else {
		defer release()
	}
	answered, err := s.answer(ctx)
	if err == nil {
		figures.FirstReply = answered.Sub(calm)
	}
	if !s.ends {
		figures.Alive = figures.Alive && s.target.alive()
		figures.RSSAfter = s.target.rss()
	}
	t.Log(figures)
	for _, e := range errs {
		t.Error(e)
	}
	if err != nil {
		out := s.target.output()
		t.Errorf("%s after the storm: %v; the end of its output:\n%s", s.name, err, out[max(len(out)-3000, 0):])
	}
	if !figures.Alive {
		t.Fatalf("%s did not survive the storm:\n%.4000s", s.name, s.target.output())
	}
}

// The socket types a server of a kind takes, and some it must refuse.
var (
	reqClients   = []zmq4.Type{zmq4.REQ, zmq4.DEALER}
	notForRouter = []zmq4.Type{zmq4.PUSH, zmq4.PULL, zmq4.SUB, zmq4.PUB, zmq4.PAIR, zmq4.REP}
	// A REP socket actor is a ROUTER on the wire (libzmq's REP loses
	// replies after junk): it greets as a ROUTER, so it takes what a ROUTER
	// takes, a ROUTER peer included.
	notForRep    = notForRouter
	notForDealer = []zmq4.Type{zmq4.PUSH, zmq4.PULL, zmq4.SUB, zmq4.PUB, zmq4.PAIR, zmq4.REQ}
	subscribers  = []zmq4.Type{zmq4.SUB, zmq4.XSUB}
	notForPub    = []zmq4.Type{zmq4.PUB, zmq4.XPUB, zmq4.PUSH, zmq4.PULL, zmq4.REQ, zmq4.REP, zmq4.DEALER, zmq4.ROUTER, zmq4.PAIR}
	notForPush   = []zmq4.Type{zmq4.PUSH, zmq4.SUB, zmq4.PUB, zmq4.REQ, zmq4.REP, zmq4.DEALER, zmq4.ROUTER, zmq4.PAIR}
	notForPull   = []zmq4.Type{zmq4.PULL, zmq4.SUB, zmq4.PUB, zmq4.XPUB, zmq4.REQ, zmq4.REP, zmq4.DEALER, zmq4.ROUTER, zmq4.PAIR}
)

// junkSubscriptions is the size of the junk subscription storm on the
// weather programs: about what made wuserver die before its PUB had a
// message size limit.
const junkSubscriptions = 20_000

// askHello is the well-formed exchange with a hello world server: one
// "Hello" from a new REQ socket, answered "World".
func askHello(endpoint string) func(context.Context) (time.Time, error) {
	return askFor(endpoint, nil, []byte("Hello"), []byte("World"))
}

// askFor sends request from a new REQ socket (with setup, when not nil)
// and wants want back.
func askFor(endpoint string, setup func(*zmq4.Socket) error, request, want []byte) func(context.Context) (time.Time, error) {
	return func(ctx context.Context) (time.Time, error) {
		ctx, cancel := context.WithTimeout(ctx, answerWait)
		defer cancel()
		reply, _, err := hostile.Ask(ctx, endpoint, setup, request)
		if err != nil {
			return time.Time{}, err
		}
		if len(reply) != 1 || !bytes.Equal(reply[0], want) {
			return time.Time{}, fmt.Errorf("reply %q, want [%q]", reply, want)
		}
		return time.Now(), nil
	}
}

// listenFor is the well-formed exchange with a publisher: a new SUB
// socket subscribed to prefix gets a message that ok accepts.
func listenFor(endpoint, prefix string, ok func([][]byte) bool) func(context.Context) (time.Time, error) {
	return func(ctx context.Context) (time.Time, error) {
		ctx, cancel := context.WithTimeout(ctx, answerWait)
		defer cancel()
		sub, err := hostile.Dial(endpoint, zmq4.SUB, hostile.Subscribe(prefix))
		if err != nil {
			return time.Time{}, err
		}
		defer sub.Close()
		m, err := sub.Recv(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("no message for %q: %w", prefix, err)
		}
		if !ok(m) {
			return time.Time{}, fmt.Errorf("received %q", m)
		}
		return time.Now(), nil
	}
}

var weatherUpdate = regexp.MustCompile(`^\d{5} -?\d+ \d+$`)

// isUpdate accepts a weather update, one frame "%05d %d %d".
func isUpdate(m [][]byte) bool { return len(m) == 1 && weatherUpdate.Match(m[0]) }

// besiege runs s on program p, following its output meanwhile, and hands
// the output back (p.out) before it returns.
func besiege(t *testing.T, p *proc, s siege) {
	t.Helper()
	f := p.follow()
	s.target = f
	s.run(t)
	f.end()
}

// TestHostileServers storms the request/reply servers, each bound to one
// endpoint: hwserver (REP, a handler), mtserver (ROUTER, a pool of
// handlers) and lpserver (REP, an echo); then a well-formed request from a
// new REQ socket must be answered.
func TestHostileServers(t *testing.T) {
	for _, c := range []struct {
		name           string
		args           []string
		wrong          []zmq4.Type
		request, reply string
	}{
		{"hwserver", []string{"-work", "0"}, notForRep, "Hello", "World"},
		{"mtserver", []string{"-work", "0"}, notForRouter, "Hello", "World"},
		{"lpserver", []string{"-chaos=false", "-work", "0"}, notForRep, "1", "1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, ep := serve(t, c.name, c.args...)
			besiege(t, p, siege{
				name:   c.name,
				storms: []hostile.Storm{{Endpoint: ep, Peers: reqClients, Wrong: c.wrong}},
				answer: askFor(ep, nil, []byte(c.request), []byte(c.reply)),
			})
			p.interrupt(syscall.SIGTERM)
		})
	}
}

// TestHostileRrbroker storms both sides of rrbroker (and msgqueue, the
// same broker under its zmq_proxy name) at once, the clients' ROUTER and
// the workers' DEALER (where REP peers take requests and leave without
// answering); then a worker connects and a client's "Hello" goes through
// to it and back. Requests the storm left in the backend's queue reach
// the worker first.
func TestHostileRrbroker(t *testing.T) {
	for _, name := range []string{"rrbroker", "msgqueue"} {
		t.Run(name, func(t *testing.T) {
			eps := testutil.FreeEndpoints(t, 2)
			frontend, backend := eps[0], eps[1]
			p := program(t, name, "-frontend", frontend, "-backend", backend)
			p.waitFor("bound " + frontend + " " + backend)
			besiege(t, p, siege{
				name: name,
				storms: []hostile.Storm{
					{Endpoint: frontend, Peers: reqClients, Wrong: notForRouter},
					{Endpoint: backend, Peers: []zmq4.Type{zmq4.DEALER, zmq4.REP}, Wrong: notForDealer},
				},
				answer: func(ctx context.Context) (time.Time, error) {
					worker := program(t, "rrworker", "-connect", backend, "-work", "0")
					worker.waitFor("worker ready")
					wf := worker.follow()
					defer wf.end()
					return askHello(frontend)(ctx)
				},
			})
			p.interrupt(syscall.SIGTERM)
		})
	}
}

// TestHostileWuserver storms the weather server's PUB, junk subscriptions
// included; then a subscriber gets an update.
func TestHostileWuserver(t *testing.T) {
	p, ep := serve(t, "wuserver")
	besiege(t, p, siege{
		name: "wuserver",
		storms: []hostile.Storm{{Endpoint: ep, Peers: subscribers, Wrong: notForPub,
			Subscriptions: junkSubscriptions}},
		answer: listenFor(ep, "", isUpdate),
	})
	p.interrupt(syscall.SIGTERM)
}

// TestHostileWuproxy storms the proxy's XPUB backend, junk subscriptions
// included (they go upstream to the weather server too); then a
// subscriber of the proxy gets an update, and the server is alive too.
func TestHostileWuproxy(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 2)
	server := program(t, "wuserver", "-bind", eps[0])
	server.waitFor("bound " + eps[0])
	sf := server.follow()
	p := program(t, "wuproxy", "-frontend", eps[0], "-backend", eps[1])
	p.waitFor("bound " + eps[1])
	besiege(t, p, siege{
		name: "wuproxy",
		storms: []hostile.Storm{{Endpoint: eps[1], Peers: subscribers, Wrong: notForPub,
			Subscriptions: junkSubscriptions}},
		answer: listenFor(eps[1], "", isUpdate),
	})
	p.interrupt(syscall.SIGTERM)
	alive := sf.alive()
	sf.end()
	if !alive {
		t.Fatalf("wuserver behind the proxy did not survive:\n%.4000s", server.out.String())
	}
	server.interrupt(syscall.SIGINT)
}

// TestHostilePsenvpub storms the envelope publisher; then a subscriber
// to "B" gets the zguide's B envelope.
func TestHostilePsenvpub(t *testing.T) {
	p, ep := serve(t, "psenvpub", "-interval", "20ms")
	besiege(t, p, siege{
		name:   "psenvpub",
		storms: []hostile.Storm{{Endpoint: ep, Peers: subscribers, Wrong: notForPub, Subscriptions: 5000}},
		answer: listenFor(ep, "B", func(m [][]byte) bool {
			return len(m) == 2 && string(m[0]) == "B" && string(m[1]) == "We would like to see this"
		}),
	})
	p.interrupt(syscall.SIGTERM)
}

// TestHostileSyncpub storms each side of syncpub on its own. The sync
// service (a REP) counts any request as a subscriber's, and the
// publisher any subscription: what a storm sends counts for subscribers.
//
//   - sync: waiting for more subscribers than the storm can count, the
//     REP answers a well-formed sync request after the storm;
//   - publisher: waiting for one subscriber, whose subscription the
//     storm's count for, a well-formed subscriber's sync starts the
//     broadcast, which that subscriber receives to the END.
func TestHostileSyncpub(t *testing.T) {
	t.Run("sync", func(t *testing.T) {
		eps := testutil.FreeEndpoints(t, 2)
		p := program(t, "syncpub", "-bind", eps[0], "-sync", eps[1], "-subscribers", "1000000000", "-updates", "10")
		p.waitFor("Waiting for subscribers")
		besiege(t, p, siege{
			name:   "syncpub-sync",
			storms: []hostile.Storm{{Endpoint: eps[1], Peers: reqClients, Wrong: notForRep}},
			answer: askFor(eps[1], nil, []byte{}, []byte{}),
		})
		p.interrupt(syscall.SIGTERM)
	})
	t.Run("publisher", func(t *testing.T) {
		const updates = 20000
		eps := testutil.FreeEndpoints(t, 2)
		p := program(t, "syncpub", "-bind", eps[0], "-sync", eps[1], "-subscribers", "1", "-updates", strconv.Itoa(updates))
		p.waitFor("Waiting for subscribers")
		besiege(t, p, siege{
			name:   "syncpub-publisher",
			storms: []hostile.Storm{{Endpoint: eps[0], Peers: subscribers, Wrong: notForPub, Subscriptions: 5000}},
			answer: func(ctx context.Context) (time.Time, error) {
				return syncAndReceive(ctx, eps[0], eps[1])
			},
			ends: true,
		})
		p.exitPrinting("Broadcasting messages")
	})
}

// syncAndReceive is the zguide's synchronized subscriber: it subscribes
// to everything at pub, syncs through sync once its connection is up,
// and receives updates "Rhubarb" until "END"; it returns when the first
// update came.
func syncAndReceive(ctx context.Context, pub, sync string) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, answerWait)
	defer cancel()
	sub, err := hostile.DialReady(ctx, pub, zmq4.SUB, hostile.Subscribe(""))
	if err != nil {
		return time.Time{}, err
	}
	defer sub.Close()
	if reply, _, err := hostile.Ask(ctx, sync, nil, []byte{}); err != nil || len(reply) != 1 || len(reply[0]) != 0 {
		return time.Time{}, fmt.Errorf("sync: reply %q, %v; want one empty frame", reply, err)
	}
	var first time.Time
	for n := 0; ; n++ {
		m, err := sub.Recv(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("after %d updates: %w", n, err)
		}
		if first.IsZero() {
			first = time.Now()
		}
		switch {
		case len(m) == 1 && string(m[0]) == "END":
			if n == 0 {
				return time.Time{}, errors.New("END without an update before it")
			}
			return first, nil
		case len(m) != 1 || string(m[0]) != "Rhubarb":
			return time.Time{}, fmt.Errorf("received %q", m)
		}
	}
}

// TestHostileTaskvent storms the ventilator's PUSH while it waits for
// Enter; then a well-formed worker connects and, after Enter, gets every
// workload, and the sink the start of the batch.
func TestHostileTaskvent(t *testing.T) {
	const tasks = 20
	eps := testutil.FreeEndpoints(t, 2)
	vent, sinkEp := eps[0], eps[1]
	sink, err := hostile.Listen(sinkEp, zmq4.PULL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	p := program(t, "taskvent", "-bind", vent, "-sink", sinkEp, "-tasks", strconv.Itoa(tasks), "-wait")
	p.waitFor("bound " + vent)
	besiege(t, p, siege{
		name:   "taskvent",
		storms: []hostile.Storm{{Endpoint: vent, Peers: []zmq4.Type{zmq4.PULL}, Wrong: notForPush}},
		answer: func(ctx context.Context) (time.Time, error) {
			ctx, cancel := context.WithTimeout(ctx, answerWait)
			defer cancel()
			worker, err := hostile.DialReady(ctx, vent, zmq4.PULL, nil)
			if err != nil {
				return time.Time{}, err
			}
			defer worker.Close()
			p.enter()
			if m, err := sink.Recv(ctx); err != nil || len(m) != 1 || string(m[0]) != "0" {
				return time.Time{}, fmt.Errorf("sink: %q, %v; want the batch's start, 0", m, err)
			}
			var first time.Time
			for i := range tasks {
				m, err := worker.Recv(ctx)
				if err != nil {
					return time.Time{}, fmt.Errorf("workload %d: %w", i+1, err)
				}
				if first.IsZero() {
					first = time.Now()
				}
				if ms, err := strconv.Atoi(string(m[0])); len(m) != 1 || err != nil || ms < 1 || ms > 100 {
					return time.Time{}, fmt.Errorf("workload %q", m)
				}
			}
			return first, nil
		},
		ends: true,
	})
	p.exitPrinting("Total expected cost")
}

// TestHostileTasksink storms the sink's PULL, which counts every message
// as a result: its batch is as long as the storm could make it, plus ten.
// A well-formed ventilator and worker then send the start and a batch of
// results, and the sink reports the batch (first_reply: the report).
func TestHostileTasksink(t *testing.T) {
	storm := hostile.Storm{Peers: []zmq4.Type{zmq4.PUSH}, Wrong: notForPull}
	tasks := storm.MaxMessages() + 10
	p, ep := serve(t, "tasksink", "-tasks", strconv.Itoa(tasks))
	storm.Endpoint = ep
	f := p.follow()
	siege{
		name:   "tasksink",
		target: f,
		storms: []hostile.Storm{storm},
		answer: func(ctx context.Context) (time.Time, error) {
			done := f.expect("Total elapsed time")
			push, err := sendBatch(ep, tasks)
			if err != nil {
				return time.Time{}, err
			}
			defer push.Close()
			return f.await(done, "report its batch")
		},
		ends: true,
	}.run(t)
	f.end()
	out := p.exit()
	if marks := strings.Count(out, ":") + strings.Count(out, "."); !strings.Contains(out, "\nTotal elapsed time: ") || marks < tasks {
		t.Fatalf("tasksink printed %d marks of progress, want %d, and the elapsed time:\n%.2000s", marks, tasks, out)
	}
}

// sendBatch sends a sink at ep the start of a batch and its tasks results,
// as a ventilator and a worker would, over a PUSH with no high-water mark.
// The sink may need fewer (the storm's messages counted too) and be gone
// before the last ones, which ZeroMQ then keeps: a send it does not take
// ends the batch. The caller closes the PUSH once the sink has reported:
// Close drops (linger 0) what is still queued, and the batch with it.
func sendBatch(ep string, tasks int) (*hostile.Peer, error) {
	push, err := hostile.Dial(ep, zmq4.PUSH, func(s *zmq4.Socket) error { return s.SetSndhwm(0) })
	if err != nil {
		return nil, err
	}
	for i := range tasks + 1 {
		frame := []byte{}
		if i == 0 {
			frame = []byte("0")
		}
		if !push.TrySend(frame) {
			break
		}
	}
	return push, nil
}

// TestHostileTasksink2 storms both of tasksink2's sockets at once: the
// PULL, which counts every message as a result (so its batch is as long
// as that storm could make it, plus ten), and the controller's PUB, junk
// subscriptions included. A well-formed worker's SUB then subscribes to
// everything, a ventilator and worker send the start and a batch of
// results, and the SUB must get the one frame "KILL" (first_reply: the
// kill signal).
func TestHostileTasksink2(t *testing.T) {
	pull := hostile.Storm{Peers: []zmq4.Type{zmq4.PUSH}, Wrong: notForPull}
	tasks := pull.MaxMessages() + 10
	eps := testutil.FreeEndpoints(t, 2)
	sink, controller := eps[0], eps[1]
	p := program(t, "tasksink2", "-bind", sink, "-controller", controller, "-tasks", strconv.Itoa(tasks))
	p.waitFor("bound " + sink + " " + controller)
	pull.Endpoint = sink
	f := p.follow()
	siege{
		name:   "tasksink2",
		target: f,
		storms: []hostile.Storm{pull, {Endpoint: controller, Peers: subscribers, Wrong: notForPub,
			Subscriptions: junkSubscriptions}},
		answer: func(ctx context.Context) (time.Time, error) {
			// Subscribed before the batch ends: the PUB sends KILL only
			// to the subscriptions it has.
			sub, err := hostile.DialReady(ctx, controller, zmq4.SUB, hostile.Subscribe(""))
			if err != nil {
				return time.Time{}, err
			}
			defer sub.Close()
			push, err := sendBatch(sink, tasks)
			if err != nil {
				return time.Time{}, err
			}
			defer push.Close()
			ctx, cancel := context.WithTimeout(ctx, answerWait)
			defer cancel()
			m, err := sub.Recv(ctx)
			if err != nil {
				return time.Time{}, fmt.Errorf("no kill signal: %w", err)
			}
			if len(m) != 1 || string(m[0]) != "KILL" {
				return time.Time{}, fmt.Errorf("kill signal %q, want [\"KILL\"]", m)
			}
			return time.Now(), nil
		},
		ends: true,
	}.run(t)
	f.end()
	if out := p.exit(); !strings.Contains(out, "\nTotal elapsed time: ") || !strings.HasSuffix(out, "sent KILL\n") {
		t.Fatalf("tasksink2 did not report its batch and the kill signal:\n%.2000s", out)
	}
}

// TestHostileIronhouse storms ironhouse's CURVE server while the program
// waits for Enter: peers with the allowed client key (past the handshake,
// their junk reaches the server), peers with a key not on the allowlist
// (the authenticator refuses them), and plain peers and raw TCP (refused at
// the handshake). After Enter the program's own client gets its answers
// and the intruder is refused.
func TestHostileIronhouse(t *testing.T) {
	dir := t.TempDir()
	ep := testutil.FreeEndpoint(t)
	p := program(t, "ironhouse", "-bind", ep, "-connect", ep, "-certs", dir, "-wait")
	p.waitFor("bound " + ep)
	allowed, stranger := curveClients(t, dir)
	f := p.follow()
	siege{
		name:   "ironhouse",
		target: f,
		storms: []hostile.Storm{
			{Endpoint: ep, Peers: reqClients, Wrong: notForRep, Setup: allowed, Connections: -1},
			{Endpoint: ep, Peers: reqClients, Wrong: notForRep, Setup: stranger, Messages: 200, Connections: -1},
			{Endpoint: ep, Peers: reqClients, Wrong: notForRep, Messages: 200},
		},
		answer: func(context.Context) (time.Time, error) {
			replied := f.expect("Received reply 0 [World]")
			p.enter()
			return f.await(replied, "answer its client")
		},
		ends: true,
	}.run(t)
	f.end()
	out := p.exit()
	checkReplies(t, "ironhouse", out, 3)
	if !strings.Contains(out, "Ironhouse test OK\n") {
		t.Fatalf("ironhouse did not pass its test after the storm:\n%.4000s", out)
	}
}

// curveClients returns the setups of CURVE clients of the ironhouse
// server whose certificates are in dir: one with the allowed client's
// keys, one with a new key pair, not on the allowlist.
func curveClients(t *testing.T, dir string) (allowed, stranger func(*zmq4.Socket) error) {
	t.Helper()
	server, err := sockets.LoadCertificate(filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := sockets.LoadCertificate(filepath.Join(dir, "client.key"))
	if err != nil {
		t.Fatal(err)
	}
	public, secret, err := sockets.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return hostile.Curve(server.Public.String(), client.Public.String(), client.Secret.String()),
		hostile.Curve(server.Public.String(), public.String(), secret.String())
}

// socketTarget is a socket actor of this process as a siege's target.
type socketTarget struct{ s *actors.Socket }

func (s socketTarget) alive() bool {
	select {
	case <-s.s.Done():
		return false
	default:
		return true
	}
}

func (socketTarget) rss() int64 {
	n, _ := hostile.RSS(0)
	return n
}

func (s socketTarget) output() string { return s.s.Name() + " stopped" }

// TestHostileServerPath storms the library's server path in this process:
// a ROUTER and a REP socket actor spawned WithHandler, with the library's
// defaults (no message size limit). Each must answer a well-formed request
// after the storm, count what it refused, and stay up. The RSS is this
// test process's, the storm's peers included.
func TestHostileServerPath(t *testing.T) {
	for _, c := range []struct {
		typ   sockets.Type
		wrong []zmq4.Type
	}{{sockets.Router, notForRouter}, {sockets.Rep, notForRep}} {
		t.Run(c.typ.String(), func(t *testing.T) {
			system, z := testutil.NewSystem(t)
			owner := testutil.NewInbox(t, system, 64)
			handler := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
				if _, ok := ctx.Message().(*messages.Request); ok {
					ctx.Respond(&messages.Reply{Frames: [][]byte{[]byte("World")}})
				}
			}))
			// The handler stays up until the system shuts down: the storm's
			// last requests may still reach it after the test's end.
			srv := testutil.Spawn(t, z, sockets.Spec{Name: "server", Type: c.typ, Binds: []string{"tcp://127.0.0.1:*"}},
				actors.WithHandler(handler, actors.ServeOptions{}), actors.WithOwner(owner.PID()))
			// The owner hears of every request the server refused: read
			// them as they come.
			errs, stop := make(chan int, 1), make(chan struct{})
			go func() {
				n := 0
				for {
					select {
					case m := <-owner.C():
						if _, ok := m.(*messages.Error); ok {
							n++
						}
					case <-stop:
						errs <- n
						return
					}
				}
			}()
			ep := srv.Endpoint()
			siege{
				name:   "library-" + strings.ToLower(c.typ.String()),
				target: socketTarget{srv},
				storms: []hostile.Storm{{Endpoint: ep, Peers: reqClients, Wrong: c.wrong}},
				answer: askHello(ep),
			}.run(t)
			stats, err := srv.RequestStats(testutil.Ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if stats.GetHandled() == 0 || stats.GetAnswered() == 0 {
				t.Fatalf("the server handled %d requests and answered %d: the storm's requests never came through", stats.GetHandled(), stats.GetAnswered())
			}
			close(stop)
			t.Logf("%s: %d requests handled, %d answered, %d malformed, %d error events to the owner",
				c.typ, stats.GetHandled(), stats.GetAnswered(), stats.GetMalformed(), <-errs)
			// Closed before its owner's inbox is (a cleanup): its Closed is
			// no dead letter.
			if _, err := srv.Close(testutil.Ctx(t)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
