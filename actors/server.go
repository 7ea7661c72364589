package actors

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// DefaultMaxPending bounds a server's requests in progress when
// ServeOptions does not say.
const DefaultMaxPending = 1000

// DefaultHandlerTimeout is how long a server's handler has to answer a
// request when ServeOptions does not say.
const DefaultHandlerTimeout = 10 * time.Second

// ServeOptions configure a server socket actor's handling of requests.
type ServeOptions struct {
	// Timeout is how long the handler has to answer each request;
	// zero means DefaultHandlerTimeout.
	Timeout time.Duration
	// MaxPending bounds the requests in progress: handed to the handler
	// and not answered, or answered and waiting in the send queue. At the
	// bound the server stops receiving, and ZeroMQ's high-water marks push
	// back on the clients, until answers go out. Zero means
	// DefaultMaxPending; it is capped at the socket's send queue limit, so
	// that an answer is never refused for a full queue.
	MaxPending int
	// Typed makes the handler receive the decoded message of each typed
	// request body [type name, payload] instead of a messages.Request, and
	// answer with a protobuf message, sent back typed. A body that does not
	// decode is a failure, and reported to the owner as DecodeError.
	Typed bool
	// FailureReply, when set, gives the body sent back to the peer for a
	// request that failed: the handler answered with a messages.Error or
	// something else that is no answer, did not answer before the timeout,
	// or stopped. When nil, a failed request is not answered (the peer
	// times out, and may retry), and a REP socket is reset to serve the
	// next request.
	FailureReply func(reason string) [][]byte
}

func isServer(t sockets.Type) bool { return t == sockets.Router || t == sockets.Rep }

// serverRole is the delivery role of a ROUTER or REP socket actor spawned
// WithHandler: it hands each request to the handler and sends the
// handler's answer back to the peer, with its envelope. Its handler, its
// requests in progress, their deadlines and its counters outlive restarts
// (a restarted REP forgets the requests it was handling: its peers'
// connections, and so their routing ids, are new).
//
// A REP server is a ROUTER underneath (sockets.OpenAs): a ROUTER keeps each
// request's envelope, the REQ peer's routing id and delimiter, exactly as a
// REP would, so REQ and DEALER peers see a REP; but it has no lockstep to
// break. libzmq 4.3.4's REP loses the reply to the next well-formed request
// after a peer that fell back to ZMTP/1.0 sent a message with no delimiter
// and left, and needs a reset after any request it does not answer.
type serverRole struct {
	handler *actor.PID
	opts    ServeOptions
	rep     bool
	replyID string // the answer process that takes the handler's answers
	seq     uint32
	pending map[uint32]*served
	gone    bool // the handler stopped
	times   deadlines
	counts  serverCounts
	types   typeCache
	attachment

	// target, when set, takes the requests instead of handler, which is
	// then nil: cluster grains (WithGrains). forward is its forward
	// method, a plain function value for the hot path.
	target  requestTarget
	forward func(msg any, body [][]byte, sender *actor.PID) (key string)
}

// requestTarget is where a server sends its requests when it has no
// handler actor: the grains of a cluster (grains.go).
type requestTarget interface {
	// forward sends one request, msg (with body, its frames after the
	// envelope), with sender standing for it, and returns a key that
	// names where it went.
	forward(msg any, body [][]byte, sender *actor.PID) (key string)
	// undelivered says that the request sent for key was answered with a
	// DeadLetterResponse: what key named was not there.
	undelivered(key string)
	// close ends the target with the server.
	close()
}

// serverCounts are a server's RequestStats counters.
type serverCounts struct {
	handled, answered, failures, errorReplies, dropped, lateAns uint64
	malformed, resets, decodeErrors                             uint64
}

// served is one request handed to the handler.
type served struct {
	deadline
	seq      uint32
	envelope [][]byte // the routing frames and the empty delimiter
	key      string   // forward's key for the request
	// sender is the handler's Respond address; out holds the reply's
	// frames when they are few: allocated with the request, not apart.
	sender actor.PID
	out    [6][]byte
}

func (s *served) entry() *deadline { return &s.deadline }

// handlerAnswer is an answer of the handler, with the number of the
// request it answers, on its way from the answer process to the socket
// actor.
type handlerAnswer struct {
	seq uint32
	msg any
}

func (*handlerAnswer) roleMessage() {}

func newServerRole(t sockets.Type, handler *actor.PID, opts ServeOptions) *serverRole {
	return &serverRole{handler: handler, opts: opts, rep: t == sockets.Rep, pending: map[uint32]*served{}}
}

// serverDefaults are the options a server's ROUTER gets unless its spec
// says otherwise. router_mandatory: a plain ROUTER drops a reply for a peer
// at its high-water mark without a word; a mandatory one says EAGAIN, and
// the reply waits in the send queue instead. router_handover: a client with
// a fixed routing id that restarts connects again while the server may
// still hold its old connection, which libzmq would otherwise prefer,
// ignoring the new one.
func serverDefaults() sockets.OpenOption {
	return sockets.WithDefaults(sockets.RouterMandatory(true), sockets.RouterHandover(true))
}

// opening registers, once for the life of the socket actor, the answer
// process whose PIDs stand for the requests: whatever the handler sends
// there reaches the socket actor as a handlerAnswer.
func (s *serverRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	s.attach(h)
	if s.replyID == "" {
		id := s.self.Id + "$reply"
		root, self := s.root, s.self
		if registerAnswers(root.ActorSystem(), id, func(seq uint32, msg any) {
			root.Send(self, &handlerAnswer{seq: seq, msg: msg})
		}) {
			s.replyID = id
		}
	}
	hooks.Deliver = s.deliver
	if s.rep {
		return []sockets.OpenOption{sockets.OpenAs(sockets.Router), serverDefaults()}, nil
	}
	return []sockets.OpenOption{serverDefaults()}, nil
}

// opened watches the handler and, for a socket opened again, forgets what
// a REP was handling: a new REP cannot answer what the old one received.
func (s *serverRole) opened(again bool) error {
	s.sock = s.h.socket()
	if s.handler != nil {
		s.h.watch(s.handler)
	}
	if again && s.rep {
		for seq, sv := range s.pending {
			delete(s.pending, seq)
			s.times.remove(sv)
			s.counts.dropped++
		}
	}
	s.times.arm(s.times.waker(s.h))
	return nil
}

// closing stops the timer; a final close removes the answer process.
func (s *serverRole) closing(final bool) {
	s.times.stop()
	s.sock = nil
	if final && s.target != nil {
		s.target.close()
	}
	if final && s.replyID != "" {
		system := s.root.ActorSystem()
		system.ProcessRegistry.Remove(actor.NewPID(system.Address(), s.replyID))
		s.replyID = ""
	}
}

// terminated fails the requests of a handler that stopped, and those to
// come.
func (s *serverRole) terminated(who *actor.PID) {
	if s.handler == nil || !who.Equal(s.handler) {
		return
	}
	s.gone = true
	for _, seq := range slices.Sorted(maps.Keys(s.pending)) {
		sv := s.pending[seq]
		delete(s.pending, seq)
		s.times.remove(sv)
		s.fail(sv, "the handler stopped")
	}
	s.turnDone()
}

func (s *serverRole) command(msg any, _ *actor.PID) (any, bool, error) {
	switch m := msg.(type) {
	case *handlerAnswer:
		s.answered(m)
		s.turnDone()
		return nil, true, nil
	case *messages.GetRequestStats:
		return s.requestStats(), true, nil
	case *deadlineTick:
		return nil, s.times.ticked(m, s.h, s.expire), nil
	}
	return nil, false, nil
}

// deliver hands a request the socket received to the handler.
func (s *serverRole) deliver(frames [][]byte) {
	d := 1
	for d < len(frames) && len(frames[d]) != 0 {
		d++
	}
	switch {
	case d == len(frames):
		s.malformed(frames, "no empty delimiter frame after the routing id")
		return
	case d == len(frames)-1:
		s.malformed(frames, "an empty request: no frame after the delimiter")
		return
	}
	envelope, body, peer := frames[:d+1], frames[d+1:], frames[0]
	s.seq++
	for s.seq == 0 || s.pending[s.seq] != nil {
		s.seq++
	}
	sv := &served{deadline: deadline{index: -1}, seq: s.seq, envelope: envelope}
	s.counts.handled++
	var msg any
	if s.opts.Typed {
		if s.types == nil {
			s.types = typeCache{}
		}
		m, err := decodeBody(body, s.types)
		if err != nil {
			s.counts.decodeErrors++
			s.h.event(&messages.DecodeError{Socket: s.name, Reason: err.Error(), Count: s.counts.decodeErrors,
				TypeName: string(truncate(body[0]))})
			s.fail(sv, "request: "+err.Error())
			return
		}
		msg = m
	} else {
		msg = &messages.Request{Frames: body, Peer: peer}
	}
	if s.gone || s.replyID == "" {
		s.fail(sv, "the handler stopped")
		return
	}
	s.pending[sv.seq] = sv
	s.times.add(sv, s.opts.Timeout)
	sv.sender.Address, sv.sender.Id, sv.sender.RequestId = s.self.Address, s.replyID, sv.seq
	if s.forward != nil {
		sv.key = s.forward(msg, body, &sv.sender)
	} else {
		s.root.RequestWithCustomSender(s.handler, msg, &sv.sender)
	}
	s.flow()
}

// flow pauses receiving while the requests in progress (with the handler,
// or answered and in the send queue) are at the bound, and resumes below
// it.
func (s *serverRole) flow() {
	if s.sock == nil {
		return
	}
	limit := min(s.opts.MaxPending, s.sock.QueueLimit())
	s.sock.PauseReceive(len(s.pending)+s.sock.Queued() >= limit)
}

// turnDone ends a message that may have changed the requests in progress:
// it pauses or resumes receiving for the bound.
func (s *serverRole) turnDone() { s.flow() }

func (s *serverRole) malformed(frames [][]byte, why string) {
	s.counts.malformed++
	s.h.errorTo(nil, &sockets.Error{Op: sockets.OpReceive, Socket: s.name,
		Err: fmt.Errorf("%w: %s (%d frames), dropped", sockets.ErrBadMessage, why, len(frames))})
}

// answered sends the handler's answer back to the peer.
func (s *serverRole) answered(m *handlerAnswer) {
	sv := s.pending[m.seq]
	if sv == nil {
		s.counts.lateAns++
		return
	}
	delete(s.pending, m.seq)
	s.times.remove(sv)
	if _, gone := m.msg.(*actor.DeadLetterResponse); gone && s.target != nil {
		s.target.undelivered(sv.key)
	}
	switch v := m.msg.(type) {
	case *messages.Reply:
		if len(v.GetFrames()) == 0 {
			s.fail(sv, "the handler answered with a Reply without frames")
			return
		}
		s.reply(sv, v.GetFrames())
	case *messages.Error:
		s.fail(sv, "the handler answered with an error: "+v.GetMessage())
	case proto.Message:
		if !s.opts.Typed {
			s.fail(sv, fmt.Sprintf("the handler answered with %T, not a Reply", v))
			return
		}
		body, err := EncodeBody(v)
		if err != nil {
			s.fail(sv, err.Error())
			return
		}
		s.reply(sv, body)
	default:
		s.fail(sv, fmt.Sprintf("the handler answered with %T, which is not a protobuf message", v))
	}
}

func (s *serverRole) reply(sv *served, body [][]byte) {
	var frames [][]byte
	if n := len(sv.envelope) + len(body); n <= len(sv.out) {
		frames = sv.out[:0]
	} else {
		frames = make([][]byte, 0, n)
	}
	frames = append(append(frames, sv.envelope...), body...)
	if s.sock == nil {
		s.counts.dropped++
		return
	}
	if _, err := s.sock.Send(frames); err != nil {
		s.counts.dropped++
		s.h.errorTo(nil, err)
		return
	}
	s.counts.answered++
}

// fail answers a failed request with the failure reply, or drops it.
func (s *serverRole) fail(sv *served, reason string) {
	s.counts.failures++
	s.h.errorTo(nil, &sockets.Error{Op: sockets.OpHandle, Socket: s.name,
		Err: fmt.Errorf("%w: %s", sockets.ErrHandlerFailed, reason)})
	if f := s.opts.FailureReply; f != nil {
		if body := f(reason); len(body) > 0 {
			s.counts.errorReplies++
			s.reply(sv, body)
			return
		}
	}
	s.counts.dropped++
}

// expire fails every request whose handler did not answer in time.
func (s *serverRole) expire() {
	s.times.expire(func() bool { return s.sock != nil }, func(it deadlineItem) {
		sv := it.(*served)
		delete(s.pending, sv.seq)
		s.fail(sv, fmt.Sprintf("no answer within the handler timeout of %v", s.opts.Timeout))
	})
	s.turnDone()
}

func (s *serverRole) requestStats() *messages.RequestStats {
	n := s.counts
	return &messages.RequestStats{Socket: s.name,
		Handled: n.handled, Answered: n.answered, HandlerFailures: n.failures, ErrorReplies: n.errorReplies,
		Dropped: n.dropped, LateAnswers: n.lateAns, Malformed: n.malformed, Resets: n.resets, DecodeErrors: n.decodeErrors,
		Pending: uint32(len(s.pending))}
}
