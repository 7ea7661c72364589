package supervision

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Service declares a fault-tolerant service: socket actors, handler actors
// and nested services, started under one supervisor with one policy. A
// nested service has its own supervisor, a child of this one, so a tree
// can mix policies: a broker whose frontend and backend restart together
// (AllForOne) beside a pool of workers that restart alone (OneForOne).
type Service struct {
	// Name names the service's supervisor actor; required, unique among
	// its siblings.
	Name string
	// Strategy supervises the service's handlers, sockets and nested
	// services; nil means OneForOne with its defaults.
	Strategy *Strategy
	// Handlers are started first, so that sockets can name them.
	Handlers []Handler
	// Sockets are the service's socket actors.
	Sockets []Socket
	// Services are nested services.
	Services []Service
}

// Handler is an actor of a service, such as a request handler or a
// router over a pool of them.
type Handler struct {
	// Name names the handler, unique in the service.
	Name  string
	Props *actor.Props
}

// Socket is a socket actor of a service.
type Socket struct {
	// Spec is the socket's spec; Spec.Name is required and unique in the
	// tree.
	Spec sockets.Spec
	// Handler names a Handler of the service that serves the requests of
	// a ROUTER or REP socket (actors.WithHandler).
	Handler string
	// Serve configures the serving when Handler is set.
	Serve actors.ServeOptions
	// Receiver names a Handler of the service that receives the socket's
	// messages (Received, PeerSubscription, DecodeError), with the socket
	// actor as sender. Without one they go to the tree's owner.
	Receiver string
	// Options are more spawn options (not WithOwner or WithHandler).
	Options []actors.SpawnOption
}

// Running is a started service tree.
type Running struct {
	z        *actors.Runtime
	pid      *actor.PID
	sockets  map[string]*actors.Socket
	handlers map[string]*actor.PID
}

// PID returns the root supervisor's process id.
func (r *Running) PID() *actor.PID { return r.pid }

// Socket returns the socket actor of that name anywhere in the tree, or
// nil. Its handle stays valid across restarts.
func (r *Running) Socket(name string) *actors.Socket { return r.sockets[name] }

// Handler returns the handler at that path of service names from the
// root, such as "shop/broker/forwarder", or nil.
func (r *Running) Handler(name string) *actor.PID { return r.handlers[name] }

// Stop stops the tree: each supervisor stops its sockets, handlers and
// nested services before itself, and the owner gets each socket's Closed.
func (r *Running) Stop(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- r.z.System().Root.StopFuture(r.pid).Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Start starts the service tree from the root context and waits until
// every socket in it is open. Events of every socket (Started again after
// a restart, Restarting, Error, Closed with the reason) go to owner, or to
// the actor system's event stream when owner is nil. On error nothing is
// left running.
func Start(ctx context.Context, z *actors.Runtime, s Service, owner *actor.PID) (*Running, error) {
	if err := check(s, "", map[string]bool{}); err != nil {
		return nil, err
	}
	ready := make(chan treeReady, 1)
	svc := &serviceActor{z: z, spec: s, owner: owner, ready: ready}
	pid, err := z.System().Root.SpawnNamed(svc.props(), s.Name)
	if err != nil {
		return nil, err
	}
	select {
	case r := <-ready:
		if r.err != nil {
			_ = z.System().Root.StopFuture(pid).Wait()
			return nil, r.err
		}
		return &Running{z: z, pid: pid, sockets: r.sockets, handlers: r.handlers}, nil
	case <-ctx.Done():
		_ = z.System().Root.StopFuture(pid).Wait()
		return nil, fmt.Errorf("zmqactor: start service %s: %w", s.Name, ctx.Err())
	}
}

// check validates a service declaration: names, references, specs.
func check(s Service, path string, sockNames map[string]bool) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: service %s: %s", ErrBadPolicy, path+s.Name, fmt.Sprintf(format, args...))
	}
	if s.Name == "" {
		return bad("no name")
	}
	names := map[string]bool{}
	for _, h := range s.Handlers {
		if h.Name == "" || h.Props == nil || names[h.Name] {
			return bad("handler %q: a handler needs a unique name and props", h.Name)
		}
		names[h.Name] = true
	}
	for _, so := range s.Sockets {
		if so.Spec.Name == "" || sockNames[so.Spec.Name] || names[so.Spec.Name] {
			return bad("socket %q: a socket needs a name unique in the tree", so.Spec.Name)
		}
		sockNames[so.Spec.Name] = true
		for _, ref := range []string{so.Handler, so.Receiver} {
			if ref != "" && !names[ref] {
				return bad("socket %q names no handler %q of this service", so.Spec.Name, ref)
			}
		}
		if err := so.Spec.Validate(); err != nil {
			return err
		}
	}
	for _, sub := range s.Services {
		if names[sub.Name] {
			return bad("nested service %q: the name is taken", sub.Name)
		}
		names[sub.Name] = true
		if err := check(sub, path+s.Name+"/", sockNames); err != nil {
			return err
		}
	}
	return nil
}

// treeReady is what a service supervisor reports once all of its sockets
// and nested services are up, or why not.
type treeReady struct {
	sockets  map[string]*actors.Socket
	handlers map[string]*actor.PID
	err      error
}

// subReady is a nested service's treeReady, as a message to its parent.
type subReady struct{ treeReady }

// serviceActor supervises one service: the owner of its sockets, which
// passes their messages to receivers and their events to the tree's owner.
type serviceActor struct {
	z     *actors.Runtime
	spec  Service
	owner *actor.PID
	ready chan<- treeReady // root only
	path  string           // "" for the root, else "parent/"

	sockets   map[string]*actor.PID // socket name -> socket actor
	receivers map[string]*actor.PID // socket name -> receiver
	handlers  map[string]*actor.PID
	subs      []*actor.PID
	result    treeReady
	waiting   int  // sockets and nested services not yet up
	reported  bool // the first start is reported
	stopped   bool
	closed    map[string]bool
}

func (s *serviceActor) props() *actor.Props {
	strategy := actor.SupervisorStrategy(s.spec.Strategy)
	if s.spec.Strategy == nil {
		strategy, _ = OneForOne()
	}
	return actor.PropsFromProducer(func() actor.Actor { return s }, actor.WithSupervisor(strategy))
}

func (s *serviceActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.start(ctx)
	case *actor.Stopping:
		s.stopping(ctx)
	case *messages.Started:
		if !s.reported {
			s.result.sockets[m.GetSocket()] = s.z.SocketOf(ctx.Sender(), m)
			s.up(ctx, nil)
		}
		s.tell(ctx, m)
	case *subReady:
		for k, v := range m.sockets {
			s.result.sockets[k] = v
		}
		for k, v := range m.handlers {
			s.result.handlers[k] = v
		}
		s.up(ctx, m.err)
	case *messages.Closed:
		if s.stopped {
			return
		}
		if s.closed == nil {
			s.closed = map[string]bool{}
		}
		s.closed[m.GetSocket()] = true
		if !s.reported {
			err := sockets.ErrorFromProto(m.GetError())
			if err == nil {
				err = &sockets.Error{Op: sockets.OpOpen, Socket: m.GetSocket(), Err: fmt.Errorf("%w: %s", sockets.ErrClosed, m.GetReason())}
			}
			s.up(ctx, err)
		}
		s.tell(ctx, m)
	case *messages.Received, *messages.PeerSubscription, *messages.DecodeError:
		if r := s.receiverOf(ctx.Sender()); r != nil {
			ctx.RequestWithCustomSender(r, m, ctx.Sender())
			return
		}
		s.tell(ctx, m)
	case *messages.Restarting, *messages.Error:
		s.tell(ctx, m)
	}
}

func (s *serviceActor) start(ctx actor.Context) {
	s.sockets, s.receivers, s.handlers = map[string]*actor.PID{}, map[string]*actor.PID{}, map[string]*actor.PID{}
	s.result = treeReady{sockets: map[string]*actors.Socket{}, handlers: map[string]*actor.PID{}}
	for _, h := range s.spec.Handlers {
		pid, err := ctx.SpawnNamed(h.Props, h.Name)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		s.handlers[h.Name] = pid
		s.result.handlers[s.path+s.spec.Name+"/"+h.Name] = pid
	}
	for _, sub := range s.spec.Services {
		child := &serviceActor{z: s.z, spec: sub, owner: s.owner, path: s.path + s.spec.Name + "/"}
		pid, err := ctx.SpawnNamed(child.props(), sub.Name)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		s.subs = append(s.subs, pid)
		s.waiting++
	}
	for _, so := range s.spec.Sockets {
		opts := append([]actors.SpawnOption{actors.WithOwner(ctx.Self())}, so.Options...)
		if so.Handler != "" {
			opts = append(opts, actors.WithHandler(s.handlers[so.Handler], so.Serve))
		}
		props, err := s.z.Props(so.Spec, opts...)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		pid, err := ctx.SpawnNamed(props, so.Spec.Name)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		s.sockets[so.Spec.Name] = pid
		if so.Receiver != "" {
			s.receivers[pid.Id] = s.handlers[so.Receiver]
		}
		s.waiting++
	}
	if s.waiting == 0 {
		s.up(ctx, nil)
	}
}

// up counts one socket or nested service up (or failed) and reports the
// service once all are.
func (s *serviceActor) up(ctx actor.Context, err error) {
	if s.reported {
		return
	}
	if err != nil {
		s.fail(ctx, err)
		return
	}
	s.waiting--
	if s.waiting <= 0 {
		s.report(ctx, s.result)
	}
}

func (s *serviceActor) fail(ctx actor.Context, err error) {
	if !s.reported {
		s.report(ctx, treeReady{err: fmt.Errorf("zmqactor: service %s: %w", s.path+s.spec.Name, err)})
	}
}

func (s *serviceActor) report(ctx actor.Context, r treeReady) {
	s.reported = true
	if s.ready != nil {
		s.ready <- r
		return
	}
	ctx.Send(ctx.Parent(), &subReady{r})
}

func (s *serviceActor) receiverOf(pid *actor.PID) *actor.PID {
	if pid == nil {
		return nil
	}
	return s.receivers[pid.Id]
}

// stopping stops the sockets, handlers and nested services before the
// supervisor itself, waiting for each, so that the owner gets each
// socket's Closed exactly once whatever the order in which protoactor
// delivers the children's last messages.
func (s *serviceActor) stopping(ctx actor.Context) {
	s.stopped = true
	for _, so := range s.spec.Sockets {
		pid := s.sockets[so.Spec.Name]
		if pid == nil {
			continue
		}
		_ = ctx.StopFuture(pid).Wait()
		if !s.closed[so.Spec.Name] {
			s.tell(ctx, &messages.Closed{Socket: so.Spec.Name, Reason: "service stopped"})
		}
	}
	for _, pid := range s.subs {
		_ = ctx.StopFuture(pid).Wait()
	}
	for _, pid := range s.handlers {
		_ = ctx.StopFuture(pid).Wait()
	}
}

// tell passes an event on to the tree's owner, or the event stream.
func (s *serviceActor) tell(ctx actor.Context, m any) {
	if s.owner != nil {
		ctx.Send(s.owner, m)
		return
	}
	ctx.ActorSystem().EventStream.Publish(m)
}
