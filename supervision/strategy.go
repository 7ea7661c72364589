package supervision

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/sockets"
)

var (
	// ErrBadPolicy: a strategy option is out of range.
	ErrBadPolicy = errors.New("zmqactor: invalid supervision policy")
	// ErrEscalate marks a failure that the supervisor's own supervisor
	// must handle: an actor fails with an error wrapping it (for example
	// fmt.Errorf("%w: config gone", supervision.ErrEscalate)) and Decide
	// escalates.
	ErrEscalate = errors.New("zmqactor: escalate")
)

// Decide is the decider for socket actors. Errors are matched with
// errors.Is, so wrapped sentinels of package sockets and wrapped zmq4
// errnos (zmq4.ETERM, zmq4.EADDRINUSE, ...) both work.
//
//   - Stop for good: the ZeroMQ context is terminating (ETERM), the socket
//     was closed on purpose, and failures that a socket built again from
//     the same spec would meet again: an unknown socket type, a bad
//     endpoint or option, an address in use (a socket actor already retries
//     EADDRINUSE for about 8 s when it reopens).
//   - Escalate: failures wrapping ErrEscalate.
//   - Restart: anything else, such as a panic in a handler or a middleware,
//     EFSM, a socket made unusable, an injected fault, and panics with
//     values that are not errors.
func Decide(reason any) actor.Directive {
	err, ok := reason.(error)
	if !ok {
		return actor.RestartDirective
	}
	switch {
	case errors.Is(err, ErrEscalate):
		return actor.EscalateDirective
	case errors.Is(err, sockets.ErrTerminated), errors.Is(err, sockets.ErrClosed),
		errors.Is(err, sockets.ErrUnknownType), errors.Is(err, sockets.ErrBadEndpoint),
		errors.Is(err, sockets.ErrBadOption), errors.Is(err, sockets.ErrAddressInUse):
		return actor.StopDirective
	}
	return actor.RestartDirective
}

// Option configures a Strategy.
type Option func(*config) error

type config struct {
	maxRestarts  int
	window       time.Duration
	initial, max time.Duration
	jitter       float64
	decide       actor.DeciderFunc
	rand         func() float64
}

// WithMaxRestarts stops the child for good after n restarts within the
// window (default 10). Zero never restarts.
func WithMaxRestarts(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("%w: max restarts %d", ErrBadPolicy, n)
		}
		c.maxRestarts = n
		return nil
	}
}

// WithWindow sets the time within which restarts are counted (default 10s).
func WithWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: window %v", ErrBadPolicy, d)
		}
		c.window = d
		return nil
	}
}

// WithBackoff sets the delay before a restart: initial before the first,
// doubling with each failure in the window, capped at max (defaults 10ms
// and 5s). A zero initial restarts at once.
func WithBackoff(initial, max time.Duration) Option {
	return func(c *config) error {
		if initial < 0 || max < initial {
			return fmt.Errorf("%w: backoff %v to %v", ErrBadPolicy, initial, max)
		}
		c.initial, c.max = initial, max
		return nil
	}
}

// WithJitter spreads each delay at random by up to fraction of it, in
// either direction (default 0.2), so that sockets failing together do not
// restart together.
func WithJitter(fraction float64) Option {
	return func(c *config) error {
		if fraction < 0 || fraction > 1 {
			return fmt.Errorf("%w: jitter %v, want 0 to 1", ErrBadPolicy, fraction)
		}
		c.jitter = fraction
		return nil
	}
}

// WithDecider replaces Decide.
func WithDecider(d actor.DeciderFunc) Option {
	return func(c *config) error {
		if d == nil {
			return fmt.Errorf("%w: nil decider", ErrBadPolicy)
		}
		c.decide = d
		return nil
	}
}

// Strategy is a protoactor supervisor strategy for socket actors with
// restart limits and exponential backoff with jitter. protoactor's own
// backoff strategy is linear and has no cap or limit.
type Strategy struct {
	cfg       config
	allForOne bool
}

var _ actor.SupervisorStrategy = (*Strategy)(nil)

// OneForOne restarts only the child that failed.
func OneForOne(opts ...Option) (*Strategy, error) { return newStrategy(false, opts) }

// AllForOne restarts every child of the supervisor when one fails, such as
// a broker's frontend and backend.
func AllForOne(opts ...Option) (*Strategy, error) { return newStrategy(true, opts) }

func newStrategy(all bool, opts []Option) (*Strategy, error) {
	cfg := config{maxRestarts: 10, window: 10 * time.Second, initial: 10 * time.Millisecond, max: 5 * time.Second,
		jitter: 0.2, decide: Decide, rand: rand.Float64}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Strategy{cfg: cfg, allForOne: all}, nil
}

// Delay returns the backoff before the restart that follows failure number
// n (1 for the first) within the window, before jitter.
func (s *Strategy) Delay(n int) time.Duration {
	d := s.cfg.initial
	for i := 1; i < n && d < s.cfg.max; i++ {
		d *= 2
	}
	return min(d, s.cfg.max)
}

// restartsExceeded counts this failure and reports whether it is one more
// than the restarts allowed within the window.
func (s *Strategy) restartsExceeded(rs *actor.RestartStatistics) bool {
	if rs.NumberOfFailures(s.cfg.window) == 0 {
		rs.Reset()
	}
	rs.Fail()
	if rs.NumberOfFailures(s.cfg.window) > s.cfg.maxRestarts {
		rs.Reset()
		return true
	}
	return false
}

func (s *Strategy) jittered(d time.Duration) time.Duration {
	if s.cfg.jitter == 0 || d == 0 {
		return d
	}
	spread := (s.cfg.rand()*2 - 1) * s.cfg.jitter
	return time.Duration(float64(d) * (1 + spread))
}

// HandleFailure implements actor.SupervisorStrategy.
func (s *Strategy) HandleFailure(system *actor.ActorSystem, supervisor actor.Supervisor, child *actor.PID,
	rs *actor.RestartStatistics, reason any, message any) {
	targets := []*actor.PID{child}
	if s.allForOne {
		// A copy: protoactor returns its own slice, which the supervisor
		// changes as children stop, while the delayed restart reads it.
		targets = slices.Clone(supervisor.Children())
	}
	directive := s.cfg.decide(reason)
	why := fmt.Sprint(reason)
	if directive == actor.RestartDirective && s.restartsExceeded(rs) {
		directive = actor.StopDirective
		why = fmt.Sprintf("restart limit reached: more than %d restarts within %v; last failure: %v", s.cfg.maxRestarts, s.cfg.window, reason)
	} else if directive == actor.StopDirective {
		why = fmt.Sprintf("the failure cannot be mended by a restart: %v", reason)
	}
	z, _ := actors.FromSystem(system)
	// Every decision can be observed on the system's event stream, as with
	// protoactor's own strategies.
	system.EventStream.Publish(&actor.SupervisorEvent{Child: child, Reason: reason, Directive: directive})
	switch directive {
	case actor.ResumeDirective:
		supervisor.ResumeChildren(child)
	case actor.StopDirective:
		if z != nil {
			for _, pid := range targets {
				z.NoteDecision(pid, actors.Decision{Reason: why})
			}
		}
		supervisor.StopChildren(targets...)
	case actor.EscalateDirective:
		supervisor.EscalateFailure(reason, message)
	default:
		attempt := rs.NumberOfFailures(s.cfg.window)
		delay := s.jittered(s.Delay(attempt))
		if z != nil {
			for _, pid := range targets {
				d := actors.Decision{Restart: true, Backoff: delay, Reason: why}
				if !pid.Equal(child) {
					d.Reason = fmt.Sprintf("restarted with %s (all for one): %v", child.Id, reason)
				}
				z.NoteDecision(pid, d)
			}
		}
		if delay <= 0 {
			supervisor.RestartChildren(targets...)
			return
		}
		time.AfterFunc(delay, func() { supervisor.RestartChildren(targets...) })
	}
}
