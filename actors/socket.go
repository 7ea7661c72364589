package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Socket is a handle on a socket actor, returned by Runtime.Spawn. Its
// methods send the protobuf commands of messages to the actor: the typed
// ones (Bind, Connect, ...) wait for the answer through protoactor's
// RequestFuture, Send does not wait. Any actor may instead send the
// commands to PID() itself. A Socket is safe for concurrent use; the
// commands are carried out in the order the actor receives them.
type Socket struct {
	rt             *Runtime
	pid            *actor.PID
	started        *messages.Started
	requestTimeout time.Duration // a client's default

	done <-chan struct{} // of a socket actor on another node, else nil
}

// PID returns the socket actor's process id.
func (s *Socket) PID() *actor.PID { return s.pid }

// Name returns the socket's name.
func (s *Socket) Name() string { return s.started.GetSocket() }

// Type returns the socket's type.
func (s *Socket) Type() sockets.Type { return sockets.Type(s.started.GetType()) }

// Bound returns the resolved endpoints the spec bound at start, such as
// "tcp://127.0.0.1:40411" for "tcp://127.0.0.1:*".
func (s *Socket) Bound() []string { return append([]string(nil), s.started.GetBound()...) }

// Endpoint returns the first resolved endpoint the spec bound, or "".
func (s *Socket) Endpoint() string {
	if b := s.started.GetBound(); len(b) > 0 {
		return b[0]
	}
	return ""
}

// Done is closed once the socket actor has stopped and its socket is closed.
// For a socket actor on another node it is closed once protoactor remote
// reports it stopped, or its node lost.
func (s *Socket) Done() <-chan struct{} {
	if s.done != nil {
		return s.done
	}
	return s.rt.done(s.pid.Id)
}

func (s *Socket) stopped() bool {
	select {
	case <-s.Done():
		return true
	default:
		return false
	}
}

// Send sends one multipart message without waiting: the frames go to the
// socket actor as a messages.Send command. It fails with ErrClosed once the
// socket is closed, and with a clear error for no frames; any later failure
// (send queue full, ...) reaches the owner as a messages.Error event. The
// frames are not copied: do not modify them after Send.
func (s *Socket) Send(frames ...[]byte) error {
	if len(frames) == 0 {
		return &sockets.Error{Op: sockets.OpSend, Socket: s.Name(), Err: fmt.Errorf("%w: a message has at least one frame", sockets.ErrBadMessage)}
	}
	if !s.Type().CanSend() {
		return &sockets.Error{Op: sockets.OpSend, Socket: s.Name(), Err: fmt.Errorf("%w: a %v socket does not send", ErrUnsupported, s.Type())}
	}
	if s.stopped() {
		return &sockets.Error{Op: sockets.OpSend, Socket: s.Name(), Err: ErrClosed}
	}
	s.rt.system.Root.Send(s.pid, &messages.Send{Frames: frames})
	return nil
}

// SendWait sends one multipart message and waits until ZeroMQ took it or it
// waits in the send queue (queued true). It returns the send's error, such as
// ErrQueueFull, ErrTooLarge or ErrUnsupported.
func (s *Socket) SendWait(ctx context.Context, frames ...[]byte) (queued bool, err error) {
	sent, err := ask[*messages.Sent](ctx, s, sockets.OpSend, &messages.Send{Frames: frames})
	return sent.GetQueued(), err
}

// SendBatch sends several multipart messages, in order, without waiting:
// one messages.SendBatch command for all of them, where Send takes one
// command each. Like Send it fails at once only with ErrClosed or for a
// message with no frames; later failures reach the owner as Error events.
// The frames are not copied: do not modify them after SendBatch.
func (s *Socket) SendBatch(msgs ...[][]byte) error {
	if len(msgs) == 0 {
		return &sockets.Error{Op: sockets.OpSend, Socket: s.Name(), Err: fmt.Errorf("%w: no messages", sockets.ErrBadMessage)}
	}
	for i, frames := range msgs {
		if len(frames) == 0 {
			return &sockets.Error{Op: sockets.OpSend, Socket: s.Name(), Err: fmt.Errorf("%w: message %d has no frames", sockets.ErrBadMessage, i)}
		}
	}
	if s.stopped() {
		return &sockets.Error{Op: sockets.OpSend, Socket: s.Name(), Err: ErrClosed}
	}
	s.rt.system.Root.Send(s.pid, &messages.SendBatch{Messages: framesOf(msgs)})
	return nil
}

// Bind binds endpoint and returns it resolved.
func (s *Socket) Bind(ctx context.Context, endpoint string) (string, error) {
	b, err := ask[*messages.Bound](ctx, s, sockets.OpBind, &messages.Bind{Endpoint: endpoint})
	return b.GetResolvedEndpoint(), err
}

// Connect connects to endpoint; ZeroMQ connects in the background.
func (s *Socket) Connect(ctx context.Context, endpoint string) error {
	_, err := ask[*messages.Connected](ctx, s, sockets.OpConnect, &messages.Connect{Endpoint: endpoint})
	return err
}

// Unbind stops listening on a resolved endpoint.
func (s *Socket) Unbind(ctx context.Context, endpoint string) error {
	_, err := ask[*messages.Unbound](ctx, s, sockets.OpUnbind, &messages.Unbind{Endpoint: endpoint})
	return err
}

// Disconnect drops the connection to endpoint.
func (s *Socket) Disconnect(ctx context.Context, endpoint string) error {
	_, err := ask[*messages.Disconnected](ctx, s, sockets.OpDisconnect, &messages.Disconnect{Endpoint: endpoint})
	return err
}

// SetOption applies one option, such as sockets.Subscribe(prefix), and keeps
// it for restarts.
func (s *Socket) SetOption(ctx context.Context, o sockets.Option) error {
	_, err := ask[*messages.OptionSet](ctx, s, sockets.OpSetOption, &messages.SetOption{Option: o})
	return err
}

// GetOption returns the option named name (its ZeroMQ name, such as
// "ZMQ_SNDHWM"; sockets.OptionNames lists them) with the value ZeroMQ
// reports for the socket now, restarts included: an option set in the spec
// or by SetOption is applied again to a restarted socket. A name that is no
// option fails with ErrBadOption; an option ZeroMQ does not report
// (write-only, such as ZMQ_ROUTER_HANDOVER, or a secret key) with
// ErrUnsupported.
func (s *Socket) GetOption(ctx context.Context, name string) (sockets.Option, error) {
	v, err := ask[*messages.OptionValue](ctx, s, sockets.OpGetOption, &messages.GetOption{Name: name})
	return v.GetOption(), err
}

// Stats returns the socket's counters.
func (s *Socket) Stats(ctx context.Context) (*messages.Stats, error) {
	return ask[*messages.Stats](ctx, s, sockets.OpStats, &messages.GetStats{})
}

// Flush waits until the socket's send queue is empty, that is until ZeroMQ
// took every message sent before, or ctx ends. It asks for Stats every
// interval. Use it before Close when messages may wait for a peer.
func (s *Socket) Flush(ctx context.Context, interval time.Duration) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		st, err := s.Stats(ctx)
		if err != nil {
			return err
		}
		if st.GetSendQueueLength() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("zmqactor: flush %s: %d messages still queued: %w", s.Name(), st.GetSendQueueLength(), ctx.Err())
		case <-tick.C:
		}
	}
}

// Close closes the socket after the commands sent before, waits until the
// actor has stopped, and returns how many queued messages were left unsent.
// Closing a closed socket returns ErrClosed. ZeroMQ releases a bound tcp
// port in its I/O thread shortly after: binding the same port again at once
// may fail with ErrAddressInUse (a restarted socket actor retries).
func (s *Socket) Close(ctx context.Context) (unsent int, err error) {
	return s.close(ctx, nil)
}

// CloseLinger is Close with a linger for this close: how long ZeroMQ keeps
// trying to deliver messages already handed to it.
func (s *Socket) CloseLinger(ctx context.Context, linger time.Duration) (unsent int, err error) {
	return s.close(ctx, durationpb.New(linger))
}

func (s *Socket) close(ctx context.Context, linger *durationpb.Duration) (int, error) {
	closed, err := ask[*messages.Closed](ctx, s, sockets.OpClose, &messages.Close{Linger: linger})
	if err != nil {
		return 0, err
	}
	select {
	case <-s.Done():
	case <-ctx.Done():
		return int(closed.GetUnsent()), ctx.Err()
	}
	return int(closed.GetUnsent()), sockets.ErrorFromProto(closed.GetError())
}

// ask sends cmd to the socket actor with RequestFuture and returns its
// answer of type T; an Error answer becomes the returned error.
func ask[T any](ctx context.Context, s *Socket, op sockets.Op, cmd any) (T, error) {
	if s.stopped() {
		var zero T
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		return zero, &sockets.Error{Op: op, Socket: s.Name(), Err: ErrClosed}
	}
	return askActor[T](ctx, s.rt, s.pid, s.Name(), op, cmd, s.rt.commandTimeout)
}

// SocketOf returns a handle on a socket actor spawned as a child (with
// Props), from the Started event it sent: for supervisors and service
// trees that spawn socket actors themselves and want the Go methods. pid
// may be on another node (the Started event came through protoactor
// remote): the handle then watches it for Done.
func (c *Runtime) SocketOf(pid *actor.PID, started *messages.Started) *Socket {
	return &Socket{rt: c, pid: pid, started: started, requestTimeout: DefaultRequestTimeout, done: c.remoteDone(pid)}
}
