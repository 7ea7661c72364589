package actors

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
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

	pattern        *patternRole // a reliable pattern's delivery role (patterns.go)
	grains         *Grains      // WithGrains, with serve
	secretsInClear bool         // WithSecretsInClear
}

// WithOwner sets the actor that receives the socket's messages (Received)
// and events (Started, Closed, and Error for commands sent without a
// sender). Required for types that receive, when spawned from the root;
// a socket actor spawned as a child defaults to its parent.
func WithOwner(pid *actor.PID) SpawnOption {
	return func(c *spawnConfig) error {
		if pid == nil {
			return fmt.Errorf("%w: WithOwner: nil PID", ErrBadOption)
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
			return fmt.Errorf("%w: WithName: empty name", ErrBadOption)
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
// a mailbox, to the socket actor. They come after the socket actor's own
// (its dispatcher and mailbox), so theirs win. A socket actor spawned with
// any of them catches its failures in a receiver middleware placed before
// theirs, which costs an envelope per message that has no sender.
func WithProps(opts ...actor.PropsOption) SpawnOption {
	return func(c *spawnConfig) error {
		c.props = append(c.props, opts...)
		return nil
	}
}

// WithHandler makes a ROUTER or REP socket actor a server: each request it
// receives goes to handler, an actor or a protoactor router over a pool of
// them, as a messages.Request with the body (and, from a ROUTER, the peer's
// routing id). The handler answers with ctx.Respond(&messages.Reply{...}),
// in any order; the reply goes back to the peer with its envelope. A server
// needs no owner; its events go to the owner when there is one.
func WithHandler(handler *actor.PID, opts ServeOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if handler == nil {
			return fmt.Errorf("%w: WithHandler: nil PID", ErrBadOption)
		}
		opts, err := opts.withDefaults("WithHandler")
		if err != nil {
			return err
		}
		c.handler, c.serve = handler, opts
		return nil
	}
}

// withDefaults checks o for option and fills in its defaults.
func (o ServeOptions) withDefaults(option string) (ServeOptions, error) {
	if o.Timeout < 0 {
		return o, fmt.Errorf("%w: %s: negative timeout %v", ErrBadOption, option, o.Timeout)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultHandlerTimeout
	}
	if o.MaxPending < 0 {
		return o, fmt.Errorf("%w: %s: negative MaxPending %d", ErrBadOption, option, o.MaxPending)
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	return o, nil
}

// WithRequestTimeout sets a DEALER or REQ client's default timeout for each
// attempt of a request; a request's own (WithTimeout) overrides it.
func WithRequestTimeout(d time.Duration) SpawnOption {
	return func(c *spawnConfig) error {
		c.requestTimeout = d
		return positive("WithRequestTimeout", d)
	}
}

// Grains names the protoactor cluster grains that serve a server socket
// actor's requests (WithGrains): each request goes to the grain of Kind
// whose identity is one frame of the request's body.
type Grains struct {
	// Cluster is the cluster the server's node is a member (or a client)
	// of, started. Required by Spawn and Props; SpawnAt leaves it unset,
	// and the factory's node uses its own (WithFactoryCluster).
	Cluster *cluster.Cluster
	// Kind is the grain kind, as registered with the cluster. Required.
	Kind string
	// IdentityFrame is the index of the body frame (after the envelope)
	// whose bytes are the grain's identity: 0, the first, by default. A
	// request with fewer frames is a failed request.
	IdentityFrame int
}
