package actors

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Freelance's commands (the zguide's model 3, flcliapi and flserver3): a
// client pings each server with ["PING"], a server answers ["PONG"]; a
// request is [sequence, body...] and its reply [sequence, reply...].
const (
	FreelancePing = "PING"
	FreelancePong = "PONG"
)

// DefaultFreelanceTimeout is how long a Freelance client keeps trying a
// request, over all its servers, when neither the request nor the options
// say: the zguide's GLOBAL_TIMEOUT.
const DefaultFreelanceTimeout = 3 * time.Second

// FreelanceServerOptions configure a Freelance server (WithFreelanceServer).
type FreelanceServerOptions struct {
	// Timeout is how long the handler has to answer each request; zero
	// means DefaultHandlerTimeout. A request it fails or misses is not
	// answered: the client tries another server.
	Timeout time.Duration
}

// WithFreelanceServer makes a ROUTER socket actor a Freelance server (the
// zguide's model 3, flserver3). Its clients are ROUTERs that connect to
// it and address it by its routing id, which must be the endpoint they
// connect to: set it with sockets.RoutingID (as "tcp://localhost:5555" for
// a server bound to "tcp://*:5555"). It answers each ["PING"] with
// ["PONG"], and hands each request [sequence, body...] to handler, an
// actor or a pool, as a messages.Request; the handler's messages.Reply
// goes back as [sequence, reply...]. Requests are handled concurrently.
// Malformed messages are dropped, counted and reported (ErrBadMessage).
func WithFreelanceServer(handler *actor.PID, opts FreelanceServerOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if err := checkHandler("WithFreelanceServer", handler, opts.Timeout); err != nil {
			return err
		}
		return pattern(c, &patternRole{option: "WithFreelanceServer", types: []sockets.Type{sockets.Router},
			make: func(*sockets.Spec) role { return &flServerRole{handlerBase{work: newHanding(handler, opts.Timeout)}} }})
	}
}

// flServerRole is the delivery role of a Freelance server.
type flServerRole struct{ handlerBase }

func (s *flServerRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	s.open(h, hooks, s.deliver)
	return nil, nil
}

func (s *flServerRole) opened(bool) error {
	s.handlerBase.opened()
	return nil
}

func (s *flServerRole) closing(final bool) { s.close(final) }

func (s *flServerRole) terminated(who *actor.PID) {
	if s.work.terminated(who, s.failed) {
		stopSelf(s.h)
	}
}

func (s *flServerRole) command(msg any, _ *actor.PID) (any, bool, error) {
	if answer, ok := reliableCommand(msg, func() *messages.ReliableStats { return s.counts.stats(s.h.name(), "freelance server") }); ok {
		return answer, true, nil
	}
	return nil, s.handCommand(msg, s.failed), nil
}

func (s *flServerRole) failed(_ *handed, reason string) { s.reportFailure(reason) }

func (s *flServerRole) deliver(frames [][]byte) {
	switch {
	case len(frames) == 2 && string(frames[1]) == FreelancePing:
		s.counts.heartbeatsReceived++
		s.counts.heartbeatsSent++
		s.send(frames[0], []byte(FreelancePong))
	case len(frames) >= 3 && len(frames[1]) > 0:
		s.counts.requests++
		if err := s.work.hand(s.h, frames[2:], frames[0], [][]byte{frames[0], frames[1]}); err != nil {
			s.failed(nil, err.Error())
		}
	default:
		s.counts.malformed++
		protocolError(s.h, sockets.OpReceive, frames, "a client sends [\"PING\"] or [sequence, body...]")
	}
}

// FreelanceClientOptions configure a Freelance client (WithFreelanceClient).
type FreelanceClientOptions struct {
	// Heartbeat sets how often the client pings each server (Interval,
	// default 1 s) and how long a server that answers nothing stays alive
	// (Liveness intervals, default 3). The reconnect fields do not apply.
	Heartbeat Heartbeat
	// Timeout is how long a request that does not say is tried, over all
	// the servers, before it fails with ErrRequestTimeout; zero means
	// DefaultFreelanceTimeout.
	Timeout time.Duration
}

// WithFreelanceClient makes a ROUTER socket actor a Freelance client (the
// zguide's model 3, flcliapi) of the servers it connects to (the spec's
// connects, and later Connect commands), each addressed by its endpoint
// (see WithFreelanceServer). It pings every server each Interval; a server
// is alive while it answered anything within Liveness intervals. Any actor
// sends it messages.Request (Socket.Request) and gets messages.Reply or an
// Error: each request goes to the first alive server in the order of the
// connects, and, when that server dies before it answers, to the next
// alive one, until the request's timeout (messages.Request.timeout, else
// Timeout), after which the asker gets ErrRequestTimeout. Requests wait
// while no server is alive. A reply to a request already answered (from a
// server that was only slow) is counted and dropped. Many requests are in
// flight at once, each with its sequence number.
func WithFreelanceClient(opts FreelanceClientOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if opts.Timeout < 0 {
			return fmt.Errorf("%w: WithFreelanceClient: negative timeout %v", ErrBadOption, opts.Timeout)
		}
		if opts.Timeout == 0 {
			opts.Timeout = DefaultFreelanceTimeout
		}
		hb, err := opts.Heartbeat.orDefaults("WithFreelanceClient", pirateHeartbeat())
		if err != nil {
			return err
		}
		return pattern(c, &patternRole{option: "WithFreelanceClient", types: []sockets.Type{sockets.Router},
			make: func(spec *sockets.Spec) role {
				mandatory(spec)
				return &flClientRole{timeout: opts.Timeout, hb: hb, tick: newTicker(hb),
					servers: map[string]*flServer{}, inflight: map[uint64]*flRequest{}}
			}})
	}
}

// flClientRole is the delivery role of a Freelance client.
type flClientRole struct {
	timeout  time.Duration
	hb       Heartbeat
	tick     *heartbeat
	servers  map[string]*flServer // by endpoint, those that answered once
	lastSeq  uint64
	inflight map[uint64]*flRequest
	times    deadlines
	counts   reliableCounts

	attachment
}

type flServer struct {
	expires time.Time
}

type flRequest struct {
	deadline
	seq      uint64
	asker    *actor.PID
	body     [][]byte
	server   string // where it was sent last, "" while no server is alive
	attempts uint32
}

func (r *flRequest) entry() *deadline { return &r.deadline }

func (c *flClientRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	c.attach(h)
	hooks.Deliver = c.deliver
	return nil, nil
}

func (c *flClientRole) opened(bool) error {
	c.sock = c.h.socket()
	c.tick.start(c.h)
	c.times.arm(c.times.waker(c.h))
	c.ping()
	return nil
}

// closing stops the timers; a final close answers every request with
// ErrClosed.
func (c *flClientRole) closing(final bool) {
	c.tick.stop()
	c.times.stop()
	c.sock = nil
	if !final {
		return
	}
	err := &sockets.Error{Op: sockets.OpRequest, Socket: c.h.name(), Err: sockets.ErrClosed}
	for _, seq := range slices.Sorted(maps.Keys(c.inflight)) {
		c.h.errorTo(c.inflight[seq].asker, err)
	}
	c.inflight = map[uint64]*flRequest{}
	c.times.clear()
}

func (c *flClientRole) terminated(*actor.PID) {}

func (c *flClientRole) command(msg any, sender *actor.PID) (any, bool, error) {
	if answer, ok := reliableCommand(msg, c.stats); ok {
		return answer, true, nil
	}
	if c.tick.take(msg, func(beat) { c.ping() }) {
		return nil, true, nil
	}
	switch m := msg.(type) {
	case *messages.Request:
		return nil, true, c.request(m, sender)
	case *deadlineTick:
		return nil, c.times.ticked(m, c.h, c.expire), nil
	}
	return nil, false, nil
}

func (c *flClientRole) stats() *messages.ReliableStats {
	st := c.counts.stats(c.h.name(), "freelance client")
	st.Waiting = uint32(len(c.inflight))
	now := time.Now()
	for _, s := range c.servers {
		if now.Before(s.expires) {
			st.Workers++
		}
	}
	return st
}

func (c *flClientRole) request(m *messages.Request, sender *actor.PID) error {
	if err := checkAsk(c.h, "a Request", sender, m.GetFrames(), m.GetTimeout()); err != nil {
		return err
	}
	timeout := m.GetTimeout().AsDuration()
	if timeout == 0 {
		timeout = c.timeout
	}
	c.lastSeq++
	c.counts.requests++
	r := &flRequest{deadline: deadline{index: -1}, seq: c.lastSeq, asker: sender, body: m.GetFrames()}
	c.inflight[r.seq] = r
	c.times.add(r, timeout)
	c.send(r)
	return nil
}

// alive returns the first alive server in the order of the connects, or
// "".
func (c *flClientRole) alive() string {
	now := time.Now()
	for _, ep := range c.sock.Connected() {
		if s := c.servers[ep]; s != nil && now.Before(s.expires) {
			return ep
		}
	}
	return ""
}

// send sends r to the first alive server, if there is one.
func (c *flClientRole) send(r *flRequest) {
	if c.sock == nil {
		return
	}
	server := c.alive()
	if server == "" {
		r.server = ""
		return
	}
	if r.server != "" {
		c.counts.retries++ // to another server
	}
	r.server = server
	r.attempts++
	frames := join([][]byte{[]byte(server), []byte(strconv.FormatUint(r.seq, 10))}, r.body)
	if _, err := c.sock.Send(frames); err != nil {
		c.forget(server, err)
	}
}

// forget takes a server for dead at once, on a send that failed.
func (c *flClientRole) forget(server string, err error) {
	if s := c.servers[server]; s != nil {
		s.expires = time.Time{}
	}
	if !errors.Is(err, sockets.ErrHostUnreachable) {
		c.h.errorTo(nil, err)
	}
}

// ping pings every server connected, and sends again each request whose
// server is no longer alive.
func (c *flClientRole) ping() {
	if c.sock == nil {
		return
	}
	for _, ep := range c.sock.Connected() {
		c.counts.heartbeatsSent++
		if _, err := c.sock.Send([][]byte{[]byte(ep), []byte(FreelancePing)}); err != nil {
			c.forget(ep, err)
		}
	}
	c.resend()
}

// resend sends again, in order, each request whose server is gone.
func (c *flClientRole) resend() {
	now := time.Now()
	for _, seq := range slices.Sorted(maps.Keys(c.inflight)) {
		r := c.inflight[seq]
		if s := c.servers[r.server]; r.server == "" || s == nil || !now.Before(s.expires) {
			c.send(r)
		}
	}
}

// deliver takes a server's message: PONG, or a reply [sequence, body...].
func (c *flClientRole) deliver(frames [][]byte) {
	if len(frames) < 2 {
		c.malformed(frames)
		return
	}
	server := string(frames[0])
	s := c.servers[server]
	wasAlive := s != nil && time.Now().Before(s.expires)
	if s == nil {
		s = &flServer{}
		c.servers[server] = s
	}
	s.expires = time.Now().Add(c.hb.expiry())
	switch {
	case len(frames) == 2 && string(frames[1]) == FreelancePong:
		c.counts.heartbeatsReceived++
	case len(frames) >= 3:
		seq, err := strconv.ParseUint(string(frames[1]), 10, 64)
		if err != nil {
			c.malformed(frames)
			return
		}
		r := c.inflight[seq]
		if r == nil {
			if seq > 0 && seq <= c.lastSeq {
				c.counts.dropped++ // late: answered or timed out already
				return
			}
			c.malformed(frames)
			return
		}
		delete(c.inflight, seq)
		c.times.remove(r)
		c.counts.replies++
		c.h.root().Send(r.asker, &messages.Reply{Socket: c.h.name(), Frames: frames[2:], Attempts: r.attempts})
	default:
		c.malformed(frames)
		return
	}
	if !wasAlive {
		c.resend() // a server is back: requests waiting for one go out
	}
}

func (c *flClientRole) malformed(frames [][]byte) {
	c.counts.malformed++
	protocolError(c.h, sockets.OpReceive, frames, "a server sends [\"PONG\"] or [sequence, reply...]")
}

// expire answers the requests whose time is up.
func (c *flClientRole) expire() {
	c.times.expire(func() bool { return c.sock != nil }, func(it deadlineItem) {
		r := it.(*flRequest)
		delete(c.inflight, r.seq)
		c.counts.failures++
		c.h.errorTo(r.asker, &sockets.Error{Op: sockets.OpRequest, Socket: c.h.name(),
			Err: fmt.Errorf("%w: no server answered (%d attempts)", sockets.ErrRequestTimeout, r.attempts)})
	})
}
