package actors

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// socketActor owns one ZeroMQ socket. Every call on the socket happens in
// Receive, one message at a time.
type socketActor struct {
	zc    *Context
	state *socketState // outlives the instance: a restart rebuilds from it
	sock  *sockets.Socket
	self  *actor.PID
	root  *actor.RootContext
	ended bool // Closed was sent
}

// socketState is what a restarted socket actor needs: the spec with every
// bind, connect and option applied since, and who to tell.
type socketState struct {
	spec     sockets.Spec
	owner    *actor.PID
	started  chan<- startResult // first start only, nil afterwards
	starts   uint32
	done     chan struct{} // from the Context registry
	register bool
}

type startResult struct {
	event *messages.Started
	err   error
}

func (a *socketActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *sockets.Signal:
		if a.sock == nil {
			return
		}
		if err := a.sock.Handle(m); err != nil {
			a.fail(ctx, err)
		}
	case *messages.Send:
		a.send(ctx, m)
	case *actor.Started:
		a.start(ctx)
	case *messages.Bind:
		a.bind(ctx, m)
	case *messages.Connect:
		a.connect(ctx, m)
	case *messages.Unbind:
		a.unbind(ctx, m)
	case *messages.Disconnect:
		a.disconnect(ctx, m)
	case *messages.SetOption:
		a.setOption(ctx, m)
	case *messages.Close:
		a.close(ctx, m)
	case *actor.Stopping:
		a.closeSocket(ctx, nil, "actor stopped", nil)
	case *actor.Restarting:
		a.closeSocket(ctx, nil, "", nil)
	case *actor.Stopped:
		a.zc.unregister(ctx.Self().Id)
	case actor.SystemMessage, actor.AutoReceiveMessage:
	default:
		a.answerErr(ctx, sockets.ErrorToProto(a.state.spec.Name, &sockets.Error{
			Op: "command", Socket: a.state.spec.Name,
			Err: fmt.Errorf("%w: a socket actor does not understand %T", sockets.ErrBadMessage, m),
		}))
	}
}

func (a *socketActor) start(ctx actor.Context) {
	st := a.state
	a.self, a.root = ctx.Self(), ctx.ActorSystem().Root
	if st.spec.Name == "" {
		st.spec.Name = a.self.Id
	}
	name := st.spec.Name
	hooks := sockets.Hooks{
		Signal: func(sig *sockets.Signal) { a.root.Send(a.self, sig) },
		Report: func(err error) { a.event(sockets.ErrorToProto(name, err)) },
	}
	if st.owner != nil {
		owner := st.owner
		hooks.Deliver = func(frames [][]byte) {
			a.root.RequestWithCustomSender(owner, &messages.Received{Socket: name, Frames: frames}, a.self)
		}
	}
	sock, err := sockets.Open(a.zc.zctx, st.spec, hooks)
	if err != nil {
		a.startDone(nil, err)
		a.ended = true
		a.event(&messages.Closed{Socket: name, Reason: "open failed", Error: sockets.ErrorToProto(name, err)})
		ctx.Stop(a.self)
		return
	}
	a.sock = sock
	// Rebind what was resolved, so peers find a restarted socket where it was.
	st.spec.Binds = sock.Bound()
	ev := &messages.Started{
		Socket:    name,
		Type:      st.spec.Type.Proto(),
		Bound:     sock.Bound(),
		Connected: sock.Connected(),
		Restarts:  st.starts,
	}
	st.starts++
	a.event(ev)
	a.startDone(ev, nil)
}

func (a *socketActor) startDone(ev *messages.Started, err error) {
	if a.state.started != nil {
		a.state.started <- startResult{event: ev, err: err}
		a.state.started = nil
	}
}

// event sends an event to the owner, with the socket actor as sender.
func (a *socketActor) event(msg any) {
	if a.state.owner != nil {
		a.root.RequestWithCustomSender(a.state.owner, msg, a.self)
	}
}

// answer responds to the sender of the current command, if it has one.
func (a *socketActor) answer(ctx actor.Context, msg any) {
	if ctx.Sender() != nil {
		ctx.Respond(msg)
	}
}

// answerErr responds to the sender, or tells the owner when there is none:
// a failure is never dropped.
func (a *socketActor) answerErr(ctx actor.Context, e *messages.Error) {
	if ctx.Sender() != nil {
		ctx.Respond(e)
		return
	}
	a.event(e)
}

func (a *socketActor) closedErr(ctx actor.Context, op string) bool {
	if a.sock != nil {
		return false
	}
	a.answerErr(ctx, sockets.ErrorToProto(a.state.spec.Name, &sockets.Error{Op: op, Socket: a.state.spec.Name, Err: sockets.ErrClosed}))
	return true
}

func (a *socketActor) send(ctx actor.Context, m *messages.Send) {
	if a.closedErr(ctx, "send") {
		return
	}
	queued, err := a.sock.Send(m.GetFrames())
	if err != nil {
		a.answerErr(ctx, sockets.ErrorToProto(a.state.spec.Name, err))
		return
	}
	if ctx.Sender() != nil {
		ctx.Respond(&messages.Sent{Socket: a.state.spec.Name, Queued: queued})
	}
}

func (a *socketActor) bind(ctx actor.Context, m *messages.Bind) {
	if a.closedErr(ctx, "bind") {
		return
	}
	resolved, err := a.sock.Bind(m.GetEndpoint())
	if err != nil {
		a.answerErr(ctx, sockets.ErrorToProto(a.state.spec.Name, err))
		return
	}
	a.state.spec.Binds = append(a.state.spec.Binds, resolved)
	a.answer(ctx, &messages.Bound{Socket: a.state.spec.Name, Endpoint: m.GetEndpoint(), ResolvedEndpoint: resolved})
}

func (a *socketActor) connect(ctx actor.Context, m *messages.Connect) {
	if a.closedErr(ctx, "connect") {
		return
	}
	if err := a.sock.Connect(m.GetEndpoint()); err != nil {
		a.answerErr(ctx, sockets.ErrorToProto(a.state.spec.Name, err))
		return
	}
	a.state.spec.Connects = append(a.state.spec.Connects, m.GetEndpoint())
	a.answer(ctx, &messages.Connected{Socket: a.state.spec.Name, Endpoint: m.GetEndpoint()})
}

func (a *socketActor) unbind(ctx actor.Context, m *messages.Unbind) {
	if a.closedErr(ctx, "unbind") {
		return
	}
	if err := a.sock.Unbind(m.GetEndpoint()); err != nil {
		a.answerErr(ctx, sockets.ErrorToProto(a.state.spec.Name, err))
		return
	}
	a.state.spec.Binds = without(a.state.spec.Binds, m.GetEndpoint())
	a.answer(ctx, &messages.Unbound{Socket: a.state.spec.Name, Endpoint: m.GetEndpoint()})
}

func (a *socketActor) disconnect(ctx actor.Context, m *messages.Disconnect) {
	if a.closedErr(ctx, "disconnect") {
		return
	}
	if err := a.sock.Disconnect(m.GetEndpoint()); err != nil {
		a.answerErr(ctx, sockets.ErrorToProto(a.state.spec.Name, err))
		return
	}
	a.state.spec.Connects = without(a.state.spec.Connects, m.GetEndpoint())
	a.answer(ctx, &messages.Disconnected{Socket: a.state.spec.Name, Endpoint: m.GetEndpoint()})
}

func without(list []string, e string) []string {
	for i, x := range list {
		if x == e {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

func (a *socketActor) setOption(ctx actor.Context, m *messages.SetOption) {
	if a.closedErr(ctx, "setsockopt") {
		return
	}
	if err := a.sock.SetOption(m.GetOption()); err != nil {
		a.answerErr(ctx, sockets.ErrorToProto(a.state.spec.Name, err))
		return
	}
	a.state.spec.Options = append(a.state.spec.Options, m.GetOption())
	a.answer(ctx, &messages.OptionSet{Socket: a.state.spec.Name, Option: m.GetOption()})
}

func (a *socketActor) close(ctx actor.Context, m *messages.Close) {
	if a.closedErr(ctx, "close") {
		return
	}
	a.closeSocket(ctx, m.GetLinger(), "close command", nil)
	ctx.Stop(a.self)
}

// fail closes a socket that ZeroMQ made unusable and stops the actor.
func (a *socketActor) fail(ctx actor.Context, err error) {
	a.closeSocket(ctx, nil, "socket failed", err)
	ctx.Stop(a.self)
}

// closeSocket closes the socket; with a reason it also sends Closed, to the
// owner and to the sender of a Close command.
func (a *socketActor) closeSocket(ctx actor.Context, linger *durationpb.Duration, reason string, cause error) {
	if a.sock == nil {
		return
	}
	unsent, err := a.sock.Close(lingerOf(linger))
	a.sock = nil
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
	if _, isClose := ctx.Message().(*messages.Close); isClose && ctx.Sender() != nil && !ctx.Sender().Equal(a.state.owner) {
		ctx.Respond(closed)
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
