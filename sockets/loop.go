package sockets

import (
	"errors"
	"time"

	"github.com/pebbe/zmq4"
)

// DefaultBatch is the most messages Handle receives before it lets the owner
// do other work; it then asks for another turn with a Signal.
const DefaultBatch = 256

// maxStuckFlushes bounds the flushes in one turn that send nothing although
// ZMQ_EVENTS shows POLLOUT: rule 4 (package doc).
const maxStuckFlushes = 2

// Signal is a request from a Socket to be handled. A socket actor receives it
// as a message and passes it to Handle; a Signal of another (older) Socket is
// ignored, so signals left in a mailbox across a restart are harmless.
type Signal struct {
	s    *Socket
	kind signalKind
}

type signalKind uint8

const (
	signalFired   signalKind = iota // the waiter saw ZMQ_FD readable
	signalMore                      // a batch filled up: more may be waiting
	signalRecheck                   // rules 3 and 5 (package doc): a call may have cleared ZMQ_FD
	signalRetry                     // rule 4 (package doc): the stuck-queue timer
)

func (k signalKind) String() string {
	switch k {
	case signalFired:
		return "fired"
	case signalMore:
		return "more"
	case signalRetry:
		return "retry"
	case signalMonitorFired, signalMonitorMore:
		return "monitor"
	}
	return "recheck"
}

// String describes the signal, for logs.
func (sig *Signal) String() string { return "zmq readiness " + sig.kind.String() }

// readiness is the arm/drain state of one waiter, which applies rule 1
// (package doc): a Socket has one on its ZMQ_FD and its monitor one on the
// PAIR's, so both use the same code. A turn starts with begin and ends
// with requestMore, when work may be left, or with armIdle, once ZeroMQ
// said there is nothing to do. Owner goroutine only; the waiter only sends
// fired.
type readiness struct {
	w      *waiter
	signal func(*Signal) // Hooks.Signal
	// fired is sent by the waiter, more by requestMore.
	fired, more Signal
	armed       bool // the waiter holds an arm
	morePending bool // more is on its way
}

// start starts the waiter on fd, unarmed, with signals of socket s of the
// kinds fired and more. The caller then asks for the first turn with
// requestMore, which arms it when it drained: rule 1 (package doc).
func (r *readiness) start(s *Socket, fd int, fired, more signalKind) error {
	r.signal = s.hooks.Signal
	r.fired = Signal{s: s, kind: fired}
	r.more = Signal{s: s, kind: more}
	w, err := newWaiter(fd, func() { r.signal(&r.fired) })
	if err != nil {
		return err
	}
	r.w = w
	return nil
}

// begin records that the turn sig asked for has come: the waiter's arm is
// spent, or the requested turn is no longer pending. It reports whether sig
// is one of r's signals.
func (r *readiness) begin(sig *Signal) bool {
	switch sig {
	case &r.fired:
		r.armed = false
	case &r.more:
		r.morePending = false
	default:
		return false
	}
	return true
}

// requestMore asks for another turn, unless one is already on its way:
// the last one ended with work left, so it must not arm.
func (r *readiness) requestMore() {
	if !r.morePending {
		r.morePending = true
		r.signal(&r.more)
	}
}

// armIdle arms the waiter unless it holds an arm already. Rule 1 (package
// doc) says when to call it.
func (r *readiness) armIdle() {
	if !r.armed {
		r.armed = true
		r.w.arm()
	}
}

// stop stops the waiter and waits for it to end.
func (r *readiness) stop() { r.w.close() }

// Handle does the socket's pending work for sig: it receives up to a batch
// of messages and passes them to Hooks.Deliver, sends what waits in the send
// queue, and then either arms the waiter (ZeroMQ said there is nothing to
// do) or asks for another turn. Signals of another Socket, or after Close,
// are ignored. A non-nil error means the socket is unusable (for example
// ErrTerminated); the owner should close it.
func (s *Socket) Handle(sig *Signal) error {
	if sig == nil || sig.s != s || s.closed {
		return nil
	}
	if sig.kind >= signalMonitorFired {
		return s.handleMonitor(sig)
	}
	switch sig.kind {
	case signalRetry:
		s.retry = nil
	case signalRecheck:
		s.recheckPending = false
		s.stats.Rechecks++
	default:
		s.rd.begin(sig)
	}
	s.stats.Wakeups++
	return s.service()
}

func (s *Socket) service() error {
	budget := s.batch
	canRecv := s.typ.CanReceive()
	stuck := 0 // flushes in a row that sent nothing although POLLOUT was set
	for {
		// idle: the last call told us ZeroMQ has nothing more for us, and
		// processed its command mailbox on the way, so ZMQ_FD is current.
		idle := false
		if canRecv && !s.paused {
			var rerr error                // what ended the last batch
			for budget > 0 && !s.paused { // Deliver may pause
				if s.heldAt == len(s.held) {
					if rerr != nil {
						break
					}
					s.held, s.heldAt = s.held[:0], 0
					s.held, rerr = s.receive(s.held, budget)
					if len(s.held) == 0 {
						break
					}
				}
				if s.hooks.DeliverBatch != nil {
					batch := s.held[s.heldAt:]
					s.heldAt = len(s.held)
					for _, frames := range batch {
						s.stats.Received++
						s.hooks.Counters.received(frames)
					}
					s.hooks.DeliverBatch(batch)
					clear(batch)
					budget -= len(batch)
					continue
				}
				frames := s.held[s.heldAt]
				s.held[s.heldAt] = nil
				s.heldAt++
				s.stats.Received++
				s.hooks.Counters.received(frames)
				s.hooks.Deliver(frames)
				budget--
			}
			switch {
			case rerr == nil:
			case isAgain(rerr):
				idle = s.heldAt == len(s.held)
			case errors.Is(rerr, zmq4.EFSM):
				// a REQ that must send first: nothing to receive now
			default:
				return zmqError(OpReceive, s.name, "", rerr)
			}
			if budget <= 0 {
				s.rd.requestMore()
				return nil
			}
		}
		progress := false
		if s.queue.len() > 0 {
			var err error
			if progress, err = s.flush(); err != nil {
				return err
			}
			idle = false // rule 3 (package doc): the sends may have cleared ZMQ_FD
		}
		if idle {
			break
		}
		ev, err := s.events()
		if err != nil {
			return zmqError(OpReceive, s.name, "", err)
		}
		if canRecv && !s.paused && ev&zmq4.POLLIN != 0 {
			continue
		}
		// Rule 4 (package doc): act on the POLLOUT that GetEvents reports,
		// at most maxStuckFlushes times in a row without progress.
		if s.queue.len() > 0 && ev&zmq4.POLLOUT != 0 {
			if progress {
				stuck = 0
				continue
			}
			if stuck < maxStuckFlushes {
				stuck++
				continue
			}
			// Rule 4 (package doc): still stuck, and the waiter may never fire.
			s.retryLater()
		}
		break
	}
	if s.queue.len() == 0 {
		s.retryDelay = 0
	}
	// Rule 1 (package doc): ZeroMQ said there is nothing to do.
	s.rd.armIdle()
	return nil
}

// requestRecheck asks for a turn that looks again without a signal, for
// rules 3 and 5 (package doc), unless one is already on its way: the first
// call of a burst sends it.
func (s *Socket) requestRecheck() {
	if !s.recheckPending {
		s.recheckPending = true
		s.hooks.Signal(&s.recheckSig)
	}
}

// commandsProcessed applies rule 5 (package doc) after a ZeroMQ call that
// processes the socket's command mailbox: zmq_bind, zmq_connect, zmq_unbind
// and zmq_disconnect do, whether they succeed or not. During Open there is
// no waiter yet, and Open asks for a first turn anyway.
func (s *Socket) commandsProcessed() {
	if s.rd.w != nil {
		s.requestRecheck()
	}
}

// Retry delays of a stuck send queue: rule 4 (package doc).
const (
	minRetryDelay = time.Millisecond
	maxRetryDelay = 100 * time.Millisecond
)

// retryLater asks for a turn after a delay that doubles while the send queue
// stays stuck: rule 4 (package doc).
func (s *Socket) retryLater() {
	if s.retry != nil {
		return
	}
	s.retryDelay = min(max(2*s.retryDelay, minRetryDelay), maxRetryDelay)
	sig, signal := &s.retrySig, s.hooks.Signal
	s.retry = time.AfterFunc(s.retryDelay, func() { signal(sig) })
}

// PauseReceive stops or resumes receiving. While paused, Handle leaves
// incoming messages in ZeroMQ, whose high-water mark then pushes back on the
// peers (a ROUTER or DEALER peer's sends wait, a PUB's are dropped): the
// owner's flow control. Deliver may pause; the message it was given is
// the last one until Resume (the rest of the batch it came in, already
// taken from ZeroMQ, waits in the Socket and comes first after Resume).
// Resuming asks for a turn, which receives what waited without needing a
// new readiness edge.
func (s *Socket) PauseReceive(paused bool) {
	if s.paused == paused || s.closed {
		return
	}
	s.paused = paused
	if !paused {
		s.rd.requestMore()
	}
}

// Paused reports whether receiving is paused.
func (s *Socket) Paused() bool { return s.paused }
