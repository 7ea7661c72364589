package actors

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Reopen after a restart: libzmq closes a socket's listeners in its I/O
// thread after zmq_close returns, so binding the same port again may briefly
// fail with EADDRINUSE (measured: 40-55% of immediate rebinds of a tcp port,
// all of them fine within 0.5 ms). The socket actor retries with these
// delays, doubling, before it gives up.
const (
	reopenFirstDelay = 250 * time.Microsecond
	reopenTries      = 15 // about 8 s in all
)

// coreState is what outlives a socket actor instance: the spec with every
// bind, connect and option applied since, who to tell, the roles, and the
// commands a failed instance left. A restarted instance is rebuilt from it.
type coreState struct {
	spec    sockets.Spec
	owner   *actor.PID
	started chan<- startResult // first start only, nil afterwards
	starts  uint32
	faults  bool             // InjectFault is allowed
	failure string           // why the last instance failed, for the next Started
	carried []pendingCommand // commands a failed instance had not carried out
	// retryAtStart retries an address in use at the first start too, as
	// after a restart: for the ZAP handler, whose inproc name a stopped
	// predecessor may still hold.
	retryAtStart bool
	metrics      *socketMetrics // nil without WithMeterProvider

	roles    []role
	commands []commandFunc // the roles' command methods
	turnDone []func()      // of the roles that are turnEnders
	filter   commandFunc   // of a baseFilter role, or nil
}

// commandFunc is a role's command method (role.command, baseFilter.filter)
// as a function value: the core calls these, not the interface, for
// commands that come per message, such as a client's Request.
type commandFunc func(msg any, sender *actor.PID) (answer any, taken bool, err error)

// newCoreState returns the state of a socket actor with its roles.
func newCoreState(spec sockets.Spec, owner *actor.PID, roles ...role) *coreState {
	st := &coreState{spec: spec, owner: owner, roles: roles}
	for _, r := range roles {
		st.commands = append(st.commands, r.command)
		if t, ok := r.(turnEnder); ok {
			st.turnDone = append(st.turnDone, t.turnDone)
		}
		if f, ok := r.(baseFilter); ok {
			st.filter = f.filter
		}
	}
	return st
}

type pendingCommand struct {
	msg    any
	sender *actor.PID
}

type startResult struct {
	event *messages.Started
	err   error
}

// socketActor is the core of a socket actor: one instance of it owns one
// ZeroMQ socket, and every call on the socket happens in Receive, one
// message at a time. It names no role: it reaches them through role.
type socketActor struct {
	rt *Runtime
	st *coreState // outlives the instance
	// recovers: Receive handles its own failures, as there is no
	// failures middleware (see failures).
	recovers bool
	ctx      actor.Context
	self     *actor.PID
	root     *actor.RootContext
	sock     *sockets.Socket
	hosts    []roleHost // one per role, for this instance
	ended    bool       // Closed was sent

	// While the socket is being opened again after a restart or a reset,
	// commands wait here, in order, with their senders.
	opening   bool
	resetting bool // the open in progress is a reset, not a restart
	tries     int
	retry     *time.Timer
	pending   []pendingCommand

	// watched holds, per actor the instance watches (by pidKey), a bit per
	// role that watches it.
	watched map[string]*watch
}

// watch is an actor the instance watches, and the roles that want it.
type watch struct {
	pid  *actor.PID
	bits uint64
}

// reopen is the socket actor's own timer message: try to open again.
type reopen struct{ a *socketActor }

// InjectedFault is the error a socket actor fails with on InjectFault.
type InjectedFault struct{ Reason string }

func (f *InjectedFault) Error() string { return "zmqactor: injected fault: " + f.Reason }

func (a *socketActor) Receive(ctx actor.Context) {
	if a.recovers {
		defer a.recoverFailure(ctx)
	}
	switch m := ctx.Message().(type) {
	case *sockets.Signal:
		if a.sock == nil {
			return
		}
		if err := a.sock.Handle(m); err != nil {
			a.fail(err)
			return
		}
		for _, done := range a.st.turnDone {
			done()
		}
	case *actor.Started:
		a.start(ctx)
	case reopen:
		if m.a == a && a.opening {
			a.open()
		}
	case *actor.Stopping:
		a.stopRetry()
		// Stop watching: an actor that stops after this one would send its
		// Terminated to a dead letter.
		for _, w := range a.watched {
			ctx.Unwatch(w.pid)
		}
		a.watched = nil
		reason := "actor stopped"
		if d, ok := a.rt.takeDecision(a.self.Id); ok && !d.Restart {
			reason = "stopped by its supervisor: " + d.Reason
		}
		a.closeSocket(nil, nil, reason, nil)
		for _, r := range a.st.roles {
			r.closing(true)
		}
		for _, p := range a.st.carried {
			a.errorTo(p.sender, a.closedErr())
		}
		a.st.carried = nil
	case *actor.Restarting:
		a.st.metrics.restarted()
		a.stopRetry()
		for _, r := range a.st.roles {
			r.closing(false)
		}
		a.closeSocket(nil, nil, "", nil)
		ev := &messages.Restarting{Socket: a.st.spec.Name, Attempt: a.st.starts, Reason: a.st.failure}
		if d, ok := a.rt.takeDecision(a.self.Id); ok && d.Restart {
			ev.Backoff = durationpb.New(d.Backoff)
			if ev.Reason == "" {
				ev.Reason = d.Reason
			}
		}
		a.event(ev)
	case *actor.Stopped:
		a.rt.unregister(a.self.Id)
	case *actor.Terminated:
		if m.Who == nil {
			return
		}
		delete(a.watched, pidKey(m.Who))
		for _, r := range a.st.roles {
			r.terminated(m.Who)
		}
	case actor.SystemMessage, actor.AutoReceiveMessage:
	case *actor.DeadLetterResponse:
		// protoactor's answer to a message the socket actor sent with
		// itself as sender to an actor that is gone: nothing to do (an
		// Error to an owner that is gone would only come back the same way).
	default:
		if a.opening {
			a.pending = append(a.pending, pendingCommand{msg: m, sender: ctx.Sender()})
			return
		}
		a.command(m, ctx.Sender())
	}
}

// start begins an instance: the first, or one after a restart.
func (a *socketActor) start(ctx actor.Context) {
	a.ctx, a.self, a.root = ctx, ctx.Self(), ctx.ActorSystem().Root
	if a.st.spec.Name == "" {
		a.st.spec.Name = a.self.Id
	}
	a.hosts = make([]roleHost, len(a.st.roles))
	for i := range a.hosts {
		a.hosts[i] = roleHost{a: a, bit: 1 << i}
	}
	a.pending, a.st.carried = a.st.carried, nil // a failed instance's
	a.opening = true
	a.open()
}

// failures is the socket actor's outermost receiver middleware when
// WithProps adds middleware of its own: a failure is protoactor's panic,
// here or in any middleware of WithProps, and failed handles it. Without
// other middleware, Receive recovers itself (socketActor.recovers): a
// receiver middleware costs protoactor an envelope for every message that
// arrives without one, every Send and readiness signal included.
func failures(st *coreState) actor.ReceiverMiddleware {
	return func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
			defer func() {
				if r := recover(); r != nil {
					st.failed(ctx, env.Message, env.Sender, r)
				}
			}()
			next(ctx, env)
		}
	}
}

// recoverFailure is Receive's own failures when there is no other
// middleware. It must be deferred by Receive: recover works only there.
func (a *socketActor) recoverFailure(ctx actor.Context) {
	if r := recover(); r != nil {
		a.st.failed(ctx, ctx.Message(), ctx.Sender(), r)
	}
}

// failed notes the reason of failure r for the next Restarting and Started
// events, answers the command msg the actor failed on, and lets the panic
// go on to the supervisor. protoactor drops the message an actor fails on;
// answering it means a failed command is never lost without a word: its
// sender, or the owner when it has none, gets an Error, and the command is
// not carried out (a Send's frames did not reach ZeroMQ). Signals and the
// actor's own timer messages are not commands; InjectFault asked for the
// failure.
func (st *coreState) failed(ctx actor.ReceiverContext, msg any, sender *actor.PID, r any) {
	st.failure = fmt.Sprint(r)
	// Close the failed socket now, not when the supervisor restarts it
	// after its backoff: meanwhile a bound socket would go on taking its
	// peers' messages, to lose them at the restart, where a closed one
	// leaves them queued in the peers for the new socket.
	if a, ok := ctx.Actor().(*socketActor); ok {
		a.closeFailed()
	}
	switch msg.(type) {
	case *messages.InjectFault:
	case proto.Message:
		e := sockets.ErrorToProto(st.spec.Name, &sockets.Error{Op: sockets.OpCommand, Socket: st.spec.Name,
			Err: fmt.Errorf("%w: the socket actor failed while handling %T, which was not carried out: %v", sockets.ErrSocket, msg, r)})
		switch {
		case sender != nil:
			ctx.ActorSystem().Root.Send(sender, e)
		case st.owner != nil:
			ctx.ActorSystem().Root.Send(st.owner, e)
		default:
			ctx.ActorSystem().EventStream.Publish(e)
		}
	}
	panic(r)
}

// closeFailed closes the socket of a failed instance at once, with no
// linger: what is in its queues is lost either way.
func (a *socketActor) closeFailed() {
	// Commands still waiting for a reopen wait for the next instance's.
	a.st.carried = append(a.st.carried, a.pending...)
	a.pending = nil
	if a.retry != nil {
		a.retry.Stop()
		a.retry = nil
	}
	for _, r := range a.st.roles {
		r.closing(false)
	}
	a.closeNow()
}

// closeNow closes the socket, if open, with no linger.
func (a *socketActor) closeNow() {
	if a.sock != nil {
		zero := time.Duration(0)
		_, _ = a.sock.Close(&zero)
		a.sock = nil
	}
}

// command carries out one command; answers go to sender when it is set.
// The roles' own messages go to the roles even while the socket is closed;
// an answer or error to them is dropped.
func (a *socketActor) command(msg any, sender *actor.PID) {
	name := a.st.spec.Name
	if a.sock == nil {
		if _, own := msg.(roleMessage); !own {
			a.errorTo(sender, a.closedErr())
			return
		}
	}
	switch msg.(type) {
	case *messages.Send, *messages.Publish:
	default:
		// What Send held back goes to ZeroMQ before any other command
		// sees or changes the socket (sockets.CoalesceSends).
		if a.sock != nil {
			if err := a.sock.Settle(); err != nil {
				a.errorTo(sender, err)
				a.fail(err)
				return
			}
		}
	}
	var answer any
	var err error
	switch m := msg.(type) {
	case *messages.Send:
		if a.st.filter != nil {
			var taken bool
			if answer, taken, err = a.st.filter(m, sender); taken {
				break
			}
		}
		var queued bool
		if queued, err = a.sock.Send(m.GetFrames()); err == nil && sender != nil {
			answer = &messages.Sent{Socket: name, Queued: queued}
		}
	case *messages.SendBatch:
		if a.st.filter != nil {
			var taken bool
			if answer, taken, err = a.st.filter(m, sender); taken {
				break
			}
		}
		answer, err = a.sendBatch(m, sender)
	case *messages.Publish:
		answer, err = a.publish(m, sender)
	case *messages.Bind:
		var resolved string
		if resolved, err = a.sock.Bind(m.GetEndpoint()); err == nil {
			a.st.spec.Binds = append(a.st.spec.Binds, resolved)
			answer = &messages.Bound{Socket: name, Endpoint: m.GetEndpoint(), ResolvedEndpoint: resolved}
		}
	case *messages.Connect:
		if err = a.sock.Connect(m.GetEndpoint()); err == nil {
			a.st.spec.Connects = append(a.st.spec.Connects, m.GetEndpoint())
			answer = &messages.Connected{Socket: name, Endpoint: m.GetEndpoint()}
		}
	case *messages.Unbind:
		if err = a.sock.Unbind(m.GetEndpoint()); err == nil {
			a.st.spec.Binds = without(a.st.spec.Binds, m.GetEndpoint())
			answer = &messages.Unbound{Socket: name, Endpoint: m.GetEndpoint()}
		}
	case *messages.Disconnect:
		if err = a.sock.Disconnect(m.GetEndpoint()); err == nil {
			a.st.spec.Connects = without(a.st.spec.Connects, m.GetEndpoint())
			answer = &messages.Disconnected{Socket: name, Endpoint: m.GetEndpoint()}
		}
	case *messages.SetOption:
		if a.st.filter != nil {
			var taken bool
			if answer, taken, err = a.st.filter(m, sender); taken {
				break
			}
		}
		if err = a.sock.SetOption(m.GetOption()); err == nil {
			if sockets.Restorable(a.st.spec.Type, m.GetOption()) {
				a.st.spec.Options = append(a.st.spec.Options, m.GetOption())
			}
			answer = &messages.OptionSet{Socket: name, Option: m.GetOption()}
		}
	case *messages.GetOption:
		var o sockets.Option
		if o, err = a.sock.GetOption(m.GetName()); err == nil {
			answer = &messages.OptionValue{Socket: name, Option: o}
		}
	case *messages.GetStats:
		answer = a.stats()
	case *messages.InjectFault:
		if !a.st.faults {
			err = &sockets.Error{Op: sockets.OpCommand, Socket: name,
				Err: fmt.Errorf("%w: fault injection is not enabled for this socket actor", sockets.ErrUnsupported)}
			break
		}
		panic(&InjectedFault{Reason: m.GetReason()})
	case *messages.Close:
		a.closeSocket(sender, m.GetLinger(), "close command", nil)
		a.ctx.Stop(a.self)
		return
	default:
		var taken bool
		for _, command := range a.st.commands {
			if answer, taken, err = command(msg, sender); taken {
				break
			}
		}
		if _, own := msg.(roleMessage); own {
			return // an earlier instance's timer when no role took it
		}
		if !taken {
			err = refuse(name, a.st.spec.Type, msg)
		}
	}
	if err != nil {
		a.errorTo(sender, err)
		return
	}
	if answer != nil && sender != nil {
		a.root.Send(sender, answer)
	}
}

// sendBatch carries out SendBatch: every message is checked before any is
// sent, then each is sent as Send would, in order.
func (a *socketActor) sendBatch(m *messages.SendBatch, sender *actor.PID) (any, error) {
	name := a.st.spec.Name
	msgs := m.GetMessages()
	if len(msgs) == 0 {
		return nil, &sockets.Error{Op: sockets.OpSend, Socket: name, Err: fmt.Errorf("%w: a SendBatch has at least one message", sockets.ErrBadMessage)}
	}
	frames := make([][][]byte, len(msgs))
	for i, f := range msgs {
		frames[i] = f.GetFrames()
	}
	queued, err := a.sock.SendBatch(frames)
	if err != nil {
		return nil, fmt.Errorf("a batch of %d messages: %w", len(msgs), err)
	}
	if sender == nil {
		return nil, nil
	}
	return &messages.Sent{Socket: name, Queued: queued > 0}, nil
}

// publish carries out Publish on a PUB or XPUB: the topic frame, then the
// others.
func (a *socketActor) publish(m *messages.Publish, sender *actor.PID) (any, error) {
	name := a.st.spec.Name
	if t := a.st.spec.Type; t != sockets.Pub && t != sockets.XPub {
		return nil, &sockets.Error{Op: sockets.OpPublish, Socket: name,
			Err: fmt.Errorf("%w: a %v socket does not publish; use a PUB or XPUB socket actor", sockets.ErrUnsupported, t)}
	}
	frames := make([][]byte, 0, 1+len(m.GetFrames()))
	frames = append(frames, m.GetTopic())
	if frames[0] == nil {
		frames[0] = []byte{}
	}
	frames = append(frames, m.GetFrames()...)
	queued, err := a.sock.Send(frames)
	if err != nil || sender == nil {
		return nil, err
	}
	return &messages.Sent{Socket: name, Queued: queued}, nil
}

// stats answers GetStats: the socket's counters, and the roles'.
func (a *socketActor) stats() *messages.Stats {
	st := a.sock.Stats()
	out := &messages.Stats{Socket: a.st.spec.Name, Received: st.Received, Sent: st.Sent, Queued: st.Queued,
		Refused: st.Refused, SendQueueLength: uint32(a.sock.Queued()), Wakeups: st.Wakeups, Rechecks: st.Rechecks}
	for _, r := range a.st.roles {
		if s, ok := r.(statsReporter); ok {
			s.stats(out)
		}
	}
	return out
}

// open opens the socket from the spec. After a restart an EADDRINUSE is
// retried with a backoff while commands wait; any other failure, or the
// first start's, ends the actor with Closed.
func (a *socketActor) open() {
	st := a.st
	name := st.spec.Name
	hooks := sockets.Hooks{
		Signal:   func(sig *sockets.Signal) { a.root.Send(a.self, sig) },
		Report:   func(err error) { a.errorTo(nil, err) },
		Counters: st.metrics.counters(),
	}
	// One Send or Publish per message, as most owners send, costs one
	// cgo call per burst, not per message (sockets.CoalesceSends); command
	// settles them before any other command.
	opts := []sockets.OpenOption{sockets.CoalesceSends()}
	var err error
	for i, r := range st.roles {
		var o []sockets.OpenOption
		if o, err = r.opening(&a.hosts[i], &hooks); err != nil {
			break
		}
		opts = append(opts, o...)
	}
	if err == nil {
		a.sock, err = sockets.Open(a.rt.zctx, st.spec, hooks, opts...)
	}
	if err == nil {
		for _, r := range st.roles {
			if err = r.opened(st.starts > 0); err != nil {
				a.closeNow()
				break
			}
		}
	}
	if err != nil {
		a.sock = nil
		if (st.starts > 0 || st.retryAtStart) && errors.Is(err, sockets.ErrAddressInUse) && a.tries < reopenTries {
			delay := reopenFirstDelay << a.tries
			a.tries++
			self, root, msg := a.self, a.root, reopen{a: a}
			a.retry = time.AfterFunc(delay, func() { root.Send(self, msg) })
			return
		}
		a.opening = false
		a.startDone(nil, err)
		a.ended = true
		a.event(&messages.Closed{Socket: name, Reason: "open failed", Error: sockets.ErrorToProto(name, err)})
		for _, p := range a.pending {
			a.errorTo(p.sender, a.closedErr())
		}
		a.pending = nil
		a.ctx.Stop(a.self)
		return
	}
	a.opening, a.tries = false, 0
	// Rebind what was resolved, so peers find a restarted socket where it was.
	st.spec.Binds = a.sock.Bound()
	if a.resetting {
		a.resetting = false
		a.runPending()
		return
	}
	ev := &messages.Started{
		Socket:    name,
		Type:      st.spec.Type.Proto(),
		Bound:     a.sock.Bound(),
		Connected: a.sock.Connected(),
		Restarts:  st.starts,
	}
	if st.starts > 0 {
		ev.RestartReason, st.failure = st.failure, ""
	}
	st.starts++
	a.event(ev)
	a.startDone(ev, nil)
	a.runPending()
}

// runPending carries out the commands that waited for the socket to open.
func (a *socketActor) runPending() {
	for len(a.pending) > 0 {
		// One at a time, so that if a command makes the actor fail the
		// ones after it are still here for closeFailed to hand on.
		p := a.pending[0]
		a.pending = a.pending[1:]
		a.command(p.msg, p.sender)
	}
	a.pending = nil
}

// reset closes the socket and opens it again from the spec (host.reset).
// Commands wait meanwhile.
func (a *socketActor) reset() {
	a.closeNow()
	a.opening, a.resetting = true, true
	a.open()
}

func (a *socketActor) stopRetry() {
	if a.retry != nil {
		a.retry.Stop()
		a.retry = nil
	}
	if !a.opening {
		return
	}
	// Commands that waited for a reopen that will not come are answered.
	a.opening = false
	for _, p := range a.pending {
		a.errorTo(p.sender, a.closedErr())
	}
	a.pending = nil
}

func (a *socketActor) startDone(ev *messages.Started, err error) {
	if a.st.started != nil {
		a.st.started <- startResult{event: ev, err: err}
		a.st.started = nil
	}
}

func (a *socketActor) closedErr() error {
	return &sockets.Error{Op: sockets.OpCommand, Socket: a.st.spec.Name, Err: sockets.ErrClosed}
}

// event sends an event to the owner, with the socket actor as sender. A
// socket actor without an owner (a sending type, or a SUB that serves only
// subscribers) publishes it on the actor system's event stream instead.
func (a *socketActor) event(msg any) {
	if a.st.owner != nil {
		a.root.RequestWithCustomSender(a.st.owner, msg, a.self)
		return
	}
	a.rt.system.EventStream.Publish(msg)
}

// errorTo sends err as an Error to sender, or to the owner when there is
// no sender: a failure is never dropped.
func (a *socketActor) errorTo(sender *actor.PID, err error) {
	e := sockets.ErrorToProto(a.st.spec.Name, err)
	if sender != nil {
		a.root.Send(sender, e)
		return
	}
	a.event(e)
}

func without(list []string, e string) []string {
	for i, x := range list {
		if x == e {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// fail closes a socket that ZeroMQ made unusable and stops the actor.
func (a *socketActor) fail(err error) {
	a.closeSocket(nil, nil, "socket failed", err)
	a.ctx.Stop(a.self)
}

// closeSocket closes the socket; with a reason it also sends Closed to the
// owner, and to sender (the sender of a Close command) if it is another actor.
func (a *socketActor) closeSocket(sender *actor.PID, linger *durationpb.Duration, reason string, cause error) {
	var unsent int
	var err error
	if a.sock != nil {
		unsent, err = a.sock.Close(lingerOf(linger))
		a.sock = nil
	}
	if reason == "" || a.ended {
		return
	}
	a.ended = true
	name := a.st.spec.Name
	closed := &messages.Closed{Socket: name, Reason: reason, Unsent: uint32(unsent)}
	if cause == nil {
		cause = err
	}
	if cause != nil {
		closed.Error = sockets.ErrorToProto(name, cause)
	}
	if sender != nil && !sender.Equal(a.st.owner) {
		a.root.Send(sender, closed)
	}
	a.event(closed)
}

// lingerOf converts a Close command's linger: nil keeps the socket's own,
// a negative one waits forever.
func lingerOf(d *durationpb.Duration) *time.Duration {
	if d == nil {
		return nil
	}
	v := d.AsDuration()
	if v < 0 {
		v = -1
	}
	return &v
}

// roleHost is the host of one role in one instance: the core, and the
// role's bit in the instance's watches.
type roleHost struct {
	a   *socketActor
	bit uint64
}

func (h *roleHost) name() string                         { return h.a.st.spec.Name }
func (h *roleHost) socketType() sockets.Type             { return h.a.st.spec.Type }
func (h *roleHost) owner() *actor.PID                    { return h.a.st.owner }
func (h *roleHost) self() *actor.PID                     { return h.a.self }
func (h *roleHost) root() *actor.RootContext             { return h.a.root }
func (h *roleHost) socket() *sockets.Socket              { return h.a.sock }
func (h *roleHost) event(msg any)                        { h.a.event(msg) }
func (h *roleHost) errorTo(sender *actor.PID, err error) { h.a.errorTo(sender, err) }
func (h *roleHost) reset()                               { h.a.reset() }

func (h *roleHost) tell(to *actor.PID, msg any) {
	h.a.root.RequestWithCustomSender(to, msg, h.a.self)
}

func (h *roleHost) watch(pid *actor.PID) {
	a := h.a
	if a.watched == nil {
		a.watched = map[string]*watch{}
	}
	key := pidKey(pid)
	w := a.watched[key]
	if w == nil {
		w = &watch{pid: pid}
		a.watched[key] = w
		a.ctx.Watch(pid)
	}
	w.bits |= h.bit
}

func (h *roleHost) unwatch(pid *actor.PID) {
	a := h.a
	key := pidKey(pid)
	w := a.watched[key]
	if w == nil {
		return
	}
	if w.bits &^= h.bit; w.bits != 0 {
		return
	}
	delete(a.watched, key)
	a.ctx.Unwatch(pid)
}
