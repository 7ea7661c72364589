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

// socketActor owns one ZeroMQ socket. Every call on the socket happens in
// Receive, one message at a time.
type socketActor struct {
	rt    *Runtime
	state *socketState // outlives the instance: a restart rebuilds from it
	sock  *sockets.Socket
	self  *actor.PID
	root  *actor.RootContext
	ended bool // Closed was sent

	// While the socket is being reopened after a restart, commands wait
	// here, in order, with their senders.
	opening bool
	tries   int
	retry   *time.Timer
	pending []pendingCommand

	// Pub/sub counters since this instance opened the socket, and the
	// message types decoded for typed subscriptions and requests.
	delivered, unrouted, decodeErrors uint64
	types                             typeCache
	batches                           *subscriberBatches // batched subscribers' messages of this turn

	// Request/reply: the timer of the earliest deadline, and the state of
	// a REQ or REP being reset (closed and opened again).
	timer      *time.Timer
	timerAt    time.Time
	resetting  bool // the open in progress is a reset, not a restart
	resetLater bool // a REP dropped a request: reset once the message is done
}

type pendingCommand struct {
	msg    any
	sender *actor.PID
}

// reopen is the socket actor's own timer message: try to open again.
type reopen struct{ a *socketActor }

// socketState is what a restarted socket actor needs: the spec with every
// bind, connect and option applied since, and who to tell.
type socketState struct {
	spec    sockets.Spec
	owner   *actor.PID
	started chan<- startResult // first start only, nil afterwards
	starts  uint32
	faults  bool             // InjectFault is allowed
	batch   bool             // WithBatchDelivery: the owner gets ReceivedBatch
	failure string           // why the last instance failed, for the next Started
	carried []pendingCommand // commands a failed instance had not carried out
	topics  *topicTable      // SUB and XSUB: the local subscribers

	// watchers receive the socket's monitor events (Monitor), by pidKey.
	watchers map[string]*watcher

	// Request/reply: a DEALER or REQ client's requests, a ROUTER or REP
	// server's handler and requests, their deadlines and counters.
	client   *clientState
	server   *serverState
	timeouts deadlines
	rr       rrStats

	// The counters of metrics.go; nil without WithMeterProvider.
	metrics *socketMetrics
}

// InjectedFault is the error a socket actor fails with on InjectFault.
type InjectedFault struct{ Reason string }

func (f *InjectedFault) Error() string { return "zmqactor: injected fault: " + f.Reason }

type startResult struct {
	event *messages.Started
	err   error
}

func (a *socketActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *sockets.Signal:
		if a.sock != nil {
			if err := a.sock.Handle(m); err != nil {
				a.fail(ctx, err)
				return
			}
			a.afterTurn(ctx)
		}
	case *actor.Started:
		a.self, a.root = ctx.Self(), ctx.ActorSystem().Root
		if a.state.spec.Name == "" {
			a.state.spec.Name = a.self.Id
		}
		a.startServer(ctx)
		a.pending, a.state.carried = a.state.carried, nil // a failed instance's
		a.opening = true
		a.open(ctx)
	case reopen:
		if m.a == a && a.opening {
			a.open(ctx)
		}
	case *actor.Stopping:
		a.stopRetry(ctx)
		a.stopDeadlines()
		reason := "actor stopped"
		if d, ok := a.rt.takeDecision(a.self.Id); ok && !d.Restart {
			reason = "stopped by its supervisor: " + d.Reason
		}
		a.closeSocket(ctx, nil, nil, reason, nil)
		a.failRequests(&sockets.Error{Op: "request", Socket: a.state.spec.Name, Err: sockets.ErrClosed})
		for _, p := range a.state.carried {
			a.answerErr(p.sender, &sockets.Error{Op: "command", Socket: a.state.spec.Name, Err: sockets.ErrClosed})
		}
		a.state.carried = nil
	case *actor.Restarting:
		a.state.metrics.restarted()
		a.stopRetry(ctx)
		a.stopDeadlines()
		a.closeSocket(ctx, nil, nil, "", nil)
		ev := &messages.Restarting{Socket: a.state.spec.Name, Attempt: a.state.starts, Reason: a.state.failure}
		if d, ok := a.rt.takeDecision(a.self.Id); ok && d.Restart {
			ev.Backoff = durationpb.New(d.Backoff)
			if ev.Reason == "" {
				ev.Reason = d.Reason
			}
		}
		a.event(ev)
	case *actor.Stopped:
		a.stopServer()
		a.rt.unregister(ctx.Self().Id)
	case *actor.Terminated:
		a.watcherGone(m.Who)
		if srv := a.state.server; srv != nil && m.Who.Equal(srv.handler) {
			a.handlerGone(ctx)
			return
		}
		a.subscriberGone(ctx, m.Who)
	case actor.SystemMessage, actor.AutoReceiveMessage:
	default:
		if a.opening {
			a.pending = append(a.pending, pendingCommand{msg: m, sender: ctx.Sender()})
			return
		}
		a.command(ctx, m, ctx.Sender())
	}
}

// failures is the socket actor's outermost receiver middleware. A failure
// is protoactor's panic, here or in any middleware of WithProps: it notes
// the reason for the next Restarting and Started events, answers the
// command the actor failed on, and lets the panic go on to the supervisor.
// protoactor drops the message an actor fails on; answering it means a
// failed command is never lost without a word: its sender, or the owner
// when it has none, gets an Error, and the command is not carried out (a
// Send's frames did not reach ZeroMQ). Signals and the actor's own timer
// messages are not commands; InjectFault asked for the failure.
func failures(state *socketState) actor.ReceiverMiddleware {
	return func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
			defer func() {
				r := recover()
				if r == nil {
					return
				}
				state.failure = fmt.Sprint(r)
				// Close the failed socket now, not when the supervisor
				// restarts it after its backoff: meanwhile a bound socket
				// would go on taking its peers' messages, to lose them at
				// the restart, where a closed one leaves them queued in the
				// peers for the new socket.
				if a, ok := ctx.Actor().(*socketActor); ok {
					a.closeFailed()
				}
				switch env.Message.(type) {
				case *messages.InjectFault:
				case proto.Message:
					e := sockets.ErrorToProto(state.spec.Name, &sockets.Error{Op: "command", Socket: state.spec.Name,
						Err: fmt.Errorf("%w: the socket actor failed while handling %T, which was not carried out: %v", sockets.ErrSocket, env.Message, r)})
					switch {
					case env.Sender != nil:
						ctx.ActorSystem().Root.Send(env.Sender, e)
					case state.owner != nil:
						ctx.ActorSystem().Root.Send(state.owner, e)
					default:
						ctx.ActorSystem().EventStream.Publish(e)
					}
				}
				panic(r)
			}()
			next(ctx, env)
		}
	}
}

// closeFailed closes the socket of a failed instance at once, with no
// linger: what is in its queues is lost either way.
func (a *socketActor) closeFailed() {
	// Commands still waiting for a reopen wait for the next instance's.
	a.state.carried = append(a.state.carried, a.pending...)
	a.pending = nil
	a.stopDeadlines()
	if a.retry != nil {
		a.retry.Stop()
		a.retry = nil
	}
	if a.sock != nil {
		zero := time.Duration(0)
		_, _ = a.sock.Close(&zero)
		a.sock = nil
	}
}

// command carries out one command; answers go to sender when it is set.
func (a *socketActor) command(ctx actor.Context, msg any, sender *actor.PID) {
	switch m := msg.(type) { // the actor's own messages
	case *handlerAnswer:
		if a.state.server != nil {
			a.handlerAnswered(m)
			a.afterTurn(ctx)
		}
		return
	case deadlineTick:
		if m.a == a {
			a.expire(ctx)
		}
		return
	}
	name := a.state.spec.Name
	if a.sock == nil {
		a.answerErr(sender, &sockets.Error{Op: "command", Socket: name, Err: sockets.ErrClosed})
		return
	}
	var answer any
	var err error
	switch m := msg.(type) {
	case *messages.Send:
		if a.state.topics != nil && len(m.GetFrames()) == 1 {
			// A subscription message on an XSUB is the owner's subscription.
			if o := subscriptionOption(m.GetFrames()[0]); o != nil {
				answer, err = a.subscribeOption(ctx, o)
				if err == nil {
					answer = &messages.Sent{Socket: name}
				}
				break
			}
		}
		var queued bool
		if queued, err = a.sock.Send(m.GetFrames()); err == nil && sender != nil {
			answer = &messages.Sent{Socket: name, Queued: queued}
		}
	case *messages.SendBatch:
		answer, err = a.sendBatch(m, sender)
	case *messages.Publish:
		answer, err = a.publish(m, sender)
	case *messages.Request:
		err = a.request(m, sender)
	case *messages.GetRequestStats:
		answer, err = a.requestStats()
	case *messages.Subscribe:
		answer, err = a.subscribe(ctx, m, sender)
	case *messages.Unsubscribe:
		answer, err = a.unsubscribe(ctx, m, sender)
	case *messages.Monitor:
		answer, err = a.monitor(ctx, m, sender)
	case *messages.Unmonitor:
		answer, err = a.unmonitor(ctx, m, sender)
	case *messages.Bind:
		var resolved string
		if resolved, err = a.sock.Bind(m.GetEndpoint()); err == nil {
			a.state.spec.Binds = append(a.state.spec.Binds, resolved)
			answer = &messages.Bound{Socket: name, Endpoint: m.GetEndpoint(), ResolvedEndpoint: resolved}
		}
	case *messages.Connect:
		if err = a.sock.Connect(m.GetEndpoint()); err == nil {
			a.state.spec.Connects = append(a.state.spec.Connects, m.GetEndpoint())
			answer = &messages.Connected{Socket: name, Endpoint: m.GetEndpoint()}
		}
	case *messages.Unbind:
		if err = a.sock.Unbind(m.GetEndpoint()); err == nil {
			a.state.spec.Binds = without(a.state.spec.Binds, m.GetEndpoint())
			answer = &messages.Unbound{Socket: name, Endpoint: m.GetEndpoint()}
		}
	case *messages.Disconnect:
		if err = a.sock.Disconnect(m.GetEndpoint()); err == nil {
			a.state.spec.Connects = without(a.state.spec.Connects, m.GetEndpoint())
			answer = &messages.Disconnected{Socket: name, Endpoint: m.GetEndpoint()}
		}
	case *messages.SetOption:
		if a.state.topics != nil && isSubscription(m.GetOption()) {
			if _, err = a.subscribeOption(ctx, m.GetOption()); err == nil {
				answer = &messages.OptionSet{Socket: name, Option: m.GetOption()}
			}
			break
		}
		if err = a.sock.SetOption(m.GetOption()); err == nil {
			a.state.spec.Options = append(a.state.spec.Options, m.GetOption())
			answer = &messages.OptionSet{Socket: name, Option: m.GetOption()}
		}
	case *messages.GetStats:
		st := a.sock.Stats()
		stats := &messages.Stats{Socket: name, Received: st.Received, Sent: st.Sent, Queued: st.Queued,
			Refused: st.Refused, SendQueueLength: uint32(a.sock.Queued()), Wakeups: st.Wakeups, Rechecks: st.Rechecks,
			Delivered: a.delivered, Unrouted: a.unrouted, DecodeErrors: a.decodeErrors}
		if t := a.state.topics; t != nil {
			stats.Subscriptions, stats.Subscribers = uint32(len(t.entries)), uint32(len(t.subs))
		}
		answer = stats
	case *messages.InjectFault:
		if !a.state.faults {
			err = &sockets.Error{Op: "command", Socket: name,
				Err: fmt.Errorf("%w: fault injection is not enabled for this socket actor", sockets.ErrUnsupported)}
			break
		}
		panic(&InjectedFault{Reason: m.GetReason()})
	case *messages.Close:
		a.closeSocket(ctx, sender, m.GetLinger(), "close command", nil)
		ctx.Stop(a.self)
		return
	default:
		err = &sockets.Error{Op: "command", Socket: name,
			Err: fmt.Errorf("%w: a socket actor does not understand %T", sockets.ErrBadMessage, m)}
	}
	if err != nil {
		a.answerErr(sender, err)
		return
	}
	if answer != nil && sender != nil {
		ctx.Send(sender, answer)
	}
}

// open opens the socket from the spec. After a restart an EADDRINUSE is
// retried with a backoff while commands wait; any other failure, or the
// first start's, ends the actor with Closed.
func (a *socketActor) open(ctx actor.Context) {
	st := a.state
	name := st.spec.Name
	hooks := sockets.Hooks{
		Signal: func(sig *sockets.Signal) { a.root.Send(a.self, sig) },
		Report: func(err error) { a.event(sockets.ErrorToProto(name, err)) },
		Event:  a.monitorEvent,
	}
	hooks.Counters = st.metrics.counters()
	switch owner := st.owner; {
	case st.server != nil:
		hooks.Deliver = a.serverDeliver
	case st.client != nil:
		hooks.Deliver = a.clientDeliver
	case isSubscriber(st.spec.Type):
		hooks.DeliverBatch = a.routeBatch
	case st.spec.Type == sockets.XPub:
		hooks.Deliver = a.peerSubscription
	case owner != nil && st.batch:
		hooks.DeliverBatch = func(msgs [][][]byte) {
			a.root.RequestWithCustomSender(owner, &messages.ReceivedBatch{Socket: name, Messages: framesOf(msgs)}, a.self)
		}
	case owner != nil:
		hooks.Deliver = func(frames [][]byte) {
			a.root.RequestWithCustomSender(owner, &messages.Received{Socket: name, Frames: frames}, a.self)
		}
	}
	var sock *sockets.Socket
	err := a.initTopics()
	if err == nil {
		sock, err = sockets.Open(a.rt.zctx, st.spec, hooks, a.monitorOptions()...)
	}
	if err == nil {
		if err = a.restoreSubscriptions(ctx, sock); err != nil {
			zero := time.Duration(0)
			_, _ = sock.Close(&zero)
		}
	}
	if err != nil {
		if st.starts > 0 && errors.Is(err, sockets.ErrAddressInUse) && a.tries < reopenTries {
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
			a.answerErr(p.sender, &sockets.Error{Op: "command", Socket: name, Err: sockets.ErrClosed})
		}
		a.pending = nil
		ctx.Stop(a.self)
		return
	}
	a.sock, a.opening, a.tries = sock, false, 0
	a.restoreWatchers(ctx)
	// Rebind what was resolved, so peers find a restarted socket where it was.
	st.spec.Binds = sock.Bound()
	if st.starts > 0 {
		a.dropServed()
		a.resumeRequests()
	}
	a.armDeadlines()
	if a.resetting {
		a.resetting = false
		a.runPending(ctx)
		return
	}
	ev := &messages.Started{
		Socket:    name,
		Type:      st.spec.Type.Proto(),
		Bound:     sock.Bound(),
		Connected: sock.Connected(),
		Restarts:  st.starts,
	}
	if st.starts > 0 {
		ev.RestartReason, st.failure = st.failure, ""
	}
	st.starts++
	a.event(ev)
	a.startDone(ev, nil)
	a.runPending(ctx)
}

// runPending carries out the commands that waited for the socket to open.
func (a *socketActor) runPending(ctx actor.Context) {
	for len(a.pending) > 0 {
		// One at a time, so that if a command makes the actor fail the
		// ones after it are still here for closeFailed to hand on.
		p := a.pending[0]
		a.pending = a.pending[1:]
		a.command(ctx, p.msg, p.sender)
	}
	a.pending = nil
}

// reset closes a REQ or REP socket and opens it again from the spec, to
// leave the lockstep state it is stuck in: a REQ whose reply did not come,
// a REP that will not answer. Commands and requests wait meanwhile; a
// client's waiting request goes out on the new socket.
func (a *socketActor) reset(ctx actor.Context) {
	if a.sock != nil {
		zero := time.Duration(0)
		_, _ = a.sock.Close(&zero)
		a.sock = nil
	}
	a.state.rr.resets++
	a.opening, a.resetting = true, true
	a.open(ctx)
}

func (a *socketActor) stopRetry(ctx actor.Context) {
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
		a.answerErr(p.sender, &sockets.Error{Op: "command", Socket: a.state.spec.Name, Err: sockets.ErrClosed})
	}
	a.pending = nil
}

func (a *socketActor) startDone(ev *messages.Started, err error) {
	if a.state.started != nil {
		a.state.started <- startResult{event: ev, err: err}
		a.state.started = nil
	}
}

// event sends an event to the owner, with the socket actor as sender. A
// socket actor without an owner (a sending type, or a SUB that serves only
// subscribers) publishes it on the actor system's event stream instead.
func (a *socketActor) event(msg any) {
	if a.state.owner != nil {
		a.root.RequestWithCustomSender(a.state.owner, msg, a.self)
		return
	}
	a.rt.system.EventStream.Publish(msg)
}

// answerErr sends err as an Error to sender, or to the owner when there is
// no sender: a failure is never dropped.
func (a *socketActor) answerErr(sender *actor.PID, err error) {
	e := sockets.ErrorToProto(a.state.spec.Name, err)
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
func (a *socketActor) fail(ctx actor.Context, err error) {
	a.closeSocket(ctx, nil, nil, "socket failed", err)
	ctx.Stop(a.self)
}

// closeSocket closes the socket; with a reason it also sends Closed to the
// owner, and to sender (the sender of a Close command) if it is another actor.
func (a *socketActor) closeSocket(ctx actor.Context, sender *actor.PID, linger *durationpb.Duration, reason string, cause error) {
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
	name := a.state.spec.Name
	closed := &messages.Closed{Socket: name, Reason: reason, Unsent: uint32(unsent)}
	if cause == nil {
		cause = err
	}
	if cause != nil {
		closed.Error = sockets.ErrorToProto(name, cause)
	}
	if sender != nil && !sender.Equal(a.state.owner) {
		ctx.Send(sender, closed)
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
