package actors

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Request/reply, client side. A DEALER client sends [id, "", body...],
// where id is the request id as 8 bytes, big-endian: a REP peer echoes the
// envelope, a ROUTER server keeps it with the peer's routing id, and the
// reply comes back as [id, "", reply...]. Ids count up from 1 for the life
// of the socket actor, restarts included, so an id at most the last one
// used and no longer waiting is a late reply, and anything else answers no
// request. A REQ client keeps REQ's lockstep: one request on the wire, the
// others waiting in order.

const requestIDLen = 8

// DefaultRequestTimeout is how long a client waits for each attempt's reply
// when neither the request nor WithRequestTimeout says.
const DefaultRequestTimeout = 5 * time.Second

// clientRole is the delivery role of a DEALER or REQ socket actor: it sends
// its askers' requests and answers each with its reply, a timeout or an
// error. Its requests, their deadlines and its counters outlive restarts:
// a restarted client sends its requests again on the new socket.
type clientRole struct {
	timeout  time.Duration // an attempt's when the request does not say
	req      bool          // a REQ: one request on the wire at a time
	lastID   uint64
	inflight map[uint64]*outRequest // DEALER: on the wire
	waiting  []*outRequest          // REQ: in order, the first one on the wire when sent
	times    deadlines
	counts   clientCounts
	types    typeCache

	attachment
}

// clientCounts are a client's RequestStats counters.
type clientCounts struct {
	requests, replies, timeouts, retries, lateReplies uint64
	malformed, resets, decodeErrors, cancelled        uint64
}

// outRequest is one request of an asker.
type outRequest struct {
	deadline
	id       uint64
	asker    *actor.PID
	body     [][]byte
	wire     [][]byte      // DEALER: [id, "", body...]
	timeout  time.Duration // 0: no timeout
	retries  uint32        // resends left
	attempts uint32
	typed    bool
	sent     bool // REQ: on the wire now
	tag      string
	// The request id and wire's frames when the body has at most two:
	// one allocation per request instead of three.
	idBuf   [requestIDLen]byte
	wireBuf [4][]byte
}

func (r *outRequest) entry() *deadline { return &r.deadline }

func isClient(t sockets.Type) bool { return t == sockets.Dealer || t == sockets.Req }

func newClientRole(t sockets.Type, timeout time.Duration) *clientRole {
	if timeout == 0 {
		timeout = DefaultRequestTimeout
	}
	return &clientRole{timeout: timeout, req: t == sockets.Req, inflight: map[uint64]*outRequest{}}
}

func (c *clientRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	c.attach(h)
	hooks.Deliver = c.deliver
	return nil, nil
}

// opened puts the requests back on the wire of a socket opened again
// (restart or reset): a DEALER's in flight in id order, a REQ's first
// waiting one.
func (c *clientRole) opened(again bool) error {
	c.sock = c.h.socket()
	if again {
		c.resume()
	}
	c.times.arm(c.times.waker(c.h))
	return nil
}

func (c *clientRole) resume() {
	if c.req {
		if len(c.waiting) > 0 && c.waiting[0].sent {
			c.waiting[0].sent = false
			c.waiting[0].attempts-- // the same attempt, on the new socket
		}
		c.sendNext()
		return
	}
	for _, id := range slices.Sorted(maps.Keys(c.inflight)) {
		r := c.inflight[id]
		if _, err := c.sock.Send(r.wire); err != nil {
			delete(c.inflight, id)
			c.times.remove(r)
			c.fail(r, err)
		}
	}
}

// closing stops the timer; a final close answers every request with
// ErrClosed.
func (c *clientRole) closing(final bool) {
	c.times.stop()
	c.sock = nil
	if !final {
		return
	}
	err := &sockets.Error{Op: sockets.OpRequest, Socket: c.name, Err: sockets.ErrClosed}
	for _, r := range c.waiting {
		c.fail(r, err)
	}
	for _, id := range slices.Sorted(maps.Keys(c.inflight)) {
		c.fail(c.inflight[id], err)
	}
	c.waiting, c.inflight = nil, map[uint64]*outRequest{}
	c.times.clear()
}

func (c *clientRole) terminated(*actor.PID) {}

func (c *clientRole) command(msg any, sender *actor.PID) (any, bool, error) {
	switch m := msg.(type) {
	case *messages.Request:
		return nil, true, c.request(m, sender)
	case *messages.CancelRequest:
		return taken(c.cancel(m))
	case *messages.GetRequestStats:
		return c.requestStats(), true, nil
	case *deadlineTick:
		return nil, c.times.ticked(m, c.h, c.expire), nil
	}
	return nil, false, nil
}

// request takes a Request. The answer comes later, from deliver or a
// deadline; an error is answered now.
func (c *clientRole) request(m *messages.Request, sender *actor.PID) error {
	bad := func(format string, args ...any) error {
		return &sockets.Error{Op: sockets.OpRequest, Socket: c.name, Err: fmt.Errorf("%w: "+format, append([]any{sockets.ErrBadMessage}, args...)...)}
	}
	switch {
	case sender == nil:
		return bad("a Request needs a sender to answer: send it with Request or RequestFuture")
	case len(m.GetFrames()) == 0:
		return bad("a request has at least one frame")
	case m.GetTimeout() != nil && (!m.GetTimeout().IsValid() || m.GetTimeout().AsDuration() < 0):
		return bad("invalid timeout %v", m.GetTimeout())
	case m.GetNoTimeout() && (m.GetTimeout().AsDuration() != 0 || m.GetRetries() != 0):
		return bad("no_timeout excludes a timeout and retries")
	case len(m.GetTag()) > maxTag:
		return bad("a tag of %d bytes, at most %d", len(m.GetTag()), maxTag)
	}
	timeout := m.GetTimeout().AsDuration()
	switch {
	case m.GetNoTimeout():
		timeout = 0
	case timeout == 0:
		timeout = c.timeout
	}
	c.lastID++
	c.counts.requests++
	r := &outRequest{deadline: deadline{index: -1}, id: c.lastID, asker: sender, body: m.GetFrames(),
		timeout: timeout, retries: m.GetRetries(), typed: m.GetTyped(), tag: m.GetTag()}
	if c.req {
		c.waiting = append(c.waiting, r)
		if len(c.waiting) == 1 {
			c.sendNext()
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
	if _, err := c.sock.Send(r.wire); err != nil {
		return err
	}
	r.attempts = 1
	c.inflight[r.id] = r
	c.deadline(r)
	return nil
}

// maxTag bounds a request's tag.
const maxTag = 256

// deadline starts the timeout of r's attempt, if it has one.
func (c *clientRole) deadline(r *outRequest) {
	if r.timeout > 0 {
		c.times.add(r, r.timeout)
	}
}

// sendNext puts the first waiting request of a REQ on the wire; requests
// that cannot be sent are answered with the error.
func (c *clientRole) sendNext() {
	for len(c.waiting) > 0 && c.sock != nil {
		r := c.waiting[0]
		if r.sent {
			return
		}
		if _, err := c.sock.Send(r.body); err != nil {
			c.shift()
			c.fail(r, err)
			continue
		}
		r.sent = true
		r.attempts++
		if r.index < 0 {
			c.deadline(r)
		}
		return
	}
}

// shift takes the first waiting request off a REQ's queue. The rest move
// down, so that the queue's array is used again: slicing the first off
// would leave no room at its end, and each next request would allocate a
// new one.
func (c *clientRole) shift() {
	n := copy(c.waiting, c.waiting[1:])
	c.waiting[n] = nil
	c.waiting = c.waiting[:n]
}

// deliver takes a message the socket received: a reply to a request goes
// to its asker; a late one is counted and dropped; anything else goes to
// the owner as Received, or is counted as malformed.
func (c *clientRole) deliver(frames [][]byte) {
	if c.req {
		if len(c.waiting) > 0 && c.waiting[0].sent {
			r := c.waiting[0]
			c.shift()
			c.times.remove(r)
			c.answer(r, frames)
			c.sendNext()
			return
		}
	} else if c.lastID > 0 && len(frames) >= 2 && len(frames[0]) == requestIDLen && len(frames[1]) == 0 {
		id := binary.BigEndian.Uint64(frames[0])
		if r := c.inflight[id]; r != nil {
			delete(c.inflight, id)
			c.times.remove(r)
			c.answer(r, frames[2:])
			return
		}
		if id > 0 && id <= c.lastID {
			c.counts.lateReplies++
			return
		}
	}
	if c.owner != nil {
		c.root.RequestWithCustomSender(c.owner, &messages.Received{Socket: c.name, Frames: frames}, c.self)
		return
	}
	c.counts.malformed++
	c.h.errorTo(nil, &sockets.Error{Op: sockets.OpReceive, Socket: c.name,
		Err: fmt.Errorf("%w: a message of %d frames that answers no request, dropped", sockets.ErrBadMessage, len(frames))})
}

// answer sends the reply to the request's asker.
func (c *clientRole) answer(r *outRequest, body [][]byte) {
	c.counts.replies++
	if !r.typed {
		c.root.Send(r.asker, &messages.Reply{Socket: c.name, Frames: body, Attempts: r.attempts, Tag: r.tag})
		return
	}
	if c.types == nil {
		c.types = typeCache{}
	}
	if _, err := decodeBody(body, c.types); err != nil {
		c.counts.decodeErrors++
		c.fail(r, &sockets.Error{Op: sockets.OpRequest, Socket: c.name, Err: fmt.Errorf("reply: %w", err)})
		return
	}
	c.root.Send(r.asker, &messages.TypedReply{Socket: c.name, Tag: r.tag, Attempts: r.attempts, Body: anyOf(body[0], body[1])})
}

// fail answers r's asker with err, carrying r's tag.
func (c *clientRole) fail(r *outRequest, err error) {
	e := sockets.ErrorToProto(c.name, err)
	e.Tag = r.tag
	c.root.Send(r.asker, e)
}

// expire handles every request whose attempt is due.
func (c *clientRole) expire() {
	c.times.expire(func() bool { return c.sock != nil }, func(it deadlineItem) { c.expireRequest(it.(*outRequest)) })
}

// expireRequest handles a request whose attempt timed out: send it again
// while retries are left, else answer with ErrRequestTimeout. A REQ is reset
// either way, since it will not send before it has received.
func (c *clientRole) expireRequest(r *outRequest) {
	if r.retries > 0 {
		r.retries--
		c.counts.retries++
		if c.req {
			r.sent = false
			c.reset() // sends it again once open
			return
		}
		if _, err := c.sock.Send(r.wire); err != nil {
			delete(c.inflight, r.id)
			c.fail(r, err)
			return
		}
		r.attempts++
		c.deadline(r)
		return
	}
	c.counts.timeouts++
	c.fail(r, &sockets.Error{Op: sockets.OpRequest, Socket: c.name,
		Err: fmt.Errorf("%w: %v for each of %d attempts", sockets.ErrRequestTimeout, r.timeout, r.attempts)})
	if c.req {
		c.shift()
		c.reset() // sends the next one once open
		return
	}
	delete(c.inflight, r.id)
}

// cancel frees the requests CancelRequest names: the asker gets no answer,
// and a reply that comes later is counted as late. A REQ whose request on
// the wire is cancelled is reset, as after a timeout, so that the next one
// can go.
func (c *clientRole) cancel(m *messages.CancelRequest) (*messages.RequestsCancelled, error) {
	asker := PIDOf(m.GetAsker())
	if asker == nil {
		return nil, &sockets.Error{Op: sockets.OpRequest, Socket: c.name,
			Err: fmt.Errorf("%w: a CancelRequest names the asker", sockets.ErrBadMessage)}
	}
	match := func(r *outRequest) bool {
		return r.asker.Address == asker.Address && r.asker.Id == asker.Id &&
			(m.GetAskerRequestId() == 0 || r.asker.RequestId == m.GetAskerRequestId()) &&
			(m.GetTag() == "" || r.tag == m.GetTag())
	}
	n := 0
	for _, id := range slices.Sorted(maps.Keys(c.inflight)) {
		if r := c.inflight[id]; match(r) {
			delete(c.inflight, id)
			c.times.remove(r)
			n++
		}
	}
	onWire := len(c.waiting) > 0 && c.waiting[0].sent && match(c.waiting[0])
	kept := c.waiting[:0]
	for _, r := range c.waiting {
		if match(r) {
			c.times.remove(r)
			n++
			continue
		}
		kept = append(kept, r)
	}
	clear(c.waiting[len(kept):])
	c.waiting = kept
	c.counts.cancelled += uint64(n)
	if onWire {
		c.reset() // sends the next one once open
	}
	return &messages.RequestsCancelled{Socket: c.name, Cancelled: uint32(n)}, nil
}

// reset closes the REQ socket and opens it again, to leave the lockstep of
// a request whose reply did not come; the waiting request goes out on the
// new socket.
func (c *clientRole) reset() {
	c.counts.resets++
	c.h.reset()
}

func (c *clientRole) requestStats() *messages.RequestStats {
	n := c.counts
	return &messages.RequestStats{Socket: c.name,
		Requests: n.requests, Replies: n.replies, Timeouts: n.timeouts, Retries: n.retries, LateReplies: n.lateReplies,
		Malformed: n.malformed, Resets: n.resets, DecodeErrors: n.decodeErrors, Cancelled: n.cancelled,
		InFlight: uint32(len(c.inflight) + len(c.waiting))}
}
