package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// DefaultServiceTimeout is how long a Majordomo client waits for each
// attempt's reply when neither the request nor MajordomoClientOptions
// says: the zguide's mdclient's 2.5 s.
const DefaultServiceTimeout = 2500 * time.Millisecond

// MajordomoClientOptions configure a Majordomo client
// (WithMajordomoClient).
type MajordomoClientOptions struct {
	// Timeout is how long the client waits for the reply to each attempt
	// of a request that does not say; zero means DefaultServiceTimeout.
	Timeout time.Duration
	// Retries is how many times a request that does not say is sent
	// again after a timeout.
	Retries uint32
}

// WithMajordomoClient makes a DEALER socket actor a Majordomo client
// (MDP/0.1, ZeroMQ RFC 7) of a broker (the spec's connects). Any actor
// sends it messages.ServiceRequest (with ctx.Request or RequestFuture; from
// Go code, Socket.AskService) and is answered with messages.ServiceReply,
// or an Error: ERROR_CODE_REQUEST_TIMEOUT when no attempt was answered.
// The client sends ["", "MDPC01", service, body...] and takes the reply
// ["", "MDPC01", service, body...]; several frames pass whole.
//
// MDP carries no request id, so the client keeps one request on the wire
// at a time, the others waiting their turn in order (spawn several clients
// for more at once). After a timeout it closes its socket and opens a new
// one, so that a late reply to the old attempt cannot answer the next
// request, and sends the request again while its retries last, else
// answers the asker with the timeout and goes on with the next request. A
// reply for another service, or not of MDP's frames, is dropped, counted
// and reported (ErrBadMessage). The requests survive a restart: the one
// on the wire is sent again on the new socket.
func WithMajordomoClient(opts MajordomoClientOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if opts.Timeout < 0 {
			return fmt.Errorf("%w: WithMajordomoClient: negative timeout %v", ErrBadOption, opts.Timeout)
		}
		if opts.Timeout == 0 {
			opts.Timeout = DefaultServiceTimeout
		}
		return pattern(c, &patternRole{option: "WithMajordomoClient", types: []sockets.Type{sockets.Dealer},
			make: func(*sockets.Spec) role { return &mdpClientRole{opts: opts} }})
	}
}

// mdpClientRole is the delivery role of a Majordomo client.
type mdpClientRole struct {
	opts    MajordomoClientOptions
	waiting []*mdCall // the first one is on the wire once sent
	times   deadlines
	counts  reliableCounts

	attachment
}

// mdCall is one request of an asker.
type mdCall struct {
	deadline
	asker    *actor.PID
	service  string
	wire     [][]byte
	timeout  time.Duration
	retries  uint32
	attempts uint32
	sent     bool
}

func (c *mdCall) entry() *deadline { return &c.deadline }

func (c *mdpClientRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	c.attach(h)
	hooks.Deliver = c.deliver
	return nil, nil
}

// opened sends the first waiting request on the new socket.
func (c *mdpClientRole) opened(bool) error {
	c.sock = c.h.socket()
	c.times.arm(c.times.waker(c.h))
	if len(c.waiting) > 0 && c.waiting[0].sent {
		c.waiting[0].sent = false // again, on the new socket
		c.waiting[0].attempts--
	}
	c.sendNext()
	return nil
}

// closing stops the timer; a final close answers every request with
// ErrClosed.
func (c *mdpClientRole) closing(final bool) {
	c.times.stop()
	c.sock = nil
	if !final {
		return
	}
	err := &sockets.Error{Op: sockets.OpRequest, Socket: c.h.name(), Err: sockets.ErrClosed}
	for _, r := range c.waiting {
		c.h.errorTo(r.asker, err)
	}
	c.waiting = nil
	c.times.clear()
}

func (c *mdpClientRole) terminated(*actor.PID) {}

func (c *mdpClientRole) command(msg any, sender *actor.PID) (any, bool, error) {
	if answer, ok := reliableCommand(msg, c.stats); ok {
		return answer, true, nil
	}
	switch m := msg.(type) {
	case *messages.ServiceRequest:
		return nil, true, c.request(m, sender)
	case *deadlineTick:
		return nil, c.times.ticked(m, c.h, c.expire), nil
	}
	return nil, false, nil
}

func (c *mdpClientRole) stats() *messages.ReliableStats {
	st := c.counts.stats(c.h.name(), "majordomo client")
	st.Waiting = uint32(len(c.waiting))
	return st
}

// request takes a ServiceRequest; the answer comes later.
func (c *mdpClientRole) request(m *messages.ServiceRequest, sender *actor.PID) error {
	if err := checkAsk(c.h, "a ServiceRequest", sender, m.GetFrames(), m.GetTimeout()); err != nil {
		return err
	}
	if m.GetService() == "" {
		return &sockets.Error{Op: sockets.OpRequest, Socket: c.h.name(), Err: fmt.Errorf("%w: a ServiceRequest names a service", sockets.ErrBadMessage)}
	}
	r := &mdCall{deadline: deadline{index: -1}, asker: sender, service: m.GetService(),
		wire:    join([][]byte{{}, []byte(MajordomoClient), []byte(m.GetService())}, m.GetFrames()),
		timeout: m.GetTimeout().AsDuration(), retries: m.GetRetries()}
	if r.timeout == 0 {
		r.timeout = c.opts.Timeout
	}
	if r.retries == 0 {
		r.retries = c.opts.Retries
	}
	c.counts.requests++
	c.waiting = append(c.waiting, r)
	if len(c.waiting) == 1 {
		c.sendNext()
	}
	return nil
}

// sendNext puts the first waiting request on the wire; a request that
// cannot be sent is answered with the error.
func (c *mdpClientRole) sendNext() {
	for len(c.waiting) > 0 && c.sock != nil {
		r := c.waiting[0]
		if r.sent {
			return
		}
		if _, err := c.sock.Send(r.wire); err != nil {
			c.waiting = c.waiting[1:]
			c.times.remove(r)
			c.h.errorTo(r.asker, err)
			continue
		}
		r.sent = true
		r.attempts++
		if r.index < 0 {
			c.times.add(r, r.timeout)
		}
		return
	}
}

// deliver takes a reply from the broker.
func (c *mdpClientRole) deliver(frames [][]byte) {
	if len(c.waiting) == 0 || !c.waiting[0].sent {
		c.malformed(frames, "a reply when no request waits for one")
		return
	}
	r := c.waiting[0]
	if len(frames) < 4 || len(frames[0]) != 0 || string(frames[1]) != MajordomoClient || string(frames[2]) != r.service {
		c.malformed(frames, fmt.Sprintf("a reply is [\"\", \"MDPC01\", %q, body...]", r.service))
		return
	}
	c.waiting = c.waiting[1:]
	c.times.remove(r)
	c.counts.replies++
	c.h.root().Send(r.asker, &messages.ServiceReply{Socket: c.h.name(), Service: r.service, Frames: frames[3:], Attempts: r.attempts})
	c.sendNext()
}

func (c *mdpClientRole) malformed(frames [][]byte, why string) {
	c.counts.malformed++
	protocolError(c.h, sockets.OpReceive, frames, "%s", why)
}

// expire handles the request whose attempt timed out: again on a new
// socket while its retries last, else answered with ErrRequestTimeout.
func (c *mdpClientRole) expire() {
	c.times.expire(func() bool { return c.sock != nil }, func(it deadlineItem) {
		r := it.(*mdCall)
		if r.retries > 0 {
			r.retries--
			r.sent = false // a new attempt, not the same one again
			c.counts.retries++
		} else {
			c.counts.failures++
			c.waiting = c.waiting[1:]
			c.h.errorTo(r.asker, &sockets.Error{Op: sockets.OpRequest, Socket: c.h.name(),
				Err: fmt.Errorf("%w: %v for each of %d attempts of a request to %q", sockets.ErrRequestTimeout, r.timeout, r.attempts, r.service)})
		}
		c.h.reset() // opened sends the first waiting request
	})
}

// AskService asks a Majordomo client socket actor (WithMajordomoClient)
// for one request to service and returns the reply, or the error:
// ErrRequestTimeout when no attempt was answered. opts set the request's
// timeout (WithTimeout) and retries (WithRetries). ctx bounds the wait,
// which includes the requests before this one in the client.
func (s *Socket) AskService(ctx context.Context, service string, body [][]byte, opts ...RequestOption) (*messages.ServiceReply, error) {
	var r messages.Request
	for _, o := range opts {
		o(&r)
	}
	timeout := r.GetTimeout().AsDuration()
	if timeout <= 0 {
		timeout = DefaultServiceTimeout
	}
	// The socket actor answers every request by itself; this bound is
	// only a safety net, with room for the requests before this one.
	wait := timeout*time.Duration(r.GetRetries()+1) + time.Minute
	return askActor[*messages.ServiceReply](ctx, s.rt, s.pid, s.Name(), sockets.OpRequest,
		&messages.ServiceRequest{Service: service, Frames: body, Timeout: r.GetTimeout(), Retries: r.GetRetries()}, wait)
}
