package hostile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pebbe/zmq4"
)

// pollSlice is the longest a peer waits in ZeroMQ before it looks at its
// ctx again.
const pollSlice = 100 * time.Millisecond

// Peer is a well-formed peer: one pebbe/zmq4 socket on a ZeroMQ context
// of its own. Its methods are for one goroutine at a time.
type Peer struct {
	zctx *zmq4.Context
	s    *zmq4.Socket
}

// Dial makes a socket of typ, applies setup (when not nil) and connects
// it to endpoint.
func Dial(endpoint string, typ zmq4.Type, setup func(*zmq4.Socket) error) (*Peer, error) {
	return newPeer(typ, setup, func(s *zmq4.Socket) error { return s.Connect(endpoint) })
}

// DialReady is Dial that returns once the handshake with the server is
// done, so that what the peer says (a SUB's subscriptions) is on its way,
// or fails with the handshake's failure or ctx's error.
func DialReady(ctx context.Context, endpoint string, typ zmq4.Type, setup func(*zmq4.Socket) error) (*Peer, error) {
	const monitor = "inproc://hostile-dial"
	p, err := newPeer(typ, setup, func(s *zmq4.Socket) error { return s.Monitor(monitor, handshakeEvents) })
	if err != nil {
		return nil, err
	}
	events, err := p.zctx.NewSocket(zmq4.PAIR)
	if err == nil {
		err = events.Connect(monitor)
		if err == nil {
			err = p.s.Connect(endpoint)
		}
		var event zmq4.Event
		if err == nil {
			event, err = nextEvent(ctx, events, time.Until(deadline(ctx)))
		}
		if err == nil && event != zmq4.EVENT_HANDSHAKE_SUCCEEDED {
			err = fmt.Errorf("handshake: %v", event)
		}
		_ = p.s.Monitor("", 0)
		_ = events.SetLinger(0)
		err = errors.Join(err, events.Close())
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("hostile: %v peer of %s: %w", typ, endpoint, err), p.Close())
	}
	return p, nil
}

// deadline is ctx's deadline, or a minute from now if it has none.
func deadline(ctx context.Context) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return dl
	}
	return time.Now().Add(time.Minute)
}

// Listen makes a socket of typ, applies setup (when not nil) and binds it
// to endpoint.
func Listen(endpoint string, typ zmq4.Type, setup func(*zmq4.Socket) error) (*Peer, error) {
	return newPeer(typ, setup, func(s *zmq4.Socket) error { return s.Bind(endpoint) })
}

func newPeer(typ zmq4.Type, setup, attach func(*zmq4.Socket) error) (*Peer, error) {
	zctx, err := zmq4.NewContext()
	if err != nil {
		return nil, fmt.Errorf("hostile: %w", err)
	}
	p := &Peer{zctx: zctx}
	if p.s, err = zctx.NewSocket(typ); err != nil {
		_ = zctx.Term()
		return nil, fmt.Errorf("hostile: %v socket: %w", typ, err)
	}
	if setup != nil {
		err = setup(p.s)
	}
	if err == nil {
		err = attach(p.s)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("hostile: %v peer: %w", typ, err), p.Close())
	}
	return p, nil
}

// Subscribe is a setup for Dial that subscribes a SUB socket to prefix.
func Subscribe(prefix string) func(*zmq4.Socket) error {
	return func(s *zmq4.Socket) error { return s.SetSubscribe(prefix) }
}

// Curve is a setup that makes a socket a CURVE client of the server
// whose public key is server, with the key pair public and secret (all
// three in Z85).
func Curve(server, public, secret string) func(*zmq4.Socket) error {
	return func(s *zmq4.Socket) error {
		return errors.Join(s.SetCurveServerkey(server), s.SetCurvePublickey(public), s.SetCurveSecretkey(secret))
	}
}

// Socket is the peer's socket, for what the other methods do not do.
func (p *Peer) Socket() *zmq4.Socket { return p.s }

// wait waits until the socket is ready for events, or ctx ends.
func (p *Peer) wait(ctx context.Context, events zmq4.State) error {
	poller := zmq4.NewPoller()
	poller.Add(p.s, events)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		wait := pollSlice
		if dl, ok := ctx.Deadline(); ok {
			wait = max(min(wait, time.Until(dl)), time.Millisecond)
		}
		ready, err := poller.Poll(wait)
		if err != nil {
			return err
		}
		if len(ready) > 0 {
			return nil
		}
	}
}

// Send sends one multipart message once ZeroMQ takes it, or fails with
// ctx's error.
func (p *Peer) Send(ctx context.Context, frames ...[]byte) error {
	for {
		if send(p.s, frames) {
			return nil
		}
		if err := p.wait(ctx, zmq4.POLLOUT); err != nil {
			return err
		}
	}
}

// TrySend sends one multipart message if ZeroMQ takes it at once, and
// reports whether it did.
func (p *Peer) TrySend(frames ...[]byte) bool { return send(p.s, frames) }

// Recv returns the next message, or fails with ctx's error.
func (p *Peer) Recv(ctx context.Context) ([][]byte, error) {
	if err := p.wait(ctx, zmq4.POLLIN); err != nil {
		return nil, err
	}
	return p.s.RecvMessageBytes(0)
}

// Close closes the socket with linger 0 and terminates its context.
func (p *Peer) Close() error {
	_ = p.s.SetLinger(0)
	return errors.Join(p.s.Close(), p.zctx.Term())
}

// Ask sends one request from a new REQ socket (with setup applied, when
// not nil) connected to endpoint, and returns the reply and the time from
// the send to the reply.
func Ask(ctx context.Context, endpoint string, setup func(*zmq4.Socket) error, frames ...[]byte) (reply [][]byte, took time.Duration, err error) {
	p, err := Dial(endpoint, zmq4.REQ, setup)
	if err != nil {
		return nil, 0, err
	}
	defer func() { err = errors.Join(err, p.Close()) }()
	start := time.Now()
	if err := p.Send(ctx, frames...); err != nil {
		return nil, 0, fmt.Errorf("hostile: request to %s: %w", endpoint, err)
	}
	reply, err = p.Recv(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("hostile: no reply from %s: %w", endpoint, err)
	}
	return reply, time.Since(start), nil
}
