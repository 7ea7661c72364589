package actors

import (
	"context"
	"fmt"
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// ProxySpec describes a proxy: two socket actors, and an actor between them
// that forwards every message from one to the other, as zmq_proxy(3) does.
// Frontend XSUB with backend XPUB is a forwarder (the zguide's wuproxy),
// ROUTER with DEALER a request-reply broker (rrbroker), PULL with PUSH a
// streamer.
type ProxySpec struct {
	// Name names the proxy actor; empty picks one.
	Name string
	// Frontend and Backend are the two sockets. Their names default to
	// "frontend" and "backend".
	Frontend, Backend sockets.Spec
	// Capture, when set, receives a copy of every forwarded message as a
	// messages.Received whose Socket names the side it came from, and, for
	// a forwarder, each subscription as the one-frame subscription message
	// (1 or 0, then the prefix).
	Capture *actor.PID
	// Owner, when set, receives the sockets' events: Started (again after
	// a restart), Error, DecodeError, and Closed when a socket ends, also
	// when the proxy stops. Without one they go to the actor system's event
	// stream.
	Owner *actor.PID
	// LoadBalance makes the proxy the zguide's load-balancing broker
	// (lbbroker): both sockets are ROUTERs; workers (REQ) connect to the
	// backend and announce themselves with "READY"; each client request
	// [client, "", request...] goes to the worker that has been ready the
	// longest as [worker, "", client, "", request...], and the worker's
	// answer [client, "", reply...] goes back to that client. Requests wait
	// while no worker is ready, up to MaxWaiting; beyond it a request is
	// dropped and reported as an Error (the client times out and may
	// retry). A peer on the backend cannot take more than it is given: a
	// worker is ready once however often it says READY, and an answer
	// counts only from the worker that holds that client's request; any
	// other is dropped and reported as an Error (ErrBadMessage). A READY
	// from a worker that holds a request means it started again: the
	// request is reported lost and the worker is ready. There are no
	// heartbeats, so a worker that dies holding a request keeps it (the
	// client's retry is what recovers it); WithPirateQueue has them.
	LoadBalance bool
	// MaxWaiting bounds the requests a load balancer keeps while no worker
	// is ready; zero means 1000.
	MaxWaiting int
}

// Proxy is a handle on a running proxy.
type Proxy struct {
	rt                *Runtime
	pid               *actor.PID
	frontend, backend *Socket
}

// PID returns the proxy actor's process id; stopping it stops both sockets.
func (p *Proxy) PID() *actor.PID { return p.pid }

// Frontend returns the frontend socket actor.
func (p *Proxy) Frontend() *Socket { return p.frontend }

// Backend returns the backend socket actor.
func (p *Proxy) Backend() *Socket { return p.backend }

// Close stops the proxy and its two sockets and waits for them.
func (p *Proxy) Close(ctx context.Context) error {
	f := p.rt.system.Root.StopFuture(p.pid)
	done := make(chan error, 1)
	go func() { done <- f.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	for _, s := range []*Socket{p.frontend, p.backend} {
		select {
		case <-s.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// proxyActor forwards between its two child socket actors, of which it is
// the owner.
type proxyActor struct {
	rt                *Runtime
	spec              ProxySpec
	frontend, backend *actor.PID
	started           chan<- proxyStart // first start only
	events            [2]*messages.Started
	stopping          bool            // its sockets' Closed events are told when it has Stopped
	closed            map[string]bool // sockets whose Closed the owner has

	// Load balancing: the workers ready, longest first, and the requests
	// waiting for one.
	ready   [][]byte
	waiting [][][]byte
	// busy: each worker given a request, with the client it is for.
	busy map[string]string
}

type proxyStart struct {
	frontend, backend *Socket
	err               error
}

// SpawnProxy starts a proxy from the root context and waits until both of
// its sockets are open.
func (c *Runtime) SpawnProxy(ctx context.Context, spec ProxySpec) (*Proxy, error) {
	if spec.Frontend.Name == "" {
		spec.Frontend.Name = "frontend"
	}
	if spec.Backend.Name == "" {
		spec.Backend.Name = "backend"
	}
	if spec.Frontend.Name == spec.Backend.Name {
		return nil, fmt.Errorf("%w: proxy: frontend and backend have the same name %q", ErrBadOption, spec.Frontend.Name)
	}
	for _, s := range []sockets.Spec{spec.Frontend, spec.Backend} {
		if err := s.Validate(); err != nil {
			return nil, err
		}
	}
	// Messages flow from the frontend to the backend, and back when the
	// backend receives (an XPUB's subscriptions go to an XSUB frontend).
	f, b := spec.Frontend.Type, spec.Backend.Type
	if spec.LoadBalance && (f != sockets.Router || b != sockets.Router) {
		return nil, fmt.Errorf("%w: proxy: a load balancer has a ROUTER frontend and a ROUTER backend, not %v and %v", ErrUnsupported, f, b)
	}
	if spec.MaxWaiting < 0 {
		return nil, fmt.Errorf("%w: proxy: negative MaxWaiting %d", ErrBadOption, spec.MaxWaiting)
	}
	if spec.MaxWaiting == 0 {
		spec.MaxWaiting = 1000
	}
	if !f.CanReceive() || !b.CanSend() || (b.CanReceive() && b != sockets.XPub && !f.CanSend()) {
		return nil, fmt.Errorf("%w: proxy: a %v frontend cannot forward to a %v backend", ErrUnsupported, f, b)
	}
	started := make(chan proxyStart, 1)
	// Registered like a socket actor, so that Shutdown stops it too.
	props := actor.PropsFromProducer(func() actor.Actor {
		return &proxyActor{rt: c, spec: spec, started: started, busy: map[string]string{}}
	}, actor.WithSpawnFunc(c.spawnFunc))
	var pid *actor.PID
	var err error
	if spec.Name != "" {
		pid, err = c.system.Root.SpawnNamed(props, spec.Name)
	} else {
		pid, err = c.system.Root.SpawnNamed(props, "zmq-proxy"+c.system.ProcessRegistry.NextId())
	}
	if err != nil {
		return nil, err
	}
	select {
	case r := <-started:
		if r.err != nil {
			_ = c.system.Root.StopFuture(pid).Wait()
			return nil, r.err
		}
		return &Proxy{rt: c, pid: pid, frontend: r.frontend, backend: r.backend}, nil
	case <-ctx.Done():
		c.system.Root.Stop(pid)
		return nil, fmt.Errorf("zmqactor: spawn proxy: %w", ctx.Err())
	}
}

func (p *proxyActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		p.frontend = p.spawn(ctx, p.spec.Frontend)
		p.backend = p.spawn(ctx, p.spec.Backend)
		if p.frontend == nil || p.backend == nil {
			ctx.Stop(ctx.Self())
		}
	case *actor.Stopping:
		p.stopping = true
	case *actor.Stopped:
		p.stopped(ctx)
		p.rt.unregister(ctx.Self().Id)
	case *messages.Started:
		p.onStarted(ctx, m)
	case *messages.Received:
		if !p.stopping { // its sockets are stopping too: nothing can go out
			p.forward(ctx, m)
		}
	case *messages.PeerSubscription:
		if !p.stopping {
			p.subscription(ctx, m)
		}
	case *messages.Closed:
		if p.stopping {
			return // told when Stopped
		}
		if p.closed == nil {
			p.closed = map[string]bool{}
		}
		p.closed[m.GetSocket()] = true
		if p.started != nil {
			p.started <- proxyStart{err: sockets.ErrorFromProto(m.GetError())}
			p.started = nil
		}
		p.tell(ctx, m)
	case *messages.Error, *messages.DecodeError:
		p.tell(ctx, m)
	}
}

func (p *proxyActor) spawn(ctx actor.Context, spec sockets.Spec) *actor.PID {
	props, err := p.rt.Props(spec)
	if err == nil {
		var pid *actor.PID
		if pid, err = ctx.SpawnNamed(props, spec.Name); err == nil {
			return pid
		}
	}
	if p.started != nil {
		p.started <- proxyStart{err: err}
		p.started = nil
	}
	return nil
}

func (p *proxyActor) onStarted(ctx actor.Context, m *messages.Started) {
	switch {
	case ctx.Sender().Equal(p.frontend):
		p.events[0] = m
	case ctx.Sender().Equal(p.backend):
		p.events[1] = m
	}
	p.tell(ctx, m)
	if p.started != nil && p.events[0] != nil && p.events[1] != nil {
		p.started <- proxyStart{
			frontend: &Socket{rt: p.rt, pid: p.frontend, started: p.events[0]},
			backend:  &Socket{rt: p.rt, pid: p.backend, started: p.events[1]},
		}
		p.started = nil
	}
}

// stopped tells the owner of the sockets' end, those it was not told of
// yet, once protoactor has stopped them (a parent stops its children after
// its own Stopping, and is Stopped once they all have): exactly once each,
// frontend first, whatever the order in which they ended. Stopping them in
// Stopping instead left protoactor's own Stop for each as a dead letter.
func (p *proxyActor) stopped(ctx actor.Context) {
	for i, pid := range []*actor.PID{p.frontend, p.backend} {
		name := p.spec.Frontend.Name
		if i == 1 {
			name = p.spec.Backend.Name
		}
		if pid != nil && !p.closed[name] {
			p.tell(ctx, &messages.Closed{Socket: name, Reason: "proxy stopped"})
		}
	}
}

// forward sends a message from one side out of the other, as it came.
func (p *proxyActor) forward(ctx actor.Context, m *messages.Received) {
	if p.spec.LoadBalance {
		p.balance(ctx, m)
		return
	}
	to := p.backend
	if ctx.Sender().Equal(p.backend) {
		to = p.frontend
	}
	ctx.Send(to, &messages.Send{Frames: m.GetFrames()})
	if p.spec.Capture != nil {
		ctx.Send(p.spec.Capture, m)
	}
}

// subscription passes a subscription from the backend XPUB on to the
// frontend XSUB, which subscribes upstream on the proxy's behalf.
func (p *proxyActor) subscription(ctx actor.Context, m *messages.PeerSubscription) {
	frame := append([]byte{0}, m.GetPrefix()...)
	if m.GetSubscribe() {
		frame[0] = 1
	}
	if p.spec.Frontend.Type == sockets.XSub {
		ctx.Send(p.frontend, &messages.Send{Frames: [][]byte{frame}})
	}
	if p.spec.Capture != nil {
		ctx.Send(p.spec.Capture, &messages.Received{Socket: m.GetSocket(), Frames: [][]byte{frame}})
	}
}

// tell passes a socket event on to the proxy's owner, or the event stream.
func (p *proxyActor) tell(ctx actor.Context, m any) {
	if p.spec.Owner != nil {
		ctx.Send(p.spec.Owner, m)
		return
	}
	ctx.ActorSystem().EventStream.Publish(m)
}

// balance does the load balancer's routing (ProxySpec.LoadBalance).
func (p *proxyActor) balance(ctx actor.Context, m *messages.Received) {
	if p.spec.Capture != nil {
		ctx.Send(p.spec.Capture, m)
	}
	f := m.GetFrames()
	if ctx.Sender().Equal(p.backend) {
		if !p.fromWorker(ctx, m) {
			return
		}
	} else {
		// [client, "", request...]
		if len(f) < 3 || len(f[1]) != 0 {
			p.malformed(ctx, m, "a request is [client, \"\", request...]")
			return
		}
		if len(p.waiting) >= p.spec.MaxWaiting {
			p.tell(ctx, sockets.ErrorToProto(m.GetSocket(), &sockets.Error{Op: sockets.OpForward, Socket: m.GetSocket(),
				Err: fmt.Errorf("%w: %d requests wait for a worker; this one is dropped", ErrQueueFull, len(p.waiting))}))
			return
		}
		p.waiting = append(p.waiting, f)
	}
	for len(p.ready) > 0 && len(p.waiting) > 0 {
		worker, req := p.ready[0], p.waiting[0]
		p.ready, p.waiting = p.ready[1:], p.waiting[1:]
		p.busy[string(worker)] = string(req[0])
		out := make([][]byte, 0, 2+len(req))
		out = append(append(out, worker, []byte{}), req...)
		ctx.Send(p.backend, &messages.Send{Frames: out})
	}
}

// fromWorker takes a worker's message: [worker, "", "READY"], or
// [worker, "", client, "", reply...] from the worker that holds that
// client's request, whose reply goes to the client. It reports whether the
// worker is ready now.
func (p *proxyActor) fromWorker(ctx actor.Context, m *messages.Received) bool {
	const want = "a worker's message is [worker, \"\", \"READY\"] or [worker, \"\", client, \"\", reply...]"
	f := m.GetFrames()
	if len(f) < 3 || len(f[1]) != 0 {
		p.malformed(ctx, m, want)
		return false
	}
	worker := string(f[0])
	client, holds := p.busy[worker]
	switch {
	case len(f) == 3:
		if slices.ContainsFunc(p.ready, func(w []byte) bool { return string(w) == worker }) {
			p.malformed(ctx, m, "a worker that is ready already said READY again")
			return false
		}
		if holds {
			p.tell(ctx, sockets.ErrorToProto(m.GetSocket(), &sockets.Error{Op: sockets.OpForward, Socket: m.GetSocket(),
				Err: fmt.Errorf("%w: a worker said READY while it held a request: it started again, and the request is lost", ErrHandlerFailed)}))
		}
	case len(f) >= 5 && len(f[3]) == 0:
		if !holds || client != string(f[2]) {
			p.malformed(ctx, m, "an answer comes from the worker that holds that client's request")
			return false
		}
		ctx.Send(p.frontend, &messages.Send{Frames: f[2:]})
	default:
		p.malformed(ctx, m, want)
		return false
	}
	delete(p.busy, worker)
	p.ready = append(p.ready, f[0])
	return true
}

func (p *proxyActor) malformed(ctx actor.Context, m *messages.Received, want string) {
	p.tell(ctx, sockets.ErrorToProto(m.GetSocket(), &sockets.Error{Op: sockets.OpForward, Socket: m.GetSocket(),
		Err: fmt.Errorf("%w: %s; got %d frames, dropped", sockets.ErrBadMessage, want, len(m.GetFrames()))}))
}
