package supervision_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// chaosKind is the pattern of one pair of socket actors in TestChaos.
type chaosKind int

const (
	chaosPushPull chaosKind = iota // PUSH connects to a bound PULL
	chaosPubSub                    // SUB connects to a bound PUB; the owner subscribes locally
	chaosReqRep                    // DEALER client connects to a bound ROUTER server with a handler
)

func (k chaosKind) String() string {
	return [...]string{"push-pull", "pub-sub", "dealer-router"}[k]
}

// Traffic in TestChaos, per pair: a batch every chaosTick. Data payloads
// start with 'd', markers with 'm'.
const (
	chaosTick          = 10 * time.Millisecond
	chaosBatch         = 20 // messages per tick: 2,000/s per PUSH or PUB
	chaosRequests      = 5  // requests per tick: 500/s per DEALER
	chaosRequestWait   = 250 * time.Millisecond
	chaosRequestResend = 40 // retries: a request outlives 10 s of chaos
)

// chaosLife is what a socket's owner saw of its lifecycle.
type chaosLife struct {
	started, restarting int
	injected            int      // Restarting events whose reason is an injected fault
	other               []string // reasons of the other restarts
	lastStarted         bool     // the last lifecycle event was Started
	restarts            uint32   // Started.Restarts of the last Started
	bound               []string
	closed              string
}

// chaosState is the owner of both socket actors of a pair: an actor that
// counts what it receives. The test reads it under mu.
type chaosState struct {
	mu       sync.Mutex
	life     map[string]*chaosLife
	received int64           // data messages received, or replies to data requests
	failed   int64           // data requests answered with an error
	markers  map[string]bool // markers received
	errors   map[string]int  // Error events, by code
	changed  chan struct{}   // poked on every lifecycle event
}

func newChaosState() *chaosState {
	return &chaosState{life: map[string]*chaosLife{}, markers: map[string]bool{}, errors: map[string]int{},
		changed: make(chan struct{}, 1)}
}

func (s *chaosState) lifeOf(socket string) *chaosLife {
	l := s.life[socket]
	if l == nil {
		l = &chaosLife{}
		s.life[socket] = l
	}
	return l
}

func (s *chaosState) payload(p []byte) {
	switch {
	case len(p) > 0 && p[0] == 'm':
		s.markers[string(p)] = true
	case len(p) > 0 && p[0] == 'd':
		s.received++
	}
}

func (s *chaosState) receive(ctx actor.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lifecycle := false
	switch m := ctx.Message().(type) {
	case *messages.Started:
		l := s.lifeOf(m.GetSocket())
		l.started++
		l.lastStarted, l.restarts, l.bound = true, m.GetRestarts(), m.GetBound()
		lifecycle = true
	case *messages.Restarting:
		l := s.lifeOf(m.GetSocket())
		l.restarting++
		l.lastStarted = false
		if strings.Contains(m.GetReason(), "injected fault") {
			l.injected++
		} else {
			l.other = append(l.other, m.GetReason())
		}
		lifecycle = true
	case *messages.Closed:
		s.lifeOf(m.GetSocket()).closed = fmt.Sprintf("%s (%v)", m.GetReason(), m.GetError())
		lifecycle = true
	case *messages.Received:
		if f := m.GetFrames(); len(f) > 0 {
			s.payload(f[len(f)-1])
		}
	case *messages.Reply:
		if f := m.GetFrames(); len(f) > 0 {
			s.payload(f[0])
		}
	case *messages.Error:
		// A request's failure comes without a sender; a socket's error
		// event with the socket actor as sender.
		if ctx.Sender() == nil {
			s.failed++
		}
		s.errors[m.GetCode().String()]++
	}
	if lifecycle {
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}
}

// chaosPair is two socket actors under one supervising parent, owned by one
// chaosState actor.
type chaosPair struct {
	name    string
	kind    chaosKind
	state   *chaosState
	owner   *actor.PID
	sender  *actor.PID // PUSH, PUB or DEALER
	sockets []*chaosTarget
	sent    atomic.Int64 // data messages or requests sent
	marks   int          // markers sent
}

// chaosTarget is a socket actor the chaos goroutine fails.
type chaosTarget struct {
	pair   *chaosPair
	name   string
	pid    *actor.PID
	faults atomic.Int64
}

// chaosSpawn asks a parent actor to spawn a child.
type chaosSpawn struct {
	props *actor.Props
	name  string
	reply chan *actor.PID
}

// chaosParent supervises the socket actors it spawns.
func chaosParent(ctx actor.Context) {
	if m, ok := ctx.Message().(chaosSpawn); ok {
		pid, err := ctx.SpawnNamed(m.props, m.name)
		if err != nil {
			pid = nil
		}
		m.reply <- pid
	}
}

// chaosEcho is the ROUTER servers' handler.
func chaosEcho(ctx actor.Context) {
	if r, ok := ctx.Message().(*messages.Request); ok {
		ctx.Respond(&messages.Reply{Frames: r.GetFrames()})
	}
}

// TestChaos runs ten pairs of socket actors (PUSH to PULL, PUB to a SUB with
// a local subscriber, DEALER to a ROUTER server) under one-for-one
// supervisors with traffic on every pair, while faults are injected at
// random into the twenty socket actors, senders and receivers alike, every
// 20 to 50 ms, for 20 s (3 s with -short). Then every socket actor is back
// (its owner saw Started after the Restarting of each fault, and nothing
// else failed), a fresh marker crosses every pair, every request was
// answered, and no file descriptor is left (TestMain checks goroutines).
// Messages in flight across a restart may be lost; the counts are logged.
func TestChaos(t *testing.T) {
	duration := 20 * time.Second
	if testing.Short() {
		duration = 3 * time.Second
	}
	if dl, ok := t.Deadline(); ok {
		// Leave time for the checks and the shutdown.
		if left := time.Until(dl) - time.Minute; left < duration {
			duration = max(left/2, time.Second)
		}
	}
	chaosCheckFDs(t) // registered first: runs after the system is shut down
	system, z := testutil.NewSystem(t)
	root := system.Root
	strategy, err := supervision.OneForOne(supervision.WithMaxRestarts(1_000_000), supervision.WithWindow(time.Minute),
		supervision.WithBackoff(time.Millisecond, 50*time.Millisecond), supervision.WithJitter(0.5))
	if err != nil {
		t.Fatal(err)
	}
	handler := root.Spawn(actor.PropsFromFunc(chaosEcho))
	kinds := []chaosKind{chaosPushPull, chaosPushPull, chaosPushPull, chaosPushPull, chaosPushPull, chaosPushPull,
		chaosPubSub, chaosPubSub, chaosReqRep, chaosReqRep}
	var pairs []*chaosPair
	var targets []*chaosTarget
	for i, kind := range kinds {
		p := chaosStartPair(t, z, strategy, handler, fmt.Sprintf("%v-%d", kind, i), kind)
		pairs = append(pairs, p)
		targets = append(targets, p.sockets...)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chaosTraffic(root, p, stop)
		}()
	}
	var injected atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		timer := time.NewTimer(0)
		defer timer.Stop()
		for {
			select {
			case <-stop:
				return
			case <-timer.C:
			}
			target := targets[rand.IntN(len(targets))]
			n := injected.Add(1)
			target.faults.Add(1)
			root.Send(target.pid, &messages.InjectFault{Reason: fmt.Sprintf("chaos %d", n)})
			timer.Reset(20*time.Millisecond + rand.N(30*time.Millisecond))
		}
	}()
	chaos := time.NewTimer(duration)
	<-chaos.C
	close(stop)
	wg.Wait()

	// Every socket actor is back: one Restarting per injected fault, and
	// Started after the last one. InjectFaults still in a mailbox are
	// carried out after the restart before them.
	restarts := 0
	for _, tg := range targets {
		st, faults := tg.pair.state, int(tg.faults.Load())
		chaosWait(t, st, fmt.Sprintf("socket %s back after %d faults", tg.name, faults), func() bool {
			l := st.lifeOf(tg.name)
			return l.closed != "" || l.injected >= faults && l.lastStarted && l.started == l.restarting+1
		}, func() string {
			l := st.lifeOf(tg.name)
			return fmt.Sprintf("%+v", *l)
		})
		st.mu.Lock()
		l := st.lifeOf(tg.name)
		if l.closed != "" {
			t.Errorf("socket %s closed: %s", tg.name, l.closed)
		}
		if l.injected != faults || len(l.other) > 0 || l.restarts != uint32(l.restarting) {
			t.Errorf("socket %s: %d faults injected, %d restarts for them, other restarts %q, last Started.Restarts %d of %d",
				tg.name, faults, l.injected, l.other, l.restarts, l.restarting)
		}
		restarts += l.restarting
		st.mu.Unlock()
	}

	// Every pair delivers again: a fresh marker crosses it.
	for _, p := range pairs {
		chaosMarker(t, root, p)
	}
	// Every request was answered, with its reply or, past its retries, an
	// error.
	for _, p := range pairs {
		if p.kind != chaosReqRep {
			continue
		}
		sent := p.sent.Load()
		chaosWait(t, p.state, fmt.Sprintf("%s: an answer to each of %d requests", p.name, sent), func() bool {
			return p.state.received+p.state.failed == sent
		}, func() string {
			return fmt.Sprintf("%d replies, %d failed", p.state.received, p.state.failed)
		})
	}

	t.Logf("%v of chaos: %d faults injected into %d socket actors, %d restarts seen", duration, injected.Load(), len(targets), restarts)
	for _, p := range pairs {
		st := p.state
		st.mu.Lock()
		sent := p.sent.Load()
		line := fmt.Sprintf("%-16s faults %s %d, %s %d; sent %6d received %6d lost %5d (%.2f%%) markers sent %d", p.name,
			p.sockets[0].name[len(p.name)+1:], p.sockets[0].faults.Load(), p.sockets[1].name[len(p.name)+1:], p.sockets[1].faults.Load(),
			sent, st.received, sent-st.received-st.failed, 100*float64(sent-st.received-st.failed)/float64(max(sent, 1)), p.marks)
		if st.failed > 0 {
			line += fmt.Sprintf(" requests failed %d", st.failed)
		}
		// Error events, such as ERROR_CODE_HOST_UNREACHABLE from a ROUTER
		// server whose reply's peer, a DEALER, restarted in the meantime
		// (the DEALER's resend on its new connection is answered).
		if len(st.errors) > 0 {
			line += fmt.Sprintf(" errors %v", st.errors)
		}
		if st.received == 0 {
			t.Errorf("%s: no traffic got through during the chaos", p.name)
		}
		st.mu.Unlock()
		t.Log(line)
	}
}

// chaosStartPair spawns a pair's parent, owner and two socket actors, and
// waits until both are started.
func chaosStartPair(t *testing.T, z *actors.Runtime, strategy actor.SupervisorStrategy, handler *actor.PID,
	name string, kind chaosKind) *chaosPair {
	t.Helper()
	root := z.System().Root
	p := &chaosPair{name: name, kind: kind, state: newChaosState()}
	p.owner = root.Spawn(actor.PropsFromFunc(p.state.receive))
	parent := root.Spawn(actor.PropsFromFunc(chaosParent, actor.WithSupervisor(strategy)))
	spawn := func(spec sockets.Spec, opts ...actors.SpawnOption) *actor.PID {
		t.Helper()
		props, err := z.Props(spec, append(opts, actors.WithFaultInjection(), actors.WithOwner(p.owner))...)
		if err != nil {
			t.Fatal(err)
		}
		reply := make(chan *actor.PID, 1)
		root.Send(parent, chaosSpawn{props: props, name: spec.Name, reply: reply})
		pid := <-reply
		if pid == nil {
			t.Fatalf("spawn %s failed", spec.Name)
		}
		p.sockets = append(p.sockets, &chaosTarget{pair: p, name: spec.Name, pid: pid})
		chaosWait(t, p.state, spec.Name+" started", func() bool {
			l := p.state.lifeOf(spec.Name)
			return l.started > 0 || l.closed != ""
		}, func() string { return "" })
		p.state.mu.Lock()
		closed := p.state.lifeOf(spec.Name).closed
		p.state.mu.Unlock()
		if closed != "" {
			t.Fatalf("%s: %s", spec.Name, closed)
		}
		return pid
	}
	// The connecting side retries every 10 ms, not libzmq's default 100 ms,
	// after its bound peer restarted.
	reconnect := sockets.ReconnectInterval(10 * time.Millisecond)
	anyPort := "tcp://127.0.0.1:*"
	switch kind {
	case chaosPushPull:
		spawn(sockets.Spec{Name: name + "/pull", Type: sockets.Pull, Binds: []string{anyPort}})
		ep := p.state.endpoint(name + "/pull")
		p.sender = spawn(sockets.Spec{Name: name + "/push", Type: sockets.Push, Connects: []string{ep},
			Options: []sockets.Option{reconnect}})
	case chaosPubSub:
		p.sender = spawn(sockets.Spec{Name: name + "/pub", Type: sockets.Pub, Binds: []string{anyPort}})
		ep := p.state.endpoint(name + "/pub")
		sub := spawn(sockets.Spec{Name: name + "/sub", Type: sockets.Sub, Connects: []string{ep},
			Options: []sockets.Option{reconnect}})
		res, err := root.RequestFuture(sub, &messages.Subscribe{Prefix: []byte("t"), Subscriber: actors.Ref(p.owner)},
			testutil.Wait).Result()
		if _, ok := res.(*messages.Subscribed); err != nil || !ok {
			t.Fatalf("%s: subscribe: %v %v", name, res, err)
		}
	case chaosReqRep:
		spawn(sockets.Spec{Name: name + "/router", Type: sockets.Router, Binds: []string{anyPort}},
			actors.WithHandler(handler, actors.ServeOptions{}))
		ep := p.state.endpoint(name + "/router")
		p.sender = spawn(sockets.Spec{Name: name + "/dealer", Type: sockets.Dealer, Connects: []string{ep},
			Options: []sockets.Option{reconnect}})
	}
	return p
}

// endpoint returns the first endpoint a started socket is bound on.
func (s *chaosState) endpoint(socket string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lifeOf(socket).bound[0]
}

// chaosSend sends one data message or marker through the pair's sender.
func chaosSend(root *actor.RootContext, p *chaosPair, payload []byte) {
	switch p.kind {
	case chaosPushPull:
		root.Send(p.sender, &messages.Send{Frames: [][]byte{payload}})
	case chaosPubSub:
		root.Send(p.sender, &messages.Publish{Topic: []byte("t"), Frames: [][]byte{payload}})
	case chaosReqRep:
		root.RequestWithCustomSender(p.sender, &messages.Request{Frames: [][]byte{payload},
			Timeout: durationpb.New(chaosRequestWait), Retries: chaosRequestResend}, p.owner)
	}
}

// chaosTraffic sends numbered data messages at a steady rate until stop.
func chaosTraffic(root *actor.RootContext, p *chaosPair, stop <-chan struct{}) {
	tick := time.NewTicker(chaosTick)
	defer tick.Stop()
	batch := chaosBatch
	if p.kind == chaosReqRep {
		batch = chaosRequests
	}
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for range batch {
			n := p.sent.Add(1)
			chaosSend(root, p, fmt.Appendf(nil, "d%d", n))
		}
	}
}

// chaosMarker sends markers through a pair until one arrives.
func chaosMarker(t *testing.T, root *actor.RootContext, p *chaosPair) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(testutil.Wait)
	var sent []string
	for {
		marker := fmt.Sprintf("m%d", len(sent))
		sent = append(sent, marker)
		p.marks++
		chaosSend(root, p, []byte(marker))
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: none of %d markers crossed within %v", p.name, len(sent), testutil.Wait)
		}
		p.state.mu.Lock()
		got := slices.ContainsFunc(sent, func(m string) bool { return p.state.markers[m] })
		p.state.mu.Unlock()
		if got {
			return
		}
	}
}

// chaosWait waits until cond, called under st.mu, holds: at each lifecycle
// event of the pair and every 20 ms. It fails the test after testutil.Wait
// with what describe says.
func chaosWait(t *testing.T, st *chaosState, what string, cond func() bool, describe func() string) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(testutil.Wait)
	for {
		st.mu.Lock()
		ok := cond()
		st.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-st.changed:
		case <-tick.C:
		case <-deadline:
			st.mu.Lock()
			defer st.mu.Unlock()
			t.Fatalf("%s: not within %v: %s", what, testutil.Wait, describe())
		}
	}
}

// chaosCheckFDs fails the test if, once the test and its cleanups (the
// system's shutdown among them) are done, more file descriptors are open
// than before it.
func chaosCheckFDs(t *testing.T) {
	t.Helper()
	before := testutil.FDs(t)
	t.Cleanup(func() {
		// libzmq closes the sockets' descriptors when the context is
		// terminated, which Shutdown waits for; allow a moment anyway.
		var left []string
		deadline := time.Now().Add(5 * time.Second)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			left = left[:0]
			for fd, target := range testutil.FDs(t) {
				if _, ok := before[fd]; !ok {
					left = append(left, fmt.Sprintf("%d -> %s", fd, target))
				}
			}
			if len(left) == 0 || time.Now().After(deadline) {
				break
			}
			<-tick.C
		}
		if len(left) > 0 {
			slices.Sort(left)
			t.Errorf("%d file descriptors left open: %v", len(left), left)
		}
	})
}
