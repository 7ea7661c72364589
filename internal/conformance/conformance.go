package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Pair is one case of the suite: a socket of type Bind binds the endpoint
// and one of type Connect connects to it.
type Pair struct {
	Bind, Connect sockets.Type
}

// String names the pair as "BIND-CONNECT", such as "PUB-SUB".
func (p Pair) String() string { return p.Bind.String() + "-" + p.Connect.String() }

// Pairs returns every ordered pair of compatible socket types, in the wire
// order of sockets.Types: both orders of two different types, so each type
// is tried as the binding and as the connecting side.
func Pairs() []Pair {
	var out []Pair
	for _, a := range sockets.Types() {
		for _, b := range sockets.Types() {
			if a.Compatible(b) {
				out = append(out, Pair{Bind: a, Connect: b})
			}
		}
	}
	return out
}

// Transports returns the transports Run uses: "inproc" and "tcp" (bound on
// tcp://127.0.0.1:* and connected to the resolved port).
func Transports() []string { return []string{"inproc", "tcp"} }

// FrameSize is the size of the large frames in Messages: 1 MiB.
const FrameSize = 1 << 20

// sequenced is the number of small numbered messages after the special ones.
const sequenced = 200

// Messages returns the multipart messages each case sends, in order: single
// and multipart messages, empty frames alone, leading, between and trailing,
// 1 MiB frames, then small numbered messages. No two are equal, so the
// order they arrive in is checked message by message.
func Messages() [][][]byte {
	big := make([]byte, FrameSize)
	for i := range big {
		big[i] = byte(i % 251)
	}
	big2 := bytes.Repeat([]byte{0xA5}, FrameSize)
	out := [][][]byte{
		{[]byte("hello")},
		{[]byte("multi"), []byte("part"), []byte("message")},
		{{}},
		{[]byte("empty"), {}, []byte("between")},
		{{}, []byte("leading empty")},
		{[]byte("trailing empty"), {}},
		{{}, {}, {}},
		{big},
		{[]byte("large"), big2, {}, big},
	}
	for i := range sequenced {
		out = append(out, [][]byte{[]byte(fmt.Sprintf("seq %03d", i)), []byte("payload")})
	}
	return out
}

// Run runs every case, as subtests named "PAIR/TRANSPORT" (such as
// "PUB-SUB/tcp"), on the sockets of z, the ZeroMQ context of an actor
// system (actors.NewRuntime).
func Run(t *testing.T, z *actors.Runtime) {
	t.Helper()
	for _, p := range Pairs() {
		t.Run(p.String(), func(t *testing.T) {
			for _, tr := range Transports() {
				t.Run(tr, func(t *testing.T) { RunPair(t, z, p, tr) })
			}
		})
	}
}

// RunPair runs one case: p over transport ("inproc" or "tcp").
func RunPair(t *testing.T, z *actors.Runtime, p Pair, transport string) {
	if !p.Bind.Compatible(p.Connect) {
		t.Fatalf("%v cannot talk to %v", p.Bind, p.Connect)
	}
	var endpoint string
	switch transport {
	case "inproc":
		endpoint = "inproc://conformance-" + strings.ToLower(p.String()) + "-" + z.System().ProcessRegistry.NextId()
	case "tcp":
		endpoint = "tcp://127.0.0.1:*"
	default:
		t.Fatalf("unknown transport %q", transport)
	}
	r := newRig(t, z)
	a := r.spawn("bind", p.Bind, p.Connect, sockets.Spec{Binds: []string{endpoint}})
	if ep := a.sock.Endpoint(); transport == "tcp" && !strings.HasPrefix(ep, "tcp://127.0.0.1:") || ep == "" || strings.HasSuffix(ep, ":*") {
		t.Fatalf("bound %q, resolved to %q", endpoint, ep)
	}
	b := r.spawn("connect", p.Connect, p.Bind, sockets.Spec{Connects: []string{a.sock.Endpoint()}})
	msgs := Messages()

	switch {
	case p.Bind == sockets.Push:
		r.stream(a, b, msgs)
	case p.Connect == sockets.Push:
		r.stream(b, a, msgs)
	case isPub(p.Bind):
		r.pubSub(a, b, msgs)
	case isPub(p.Connect):
		r.pubSub(b, a, msgs)
	case p.Bind == p.Connect && p.Bind != sockets.Router: // PAIR, DEALER
		r.bothWays(a, b, msgs)
	default:
		client, server := a, b
		switch {
		case p.Connect == sockets.Req,
			p.Bind == sockets.Rep, p.Bind == sockets.Router: // includes ROUTER-ROUTER: the connector is the client
			client, server = b, a
		}
		r.reqRep(client, server, msgs)
	}
	r.closeAll()
}

func isPub(t sockets.Type) bool { return t == sockets.Pub || t == sockets.XPub }

// end is one socket of a case.
type end struct {
	name string
	typ  sockets.Type
	peer sockets.Type
	sock *actors.Socket
}

// rig runs one case: one inbox owns both sockets, and Received events are
// sorted by socket name.
type rig struct {
	t       *testing.T
	z       *actors.Runtime
	ctx     context.Context
	in      *actors.Inbox
	ends    []*end
	pending map[string][][][]byte
	started map[string]*messages.Started
	skip    map[string]func([][]byte) bool // drops left-over probes
}

func newRig(t *testing.T, z *actors.Runtime) *rig {
	t.Helper()
	in := testutil.NewInbox(t, z.System(), 256)
	return &rig{
		t:       t,
		z:       z,
		ctx:     testutil.Ctx(t),
		in:      in,
		pending: map[string][][][]byte{},
		started: map[string]*messages.Started{},
		skip:    map[string]func([][]byte) bool{},
	}
}

// spawn starts a socket of type typ, talking to a peer of type peer, with
// the options its pattern needs.
func (r *rig) spawn(name string, typ, peer sockets.Type, spec sockets.Spec) *end {
	r.t.Helper()
	spec.Name, spec.Type = name, typ
	switch typ {
	case sockets.Sub:
		spec.Options = append(spec.Options, sockets.Subscribe([]byte{}))
	case sockets.Router:
		spec.Options = append(spec.Options, sockets.RouterMandatory(true))
		if peer == sockets.Router { // the binder is the server
			id := "client"
			if len(spec.Binds) > 0 {
				id = "server"
			}
			spec.Options = append(spec.Options, sockets.RoutingID([]byte(id)))
		}
	}
	sock, err := r.z.Spawn(r.ctx, spec, actors.WithOwner(r.in.PID()))
	if err != nil {
		r.t.Fatalf("spawn %s %v: %v", name, typ, err)
	}
	e := &end{name: name, typ: typ, peer: peer, sock: sock}
	r.ends = append(r.ends, e)
	r.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testutil.Wait)
		defer cancel()
		_, _ = sock.CloseLinger(ctx, 0) // after a failure; ErrClosed otherwise
	})
	// The peer may already deliver to the shared inbox, so Started is
	// looked for among the other events, which are kept.
	deadline := time.Now().Add(testutil.Wait)
	for r.started[name] == nil {
		if !r.pump(time.Until(deadline)) {
			r.t.Fatalf("%s: no Started within %v", name, testutil.Wait)
		}
	}
	if st := r.started[name]; sockets.Type(st.GetType()) != typ || st.GetRestarts() != 0 {
		r.t.Fatalf("Started %v, want type %v and no restarts", st, typ)
	}
	if typ == sockets.XSub { // subscribe to everything, upstream
		if _, err := sock.SendWait(r.ctx, []byte{1}); err != nil {
			r.t.Fatalf("XSUB subscribe: %v", err)
		}
	}
	return e
}

// send hands one message to a socket actor without waiting; a failure comes
// back as an Error event, which fails the case.
func (r *rig) send(e *end, frames [][]byte) {
	r.t.Helper()
	if err := e.sock.Send(frames...); err != nil {
		r.t.Fatalf("%s: send: %v", e.name, err)
	}
}

// poll returns the next message e received, or false after d.
func (r *rig) poll(e *end, d time.Duration) ([][]byte, bool) {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for len(r.pending[e.name]) == 0 {
		if !r.pump(time.Until(deadline)) {
			return nil, false
		}
	}
	q := r.pending[e.name]
	r.pending[e.name] = q[1:]
	return q[0], true
}

// pump takes one event from the inbox, or returns false after d. Received
// messages are kept per socket and Started events recorded; an Error,
// Closed, a second Started (a restart) or anything else fails the case.
func (r *rig) pump(d time.Duration) bool {
	r.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case m := <-r.in.C():
		switch m := m.(type) {
		case *messages.Received:
			r.pending[m.GetSocket()] = append(r.pending[m.GetSocket()], m.GetFrames())
		case *messages.PeerSubscription:
			// An XPUB's subscription message, as the socket received it.
			frame := append([]byte{0}, m.GetPrefix()...)
			if m.GetSubscribe() {
				frame[0] = 1
			}
			r.pending[m.GetSocket()] = append(r.pending[m.GetSocket()], [][]byte{frame})
		case *messages.Started:
			if r.started[m.GetSocket()] != nil {
				r.t.Fatalf("%s: started again (restarts %d)", m.GetSocket(), m.GetRestarts())
			}
			r.started[m.GetSocket()] = m
		case *messages.Error:
			r.t.Fatalf("%s: error event: %s (code %v, errno %d)", m.GetSocket(), m.GetMessage(), m.GetCode(), m.GetErrno())
		case *messages.Closed:
			r.t.Fatalf("%s: closed unexpectedly: %s %v", m.GetSocket(), m.GetReason(), m.GetError())
		default:
			r.t.Fatalf("unexpected %T in the owner's inbox", m)
		}
		return true
	case <-timer.C:
		return false
	}
}

// recv returns the next message e received, skipping left-over probes, and
// fails the case after testutil.Wait.
func (r *rig) recv(e *end) [][]byte {
	r.t.Helper()
	for {
		frames, ok := r.poll(e, testutil.Wait)
		if !ok {
			r.t.Fatalf("%s (%v): no message within %v", e.name, e.typ, testutil.Wait)
		}
		if probe := r.skip[e.name]; probe != nil {
			if probe(frames) {
				continue
			}
			delete(r.skip, e.name)
		}
		return frames
	}
}

// probeInterval is how long a probe waits for its delivery before the next
// is sent.
const probeInterval = 5 * time.Millisecond

// awaitProbe sends a probe from e until to receives one: the way to find
// out that a subscriber or a ROUTER peer has joined. Later probes that are
// still on their way are skipped by recv.
func (r *rig) awaitProbe(from, to *end, probe [][]byte, isProbe func([][]byte) bool) {
	r.t.Helper()
	deadline := time.Now().Add(testutil.Wait)
	for sent := 0; ; sent++ {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s (%v): no probe from %s (%v) within %v, %d sent", to.name, to.typ, from.name, from.typ, testutil.Wait, sent)
		}
		if _, err := from.sock.SendWait(r.ctx, probe...); err != nil && !errors.Is(err, sockets.ErrHostUnreachable) {
			r.t.Fatalf("%s: probe: %v", from.name, err)
		}
		frames, ok := r.poll(to, probeInterval)
		if !ok {
			continue
		}
		if !isProbe(frames) {
			r.t.Fatalf("%s: got %s before any probe", to.name, describe(frames))
		}
		r.skip[to.name] = isProbe
		return
	}
}

// stream sends msgs one way, from a PUSH to a PULL.
func (r *rig) stream(from, to *end, msgs [][][]byte) {
	for _, m := range msgs {
		r.send(from, m)
	}
	for i, m := range msgs {
		r.check(to, i, r.recv(to), m)
	}
}

// bothWays sends msgs from a to b and from b to a at once.
func (r *rig) bothWays(a, b *end, msgs [][][]byte) {
	for _, m := range msgs {
		r.send(a, m)
		r.send(b, m)
	}
	for i, m := range msgs {
		r.check(b, i, r.recv(b), m)
		r.check(a, i, r.recv(a), m)
	}
}

// pubSub waits until the subscriber has joined, then publishes msgs.
func (r *rig) pubSub(pub, sub *end, msgs [][][]byte) {
	if pub.typ == sockets.XPub {
		// The subscription reaching the XPUB is the signal that the
		// subscriber's pipe is attached: what follows reaches it.
		r.check(pub, -1, r.recv(pub), [][]byte{{1}})
	} else {
		probe := [][]byte{[]byte("probe")}
		r.awaitProbe(pub, sub, probe, func(f [][]byte) bool { return equal(f, probe) })
	}
	for _, m := range msgs {
		r.send(pub, m)
	}
	for i, m := range msgs {
		r.check(sub, i, r.recv(sub), m)
	}
}

// reqRep sends each message as a request from client to server, which
// answers with the body and a "reply" frame. A REQ client alternates; other
// clients pipeline.
func (r *rig) reqRep(client, server *end, msgs [][][]byte) {
	if client.typ == sockets.Router {
		probe := [][]byte{[]byte("server"), []byte("probe")}
		r.awaitProbe(client, server, probe, func(f [][]byte) bool {
			return equal(f, [][]byte{[]byte("client"), []byte("probe")})
		})
	}
	serve := func(i int, want [][]byte) {
		r.t.Helper()
		env, body := r.unwrapRequest(server, client, r.recv(server))
		r.check(server, i, body, want)
		r.send(server, append(env, reply(body)...))
	}
	answer := func(i int, want [][]byte) {
		r.t.Helper()
		r.check(client, i, r.unwrapReply(client, server, r.recv(client)), reply(want))
	}
	if client.typ == sockets.Req {
		for i, m := range msgs {
			r.send(client, m)
			serve(i, m)
			answer(i, m)
		}
		return
	}
	for _, m := range msgs {
		r.send(client, r.wrapRequest(client, server, m))
	}
	for i, m := range msgs {
		serve(i, m)
	}
	for i, m := range msgs {
		answer(i, m)
	}
}

func reply(body [][]byte) [][]byte {
	return append(append([][]byte(nil), body...), []byte("reply"))
}

// wrapRequest adds what the client must add itself: the delimiter a REP
// expects from a DEALER, the server's routing id for a ROUTER.
func (r *rig) wrapRequest(client, server *end, body [][]byte) [][]byte {
	switch {
	case client.typ == sockets.Dealer && server.typ == sockets.Rep:
		return append([][]byte{{}}, body...)
	case client.typ == sockets.Router:
		return append([][]byte{[]byte("server")}, body...)
	}
	return body
}

// unwrapReply checks and removes what the client receives before the body.
func (r *rig) unwrapReply(client, server *end, frames [][]byte) [][]byte {
	r.t.Helper()
	switch {
	case client.typ == sockets.Dealer && server.typ == sockets.Rep:
		if len(frames) == 0 || len(frames[0]) != 0 {
			r.t.Fatalf("%s: reply %s lacks the empty delimiter", client.name, describe(frames))
		}
		return frames[1:]
	case client.typ == sockets.Router:
		if len(frames) == 0 || string(frames[0]) != "server" {
			r.t.Fatalf("%s: reply %s does not come from routing id \"server\"", client.name, describe(frames))
		}
		return frames[1:]
	}
	return frames
}

// unwrapRequest splits what the server received into the envelope to reply
// through and the body.
func (r *rig) unwrapRequest(server, client *end, frames [][]byte) (env, body [][]byte) {
	r.t.Helper()
	if server.typ == sockets.Rep {
		return nil, frames // REP keeps the envelope itself
	}
	if len(frames) == 0 || len(frames[0]) == 0 {
		r.t.Fatalf("%s: request %s has no routing id", server.name, describe(frames))
	}
	if client.typ == sockets.Router && string(frames[0]) != "client" {
		r.t.Fatalf("%s: request %s does not come from routing id \"client\"", server.name, describe(frames))
	}
	n := 1
	if client.typ == sockets.Req {
		if len(frames) < 2 || len(frames[1]) != 0 {
			r.t.Fatalf("%s: request %s from a REQ lacks the empty delimiter", server.name, describe(frames))
		}
		n = 2
	}
	return append([][]byte(nil), frames[:n]...), frames[n:]
}

// check compares message i as received by e with the one sent.
func (r *rig) check(e *end, i int, got, want [][]byte) {
	r.t.Helper()
	if !equal(got, want) {
		r.t.Fatalf("%s (%v from %v), message %d: got %s, want %s", e.name, e.typ, e.peer, i, describe(got), describe(want))
	}
}

// closeAll closes every socket with linger 0 and expects Closed for each,
// with nothing unsent and no error.
func (r *rig) closeAll() {
	r.t.Helper()
	for name, q := range r.pending {
		if len(q) > 0 {
			r.t.Fatalf("%s: %d messages more than sent, first %s", name, len(q), describe(q[0]))
		}
	}
	for _, e := range r.ends {
		unsent, err := e.sock.CloseLinger(r.ctx, 0)
		if err != nil || unsent != 0 {
			r.t.Fatalf("%s: close: %d unsent, %v", e.name, unsent, err)
		}
	}
	for left := len(r.ends); left > 0; {
		select {
		case m := <-r.in.C():
			switch m := m.(type) {
			case *messages.Closed:
				if m.GetUnsent() != 0 || m.GetError() != nil {
					r.t.Fatalf("%s: Closed with %d unsent, error %v", m.GetSocket(), m.GetUnsent(), m.GetError())
				}
				left--
			case *messages.Error:
				r.t.Fatalf("%s: error event: %s", m.GetSocket(), m.GetMessage())
			case *messages.Received:
				// An XPUB hears "\x00" when its subscriber left first.
				if !equal(m.GetFrames(), [][]byte{{0}}) {
					r.t.Fatalf("%s: unexpected %s", m.GetSocket(), describe(m.GetFrames()))
				}
			}
		case <-time.After(testutil.Wait):
			r.t.Fatalf("%d Closed events missing after %v", left, testutil.Wait)
		}
	}
}

// equal reports whether two messages have the same frames.
func equal(a, b [][]byte) bool { return slices.EqualFunc(a, b, bytes.Equal) }

// describe shows a message briefly: frame sizes and short prefixes.
func describe(frames [][]byte) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		if len(f) > 24 {
			parts[i] = fmt.Sprintf("%q...(%d bytes)", f[:16], len(f))
		} else {
			parts[i] = fmt.Sprintf("%q", f)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
