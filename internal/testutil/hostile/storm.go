package hostile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pebbe/zmq4"
)

// Defaults of a Storm's zero fields.
const (
	DefaultMessages    = 1000
	DefaultConnections = 300
	DefaultMaxFrame    = 70_000
	DefaultWrongEach   = 3
)

// perSocket is how many messages or subscriptions a peer socket throws
// before the next socket takes over.
const perSocket = 25

// peerLinger is how long a closed peer socket keeps delivering what it
// was handed. It is never 0, and long enough for a peer's queue to drain
// into the server's TCP buffers: libzmq 4.3.4 aborts the process
// ("Resource temporarily unavailable", src/session_base.cpp:260; see
// zeromq/libzmq#3442) when a connection drops while a multipart message is
// half written and the socket's pipe was already told to terminate, which
// a close with linger 0, or a linger that expires, does. The server drops
// connections all the time in a storm; the abrupt resets come from the raw
// TCP peers instead.
const peerLinger = 2 * time.Second

// tcpWorkers is how many raw TCP connections are open at once: few
// enough that they alone never fill the server's listen backlog.
const tcpWorkers = 4

// closeWait bounds how long a raw TCP peer waits for the server to close
// the connection after its own FIN; wrongWait how long a wrong-type peer
// waits for its handshake to fail: a connection waits in the server's
// listen backlog, or for its SYN to be sent again, when the server is busy.
const (
	closeWait = 2 * time.Second
	wrongWait = 5 * time.Second
)

// greetingWait bounds how long a raw TCP peer waits for the server's
// greeting before it goes on anyway.
const greetingWait = time.Second

// Storm is what to throw at one endpoint. Endpoint is required; the zero
// value of every other field is its default.
type Storm struct {
	// Endpoint is where the server listens: tcp://HOST:PORT.
	Endpoint string
	// Peers are the socket types that may talk to the server; each
	// throws Messages malformed messages (a type that cannot send
	// connects and leaves instead). The first names the socket type of
	// the raw TCP peers that complete a handshake (DEALER if none).
	Peers []zmq4.Type
	// Wrong are socket types the server must refuse; each connects
	// WrongEach times (default DefaultWrongEach).
	Wrong     []zmq4.Type
	WrongEach int
	// Messages per peer type (default DefaultMessages; negative: none).
	Messages int
	// Subscriptions are junk subscriptions from SUB peers, for a PUB or
	// XPUB server (default none).
	Subscriptions int
	// Connections are the raw TCP connections (default
	// DefaultConnections; negative: none).
	Connections int
	// MaxFrame is the largest frame thrown (default DefaultMaxFrame).
	MaxFrame int
	// Setup, if set, is applied to each zmq4 peer before it connects
	// (for example the keys of a CURVE client).
	Setup func(*zmq4.Socket) error
	// Seed seeds the randomness; zero takes one from the clock.
	Seed uint64
}

// MaxMessages is the most ZeroMQ messages the storm can deliver to a
// server that takes every message it is sent (a PULL counting them):
// those of the peers that send, those of the raw TCP connections.
func (s Storm) MaxMessages() int {
	s = s.withDefaults()
	n := max(s.Connections, 0) * maxTCPMessages
	for _, typ := range s.Peers {
		if canSend(typ) {
			n += max(s.Messages, 0)
		}
	}
	return n
}

// Thrown counts what a storm threw, by class.
type Thrown struct {
	// Messages handed to ZeroMQ by compatible peers.
	Messages int
	// Quiet connections of compatible peers that cannot send.
	Quiet int
	// Subscriptions and unsubscriptions handed to ZeroMQ by SUB peers.
	Subscriptions int
	// WrongTypes: connections of a wrong socket type, none let in; of
	// them, WrongPending had not been refused yet after a few seconds (a
	// busy server, or one waiting for its authenticator).
	WrongTypes, WrongPending int
	// TCP connections with raw input, and the ZeroMQ messages written on
	// them after a handshake (TCPMessages).
	TCP, TCPMessages int
	// Seed is the seed the storm used.
	Seed uint64
}

// Total is every input thrown: messages, quiet connections,
// subscriptions, wrong-type connections, raw TCP connections and the
// messages on them.
func (t Thrown) Total() int {
	return t.Messages + t.Quiet + t.Subscriptions + t.WrongTypes + t.TCP + t.TCPMessages
}

// String gives the counts by class.
func (t Thrown) String() string {
	return fmt.Sprintf("messages=%d quiet=%d subscriptions=%d wrong_types=%d wrong_pending=%d tcp=%d tcp_messages=%d seed=%d",
		t.Messages, t.Quiet, t.Subscriptions, t.WrongTypes, t.WrongPending, t.TCP, t.TCPMessages, t.Seed)
}

// counters are a running storm's Thrown, added to from its goroutines.
type counters struct {
	messages, quiet, subscriptions, wrong, wrongPending, tcp, tcpMessages atomic.Int64
}

// run is one storm under way.
type run struct {
	Storm
	zctx    *zmq4.Context
	addr    string // host:port
	peer    string // the socket type of raw TCP peers
	counts  counters
	sockets atomic.Int64 // numbers the monitors' endpoints
}

// Run throws the storm and returns what it threw, once every peer has
// closed and its ZeroMQ context has been terminated. Its last input, when
// it makes raw TCP connections, is the ZMTP/1.0 fallback (04 00 'abc' 04
// 00 'xyz'), the one known to break libzmq 4.3.4's REP: the test's
// well-formed peer comes right after it. It stops early with
// ctx's error, or with the first error of a peer that could not do its
// part: a socket that cannot be made or connected, a TCP connection
// refused (the server no longer listens), a wrong socket type let in.
func (s Storm) Run(ctx context.Context) (Thrown, error) {
	r, err := s.start()
	if err != nil {
		return Thrown{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	fail := func(err error) {
		if err != nil && ctx.Err() == nil {
			cancel(err)
		}
	}
	for i, typ := range r.Peers {
		if r.Messages > 0 {
			wg.Go(func() { fail(r.messages(ctx, typ, uint64(10+i))) })
		}
	}
	if r.Subscriptions > 0 {
		wg.Go(func() { fail(r.subscriptions(ctx, 1)) })
	}
	if len(r.Wrong) > 0 {
		wg.Go(func() { fail(r.wrongTypes(ctx, 2)) })
	}
	if r.Connections > 0 {
		next := atomic.Int64{}
		for w := range tcpWorkers {
			wg.Go(func() {
				j := newJunk(r.Seed, uint64(100+w), r.MaxFrame)
				for int(next.Add(1)) <= r.Connections && ctx.Err() == nil {
					fail(r.tcp(ctx, j))
				}
			})
		}
	}
	wg.Wait()
	if r.Connections > 0 && ctx.Err() == nil {
		// Last, right before the test's well-formed peer: the ZMTP/1.0
		// fallback, after which libzmq 4.3.4's REP loses its next reply.
		fail(r.raw(ctx, garbage(append([]byte(nil), zmtp1Fallback...)), false))
	}
	err = context.Cause(ctx) // nil unless a peer failed or ctx ended
	if termErr := r.zctx.Term(); err == nil && termErr != nil {
		err = fmt.Errorf("hostile: terminating the peers' context: %w", termErr)
	}
	return r.thrown(), err
}

// withDefaults returns s with the defaults of its zero fields.
func (s Storm) withDefaults() Storm {
	s.Messages = cmp.Or(s.Messages, DefaultMessages)
	s.Connections = cmp.Or(s.Connections, DefaultConnections)
	s.WrongEach = cmp.Or(max(s.WrongEach, 0), DefaultWrongEach)
	s.MaxFrame = cmp.Or(max(s.MaxFrame, 0), DefaultMaxFrame)
	s.Seed = cmp.Or(s.Seed, uint64(time.Now().UnixNano()))
	return s
}

// start checks s, fills in its defaults and makes the peers' context.
func (s Storm) start() (*run, error) {
	addr, ok := strings.CutPrefix(s.Endpoint, "tcp://")
	if !ok {
		return nil, fmt.Errorf("hostile: endpoint %q: want tcp://HOST:PORT", s.Endpoint)
	}
	s = s.withDefaults()
	peer := "DEALER"
	if len(s.Peers) > 0 {
		peer = s.Peers[0].String()
	}
	zctx, err := zmq4.NewContext()
	if err != nil {
		return nil, fmt.Errorf("hostile: %w", err)
	}
	return &run{Storm: s, zctx: zctx, addr: addr, peer: peer}, nil
}

func (r *run) thrown() Thrown {
	c := &r.counts
	return Thrown{
		Messages: int(c.messages.Load()), Quiet: int(c.quiet.Load()), Subscriptions: int(c.subscriptions.Load()),
		WrongTypes: int(c.wrong.Load()), WrongPending: int(c.wrongPending.Load()), TCP: int(c.tcp.Load()), TCPMessages: int(c.tcpMessages.Load()), Seed: r.Seed,
	}
}

// socket makes a peer socket of typ with Setup applied, connected to the
// endpoint. The caller closes it with closePeer.
func (r *run) socket(typ zmq4.Type) (*zmq4.Socket, error) {
	s, err := r.zctx.NewSocket(typ)
	if err != nil {
		return nil, fmt.Errorf("hostile: %v socket: %w", typ, err)
	}
	if r.Setup != nil {
		if err := r.Setup(s); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("hostile: %v socket setup: %w", typ, err)
		}
	}
	if err := s.Connect(r.Endpoint); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("hostile: %v connect %s: %w", typ, r.Endpoint, err)
	}
	return s, nil
}

// closePeer closes a peer socket with peerLinger.
func closePeer(s *zmq4.Socket) {
	_ = s.SetLinger(peerLinger)
	_ = s.Close()
}

// send hands m to ZeroMQ without waiting; it reports whether ZeroMQ took
// it (not at a high-water mark, say).
func send(s *zmq4.Socket, m [][]byte) bool {
	for i, f := range m {
		flags := zmq4.DONTWAIT
		if i < len(m)-1 {
			flags |= zmq4.SNDMORE
		}
		if _, err := s.SendBytes(f, flags); err != nil {
			return false
		}
	}
	return true
}

// canSend tells the types that send a message of their own whenever they
// like: not a PULL or SUB (they cannot), a REP (only a reply to a request
// it received) or a ROUTER (only to a peer whose routing id it knows).
func canSend(typ zmq4.Type) bool {
	switch typ {
	case zmq4.PULL, zmq4.SUB, zmq4.REP, zmq4.ROUTER:
		return false
	}
	return true
}

// messages throws r.Messages malformed messages from peers of typ, a new
// socket every perSocket messages; a type that cannot send connects and
// leaves instead, as many times as sockets it would have used.
func (r *run) messages(ctx context.Context, typ zmq4.Type, stream uint64) error {
	j := newJunk(r.Seed, stream, r.MaxFrame)
	for done := 0; done < r.Messages && ctx.Err() == nil; done += perSocket {
		s, err := r.socket(typ)
		if err != nil {
			return err
		}
		if typ == zmq4.REQ {
			// Send again without waiting for a reply, and now and then
			// with a request id frame before the delimiter.
			_ = s.SetReqRelaxed(1)
			_ = s.SetReqCorrelate(j.r.IntN(2))
		}
		if !canSend(typ) {
			r.counts.quiet.Add(1)
			closePeer(s)
			continue
		}
		for range min(perSocket, r.Messages-done) {
			m := j.message()
			if typ == zmq4.XSUB && j.r.IntN(2) == 0 {
				// A subscription or an unsubscription, with or without
				// frames after it.
				m[0] = append([]byte{byte(j.r.IntN(2))}, m[0]...)
			}
			if send(s, m) {
				r.counts.messages.Add(1)
			}
		}
		closePeer(s)
	}
	return nil
}

// subscriptions throws r.Subscriptions junk subscriptions from SUB peers,
// one unsubscription in ten; one socket in four ends with a topic larger
// than a kilobyte.
func (r *run) subscriptions(ctx context.Context, stream uint64) error {
	j := newJunk(r.Seed, stream, r.MaxFrame)
	const each = 8 * perSocket
	for done := 0; done < r.Subscriptions && ctx.Err() == nil; done += each {
		s, err := r.socket(zmq4.SUB)
		if err != nil {
			return err
		}
		n := min(each, r.Subscriptions-done)
		for i := range n {
			topic := j.topic()
			if i == n-1 && j.r.IntN(4) == 0 {
				topic = j.bytes(j.big())
			}
			set := s.SetSubscribe
			if j.r.IntN(10) == 0 {
				set = s.SetUnsubscribe
			}
			if set(string(topic)) == nil {
				r.counts.subscriptions.Add(1)
			}
		}
		closePeer(s)
	}
	return nil
}

// handshakeEvents are the monitor events that end a wrong-type peer's
// wait: its handshake failed or, if it succeeded, the server let it in.
const handshakeEvents = zmq4.EVENT_HANDSHAKE_SUCCEEDED | zmq4.EVENT_HANDSHAKE_FAILED_PROTOCOL |
	zmq4.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq4.EVENT_HANDSHAKE_FAILED_AUTH | zmq4.EVENT_DISCONNECTED

// wrongTypes connects each wrong type WrongEach times, all at once.
func (r *run) wrongTypes(ctx context.Context, stream uint64) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.Wrong)*r.WrongEach)
	for i, typ := range r.Wrong {
		for k := range r.WrongEach {
			n := i*r.WrongEach + k
			wg.Go(func() {
				errs[n] = r.wrongType(ctx, typ, newJunk(r.Seed, stream<<16+uint64(n), r.MaxFrame))
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// wrongType connects one socket of typ, sends it junk if it can send, and
// waits up to wrongWait until its handshake fails. A handshake that
// succeeds is an error; one with no outcome yet is counted as pending (a
// busy server, or one waiting for its authenticator).
func (r *run) wrongType(ctx context.Context, typ zmq4.Type, j *junk) error {
	s, err := r.zctx.NewSocket(typ)
	if err != nil {
		return fmt.Errorf("hostile: %v socket: %w", typ, err)
	}
	defer func() {
		// Its handshake failed: it has nothing under way, and no
		// message it was handed will ever leave.
		_ = s.SetLinger(0)
		_ = s.Close()
	}()
	monitor := fmt.Sprintf("inproc://hostile-monitor-%d", r.sockets.Add(1))
	if err := s.Monitor(monitor, handshakeEvents); err != nil {
		return fmt.Errorf("hostile: monitor: %w", err)
	}
	events, err := r.zctx.NewSocket(zmq4.PAIR)
	if err != nil {
		return fmt.Errorf("hostile: monitor socket: %w", err)
	}
	defer func() {
		_ = events.SetLinger(0)
		_ = events.Close()
	}()
	if err := events.Connect(monitor); err != nil {
		return fmt.Errorf("hostile: monitor connect: %w", err)
	}
	if r.Setup != nil {
		if err := r.Setup(s); err != nil {
			return fmt.Errorf("hostile: %v socket setup: %w", typ, err)
		}
	}
	if err := s.Connect(r.Endpoint); err != nil {
		return fmt.Errorf("hostile: %v connect %s: %w", typ, r.Endpoint, err)
	}
	switch {
	case typ == zmq4.SUB:
		_ = s.SetSubscribe(string(j.topic()))
	case canSend(typ):
		for range j.between(1, 5) {
			send(s, j.message())
		}
	}
	r.counts.wrong.Add(1)
	event, err := nextEvent(ctx, events, wrongWait)
	switch {
	case errors.Is(err, errNoEvent):
		r.counts.wrongPending.Add(1)
	case err != nil:
		return fmt.Errorf("hostile: %v peer: %w", typ, err)
	case event == zmq4.EVENT_HANDSHAKE_SUCCEEDED:
		return fmt.Errorf("hostile: the server at %s let a %v peer in", r.Endpoint, typ)
	}
	return nil
}

// errNoEvent: no monitor event came in time.
var errNoEvent = errors.New("no monitor event")

// nextEvent waits up to d (or ctx's end) for the next monitor event on
// events.
func nextEvent(ctx context.Context, events *zmq4.Socket, d time.Duration) (zmq4.Event, error) {
	poller := zmq4.NewPoller()
	poller.Add(events, zmq4.POLLIN)
	deadline := time.Now().Add(d)
	for {
		wait := min(time.Until(deadline), pollSlice)
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if wait <= 0 {
			return 0, fmt.Errorf("%w within %v", errNoEvent, d)
		}
		ready, err := poller.Poll(wait)
		if err != nil {
			return 0, err
		}
		if len(ready) > 0 {
			event, _, _, err := events.RecvEvent(0)
			return event, err
		}
	}
}

// tcp throws one raw TCP connection of a random case, one in four ended
// with a reset.
func (r *run) tcp(ctx context.Context, j *junk) error {
	in := tcpCases[j.r.IntN(len(tcpCases))].input(j, r.peer)
	return r.raw(ctx, in, j.r.IntN(4) == 0)
}

// raw throws one raw TCP connection with in, and ends it with a reset if
// reset, else with a FIN.
func (r *run) raw(ctx context.Context, in rawInput, reset bool) error {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", r.addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("hostile: raw TCP to %s: %w", r.addr, err)
	}
	r.counts.tcp.Add(1)
	tc := conn.(*net.TCPConn)
	_ = tc.SetDeadline(time.Now().Add(closeWait))
	// The server may close first (it refused what it read): a write then
	// fails, which is what it should do.
	if in.greeting != nil {
		if _, err := tc.Write(in.greeting); err == nil {
			// A ZMTP peer waits for the server's greeting before its
			// handshake: libzmq closes a connection that sends both
			// before it answered.
			_ = tc.SetReadDeadline(time.Now().Add(greetingWait))
			_, _ = io.ReadFull(tc, make([]byte, len(in.greeting)))
			_ = tc.SetDeadline(time.Now().Add(closeWait))
		}
	}
	if len(in.rest) > 0 {
		if _, err := tc.Write(in.rest); err == nil {
			r.counts.tcpMessages.Add(int64(in.messages))
		}
	}
	if reset {
		_ = tc.SetLinger(0) // RST instead of FIN
		return closeConn(tc)
	}
	// A FIN, then whatever the server says until it closes (or the
	// deadline): it has read everything by then.
	_ = tc.CloseWrite()
	buf := make([]byte, 4096)
	for {
		if _, err := tc.Read(buf); err != nil {
			break
		}
	}
	return closeConn(tc)
}

// closeConn closes a raw connection; a reset from the server is no error.
func closeConn(c *net.TCPConn) error {
	if err := c.Close(); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("hostile: closing a raw TCP connection: %w", err)
	}
	return nil
}

// Hold opens n raw TCP connections to endpoint that send part of a
// greeting and then nothing, and keeps them open until release, which
// closes them (with a reset).
func Hold(ctx context.Context, endpoint string, n int) (release func(), err error) {
	addr, ok := strings.CutPrefix(endpoint, "tcp://")
	if !ok {
		return nil, fmt.Errorf("hostile: endpoint %q: want tcp://HOST:PORT", endpoint)
	}
	var conns []*net.TCPConn
	release = func() {
		for _, c := range conns {
			_ = c.SetLinger(0)
			_ = c.Close()
		}
		conns = nil
	}
	for i := range n {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			release()
			return nil, fmt.Errorf("hostile: hold %s: %w", addr, err)
		}
		tc := conn.(*net.TCPConn)
		conns = append(conns, tc)
		if _, err := tc.Write(nullGreeting()[:1+i%63]); err != nil {
			release()
			return nil, fmt.Errorf("hostile: hold %s: %w", addr, err)
		}
	}
	return release, nil
}

// Add returns the sum of t and u, with t's seed.
func (t Thrown) Add(u Thrown) Thrown {
	t.Messages += u.Messages
	t.Quiet += u.Quiet
	t.Subscriptions += u.Subscriptions
	t.WrongTypes += u.WrongTypes
	t.WrongPending += u.WrongPending
	t.TCP += u.TCP
	t.TCPMessages += u.TCPMessages
	return t
}
