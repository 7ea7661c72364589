package actors

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Request/reply. A DEALER client sends [id, "", body...], where id is the
// request id as 8 bytes, big-endian: a REP peer echoes the envelope, a
// ROUTER server keeps it with the peer's routing id, and the reply comes
// back as [id, "", reply...]. Ids count up from 1 for the life of the
// socket actor, restarts included, so an id at most the last one used and
// no longer waiting is a late reply, and anything else answers no request.

const requestIDLen = 8

// DefaultRequestTimeout is how long a client waits for each attempt's reply
// when neither the request nor WithRequestTimeout says.
const DefaultRequestTimeout = 5 * time.Second

// DefaultMaxPending bounds a server's requests in progress when
// ServeOptions does not say.
const DefaultMaxPending = 1000

// DefaultHandlerTimeout is how long a server's handler has to answer a
// request when ServeOptions does not say.
const DefaultHandlerTimeout = 10 * time.Second

// rrStats are the request/reply counters; they live in socketState and so
// count across restarts.
type rrStats struct {
	requests, replies, timeouts, retries, lateReplies           uint64
	handled, answered, failures, errorReplies, dropped, lateAns uint64
	malformed, resets, decodeErrors                             uint64
}

// deadline is an entry of the socket actor's deadline heap: a client
// request waiting for its reply, or a server request waiting for its
// handler. One timer per socket actor serves the heap's earliest entry.
type deadline struct {
	at    time.Time
	index int // in the heap, or -1
}

type deadlineItem interface{ entry() *deadline }

type deadlines []deadlineItem

func (h deadlines) Len() int           { return len(h) }
func (h deadlines) Less(i, j int) bool { return h[i].entry().at.Before(h[j].entry().at) }
func (h deadlines) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].entry().index, h[j].entry().index = i, j
}
func (h *deadlines) Push(x any) {
	x.(deadlineItem).entry().index = len(*h)
	*h = append(*h, x.(deadlineItem))
}
func (h *deadlines) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	x.entry().index = -1
	return x
}

// deadlineTick is the socket actor's own timer message.
type deadlineTick struct{ a *socketActor }

// clientState is a DEALER or REQ socket actor's requests.
type clientState struct {
	timeout  time.Duration
	lastID   uint64
	inflight map[uint64]*outRequest // DEALER: on the wire
	waiting  []*outRequest          // REQ: in order, the first one on the wire when sent
}

// outRequest is one request of an asker.
type outRequest struct {
	deadline
	id       uint64
	asker    *actor.PID
	body     [][]byte
	wire     [][]byte // DEALER: [id, "", body...]
	timeout  time.Duration
	retries  uint32 // resends left
	attempts uint32
	typed    bool
	sent     bool // REQ: on the wire now
	// The request id and wire's frames when the body has at most two:
	// one allocation per request instead of three.
	idBuf   [requestIDLen]byte
	wireBuf [4][]byte
}

func (r *outRequest) entry() *deadline { return &r.deadline }

// serverState is a ROUTER or REP socket actor's handler and the requests
// it is handling.
type serverState struct {
	handler  *actor.PID
	opts     ServeOptions
	replyID  string // the process that takes the handler's answers
	seq      uint32
	pending  map[uint32]*served
	watching bool
	gone     bool // the handler stopped
}

// served is one request handed to the handler.
type served struct {
	deadline
	seq      uint32
	envelope [][]byte // ROUTER: the routing frames and the empty delimiter
	// sender is the handler's Respond address; out holds the reply's
	// frames when they are few: allocated with the request, not apart.
	sender actor.PID
	out    [6][]byte
}

func (s *served) entry() *deadline { return &s.deadline }

// handlerAnswer is an answer of a handler, with the request it answers.
type handlerAnswer struct {
	seq uint32
	msg any
}

// replyProcess takes the answers of a server's handler. The handler gets a
// sender PID with this process's id and the request's number in RequestId;
// whatever it sends there reaches the socket actor as a handlerAnswer. One
// process serves all the requests of a socket actor: no registration, no
// future and no timer per request.
type replyProcess struct {
	root *actor.RootContext
	self *actor.PID
}

func (p *replyProcess) SendUserMessage(pid *actor.PID, msg any) {
	_, m, _ := actor.UnwrapEnvelope(msg)
	p.root.Send(p.self, &handlerAnswer{seq: pid.RequestId, msg: m})
}

func (p *replyProcess) SendSystemMessage(*actor.PID, any) {}
func (p *replyProcess) Stop(*actor.PID)                   {}

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
	// something else that is no answer, did not answer before the deadline,
	// or stopped. When nil, a failed request is not answered (the peer
	// times out, and may retry), and a REP socket is reset to serve the
	// next request.
	FailureReply func(reason string) [][]byte
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
			return fmt.Errorf("zmqactor: WithHandler: nil PID")
		}
		if opts.Timeout < 0 {
			return fmt.Errorf("%w: WithHandler: negative deadline %v", ErrBadOption, opts.Timeout)
		}
		if opts.Timeout == 0 {
			opts.Timeout = DefaultHandlerTimeout
		}
		if opts.MaxPending < 0 {
			return fmt.Errorf("%w: WithHandler: negative MaxPending %d", ErrBadOption, opts.MaxPending)
		}
		if opts.MaxPending == 0 {
			opts.MaxPending = DefaultMaxPending
		}
		c.handler, c.serve = handler, opts
		return nil
	}
}

// WithRequestTimeout sets a DEALER or REQ client's default timeout for each
// attempt of a request; a Request's own timeout overrides it.
func WithRequestTimeout(d time.Duration) SpawnOption {
	return func(c *spawnConfig) error {
		if d <= 0 {
			return fmt.Errorf("%w: WithRequestTimeout: %v is not positive", ErrBadOption, d)
		}
		c.requestTimeout = d
		return nil
	}
}

func isRouterMandatory(o sockets.Option) bool {
	_, ok := o.GetOption().(*messages.SocketOption_RouterMandatory)
	return ok
}

func isClient(t sockets.Type) bool { return t == sockets.Dealer || t == sockets.Req }
func isServer(t sockets.Type) bool { return t == sockets.Router || t == sockets.Rep }

// checkRequests checks the request/reply spawn options against the socket
// type.
func checkRequests(t sockets.Type, cfg spawnConfig) error {
	if cfg.handler != nil && !isServer(t) {
		return fmt.Errorf("%w: WithHandler: a %v socket does not serve requests (ROUTER or REP does)", ErrUnsupported, t)
	}
	if cfg.requestTimeout != 0 && !isClient(t) {
		return fmt.Errorf("%w: WithRequestTimeout: a %v socket does not send requests (DEALER or REQ does)", ErrUnsupported, t)
	}
	return nil
}

// initRequests sets up the client or server state of a socket actor whose
// options checkRequests accepted.
func initRequests(st *socketState, cfg spawnConfig) {
	t := st.spec.Type
	if cfg.handler != nil {
		st.server = &serverState{handler: cfg.handler, opts: cfg.serve, pending: map[uint32]*served{}}
		if t == sockets.Router && !slices.ContainsFunc(st.spec.Options, isRouterMandatory) {
			// A plain ROUTER drops a reply for a peer at its high-water
			// mark without a word; a mandatory one says EAGAIN, and the
			// reply waits in the send queue instead.
			st.spec.Options = append(st.spec.Options, sockets.RouterMandatory(true))
		}
	}
	if isClient(t) {
		timeout := cfg.requestTimeout
		if timeout == 0 {
			timeout = DefaultRequestTimeout
		}
		st.client = &clientState{timeout: timeout, inflight: map[uint64]*outRequest{}}
	}
}

// startServer registers the process that takes the handler's answers and
// watches the handler, once for the life of the socket actor.
func (a *socketActor) startServer(ctx actor.Context) {
	srv := a.state.server
	if srv == nil {
		return
	}
	if srv.replyID == "" {
		id := a.self.Id + "$reply"
		if _, ok := a.rt.system.ProcessRegistry.Add(&replyProcess{root: a.root, self: a.self}, id); ok {
			srv.replyID = id
		}
	}
	if !srv.watching {
		srv.watching = true
		ctx.Watch(srv.handler)
	}
}

// stopServer removes the reply process when the socket actor stops.
func (a *socketActor) stopServer() {
	if srv := a.state.server; srv != nil && srv.replyID != "" {
		a.rt.system.ProcessRegistry.Remove(actor.NewPID(a.rt.system.Address(), srv.replyID))
		srv.replyID = ""
	}
}

// --- client ---

// request takes a Request for a DEALER or REQ client. The answer comes
// later, from clientDeliver or a deadline; an error is answered now.
func (a *socketActor) request(m *messages.Request, sender *actor.PID) error {
	c := a.state.client
	name := a.state.spec.Name
	bad := func(format string, args ...any) error {
		return &sockets.Error{Op: "request", Socket: name, Err: fmt.Errorf("%w: "+format, append([]any{sockets.ErrBadMessage}, args...)...)}
	}
	switch {
	case c == nil:
		return &sockets.Error{Op: "request", Socket: name,
			Err: fmt.Errorf("%w: a %v socket does not send requests (DEALER or REQ does)", ErrUnsupported, a.state.spec.Type)}
	case sender == nil:
		return bad("a Request needs a sender to answer: send it with Request or RequestFuture")
	case len(m.GetFrames()) == 0:
		return bad("a request has at least one frame")
	case m.GetTimeout() != nil && (!m.GetTimeout().IsValid() || m.GetTimeout().AsDuration() < 0):
		return bad("invalid timeout %v", m.GetTimeout())
	}
	timeout := m.GetTimeout().AsDuration()
	if timeout == 0 {
		timeout = c.timeout
	}
	c.lastID++
	a.state.rr.requests++
	r := &outRequest{deadline: deadline{index: -1}, id: c.lastID, asker: sender, body: m.GetFrames(),
		timeout: timeout, retries: m.GetRetries(), typed: m.GetTyped()}
	if a.state.spec.Type == sockets.Req {
		c.waiting = append(c.waiting, r)
		if len(c.waiting) == 1 {
			a.sendNext()
		}
		return nil
	}
	binary.BigEndian.PutUint64(r.idBuf[:], r.id)
	if 2+len(r.body) <= len(r.wireBuf) {
		r.wire = r.wireBuf[:0]
	} else {
		r.wire = make([][]byte, 0, 2+len(r.body))
	}
	r.wire = append(r.wire, r.idBuf[:], []byte{})
	r.wire = append(r.wire, r.body...)
	if _, err := a.sock.Send(r.wire); err != nil {
		return err
	}
	r.attempts = 1
	c.inflight[r.id] = r
	a.addDeadline(r, timeout)
	return nil
}

// sendNext puts the first waiting request of a REQ on the wire; requests
// that cannot be sent are answered with the error.
func (a *socketActor) sendNext() {
	c := a.state.client
	for len(c.waiting) > 0 && a.sock != nil {
		r := c.waiting[0]
		if r.sent {
			return
		}
		if _, err := a.sock.Send(r.body); err != nil {
			c.waiting = c.waiting[1:]
			a.answerErr(r.asker, err)
			continue
		}
		r.sent = true
		r.attempts++
		if r.index < 0 {
			a.addDeadline(r, r.timeout)
		}
		return
	}
}

// clientDeliver takes a message received by a DEALER or REQ: a reply to a
// request goes to its asker; a late one is counted and dropped; anything
// else goes to the owner as Received, or is counted as malformed.
func (a *socketActor) clientDeliver(frames [][]byte) {
	c := a.state.client
	if a.state.spec.Type == sockets.Req {
		if len(c.waiting) > 0 && c.waiting[0].sent {
			r := c.waiting[0]
			c.waiting = c.waiting[1:]
			a.removeDeadline(r)
			a.answer(r, frames)
			a.sendNext()
			return
		}
	} else if c.lastID > 0 && len(frames) >= 2 && len(frames[0]) == requestIDLen && len(frames[1]) == 0 {
		id := binary.BigEndian.Uint64(frames[0])
		if r := c.inflight[id]; r != nil {
			delete(c.inflight, id)
			a.removeDeadline(r)
			a.answer(r, frames[2:])
			return
		}
		if id > 0 && id <= c.lastID {
			a.state.rr.lateReplies++
			return
		}
	}
	if a.state.owner != nil {
		a.root.RequestWithCustomSender(a.state.owner, &messages.Received{Socket: a.state.spec.Name, Frames: frames}, a.self)
		return
	}
	a.state.rr.malformed++
	a.event(sockets.ErrorToProto(a.state.spec.Name, &sockets.Error{Op: "receive", Socket: a.state.spec.Name,
		Err: fmt.Errorf("%w: a message of %d frames that answers no request, dropped", sockets.ErrBadMessage, len(frames))}))
}

// answer sends the reply to the request's asker.
func (a *socketActor) answer(r *outRequest, body [][]byte) {
	a.state.rr.replies++
	if !r.typed {
		a.root.Send(r.asker, &messages.Reply{Socket: a.state.spec.Name, Frames: body, Attempts: r.attempts})
		return
	}
	if a.types == nil {
		a.types = typeCache{}
	}
	m, err := decodeBody(body, a.types)
	if err != nil {
		a.state.rr.decodeErrors++
		a.answerErr(r.asker, &sockets.Error{Op: "request", Socket: a.state.spec.Name, Err: fmt.Errorf("reply: %w", err)})
		return
	}
	a.root.Send(r.asker, m)
}

// expireRequest handles a request whose attempt timed out: send it again
// while retries are left, else answer with ErrRequestTimeout. A REQ is reset
// either way, since it will not send before it has received.
func (a *socketActor) expireRequest(ctx actor.Context, r *outRequest) {
	c := a.state.client
	req := a.state.spec.Type == sockets.Req
	if r.retries > 0 {
		r.retries--
		a.state.rr.retries++
		if req {
			r.sent = false
			a.reset(ctx) // sends it again once open
			return
		}
		if _, err := a.sock.Send(r.wire); err != nil {
			delete(c.inflight, r.id)
			a.answerErr(r.asker, err)
			return
		}
		r.attempts++
		a.addDeadline(r, r.timeout)
		return
	}
	a.state.rr.timeouts++
	a.answerErr(r.asker, &sockets.Error{Op: "request", Socket: a.state.spec.Name,
		Err: fmt.Errorf("%w: %v for each of %d attempts", sockets.ErrRequestTimeout, r.timeout, r.attempts)})
	if req {
		c.waiting = c.waiting[1:]
		a.reset(ctx) // sends the next one once open
		return
	}
	delete(c.inflight, r.id)
}

// resumeRequests puts the requests of a client back on the wire of a
// socket opened again (restart or reset): a DEALER's in flight in id order,
// a REQ's first waiting one.
func (a *socketActor) resumeRequests() {
	c := a.state.client
	if c == nil {
		return
	}
	if a.state.spec.Type == sockets.Req {
		if len(c.waiting) > 0 && c.waiting[0].sent {
			c.waiting[0].sent = false
			c.waiting[0].attempts-- // the same attempt, on the new socket
		}
		a.sendNext()
		return
	}
	for _, id := range slices.Sorted(maps.Keys(c.inflight)) {
		r := c.inflight[id]
		if _, err := a.sock.Send(r.wire); err != nil {
			delete(c.inflight, id)
			a.removeDeadline(r)
			a.answerErr(r.asker, err)
		}
	}
}

// failRequests answers every request of a client that is closing for good.
func (a *socketActor) failRequests(err error) {
	c := a.state.client
	if c == nil {
		return
	}
	for _, r := range c.waiting {
		a.answerErr(r.asker, err)
	}
	for _, id := range slices.Sorted(maps.Keys(c.inflight)) {
		a.answerErr(c.inflight[id].asker, err)
	}
	c.waiting, c.inflight = nil, map[uint64]*outRequest{}
	a.state.timeouts = nil
}

// --- server ---

// serverDeliver hands a request received by a ROUTER or REP server to the
// handler.
func (a *socketActor) serverDeliver(frames [][]byte) {
	srv := a.state.server
	var envelope, body [][]byte
	var peer []byte
	if a.state.spec.Type == sockets.Router {
		d := 1
		for d < len(frames) && len(frames[d]) != 0 {
			d++
		}
		switch {
		case d == len(frames):
			a.malformed(frames, "no empty delimiter frame after the routing id")
			return
		case d == len(frames)-1:
			a.malformed(frames, "an empty request: no frame after the delimiter")
			return
		}
		envelope, body, peer = frames[:d+1], frames[d+1:], frames[0]
	} else {
		body = frames
	}
	srv.seq++
	for srv.seq == 0 || srv.pending[srv.seq] != nil {
		srv.seq++
	}
	sv := &served{deadline: deadline{index: -1}, seq: srv.seq, envelope: envelope}
	a.state.rr.handled++
	var msg any
	if srv.opts.Typed {
		if a.types == nil {
			a.types = typeCache{}
		}
		m, err := decodeBody(body, a.types)
		if err != nil {
			a.state.rr.decodeErrors++
			a.event(&messages.DecodeError{Socket: a.state.spec.Name, Reason: err.Error(), Count: a.state.rr.decodeErrors,
				TypeName: string(truncate(body[0]))})
			a.failServed(sv, "request: "+err.Error())
			return
		}
		msg = m
	} else {
		msg = &messages.Request{Frames: body, Peer: peer}
	}
	if srv.gone || srv.replyID == "" {
		a.failServed(sv, "the handler stopped")
		return
	}
	srv.pending[sv.seq] = sv
	a.addDeadline(sv, srv.opts.Timeout)
	sv.sender.Address, sv.sender.Id, sv.sender.RequestId = a.self.Address, srv.replyID, sv.seq
	a.root.RequestWithCustomSender(srv.handler, msg, &sv.sender)
	a.serverFlow()
}

// serverFlow pauses receiving while the requests in progress (with the
// handler, or answered and in the send queue) are at the bound, and
// resumes below it.
func (a *socketActor) serverFlow() {
	srv := a.state.server
	if srv == nil || a.sock == nil {
		return
	}
	limit := min(srv.opts.MaxPending, a.sock.QueueLimit())
	a.sock.PauseReceive(len(srv.pending)+a.sock.Queued() >= limit)
}

func (a *socketActor) malformed(frames [][]byte, why string) {
	a.state.rr.malformed++
	a.event(sockets.ErrorToProto(a.state.spec.Name, &sockets.Error{Op: "receive", Socket: a.state.spec.Name,
		Err: fmt.Errorf("%w: %s (%d frames), dropped", sockets.ErrBadMessage, why, len(frames))}))
}

// handlerAnswered sends the handler's answer back to the peer.
func (a *socketActor) handlerAnswered(m *handlerAnswer) {
	srv := a.state.server
	sv := srv.pending[m.seq]
	if sv == nil {
		a.state.rr.lateAns++
		return
	}
	delete(srv.pending, m.seq)
	a.removeDeadline(sv)
	switch v := m.msg.(type) {
	case *messages.Reply:
		if len(v.GetFrames()) == 0 {
			a.failServed(sv, "the handler answered with a Reply without frames")
			return
		}
		a.sendReply(sv, v.GetFrames())
	case *messages.Error:
		a.failServed(sv, "the handler answered with an error: "+v.GetMessage())
	case proto.Message:
		if !srv.opts.Typed {
			a.failServed(sv, fmt.Sprintf("the handler answered with %T, not a Reply", v))
			return
		}
		body, err := EncodeBody(v)
		if err != nil {
			a.failServed(sv, err.Error())
			return
		}
		a.sendReply(sv, body)
	default:
		a.failServed(sv, fmt.Sprintf("the handler answered with %T, which is not a protobuf message", v))
	}
}

func (a *socketActor) sendReply(sv *served, body [][]byte) {
	frames := body
	if sv.envelope != nil {
		if n := len(sv.envelope) + len(body); n <= len(sv.out) {
			frames = sv.out[:0]
		} else {
			frames = make([][]byte, 0, n)
		}
		frames = append(append(frames, sv.envelope...), body...)
	}
	if a.sock == nil {
		a.state.rr.dropped++
		return
	}
	if _, err := a.sock.Send(frames); err != nil {
		a.state.rr.dropped++
		a.event(sockets.ErrorToProto(a.state.spec.Name, err))
		return
	}
	a.state.rr.answered++
}

// failServed answers a failed request with the error reply, or drops it.
func (a *socketActor) failServed(sv *served, reason string) {
	srv := a.state.server
	a.state.rr.failures++
	a.event(sockets.ErrorToProto(a.state.spec.Name, &sockets.Error{Op: "handle", Socket: a.state.spec.Name,
		Err: fmt.Errorf("%w: %s", sockets.ErrHandlerFailed, reason)}))
	if f := srv.opts.FailureReply; f != nil {
		if body := f(reason); len(body) > 0 {
			a.state.rr.errorReplies++
			a.sendReply(sv, body)
			return
		}
	}
	a.state.rr.dropped++
	if a.state.spec.Type == sockets.Rep && a.sock != nil {
		a.resetLater = true // a REP answers before it receives again
	}
}

// handlerGone fails the requests of a handler that stopped, and those to
// come.
func (a *socketActor) handlerGone(ctx actor.Context) {
	srv := a.state.server
	srv.gone = true
	for _, seq := range slices.Sorted(maps.Keys(srv.pending)) {
		sv := srv.pending[seq]
		delete(srv.pending, seq)
		a.removeDeadline(sv)
		a.failServed(sv, "the handler stopped")
	}
	a.afterTurn(ctx)
}

// dropServed forgets the requests of a server whose socket was opened
// again: a new REP cannot answer what the old one received.
func (a *socketActor) dropServed() {
	srv := a.state.server
	if srv == nil || a.state.spec.Type != sockets.Rep {
		return
	}
	for seq, sv := range srv.pending {
		delete(srv.pending, seq)
		a.removeDeadline(sv)
		a.state.rr.dropped++
	}
}

// --- deadlines ---

func (a *socketActor) addDeadline(it deadlineItem, d time.Duration) {
	e := it.entry()
	e.at = time.Now().Add(d)
	heap.Push(&a.state.timeouts, it)
	a.armDeadlines()
}

func (a *socketActor) removeDeadline(it deadlineItem) {
	if e := it.entry(); e.index >= 0 {
		heap.Remove(&a.state.timeouts, e.index)
	}
}

// armDeadlines sets the timer for the earliest deadline, unless it is set
// for that time or earlier already. A timer that fires early finds nothing
// due and is set again.
func (a *socketActor) armDeadlines() {
	h := a.state.timeouts
	if len(h) == 0 || a.self == nil {
		return
	}
	at := h[0].entry().at
	if !a.timerAt.IsZero() && !at.Before(a.timerAt) {
		return
	}
	a.timerAt = at
	d := time.Until(at)
	if a.timer == nil {
		self, root, tick := a.self, a.root, deadlineTick{a: a}
		a.timer = time.AfterFunc(d, func() { root.Send(self, tick) })
		return
	}
	a.timer.Reset(d)
}

func (a *socketActor) stopDeadlines() {
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	a.timerAt = time.Time{}
}

// expire handles every deadline that is due.
func (a *socketActor) expire(ctx actor.Context) {
	a.timerAt = time.Time{}
	now := time.Now()
	for len(a.state.timeouts) > 0 && a.sock != nil {
		it := a.state.timeouts[0]
		if it.entry().at.After(now) {
			break
		}
		heap.Pop(&a.state.timeouts)
		switch v := it.(type) {
		case *outRequest:
			a.expireRequest(ctx, v)
		case *served:
			delete(a.state.server.pending, v.seq)
			a.failServed(v, fmt.Sprintf("no answer within the deadline of %v", a.state.server.opts.Timeout))
		}
	}
	a.afterTurn(ctx)
	if a.sock != nil {
		a.armDeadlines()
	}
}

// afterTurn ends a message that may have changed a server's requests in
// progress: it resets a REP server that dropped a request (which cannot
// happen inside Handle), and pauses or resumes receiving for the bound.
func (a *socketActor) afterTurn(ctx actor.Context) {
	a.serverFlow()
	if a.resetLater {
		a.resetLater = false
		if a.sock != nil {
			a.reset(ctx)
		}
	}
}

// requestStats answers GetRequestStats.
func (a *socketActor) requestStats() (*messages.RequestStats, error) {
	st := a.state
	if st.client == nil && st.server == nil {
		return nil, &sockets.Error{Op: "command", Socket: st.spec.Name,
			Err: fmt.Errorf("%w: a %v socket without a handler has no request stats", ErrUnsupported, st.spec.Type)}
	}
	s := st.rr
	out := &messages.RequestStats{Socket: st.spec.Name,
		Requests: s.requests, Replies: s.replies, Timeouts: s.timeouts, Retries: s.retries, LateReplies: s.lateReplies,
		Handled: s.handled, Answered: s.answered, HandlerFailures: s.failures, ErrorReplies: s.errorReplies,
		Dropped: s.dropped, LateAnswers: s.lateAns, Malformed: s.malformed, Resets: s.resets, DecodeErrors: s.decodeErrors}
	if c := st.client; c != nil {
		out.InFlight = uint32(len(c.inflight) + len(c.waiting))
	}
	if srv := st.server; srv != nil {
		out.Pending = uint32(len(srv.pending))
	}
	return out, nil
}
