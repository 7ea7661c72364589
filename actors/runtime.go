package actors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/extensions"
	"go.opentelemetry.io/otel/metric"

	"github.com/zmqactor/zmqactor/sockets"
)

var extensionID = extensions.NextExtensionID() //nolint:gochecknoglobals // protoactor's extension registry needs one id per extension type

// Runtime is zmqactor in one actor system: its ZeroMQ context, the
// dispatcher and registry of its socket actors, registered as a
// protoactor extension. Every socket actor of the system uses it, so inproc
// endpoints work between all of them. Create it with NewRuntime, find it
// again with FromSystem, and end it with Shutdown: protoactor's
// ActorSystem.Shutdown stops neither actors nor extensions.
//
// A Runtime is safe for concurrent use.
type Runtime struct {
	system *actor.ActorSystem
	zctx   *sockets.ZMQContext
	calls  *calls // the Socket methods waiting for answers
	// commandTimeout bounds a method's wait for an answer (WithCommandTimeout).
	commandTimeout time.Duration
	metrics        *metrics // nil without WithMeterProvider
	// dispatch runs the socket actors' mailboxes on pooled goroutines.
	dispatch *dispatcher

	mu        sync.Mutex
	closing   bool
	live      map[string]chan struct{} // socket actor id -> closed when it has stopped
	decisions map[string]Decision      // socket actor id -> its supervisor's last decision
	termOnce  sync.Once
	termErr   error
}

// ExtensionID implements protoactor's extensions.Extension.
func (c *Runtime) ExtensionID() extensions.ExtensionID { return extensionID }

// RuntimeOption configures a Runtime: WithIOThreads, WithMaxSockets,
// WithMeterProvider, WithCommandTimeout.
type RuntimeOption func(*runtimeConfig) error

type runtimeConfig struct {
	zmq            []sockets.ZMQContextOption
	meterProvider  metric.MeterProvider
	commandTimeout time.Duration
}

// DefaultCommandTimeout bounds the wait of a Socket or Authenticator
// method for the actor's answer when its ctx has no deadline, unless
// WithCommandTimeout says otherwise.
const DefaultCommandTimeout = 10 * time.Second

// WithCommandTimeout sets how long a Socket or Authenticator method waits
// for the actor's answer when its ctx has no deadline (default
// DefaultCommandTimeout); past it the method fails with ErrCommandTimeout.
// Requests (Socket.Request) wait as long as their attempts may take
// instead.
func WithCommandTimeout(d time.Duration) RuntimeOption {
	return func(c *runtimeConfig) error {
		c.commandTimeout = d
		return positive("WithCommandTimeout", d)
	}
}

// zmqOption passes an option on to the ZeroMQ context.
func zmqOption(o sockets.ZMQContextOption) RuntimeOption {
	return func(c *runtimeConfig) error {
		c.zmq = append(c.zmq, o)
		return nil
	}
}

// WithIOThreads sets the ZeroMQ I/O thread count (default 1).
func WithIOThreads(n int) RuntimeOption { return zmqOption(sockets.WithIOThreads(n)) }

// WithMaxSockets sets the most sockets open at once (default
// sockets.DefaultMaxSockets, 65,536; libzmq's own default is 1,023).
func WithMaxSockets(n int) RuntimeOption { return zmqOption(sockets.WithMaxSockets(n)) }

// NewRuntime creates the ZeroMQ context of system and registers it as an
// extension. A system has at most one: a second call fails.
func NewRuntime(system *actor.ActorSystem, opts ...RuntimeOption) (*Runtime, error) {
	if system == nil {
		return nil, fmt.Errorf("%w: NewRuntime: nil actor system", ErrBadOption)
	}
	if _, ok := FromSystem(system); ok {
		return nil, fmt.Errorf("%w: actor system %s already has a zmqactor runtime", ErrExists, system.ID)
	}
	cfg := runtimeConfig{commandTimeout: DefaultCommandTimeout}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	zctx, err := sockets.NewZMQContext(cfg.zmq...)
	if err != nil {
		return nil, err
	}
	metrics, err := newMetrics(cfg.meterProvider)
	if err != nil {
		_ = zctx.Term()
		return nil, err
	}
	calls, err := newCalls(system)
	if err != nil {
		_ = metrics.stop()
		_ = zctx.Term()
		return nil, err
	}
	c := &Runtime{system: system, zctx: zctx, calls: calls, commandTimeout: cfg.commandTimeout, metrics: metrics, live: map[string]chan struct{}{},
		dispatch: newDispatcher(dispatchThroughput, dispatchIdle)}
	system.Extensions.Register(c)
	return c, nil
}

// FromSystem returns the Runtime registered on system, if any.
func FromSystem(system *actor.ActorSystem) (*Runtime, bool) {
	c, ok := system.Extensions.Get(extensionID).(*Runtime)
	return c, ok && c != nil
}

// System returns the actor system the context belongs to.
func (c *Runtime) System() *actor.ActorSystem { return c.system }

// IOThreads returns the ZeroMQ I/O thread count.
func (c *Runtime) IOThreads() (int, error) { return c.zctx.IOThreads() }

// MaxSockets returns the ZeroMQ socket limit.
func (c *Runtime) MaxSockets() (int, error) { return c.zctx.MaxSockets() }

// Len returns the number of socket actors and proxies alive.
func (c *Runtime) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.live)
}

// register records a socket actor; it fails once Shutdown has begun.
func (c *Runtime) register(id string) (chan struct{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil, fmt.Errorf("%w: the ZeroMQ context is shut down", ErrTerminated)
	}
	if _, taken := c.live[id]; taken {
		return nil, actor.ErrNameExists
	}
	done := make(chan struct{})
	c.live[id] = done
	return done, nil
}

// done returns the channel closed when the actor id has stopped; a closed
// one when it is not alive.
func (c *Runtime) done(id string) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if done, ok := c.live[id]; ok {
		return done
	}
	closed := make(chan struct{})
	close(closed)
	return closed
}

func (c *Runtime) unregister(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if done, ok := c.live[id]; ok {
		c.metrics.forget(id)
		close(done)
		delete(c.live, id)
	}
}

// Shutdown stops every socket actor of the context, after the commands
// already in its mailbox, waits for them to close their sockets, and then
// terminates the ZeroMQ context, which waits at most the sockets' linger for
// messages already handed to ZeroMQ (sockets.DefaultLinger unless set). New
// spawns fail with ErrTerminated from the start of Shutdown. If ctx ends
// first, Shutdown returns its error and leaves the context open, because
// terminating it with sockets open would block. Shutdown is idempotent.
func (c *Runtime) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	c.closing = true
	waits := make(map[string]chan struct{}, len(c.live))
	for id, done := range c.live {
		waits[id] = done
	}
	c.mu.Unlock()
	for id := range waits {
		c.system.Root.Poison(actor.NewPID(c.system.Address(), id))
	}
	for id, done := range waits {
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("zmqactor: shutdown: socket actor %s still running: %w", id, ctx.Err())
		}
	}
	c.termOnce.Do(func() {
		c.dispatch.stop()
		c.termErr = errors.Join(c.zctx.Term(), c.metrics.stop())
		c.system.ProcessRegistry.Remove(actor.NewPID(c.system.Address(), c.calls.id))
	})
	return c.termErr
}

// WithMeterProvider makes the Runtime report the metrics of its socket
// actors through mp, an OpenTelemetry meter provider (such as
// go.opentelemetry.io/otel/sdk/metric's, or the actor system's own
// Config.MetricsProvider): see "Metrics" in the package docs. The default,
// and nil or otel's noop provider, is no metrics: nothing is registered,
// and counting costs a socket a nil check. With a provider the Runtime
// registers one callback, which the provider calls when it collects, and
// unregisters it at Shutdown; it starts no goroutine.
func WithMeterProvider(mp metric.MeterProvider) RuntimeOption {
	return func(c *runtimeConfig) error {
		c.meterProvider = mp
		return nil
	}
}

// NoteDecision records a supervisor's decision about the socket actor
// child, for its next Restarting or Closed event. Supervisors that are not
// zmqactor's (package supervision) need not call it: the events then say
// less.
func (c *Runtime) NoteDecision(child *actor.PID, d Decision) {
	if child == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.live[child.Id]; !ok {
		return // not a socket actor of this context
	}
	if c.decisions == nil {
		c.decisions = map[string]Decision{}
	}
	c.decisions[child.Id] = d
}

// takeDecision returns and forgets the decision noted for id.
func (c *Runtime) takeDecision(id string) (Decision, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.decisions[id]
	delete(c.decisions, id)
	return d, ok
}

// Dispatcher returns the dispatcher of the context's socket actors, for the
// props of other actors that exchange many messages with them
// (actor.WithDispatcher(z.Dispatcher())): their mailboxes then run on the
// same pooled goroutines, which keep their grown stacks and take the next
// turn without a wake-up, instead of a new goroutine per mailbox turn.
// Their turns should not block: a blocked turn holds a worker, and others
// may wait stallAfter (20 ms) before another worker is started. After
// Shutdown it runs each turn on a new goroutine, as protoactor's default
// dispatcher does.
func (c *Runtime) Dispatcher() actor.Dispatcher { return c.dispatch }
