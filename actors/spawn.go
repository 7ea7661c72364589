package actors

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/sockets"
)

// SpawnOption configures a socket actor.
type SpawnOption func(*spawnConfig) error

type spawnConfig struct {
	owner  *actor.PID
	name   string
	props  []actor.PropsOption
	faults bool
	batch  bool

	handler        *actor.PID   // WithHandler
	serve          ServeOptions // WithHandler
	requestTimeout time.Duration
}

// WithOwner sets the actor that receives the socket's messages (Received)
// and events (Started, Closed, and Error for commands sent without a
// sender). Required for types that receive, when spawned from the root;
// a socket actor spawned as a child defaults to its parent.
func WithOwner(pid *actor.PID) SpawnOption {
	return func(c *spawnConfig) error {
		if pid == nil {
			return fmt.Errorf("zmqactor: WithOwner: nil PID")
		}
		c.owner = pid
		return nil
	}
}

// WithName names the socket actor (protoactor's SpawnNamed) and, unless the
// spec names it, the socket. Names are unique in an actor system.
func WithName(name string) SpawnOption {
	return func(c *spawnConfig) error {
		if name == "" {
			return fmt.Errorf("zmqactor: WithName: empty name")
		}
		c.name = name
		return nil
	}
}

// WithFaultInjection lets the socket actor accept messages.InjectFault, which
// makes it fail on purpose, for tests and demos of supervision. Without it
// the command is refused with ErrUnsupported.
func WithFaultInjection() SpawnOption {
	return func(c *spawnConfig) error {
		c.faults = true
		return nil
	}
}

// WithBatchDelivery makes the socket actor hand what it receives to its
// owner in batches: one messages.ReceivedBatch per turn, with up to 256
// messages in order, instead of one messages.Received per message. Fewer
// actor messages for an owner that takes many small ones; the messages and
// their order are the same. It applies to the messages the owner receives,
// not to those a server hands its handler, a client matches to its askers
// or a SUB routes to its subscribers.
func WithBatchDelivery() SpawnOption {
	return func(c *spawnConfig) error {
		c.batch = true
		return nil
	}
}

// WithProps adds protoactor props options, such as a supervisor strategy or
// a mailbox, to the socket actor.
func WithProps(opts ...actor.PropsOption) SpawnOption {
	return func(c *spawnConfig) error {
		c.props = append(c.props, opts...)
		return nil
	}
}

func (c *Runtime) config(spec sockets.Spec, opts []SpawnOption) (spawnConfig, sockets.Spec, error) {
	var cfg spawnConfig
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return cfg, spec, err
		}
	}
	spec = spec.Clone()
	if spec.Name == "" {
		spec.Name = cfg.name
	}
	if err := spec.Validate(); err != nil {
		return cfg, spec, err
	}
	if err := checkRequests(spec.Type, cfg); err != nil {
		return cfg, spec, err
	}
	return cfg, spec, nil
}

// Props returns the props of a socket actor for spec, for spawning it as a
// child of another actor (ctx.Spawn(props)). The child's events go to the
// owner from WithOwner, else to its parent. The spec is validated now.
//
// The props spawn one socket actor: what it is restored to after a restart
// (binds, connects, options, subscriptions, requests) belongs to it. A
// second spawn of the same props fails with ErrUnsupported (ctx.SpawnNamed
// returns the error; protoactor's ctx.Spawn panics with it); call Props
// again for another socket.
func (c *Runtime) Props(spec sockets.Spec, opts ...SpawnOption) (*actor.Props, error) {
	cfg, spec, err := c.config(spec, opts)
	if err != nil {
		return nil, err
	}
	return c.props(spec, cfg, nil), nil
}

func (c *Runtime) props(spec sockets.Spec, cfg spawnConfig, started chan<- startResult) *actor.Props {
	state := &socketState{spec: spec, owner: cfg.owner, started: started, faults: cfg.faults, batch: cfg.batch}
	initRequests(state, cfg)
	producer := func() actor.Actor { return &socketActor{rt: c, state: state} }
	opts := append([]actor.PropsOption{actor.WithDispatcher(c.dispatch), actor.WithReceiverMiddleware(failures(state)), actor.WithOnInit(func(ctx actor.Context) {
		if state.owner == nil {
			state.owner = ctx.Parent()
		}
		state.metrics = c.metrics.track(ctx.Self().Id, state.spec)
	})}, cfg.props...)
	var spawned atomic.Bool
	spawn := func(system *actor.ActorSystem, id string, props *actor.Props, parent actor.SpawnerContext) (*actor.PID, error) {
		if spawned.Swap(true) {
			return nil, &sockets.Error{Op: "spawn", Socket: spec.Name,
				Err: fmt.Errorf("%w: these props already spawned their socket actor, whose state they hold; call Context.Props again for another", ErrUnsupported)}
		}
		pid, err := c.spawnFunc(system, id, props, parent)
		if err != nil {
			spawned.Store(false) // no actor: the props are still unused
		}
		return pid, err
	}
	return actor.PropsFromProducer(producer, append(opts, actor.WithSpawnFunc(spawn))...)
}

// spawnFunc registers every socket actor with the context, so Shutdown finds
// it, and refuses spawns after Shutdown.
func (c *Runtime) spawnFunc(system *actor.ActorSystem, id string, props *actor.Props, parent actor.SpawnerContext) (*actor.PID, error) {
	if _, err := c.register(id); err != nil {
		return nil, err
	}
	pid, err := actor.DefaultSpawner(system, id, props, parent)
	if err != nil {
		c.unregister(id)
	}
	return pid, err
}

// needsOwner reports whether a socket actor has messages that only an
// owner can take: a receiving type that is not a SUB or XSUB serving local
// subscribers, a DEALER or REQ client, or a ROUTER or REP server.
func needsOwner(spec sockets.Spec, cfg spawnConfig) bool {
	switch t := spec.Type; {
	case !t.CanReceive(), isClient(t), cfg.handler != nil:
		return false
	case isSubscriber(t):
		return hasSubscribeOptions(spec)
	}
	return true
}

// Spawn starts a socket actor for spec from the root context and waits until
// its socket is open, with its options set and its binds and connects done.
// It returns a handle on the socket actor, or the error that kept the socket
// from opening (bad spec, bad endpoint, address in use, ...), in which case
// no actor is left running. ctx bounds the wait.
func (c *Runtime) Spawn(ctx context.Context, spec sockets.Spec, opts ...SpawnOption) (*Socket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, spec, err := c.config(spec, opts)
	if err != nil {
		return nil, err
	}
	if cfg.owner == nil && needsOwner(spec, cfg) {
		return nil, fmt.Errorf("%w: %v socket %q", ErrNoOwner, spec.Type, spec.Name)
	}
	started := make(chan startResult, 1)
	props := c.props(spec, cfg, started)
	var pid *actor.PID
	if cfg.name != "" {
		pid, err = c.system.Root.SpawnNamed(props, cfg.name)
	} else {
		pid, err = c.system.Root.SpawnNamed(props, "zmq-"+spec.Type.String()+c.system.ProcessRegistry.NextId())
	}
	if err != nil {
		return nil, err
	}
	select {
	case r := <-started:
		if r.err != nil {
			return nil, r.err
		}
		timeout := cfg.requestTimeout
		if timeout == 0 {
			timeout = DefaultRequestTimeout
		}
		return &Socket{rt: c, pid: pid, started: r.event, requestTimeout: timeout}, nil
	case <-ctx.Done():
		c.system.Root.Stop(pid)
		return nil, fmt.Errorf("zmqactor: spawn %v socket: %w", spec.Type, ctx.Err())
	}
}
