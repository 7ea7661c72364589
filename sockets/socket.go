package sockets

import (
	"fmt"
	"time"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/messages"
)

// DefaultLinger is the linger of a socket whose spec sets none: how long
// ZeroMQ keeps trying to deliver messages already handed to it after close.
// libzmq's own default, forever, would let a shutdown hang on an absent peer.
const DefaultLinger = time.Second

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
	rd    readiness // the waiter on ZMQ_FD, and when to arm it
	mon   *monitor  // nil unless monitored
	batch int

	// The Socket's own signals besides rd's (rules 3 to 5, package doc);
	// recheckPending: recheckSig is on its way (see requestRecheck).
	recheckSig, retrySig Signal
	recheckPending       bool

	// retry is the timer of a stuck send queue (rule 4, package doc);
	// retryDelay doubles while the queue stays stuck.
	retry      *time.Timer
	retryDelay time.Duration

	queue sendQueue
	limit int
	// coalesce: CoalesceSends, for a type it applies to. deferred is how
	// many messages Send held back: 0, or all of the send queue.
	coalesce   bool
	deferred   int
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

// OpenOption configures Open: WithMonitor, OpenAs, WithDefaults.
type OpenOption func(*openConfig) error

type openConfig struct {
	monitor  []messages.SocketEventKind // nil: no monitor
	as       Type                       // 0: the spec's type
	defaults []Option
	coalesce bool // CoalesceSends
}

// OpenAs makes Open create a ZeroMQ socket of type t for a spec of another
// type whose wire protocol t speaks too: a REP spec served by a ROUTER,
// which takes each peer's envelope itself. The spec's options must apply to
// t as well. Socket.Type then returns t.
func OpenAs(t Type) OpenOption {
	return func(c *openConfig) error {
		if !t.Valid() {
			return fmt.Errorf("%w: OpenAs %v", ErrUnknownType, t)
		}
		c.as = t
		return nil
	}
}

// CoalesceSends makes Send of a PUSH, PUB or XPUB hold back the messages
// sent while a turn is already on its way (the recheck that the first send
// of a burst asks for: rule 3, package doc), up to DefaultBatch of them,
// and send them in that turn as SendBatch does, several per cgo call. An
// owner that is handed one message per command then pays for one call into
// ZeroMQ per burst instead of one per message (pebbe/zmq4's SendBytes was
// 26% of the CPU of PUB→SUB with one Publish per message). The first
// message of a burst still goes at once. A held back message counts as
// sent, not queued, unless ZeroMQ is at its high-water mark when the turn
// comes: then it waits in the send queue as any other. Sends of the other
// types can fail in a way that belongs to the Send that caused it (a
// ROUTER's unroutable peer, a REQ's state): Open ignores the option for
// them. The owner must call Settle before anything that should see the
// messages in ZeroMQ (statistics, options, closing does it itself).
func CoalesceSends() OpenOption {
	return func(c *openConfig) error {
		c.coalesce = true
		return nil
	}
}

// WithDefaults makes Open apply opts before the spec's own options, which
// therefore win: an owner's defaults, such as a server's router_mandatory.
func WithDefaults(opts ...Option) OpenOption {
	return func(c *openConfig) error {
		c.defaults = append(c.defaults, opts...)
		return nil
	}
}

// DefaultSubscriptionLimit is the largest message, in bytes, that a PUB or
// XPUB accepts from a peer unless its spec sets MaxMessageSize: what such a
// socket receives is subscriptions, and libzmq keeps every prefix it is
// sent, so an unbounded one lets a peer grow its memory at will. A peer that
// sends a larger one is disconnected. It does not bound what the socket
// sends.
const DefaultSubscriptionLimit = 1024

// Open creates a socket of spec.Type (or OpenAs's) on ctx, applies the spec's options, binds
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
			return nil, &Error{Op: OpOpen, Socket: spec.Name, Err: err}
		}
	}
	if ctx == nil {
		return nil, opError(OpOpen, spec.Name, "", ErrTerminated, "no ZeroMQ context")
	}
	if hooks.Signal == nil || (spec.Type.CanReceive() && hooks.Deliver == nil && hooks.DeliverBatch == nil) {
		return nil, opError(OpOpen, spec.Name, "", ErrBadOption, "Hooks.Signal and, for a receiving type, Hooks.Deliver or DeliverBatch are required")
	}
	typ := spec.Type
	if cfg.as != 0 {
		typ = cfg.as
	}
	zs, err := ctx.newSocket(typ)
	if err != nil {
		return nil, zmqError(OpOpen, spec.Name, "", err)
	}
	s := &Socket{
		name:       spec.Name,
		typ:        typ,
		ctx:        ctx,
		zs:         zs,
		hooks:      hooks,
		batch:      DefaultBatch,
		limit:      spec.queueLimit(),
		maxMsgSize: -1,
	}
	s.coalesce = cfg.coalesce && (typ == Push || typ == Pub || typ == XPub)
	s.recheckSig = Signal{s: s, kind: signalRecheck}
	s.retrySig = Signal{s: s, kind: signalRetry}
	fail := func(err error) (*Socket, error) {
		s.stopMonitor()
		_ = zs.SetLinger(0)
		_ = zs.Close()
		return nil, err
	}
	if err := zs.SetLinger(DefaultLinger); err != nil {
		return fail(zmqError(OpSetOption, s.name, "", err))
	}
	if typ == Pub || typ == XPub {
		if err := zs.SetMaxmsgsize(DefaultSubscriptionLimit); err != nil {
			return fail(zmqError(OpSetOption, s.name, "", err))
		}
	}
	for _, o := range append(cfg.defaults, spec.Options...) {
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
		return fail(zmqError(OpOpen, s.name, "", err))
	}
	if err := s.rd.start(s, fd, signalFired, signalMore); err != nil {
		return fail(opError(OpOpen, s.name, "", ErrSocket, err.Error()))
	}
	s.rd.requestMore() // rule 1 (package doc): drain once before the first arm
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

// QueueLimit returns the send queue's bound.
func (s *Socket) QueueLimit() int { return s.limit }

// Bind binds endpoint and returns it resolved: "tcp://127.0.0.1:*" comes back
// with the port the system chose.
func (s *Socket) Bind(endpoint string) (string, error) {
	if err := s.endpointCall(OpBind, endpoint, true, s.zs.Bind); err != nil {
		return "", err
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
	if err := s.endpointCall(OpConnect, endpoint, true, s.zs.Connect); err != nil {
		return err
	}
	s.connected = append(s.connected, endpoint)
	return nil
}

// Unbind stops listening on endpoint, a resolved endpoint from Bind.
func (s *Socket) Unbind(endpoint string) error {
	if err := s.endpointCall(OpUnbind, endpoint, false, s.zs.Unbind); err != nil {
		return err
	}
	s.bound = remove(s.bound, endpoint)
	return nil
}

// Disconnect drops the connection to endpoint, as given to Connect.
func (s *Socket) Disconnect(endpoint string) error {
	if err := s.endpointCall(OpDisconnect, endpoint, false, s.zs.Disconnect); err != nil {
		return err
	}
	s.connected = remove(s.connected, endpoint)
	return nil
}

// endpointCall makes call, the zmq_bind, zmq_connect, zmq_unbind or
// zmq_disconnect of op, with endpoint on an open socket, after
// CheckEndpoint when check is set.
func (s *Socket) endpointCall(op Op, endpoint string, check bool, call func(string) error) error {
	if s.closed {
		return opError(op, s.name, endpoint, ErrClosed, "")
	}
	if check {
		if err := CheckEndpoint(endpoint); err != nil {
			return &Error{Op: op, Socket: s.name, Endpoint: endpoint, Err: err}
		}
	}
	err := call(endpoint)
	s.commandsProcessed() // rule 5 (package doc)
	if err != nil {
		return zmqError(op, s.name, endpoint, err)
	}
	return nil
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
		return opError(OpSetOption, s.name, "", ErrClosed, "")
	}
	if err := CheckOption(s.typ, o); err != nil {
		return &Error{Op: OpSetOption, Socket: s.name, Err: err}
	}
	if s.typ == XSub {
		// An XSUB subscribes by sending a subscription message upstream.
		if frame, ok := SubscriptionFrame(o); ok {
			if err := s.sendNow([][]byte{frame}); err != nil {
				return zmqError(OpSetOption, s.name, "", err)
			}
			s.requestRecheck() // rule 3 (package doc)
			return nil
		}
	}
	if err := apply(s.zs, o); err != nil {
		e := zmqError(OpSetOption, s.name, "", err)
		e.Err = fmt.Errorf("%s: %w", OptionName(o), e.Err)
		return e
	}
	if m, ok := o.GetOption().(*messages.SocketOption_MaxMessageSize); ok {
		s.maxMsgSize = m.MaxMessageSize
	}
	return nil
}

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
	s.queue, s.deferred = sendQueue{}, 0
	s.hooks.Counters.dropped(unsent)
	s.hooks.Counters.depth(0)
	s.closed = true
	if s.retry != nil {
		s.retry.Stop()
		s.retry = nil
	}
	s.rd.stop()
	s.stopMonitor()
	if linger != nil {
		if e := s.zs.SetLinger(*linger); e != nil {
			err = zmqError(OpClose, s.name, "", e)
		}
	}
	if e := s.zs.Close(); e != nil && err == nil {
		err = zmqError(OpClose, s.name, "", e)
	}
	return unsent, err
}
