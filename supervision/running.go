package supervision

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
)

// stopWait bounds the stop of a tree that did not start.
const stopWait = 10 * time.Second

// Running is a started service tree, returned by Start; its zero value is
// not usable. Its methods are safe for concurrent use. It finds the tree's
// sockets and handlers by name: a path of service names and the name,
// "shop/broker/frontend", or the bare name, "frontend", when only one
// socket (or handler) of the tree has it. The path is also the actor's id,
// the same after any restart, so what Running gives stays valid across
// restarts.
type Running struct {
	z     *actors.Runtime
	pid   *actor.PID
	names *names
	done  chan struct{}
	stop  sync.Once
}

// PID returns the root supervisor's process id, whose id is the root
// service's name.
func (r *Running) PID() *actor.PID { return r.pid }

// Socket returns the handle of the socket actor of that name, as of its
// last Started: its PID and methods stay valid across restarts of the
// socket and of its service (a restarted service's socket has the same
// path), but Bound and Endpoint are those of the Started it was taken
// from. An unknown name, or a socket that has not started, is an error
// wrapping ErrUnknownName that lists the tree's sockets.
func (r *Running) Socket(name string) (*actors.Socket, error) { return r.names.socket(name) }

// Handler returns the PID of the handler of that name. A bare name that
// two services use for their handlers is an error, as is an unknown name:
// both wrap ErrUnknownName. The PID stays valid across restarts of its
// service, which spawns the handler again under the same path.
func (r *Running) Handler(name string) (*actor.PID, error) { return r.names.handler(name) }

// Done is closed once the tree has stopped: after Stop, or when its root
// supervisor stopped otherwise.
func (r *Running) Done() <-chan struct{} { return r.done }

// Stop stops the tree and waits until it has stopped, or ctx ends (then
// the stop goes on). It stops in an order that leaves no message for an
// actor that has stopped, so protoactor reports no dead letter: first
// every handler of the tree (the sockets that watch one, a server's
// handler or a SUB's subscriber, see it stop), then every socket, each of
// which sends its Closed to the tree's owner, then the services'
// supervisors, innermost first. Messages still flowing into the tree meet
// handlers that are gone: stop the traffic first (close clients, stop
// publishing). Stop may be called more than once; stopping the root's PID
// directly also stops the tree, in the same order, but protoactor then
// reports dead letters of its own.
func (r *Running) Stop(ctx context.Context) error {
	select {
	case <-r.done:
		return nil
	default:
	}
	r.stop.Do(func() { r.z.System().Root.Send(r.pid, &stopTree{}) })
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("zmqactor: stop service %s: %w", r.pid.Id, ctx.Err())
	}
}

// Start starts the service tree from the root context and waits until
// every socket in it is open. Events of every socket (Started again after
// a restart, Restarting, Error, Closed with the reason) go to owner, or to
// the actor system's event stream when owner is nil. A declaration that
// does not hold together (names missing or taken, a handler or ConnectTo
// naming nothing, a ConnectTo cycle) is an error wrapping ErrBadPolicy,
// before anything starts; on any error nothing is left running.
func Start(ctx context.Context, z *actors.Runtime, s Service, owner *actor.PID) (*Running, error) {
	decl, err := declare(s)
	if err != nil {
		return nil, err
	}
	system := z.System()
	n := newNames(decl.socketPaths, decl.handlerPaths, system.Address())
	ready, done := make(chan error, 1), make(chan struct{})
	root := &serviceActor{z: z, spec: s, path: s.Name, decl: decl, owner: owner, board: newBoard(n), ready: ready, done: done}
	pid, err := system.Root.SpawnNamed(root.props(), s.Name)
	if err != nil {
		return nil, err
	}
	r := &Running{z: z, pid: pid, names: n, done: done}
	select {
	case err = <-ready:
		if err == nil {
			return r, nil
		}
	case <-ctx.Done():
		err = fmt.Errorf("zmqactor: start service %s: %w", s.Name, ctx.Err())
	}
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopWait)
	defer cancel()
	_ = r.Stop(stop)
	return nil, err
}
