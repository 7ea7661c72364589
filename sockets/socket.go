package sockets

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/messages"
)

// DefaultLinger is the linger of a socket whose spec sets none: how long
// ZeroMQ keeps trying to deliver messages already handed to it after close.
// libzmq's own default, forever, would let a shutdown hang on an absent peer.
const DefaultLinger = time.Second

// DefaultBatch is the most messages Handle receives before it lets the owner
// do other work; it then asks for another turn with a Signal.
const DefaultBatch = 256

// maxStuckFlushes bounds the flushes in one turn that send nothing although
// ZMQ_EVENTS shows POLLOUT (see service).
const maxStuckFlushes = 2

// Hooks are how a Socket reaches its owner.
type Hooks struct {
	// Signal asks the owner to call Handle(sig) soon, on its own goroutine.
	// It is called from the waiter goroutine and from the owner's own calls
	// into the Socket, so it must not block and must not call the Socket. A
	// socket actor sends the signal to itself as a message. Required.
	Signal func(sig *Signal)
	// Deliver receives each message that Handle received, in order. Required
	// for types that receive.
	Deliver func(frames [][]byte)
	// DeliverBatch, when set, receives the messages instead of Deliver, as
	// many at a time as one batch received: for owners that pass messages
	// on in batches. The outer slice is only valid during the call; the
	// messages themselves may be kept. Optional.
	DeliverBatch func(msgs [][][]byte)
	// Report receives failures found by Handle that are not fatal to the
	// socket, such as a queued message that ZeroMQ refused for good. Optional.
	Report func(err error)
	// Event receives each event of the socket's monitor (see Monitor), in
	// order, on the owner's goroutine. Required to monitor.
	Event func(ev *messages.SocketEvent)
	// Counters, when set, count the socket's traffic for metrics, readable
	// from any goroutine; see Counters. Optional.
	Counters *Counters
}

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
	signalRecheck                   // sends happened: POLLIN may be true with no edge
	signalRetry                     // the stuck-queue timer: try the send queue again
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

// Socket owns one ZeroMQ socket and its readiness waiter.
//
// A Socket is not safe for concurrent use: every method is called from one
// goroutine at a time, the owner's (a socket actor's Receive). Only the
// waiter's goroutine runs beside it, and it never calls into ZeroMQ.
type Socket struct {
	name  string
	typ   Type
	ctx   *ZMQContext
	zs    *zmq4.Socket
	hooks Hooks
	w     *waiter
	mon   *monitor // nil unless monitored
	batch int

	// armed: the waiter holds an arm; more/recheck: that signal is on its way.
	armed, morePending, recheckPending bool
	sig                                [4]Signal

	// retry is the timer of a stuck send queue (see service); retryDelay
	// doubles while the queue stays stuck.
	retry      *time.Timer
	retryDelay time.Duration

	queue      sendQueue
	limit      int
	maxMsgSize int64

	bound, connected []string
	closed           bool
	paused           bool // PauseReceive: messages stay in ZeroMQ
	// held are messages received in a batch and not yet delivered, from
	// heldAt on: Deliver paused the socket in the middle of the batch.
	held   [][][]byte
	heldAt int
	stats  Stats
}

// Stats counts a socket's traffic since it was opened.
type Stats struct {
	// Received and Sent count whole messages.
	Received, Sent uint64
	// Queued counts sends that met the high-water mark and waited in the
	// send queue; Refused counts sends refused because the queue was full.
	Queued, Refused uint64
	// Wakeups counts calls of Handle; Rechecks counts those caused by sends.
	Wakeups, Rechecks uint64
}

// Open creates a socket of spec.Type on ctx, applies the spec's options, binds
// and connects, and starts its readiness waiter. On error nothing is left
// open. The first Handle, which drains whatever arrived before the owner was
// ready, is requested through hooks.Signal before Open returns. With
// WithMonitor the socket's monitor starts before the binds and connects.
func Open(ctx *ZMQContext, spec Spec, hooks Hooks, opts ...OpenOption) (*Socket, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var cfg openConfig
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, &Error{Op: "open", Socket: spec.Name, Err: err}
		}
	}
	if ctx == nil {
		return nil, opError("open", spec.Name, "", ErrTerminated, "no ZeroMQ context")
	}
	if hooks.Signal == nil || (spec.Type.CanReceive() && hooks.Deliver == nil && hooks.DeliverBatch == nil) {
		return nil, fmt.Errorf("zmqactor: open %s: Hooks.Signal and, for a receiving type, Hooks.Deliver or DeliverBatch are required", spec.Name)
	}
	zs, err := ctx.newSocket(spec.Type)
	if err != nil {
		return nil, zmqError("open", spec.Name, "", err)
	}
	s := &Socket{
		name:       spec.Name,
		typ:        spec.Type,
		ctx:        ctx,
		zs:         zs,
		hooks:      hooks,
		batch:      DefaultBatch,
		limit:      spec.queueLimit(),
		maxMsgSize: -1,
	}
	for i := range s.sig {
		s.sig[i] = Signal{s: s, kind: signalKind(i)}
	}
	fail := func(err error) (*Socket, error) {
		s.stopMonitor()
		_ = zs.SetLinger(0)
		_ = zs.Close()
		return nil, err
	}
	if err := zs.SetLinger(DefaultLinger); err != nil {
		return fail(zmqError("setsockopt", s.name, "", err))
	}
	for _, o := range spec.Options {
		if err := s.SetOption(o); err != nil {
			return fail(err)
		}
	}
	if cfg.monitor != nil {
		if err := s.Monitor(cfg.monitor...); err != nil {
			return fail(err)
		}
	}
	for _, e := range spec.Binds {
		if _, err := s.Bind(e); err != nil {
			return fail(err)
		}
	}
	for _, e := range spec.Connects {
		if err := s.Connect(e); err != nil {
			return fail(err)
		}
	}
	fd, err := zs.GetFd()
	if err != nil {
		return fail(zmqError("open", s.name, "", err))
	}
	s.w, err = newWaiter(fd, func() { hooks.Signal(&s.sig[signalFired]) })
	if err != nil {
		return fail(opError("open", s.name, "", ErrSocket, err.Error()))
	}
	// Rule 1 at start: a socket connected over inproc before its owner was
	// ready may hold messages and no signal, so drain once before arming.
	s.requestMore()
	return s, nil
}

// Name returns the socket's name from its spec.
func (s *Socket) Name() string { return s.name }

// Type returns the socket's type.
func (s *Socket) Type() Type { return s.typ }

// Bound returns the resolved endpoints bound so far, in order.
func (s *Socket) Bound() []string { return append([]string(nil), s.bound...) }

// Connected returns the endpoints connected so far, in order.
func (s *Socket) Connected() []string { return append([]string(nil), s.connected...) }

// Stats returns the socket's counters.
func (s *Socket) Stats() Stats { return s.stats }

// Queued returns the number of messages waiting in the send queue.
func (s *Socket) Queued() int { return s.queue.len() }

// Bind binds endpoint and returns it resolved: "tcp://127.0.0.1:*" comes back
// with the port the system chose.
func (s *Socket) Bind(endpoint string) (string, error) {
	if s.closed {
		return "", opError("bind", s.name, endpoint, ErrClosed, "")
	}
	if err := CheckEndpoint(endpoint); err != nil {
		return "", &Error{Op: "bind", Socket: s.name, Endpoint: endpoint, Err: err}
	}
	err := s.zs.Bind(endpoint)
	s.commandsProcessed()
	if err != nil {
		return "", zmqError("bind", s.name, endpoint, err)
	}
	resolved, err := s.zs.GetLastEndpoint()
	if err != nil || resolved == "" {
		resolved = endpoint
	}
	s.bound = append(s.bound, resolved)
	return resolved, nil
}

// Connect connects to endpoint. ZeroMQ connects, and reconnects, in the
// background: success means the endpoint is valid, not that a peer is there.
func (s *Socket) Connect(endpoint string) error {
	if s.closed {
		return opError("connect", s.name, endpoint, ErrClosed, "")
	}
	if err := CheckEndpoint(endpoint); err != nil {
		return &Error{Op: "connect", Socket: s.name, Endpoint: endpoint, Err: err}
	}
	err := s.zs.Connect(endpoint)
	s.commandsProcessed()
	if err != nil {
		return zmqError("connect", s.name, endpoint, err)
	}
	s.connected = append(s.connected, endpoint)
	return nil
}

// Unbind stops listening on endpoint, a resolved endpoint from Bind.
func (s *Socket) Unbind(endpoint string) error {
	if s.closed {
		return opError("unbind", s.name, endpoint, ErrClosed, "")
	}
	err := s.zs.Unbind(endpoint)
	s.commandsProcessed()
	if err != nil {
		return zmqError("unbind", s.name, endpoint, err)
	}
	s.bound = remove(s.bound, endpoint)
	return nil
}

// Disconnect drops the connection to endpoint, as given to Connect.
func (s *Socket) Disconnect(endpoint string) error {
	if s.closed {
		return opError("disconnect", s.name, endpoint, ErrClosed, "")
	}
	err := s.zs.Disconnect(endpoint)
	s.commandsProcessed()
	if err != nil {
		return zmqError("disconnect", s.name, endpoint, err)
	}
	s.connected = remove(s.connected, endpoint)
	return nil
}

// commandsProcessed follows a ZeroMQ call that processes the socket's
// command mailbox (zmq_bind, zmq_connect, zmq_unbind and zmq_disconnect do,
// whether they succeed or not). Like a send (rule 3), such a call can take
// the signal on ZMQ_FD while the waiter is parked: the attachment of an
// inproc pipe, for one, whose messages then arrive with no signal at all.
// One re-check finds what it left. During Open there is no waiter yet, and
// Open asks for a first turn anyway.
func (s *Socket) commandsProcessed() {
	if s.w != nil {
		s.requestRecheck()
	}
}

func remove(list []string, e string) []string {
	for i, x := range list {
		if x == e {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// SetOption checks and applies o.
func (s *Socket) SetOption(o Option) error {
	if s.closed {
		return opError("setsockopt", s.name, "", ErrClosed, "")
	}
	if err := CheckOption(s.typ, o); err != nil {
		return &Error{Op: "setsockopt", Socket: s.name, Err: err}
	}
	if s.typ == XSub {
		// An XSUB subscribes by sending a subscription message upstream.
		if frame, ok := SubscriptionFrame(o); ok {
			if err := s.sendNow([][]byte{frame}); err != nil {
				return zmqError("setsockopt", s.name, "", err)
			}
			s.requestRecheck()
			return nil
		}
	}
	if err := apply(s.zs, o); err != nil {
		e := zmqError("setsockopt", s.name, "", err)
		e.Err = fmt.Errorf("%s: %w", OptionName(o), e.Err)
		return e
	}
	if m, ok := o.GetOption().(*messages.SocketOption_MaxMessageSize); ok {
		s.maxMsgSize = m.MaxMessageSize
	}
	return nil
}

// Send sends one multipart message without blocking. When ZeroMQ is at its
// high-water mark (EAGAIN) the message waits in the send queue, in order
// with later sends, and queued is true; Handle sends it when ZeroMQ takes
// it. Past the queue's limit Send fails with ErrQueueFull and the message is
// not taken. The frames are kept, not copied, until sent: do not modify them.
func (s *Socket) Send(frames [][]byte) (queued bool, err error) {
	if err := s.checkSend(frames); err != nil {
		return false, err
	}
	if s.typ == Req && s.queue.len() > 0 {
		// ZeroMQ would refuse it with EFSM only once the first is sent.
		return false, opError("send", s.name, "", ErrUnsupported, "a REQ socket sends one request at a time, and one waits in the send queue")
	}
	if s.queue.len() > 0 { // keep order behind what already waits
		if s.queue.len() >= s.limit {
			s.stats.Refused++
			s.hooks.Counters.refused()
			return false, opError("send", s.name, "", ErrQueueFull, fmt.Sprintf("%d messages wait for the high-water mark to clear", s.queue.len()))
		}
		s.queue.push(frames)
		s.stats.Queued++
		s.hooks.Counters.queued(s.queue.len())
		return true, nil
	}
	// Rule 3: a send may process ZeroMQ's commands and clear ZMQ_FD while
	// the waiter is parked; one re-check after a burst of sends finds it.
	s.requestRecheck()
	switch err := s.sendNow(frames); {
	case err == nil:
		s.countSent(frames)
		return false, nil
	case isAgain(err):
		s.queue.push(frames)
		s.stats.Queued++
		s.hooks.Counters.queued(s.queue.len())
		return true, nil
	default:
		return false, zmqError("send", s.name, "", err)
	}
}

// SendBatch sends several multipart messages in order, as that many calls
// of Send would, with fewer calls into ZeroMQ: those ZeroMQ takes at once
// go in one cgo call. It returns how many of them wait in the send queue.
// Every message is checked first, as Send checks it, and a bad one refuses
// the whole batch; past the queue's limit the rest of the batch is refused
// with ErrQueueFull, after the messages before it were sent or queued
// (sent + queued of them). A REQ socket sends one message at a time:
// SendBatch refuses more.
func (s *Socket) SendBatch(msgs [][][]byte) (queued int, err error) {
	for _, m := range msgs {
		if err := s.checkSend(m); err != nil {
			return 0, err
		}
	}
	if s.typ == Req && len(msgs) > 1 {
		return 0, opError("send", s.name, "", ErrUnsupported, "a REQ socket sends one request at a time")
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	if s.queue.len() > 0 {
		return s.queueOrSend(msgs)
	}
	s.requestRecheck() // rule 3, as for Send
	sent, err := s.sendBatch(msgs)
	for _, m := range msgs[:sent] {
		s.countSent(m)
	}
	switch {
	case err == nil:
		return 0, nil
	case isAgain(err):
		return s.queueOrSend(msgs[sent:])
	default:
		return 0, zmqError("send", s.name, "", err)
	}
}

// countSent counts a message ZeroMQ took.
func (s *Socket) countSent(frames [][]byte) {
	s.stats.Sent++
	s.hooks.Counters.sent(frames)
}

// queueOrSend sends msgs one by one with Send: the queue keeps the order.
func (s *Socket) queueOrSend(msgs [][][]byte) (queued int, err error) {
	for _, m := range msgs {
		q, err := s.Send(m)
		if err != nil {
			return queued, err
		}
		if q {
			queued++
		}
	}
	return queued, nil
}

func (s *Socket) checkSend(frames [][]byte) error {
	if s.closed {
		return opError("send", s.name, "", ErrClosed, "")
	}
	if !s.typ.CanSend() {
		return opError("send", s.name, "", ErrUnsupported, fmt.Sprintf("a %v socket does not send", s.typ))
	}
	if len(frames) == 0 {
		return opError("send", s.name, "", ErrBadMessage, "a message has at least one frame")
	}
	if s.maxMsgSize >= 0 {
		for i, f := range frames {
			if int64(len(f)) > s.maxMsgSize {
				return opError("send", s.name, "", ErrTooLarge, fmt.Sprintf("frame %d has %d bytes, max_message_size is %d", i, len(f), s.maxMsgSize))
			}
		}
	}
	return nil
}

// sendNow hands one message to ZeroMQ without blocking. ZeroMQ takes the
// frames of a message all or none at the first frame, so EAGAIN can only
// come first. A message of several frames goes in one cgo call (a request
// through a DEALER has three, a reply through a ROUTER four): profiled at
// 18% of the CPU of DEALER→ROUTER with 16 requests in flight when each
// frame was a call of its own.
func (s *Socket) sendNow(frames [][]byte) error {
	if len(frames) == 1 {
		return s.sendFrames(frames) // one call either way
	}
	one := [1][][]byte{frames}
	_, err := s.sendBatch(one[:])
	return err
}

// sendFrames sends a message a frame at a time, through pebbe/zmq4.
func (s *Socket) sendFrames(frames [][]byte) error {
	last := len(frames) - 1
	for i, f := range frames {
		flags := zmq4.DONTWAIT
		if i < last {
			flags |= zmq4.SNDMORE
		}
		if _, err := s.zs.SendBytes(f, flags); err != nil {
			if i > 0 {
				return fmt.Errorf("message cut after %d of %d frames: %w", i, len(frames), err)
			}
			return err
		}
	}
	return nil
}

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
	case signalFired:
		s.armed = false
	case signalMore:
		s.morePending = false
	case signalRetry:
		s.retry = nil
	case signalRecheck:
		s.recheckPending = false
		s.stats.Rechecks++
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
				return zmqError("receive", s.name, "", rerr)
			}
			if budget <= 0 {
				s.requestMore()
				return nil
			}
		}
		progress := false
		if s.queue.len() > 0 {
			var err error
			if progress, err = s.flush(); err != nil {
				return err
			}
			idle = false // the sends may have cleared ZMQ_FD (rule 3)
		}
		if idle {
			break
		}
		ev, err := s.zs.GetEvents()
		if err != nil {
			return zmqError("receive", s.name, "", err)
		}
		if canRecv && !s.paused && ev&zmq4.POLLIN != 0 {
			continue
		}
		// GetEvents may itself have taken the command that made the socket
		// writable, leaving no edge on ZMQ_FD, so POLLOUT must be acted on
		// here. A ROUTER with router_mandatory shows POLLOUT when any peer
		// can take a message, not necessarily the one the queue waits for:
		// stop after a few tries without progress and wait for the waiter.
		if s.queue.len() > 0 && ev&zmq4.POLLOUT != 0 {
			if progress {
				stuck = 0
				continue
			}
			if stuck < maxStuckFlushes {
				stuck++
				continue
			}
			// Still stuck. The waiter may never fire: GetEvents may have
			// taken the very command that will let the queue move (an XPUB
			// with xpub_nodrop always shows POLLOUT, and stalled that way
			// under load). Try again later, backing off while it stays stuck.
			s.retryLater()
		}
		break
	}
	if s.queue.len() == 0 {
		s.retryDelay = 0
	}
	// Rule 1: arm only now that ZeroMQ said there is nothing to do.
	if !s.armed {
		s.armed = true
		s.w.arm()
	}
	return nil
}

// recv receives one whole multipart message without blocking.
func (s *Socket) recv() ([][]byte, error) {
	b, err := s.zs.RecvBytes(zmq4.DONTWAIT)
	if err != nil {
		return nil, err
	}
	frames := [][]byte{b}
	for {
		more, err := s.zs.GetRcvmore()
		if err != nil {
			return nil, err
		}
		if !more {
			return frames, nil
		}
		if b, err = s.zs.RecvBytes(zmq4.DONTWAIT); err != nil {
			return nil, err
		}
		frames = append(frames, b)
	}
}

// flush sends queued messages until the queue is empty or ZeroMQ says
// EAGAIN. A message ZeroMQ refuses for good is dropped and reported through
// Hooks.Report; an error that makes the socket unusable is returned.
func (s *Socket) flush() (progress bool, err error) {
	for s.queue.len() > 0 {
		// As SendBatch sends: as many messages per cgo call as fit in the
		// scratch buffer. One call per message was 36% of the CPU of a
		// PUSH socket actor that met its high-water mark (inproc, 64 B).
		sent, err := s.sendBatch(s.queue.items[s.queue.head:])
		for range sent {
			s.countSent(s.queue.front())
			s.queue.pop()
		}
		if sent > 0 {
			s.hooks.Counters.depth(s.queue.len())
			progress = true
		}
		if err == nil {
			continue
		}
		if isAgain(err) {
			return progress, nil
		}
		e := zmqError("send", s.name, "", err)
		if errors.Is(e, ErrTerminated) || errors.Is(e, ErrClosed) {
			return progress, e
		}
		s.queue.pop()
		s.hooks.Counters.dropped(1)
		s.hooks.Counters.depth(s.queue.len())
		if s.hooks.Report != nil {
			s.hooks.Report(e)
		}
	}
	return progress, nil
}

func (s *Socket) requestMore() {
	if !s.morePending {
		s.morePending = true
		s.hooks.Signal(&s.sig[signalMore])
	}
}

// Retry delays of a stuck send queue.
const (
	minRetryDelay = time.Millisecond
	maxRetryDelay = 100 * time.Millisecond
)

func (s *Socket) retryLater() {
	if s.retry != nil {
		return
	}
	s.retryDelay = min(max(2*s.retryDelay, minRetryDelay), maxRetryDelay)
	sig, signal := &s.sig[signalRetry], s.hooks.Signal
	s.retry = time.AfterFunc(s.retryDelay, func() { signal(sig) })
}

func (s *Socket) requestRecheck() {
	if !s.recheckPending {
		s.recheckPending = true
		s.hooks.Signal(&s.sig[signalRecheck])
	}
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
		s.requestMore()
	}
}

// Paused reports whether receiving is paused.
func (s *Socket) Paused() bool { return s.paused }

// QueueLimit returns the send queue's bound.
func (s *Socket) QueueLimit() int { return s.limit }

// Close closes the socket. It first offers ZeroMQ what waits in the send
// queue, once and without blocking, and returns how many messages it did not
// take (unsent). It then stops the waiter and waits for it, and only then
// closes the ZeroMQ socket, with linger if given, else with the linger set by
// options (DefaultLinger if none). Close is idempotent.
func (s *Socket) Close(linger *time.Duration) (unsent int, err error) {
	if s.closed {
		return 0, nil
	}
	if s.queue.len() > 0 {
		_, _ = s.flush()
	}
	unsent = s.queue.len()
	s.queue = sendQueue{}
	s.hooks.Counters.dropped(unsent)
	s.hooks.Counters.depth(0)
	s.closed = true
	if s.retry != nil {
		s.retry.Stop()
		s.retry = nil
	}
	s.w.close()
	s.stopMonitor()
	if linger != nil {
		if e := s.zs.SetLinger(*linger); e != nil {
			err = zmqError("close", s.name, "", e)
		}
	}
	if e := s.zs.Close(); e != nil && err == nil {
		err = zmqError("close", s.name, "", e)
	}
	return unsent, err
}

// sendQueue is a FIFO of messages waiting for the high-water mark to clear.
type sendQueue struct {
	items [][][]byte
	head  int
}

func (q *sendQueue) len() int             { return len(q.items) - q.head }
func (q *sendQueue) front() [][]byte      { return q.items[q.head] }
func (q *sendQueue) push(frames [][]byte) { q.items = append(q.items, frames) }

func (q *sendQueue) pop() {
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head >= 1024 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}

// isAgain reports whether ZeroMQ said "not now" (EAGAIN).
func isAgain(err error) bool { return errors.Is(err, zmq4.Errno(syscall.EAGAIN)) }
