package actors

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

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
	t := spec.Type
	if cfg.serves() && !isServer(t) {
		return cfg, spec, fmt.Errorf("%w: WithHandler, WithGrains: a %v socket does not serve requests (ROUTER or REP does)", ErrUnsupported, t)
	}
	if err := cfg.checkServe(true); err != nil {
		return cfg, spec, err
	}
	if cfg.pattern != nil {
		if err := cfg.pattern.check(t, cfg.serves()); err != nil {
			return cfg, spec, err
		}
	}
	if cfg.requestTimeout != 0 && !isClient(t) {
		return cfg, spec, fmt.Errorf("%w: WithRequestTimeout: a %v socket does not send requests (DEALER or REQ does)", ErrUnsupported, t)
	}
	return cfg, spec, nil
}

// roles returns the roles of a socket actor for spec and cfg: its one
// delivery role, if its type receives, chosen from the spec and the options,
// and the monitor. A role may change the spec: a SUB's subscribe options
// move into its routing table, a ROUTER server gets router_mandatory.
func roles(spec *sockets.Spec, cfg spawnConfig) []role {
	var delivery role
	switch t := spec.Type; {
	case cfg.pattern != nil:
		delivery = cfg.pattern.make(spec)
	case cfg.serves():
		delivery = newServer(t, cfg)
	case isClient(t):
		delivery = newClientRole(t, cfg.requestTimeout)
	case isSubscriber(t):
		delivery = newSubscriberRole(spec)
	case t == sockets.XPub:
		delivery = xpubRole{}
	case t == sockets.Stream:
		delivery = &streamRole{}
	case t == sockets.Rep:
		delivery = &repRole{}
	case t.CanReceive():
		delivery = &ownerRole{batch: cfg.batch}
	default:
		return []role{&monitorRole{}}
	}
	return []role{delivery, &monitorRole{}}
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
	return c.props(c.state(spec, cfg, nil), cfg.props...), nil
}

// state returns the state of a new socket actor for spec and cfg.
func (c *Runtime) state(spec sockets.Spec, cfg spawnConfig, started chan<- startResult) *coreState {
	rs := roles(&spec, cfg)
	st := newCoreState(spec, cfg.owner, rs...)
	st.started, st.faults = started, cfg.faults
	return st
}

// props returns the props that spawn the one socket actor of st.
func (c *Runtime) props(st *coreState, extra ...actor.PropsOption) *actor.Props {
	// Without props of the caller's, the socket actor needs no receiver
	// middleware: Receive recovers from its own failures (see failures).
	recovers := len(extra) == 0
	producer := func() actor.Actor { return &socketActor{rt: c, st: st, recovers: recovers} }
	opts := []actor.PropsOption{actor.WithDispatcher(c.dispatch), actor.WithMailbox(newMailbox), actor.WithOnInit(func(ctx actor.Context) {
		if st.owner == nil {
			st.owner = ctx.Parent()
		}
		st.metrics = c.metrics.track(ctx.Self().Id, st.spec)
	})}
	if !recovers {
		opts = append(opts, actor.WithReceiverMiddleware(failures(st)))
	}
	opts = append(opts, extra...)
	var spawned atomic.Bool
	spawn := func(system *actor.ActorSystem, id string, props *actor.Props, parent actor.SpawnerContext) (*actor.PID, error) {
		if spawned.Swap(true) {
			return nil, &sockets.Error{Op: sockets.OpSpawn, Socket: st.spec.Name,
				Err: fmt.Errorf("%w: these props already spawned their socket actor, whose state they hold; call Runtime.Props again for another", ErrUnsupported)}
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
	case cfg.pattern != nil:
		return false
	case !t.CanReceive(), isClient(t), cfg.serves():
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
	name := cfg.name
	if name == "" {
		name = "zmq-" + spec.Type.String() + c.system.ProcessRegistry.NextId()
	}
	started := make(chan startResult, 1)
	pid, ev, err := c.spawnAndWait(ctx, c.props(c.state(spec, cfg, started), cfg.props...), name, started)
	if err != nil {
		return nil, err
	}
	timeout := cfg.requestTimeout
	if timeout == 0 {
		timeout = DefaultRequestTimeout
	}
	return &Socket{rt: c, pid: pid, started: ev, requestTimeout: timeout}, nil
}

// spawnAndWait spawns props from the root as name and waits for the first
// start's result on started, or for ctx.
func (c *Runtime) spawnAndWait(ctx context.Context, props *actor.Props, name string, started <-chan startResult) (*actor.PID, *messages.Started, error) {
	pid, err := c.system.Root.SpawnNamed(props, name)
	if err != nil {
		return nil, nil, err
	}
	select {
	case r := <-started:
		if r.err != nil {
			// The actor whose socket failed to open is stopping; the error
			// is returned once it has gone, so that "no actor is left
			// running" holds when the caller looks (Len, a name reused).
			c.waitGone(ctx, pid.Id)
			return nil, nil, r.err
		}
		return pid, r.event, nil
	case <-ctx.Done():
		c.system.Root.Stop(pid)
		return nil, nil, fmt.Errorf("zmqactor: spawn %s: %w", name, ctx.Err())
	}
}

// waitGone waits until the actor id has unregistered, or for ctx.
func (c *Runtime) waitGone(ctx context.Context, id string) {
	select {
	case <-c.done(id):
	case <-ctx.Done():
	}
}
