package supervision

import (
	"fmt"
	"slices"
	"strings"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// subReady is what a nested service reports to its parent once all of its
// sockets and nested services are up, or why not.
type subReady struct{ err error }

// The stop of a tree, in phases that leave no message for a stopped actor:
// every handler of the tree first, so that the sockets watching them (a
// server's handler, a SUB's subscribers) see them stop while they are
// there to see it; then every socket, whose Closed its service passes on;
// then the supervisors, which protoactor stops innermost first. A service
// goes to the next phase once its own children of the phase have stopped
// and its nested services have reported that phase done.
const (
	phaseHandlers = 1
	phaseSockets  = 2
)

// stopTree starts the stop of the tree at its root (Running.Stop).
type stopTree struct{}

// stopPhase asks a nested service to carry out a phase.
type stopPhase struct{ phase int }

// phaseDone reports a phase done to the parent, from the nested service
// actor whose id is from.
type phaseDone struct {
	phase int
	from  string
}

// phaseFlush, sent by a service to itself when the children of a phase
// have stopped, comes after the messages they sent before they stopped
// (a socket's Closed): those are passed on first.
type phaseFlush struct{ phase int }

// serviceActor supervises one service: the owner of its sockets, which
// passes their messages to receivers and their events to the tree's owner.
// The root's also keeps the board of the tree.
type serviceActor struct {
	z     *actors.Runtime
	spec  Service
	path  string       // "shop", "shop/broker"
	decl  *declaration // shared, read-only
	owner *actor.PID
	root  *actor.PID // the root service actor

	// The root's own.
	board *board
	ready chan<- error  // the first start's result
	done  chan struct{} // closed when the root has stopped

	// One instance's children that are alive, by name, and what it
	// waits for.
	handlers  map[string]*actor.PID
	sockets   map[string]*actor.PID
	subs      map[string]*actor.PID
	receivers map[string]*actor.PID // socket actor id -> receiver
	deferred  map[string]Socket     // ConnectTo sockets waiting, by path
	waiting   int                   // sockets and nested services not yet up
	reported  bool                  // the first start is reported
	closed    map[string]bool       // the sockets that sent Closed

	// The stop.
	phase       int
	pendingStop map[string]bool // the children of the phase still alive
	pendingSubs map[string]bool // nested services not done with the phase
	flushing    bool
	drained     bool // every handler and socket stopped by the phases
	abrupt      bool // stopped by protoactor without the phases
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
	case *actor.Stopped:
		if s.done != nil {
			close(s.done)
		}
	case *actor.Terminated:
		s.terminated(ctx, m.Who)
	case *messages.Started:
		// The board has the handle before the start is reported.
		s.toRoot(ctx, &socketUp{path: pathOf(s.path, m.GetSocket()), socket: s.z.SocketOf(ctx.Sender(), m)})
		if !s.reported {
			s.up(ctx, nil)
		}
		s.tell(ctx, m)
	case *socketUp, *forget, *resolve:
		s.toRoot(ctx, m)
	case *resolved:
		s.connectAndSpawn(ctx, m)
	case *rewire:
		if pid := s.sockets[strings.TrimPrefix(m.path, s.path+"/")]; pid != nil {
			ctx.Send(pid, &messages.Disconnect{Endpoint: m.from})
			ctx.Send(pid, &messages.Connect{Endpoint: m.to})
		}
	case *subReady:
		s.up(ctx, m.err)
	case *stopTree:
		if s.phase == 0 {
			s.beginPhase(ctx, phaseHandlers)
		}
	case *stopPhase:
		s.beginPhase(ctx, m.phase)
	case *phaseDone:
		delete(s.pendingSubs, m.from)
		s.checkPhase(ctx)
	case *phaseFlush:
		s.flushed(ctx, m.phase)
	case *messages.Closed:
		s.socketClosed(ctx, m)
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

// start begins an instance: the first, or one after a restart, which
// spawns every child again.
func (s *serviceActor) start(ctx actor.Context) {
	s.handlers, s.sockets, s.subs = map[string]*actor.PID{}, map[string]*actor.PID{}, map[string]*actor.PID{}
	s.receivers, s.deferred, s.closed = map[string]*actor.PID{}, map[string]Socket{}, map[string]bool{}
	s.phase, s.drained, s.abrupt = 0, false, false
	if s.board != nil {
		s.root = ctx.Self()
	}
	paths := make([]string, 0, len(s.spec.Sockets))
	for _, so := range s.spec.Sockets {
		paths = append(paths, pathOf(s.path, so.Spec.Name))
	}
	s.toRoot(ctx, &forget{paths: paths})
	for _, h := range s.spec.Handlers {
		pid, err := ctx.SpawnNamed(h.Props, h.Name)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		s.handlers[h.Name] = pid
	}
	s.waiting = len(s.spec.Services) + len(s.spec.Sockets)
	for _, sub := range s.spec.Services {
		child := &serviceActor{z: s.z, spec: sub, path: pathOf(s.path, sub.Name), decl: s.decl, owner: s.owner, root: s.root}
		pid, err := ctx.SpawnNamed(child.props(), sub.Name)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		s.subs[sub.Name] = pid
	}
	for _, so := range s.spec.Sockets {
		path := pathOf(s.path, so.Spec.Name)
		if targets := s.decl.connects[path]; len(targets) > 0 {
			s.deferred[path] = so
			s.toRoot(ctx, &resolve{from: ctx.Self(), path: path, targets: targets})
			continue
		}
		if err := s.spawnSocket(ctx, so, nil); err != nil {
			s.fail(ctx, err)
			return
		}
	}
	if s.waiting == 0 {
		s.up(ctx, nil)
	}
}

// spawnSocket spawns a socket of the service, connecting also to connects.
func (s *serviceActor) spawnSocket(ctx actor.Context, so Socket, connects []string) error {
	spec := so.Spec
	spec.Connects = append(slices.Clone(spec.Connects), connects...)
	opts := append([]actors.SpawnOption{actors.WithOwner(ctx.Self())}, so.Options...)
	if so.Handler != "" {
		opts = append(opts, actors.WithHandler(s.handlers[so.Handler], so.Serve))
	}
	props, err := s.z.Props(spec, opts...)
	if err != nil {
		return err
	}
	pid, err := ctx.SpawnNamed(props, spec.Name)
	if err != nil {
		return err
	}
	s.sockets[spec.Name] = pid
	if so.Receiver != "" {
		s.receivers[pid.Id] = s.handlers[so.Receiver]
	}
	return nil
}

// connectAndSpawn spawns a socket whose ConnectTo endpoints have come.
func (s *serviceActor) connectAndSpawn(ctx actor.Context, m *resolved) {
	so, ok := s.deferred[m.path]
	if !ok || s.phase != 0 {
		return
	}
	delete(s.deferred, m.path)
	if err := s.spawnSocket(ctx, so, m.endpoints); err != nil {
		s.fail(ctx, err)
	}
}

// toRoot sends m to the root service actor, or handles it there.
func (s *serviceActor) toRoot(ctx actor.Context, m any) {
	if s.board == nil {
		ctx.Send(s.root, m)
		return
	}
	switch m := m.(type) {
	case *socketUp:
		s.board.started(m, ctx.Send)
	case *forget:
		s.board.forget(m)
	case *resolve:
		s.board.ask(m, ctx.Send)
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
		s.report(ctx, nil)
	}
}

func (s *serviceActor) fail(ctx actor.Context, err error) {
	if !s.reported {
		s.report(ctx, fmt.Errorf("zmqactor: service %s: %w", s.path, err))
	}
}

func (s *serviceActor) report(ctx actor.Context, err error) {
	s.reported = true
	if s.ready != nil {
		s.ready <- err
		return
	}
	ctx.Send(ctx.Parent(), &subReady{err: err})
}

func (s *serviceActor) receiverOf(pid *actor.PID) *actor.PID {
	if pid == nil {
		return nil
	}
	return s.receivers[pid.Id]
}

// socketClosed passes a socket's Closed on, and counts a socket that
// could not open as the first start's failure.
func (s *serviceActor) socketClosed(ctx actor.Context, m *messages.Closed) {
	if s.abrupt {
		return // stopping reports every socket itself
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
}

// terminated forgets a child that stopped, for good: a handler (and the
// sockets' receiving through it), a socket, a nested service.
func (s *serviceActor) terminated(ctx actor.Context, who *actor.PID) {
	if who == nil {
		return
	}
	for _, children := range []map[string]*actor.PID{s.handlers, s.sockets, s.subs} {
		for name, pid := range children {
			if pid.Id == who.Id {
				delete(children, name)
			}
		}
	}
	for id, r := range s.receivers {
		if id == who.Id || r.Id == who.Id {
			delete(s.receivers, id)
		}
	}
	if s.pendingStop[who.Id] || s.pendingSubs[who.Id] {
		delete(s.pendingStop, who.Id)
		delete(s.pendingSubs, who.Id)
		s.checkPhase(ctx)
	}
}

// beginPhase stops this service's children of phase p and asks the
// nested services to do the same.
func (s *serviceActor) beginPhase(ctx actor.Context, p int) {
	s.phase, s.flushing = p, false
	s.pendingStop, s.pendingSubs = map[string]bool{}, map[string]bool{}
	children := s.handlers
	if p == phaseSockets {
		children = s.sockets
		s.deferred = map[string]Socket{}
	}
	for _, pid := range children {
		s.pendingStop[pid.Id] = true
		ctx.Stop(pid)
	}
	for _, pid := range s.subs {
		s.pendingSubs[pid.Id] = true
		ctx.Send(pid, &stopPhase{phase: p})
	}
	s.checkPhase(ctx)
}

// checkPhase sends the flush once the phase has nothing left to wait for.
func (s *serviceActor) checkPhase(ctx actor.Context) {
	if s.phase == 0 || s.flushing || len(s.pendingStop) > 0 || len(s.pendingSubs) > 0 {
		return
	}
	s.flushing = true
	ctx.Send(ctx.Self(), &phaseFlush{phase: s.phase})
}

// flushed ends a phase: a nested service reports it, the root goes on
// to the next, and after the last it stops, and protoactor with it the
// nested services' supervisors, which have no children left.
func (s *serviceActor) flushed(ctx actor.Context, p int) {
	if p != s.phase || !s.flushing {
		return
	}
	if p == phaseSockets {
		s.drained = true
	}
	switch {
	case s.board == nil:
		ctx.Send(ctx.Parent(), &phaseDone{phase: p, from: ctx.Self().Id})
	case p == phaseHandlers:
		s.beginPhase(ctx, phaseSockets)
	default:
		ctx.Poison(ctx.Self())
	}
}

// stopping is the end of a supervisor. After the phases it has nothing
// to do. Stopped without them (its PID stopped directly, its parent
// stopping), it stops its children itself in the phases' order, waiting
// for each, and tells the owner each socket's Closed that it did not pass
// on; protoactor then reports dead letters for what it still sends them.
func (s *serviceActor) stopping(ctx actor.Context) {
	if s.drained {
		return
	}
	s.abrupt = true
	for _, pid := range s.handlers {
		_ = ctx.StopFuture(pid).Wait()
	}
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
}

// tell passes an event on to the tree's owner, or the event stream.
func (s *serviceActor) tell(ctx actor.Context, m any) {
	if s.owner != nil {
		ctx.Send(s.owner, m)
		return
	}
	ctx.ActorSystem().EventStream.Publish(m)
}
