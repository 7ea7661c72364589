package actors

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// RequestOption adjusts one request.
type RequestOption func(*messages.Request)

// WithTimeout sets how long the client waits for the reply to each attempt,
// instead of its default (WithRequestTimeout, else DefaultRequestTimeout).
func WithTimeout(d time.Duration) RequestOption {
	return func(r *messages.Request) { r.Timeout = durationpb.New(d) }
}

// WithRetries sets how many times the request is sent again after a timeout
// before it fails with ErrRequestTimeout (the zguide's Lazy Pirate).
func WithRetries(n uint32) RequestOption {
	return func(r *messages.Request) { r.Retries = n }
}

// WithoutTimeout makes the client wait for the reply without a deadline:
// until it comes, the request is cancelled, or the socket actor stops.
// Socket.Request then waits until its ctx ends, and cancels the request
// when it does. It excludes WithTimeout and WithRetries.
func WithoutTimeout() RequestOption {
	return func(r *messages.Request) { r.NoTimeout = true }
}

// WithTag gives the request the asker's own name for it (at most 256
// bytes): the client echoes it in the Reply, and CancelRequest can name it.
func WithTag(tag string) RequestOption {
	return func(r *messages.Request) { r.Tag = tag }
}

// NewRequest returns the Request command for a typed request: the body is
// m as [full type name, payload], and the asker receives a
// messages.TypedReply (the reply with the request's tag and attempts; Unpack
// decodes it). For actors that send the command with ctx.Request or
// RequestFuture.
func NewRequest(m proto.Message, opts ...RequestOption) (*messages.Request, error) {
	body, err := EncodeBody(m)
	if err != nil {
		return nil, err
	}
	r := &messages.Request{Frames: body, Typed: true}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// Request sends a request through a DEALER or REQ client socket actor and
// waits for its reply. It fails with ErrRequestTimeout when no reply came
// for any attempt, with ctx's error when ctx ends first (the request is
// then cancelled in the socket actor: its reply, if it comes, is counted as
// late), and with the socket's error (ErrClosed, ErrQueueFull, ...)
// otherwise. The frames are not copied: do not modify them until Request
// returns.
func (s *Socket) Request(ctx context.Context, frames [][]byte, opts ...RequestOption) (*messages.Reply, error) {
	r := &messages.Request{Frames: frames}
	for _, o := range opts {
		o(r)
	}
	res, err := s.request(ctx, r)
	if err != nil {
		return nil, err
	}
	reply, ok := res.(*messages.Reply)
	if !ok {
		return nil, fmt.Errorf("%w to request: %T", ErrUnexpectedReply, res)
	}
	return reply, nil
}

// RequestProto sends m as a typed request and returns the decoded reply,
// of whatever type it is. A reply that does not decode fails with an error
// wrapping sockets.ErrBadMessage. Ask returns the reply as the type the
// caller expects.
func (s *Socket) RequestProto(ctx context.Context, m proto.Message, opts ...RequestOption) (proto.Message, error) {
	reply, err := s.typedRequest(ctx, m, opts)
	if err != nil {
		return nil, err
	}
	return UnpackAny(reply.GetBody())
}

// Ask sends m as a typed request through the client socket actor s and
// returns the reply as a T: RequestProto for a caller that knows the
// reply's type. A reply of another type fails with an error wrapping
// sockets.ErrBadMessage.
//
//	price, err := actors.Ask[*shop.Price](ctx, client, &shop.Quote{Item: "tea"}, actors.WithRetries(2))
func Ask[T proto.Message](ctx context.Context, s *Socket, m proto.Message, opts ...RequestOption) (T, error) {
	reply, err := s.typedRequest(ctx, m, opts)
	if err != nil {
		var zero T
		return zero, err
	}
	return Unpack[T](reply.GetBody())
}

func (s *Socket) typedRequest(ctx context.Context, m proto.Message, opts []RequestOption) (*messages.TypedReply, error) {
	r, err := NewRequest(m, opts...)
	if err != nil {
		return nil, err
	}
	res, err := s.request(ctx, r)
	if err != nil {
		return nil, err
	}
	reply, ok := res.(*messages.TypedReply)
	if !ok {
		return nil, fmt.Errorf("%w to a typed request: %T", ErrUnexpectedReply, res)
	}
	return reply, nil
}

// RequestStats returns the request/reply counters of a client or server
// socket actor.
func (s *Socket) RequestStats(ctx context.Context) (*messages.RequestStats, error) {
	return ask[*messages.RequestStats](ctx, s, sockets.OpStats, &messages.GetRequestStats{})
}

// request asks the socket actor and waits as long as the request may take,
// or until ctx ends.
func (s *Socket) request(ctx context.Context, r *messages.Request) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.stopped() {
		return nil, &sockets.Error{Op: sockets.OpRequest, Socket: s.Name(), Err: ErrClosed}
	}
	timeout := r.GetTimeout().AsDuration()
	if timeout <= 0 {
		timeout = s.requestTimeout
	}
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	// The socket actor answers every request by itself: with the reply, or
	// ErrRequestTimeout after the last attempt. The wait's own bound is only
	// a safety net, or ctx's deadline; a request without a timeout waits
	// for ctx alone.
	wait := timeout*time.Duration(r.GetRetries()+1) + time.Second
	if r.GetNoTimeout() {
		wait = 0
	}
	// The client role answers a Request once and then forgets its asker:
	// the call may be used again (calls.ask).
	return askActorOr[any](ctx, s.rt, s.pid, s.Name(), sockets.OpRequest, r, wait, s.cancel, true)
}

// cancel tells the socket actor that the call of asker gave up: its
// request is freed at once instead of waiting for its timeout.
func (s *Socket) cancel(asker *actor.PID) {
	s.rt.system.Root.Send(s.pid, &messages.CancelRequest{Asker: Ref(asker), AskerRequestId: asker.RequestId})
}

// CancelRequests frees the requests that asker sent through this client
// socket actor, those with tag only when tag is not empty, and returns how
// many there were. The asker gets no answer to them; a reply that comes
// later is counted as late (RequestStats.late_replies). Socket.Request
// cancels its own request when its ctx ends.
func (s *Socket) CancelRequests(ctx context.Context, asker *actor.PID, tag string) (int, error) {
	if asker == nil {
		return 0, &sockets.Error{Op: sockets.OpRequest, Socket: s.Name(), Err: fmt.Errorf("%w: no asker", sockets.ErrBadMessage)}
	}
	c, err := ask[*messages.RequestsCancelled](ctx, s, sockets.OpRequest, &messages.CancelRequest{Asker: Ref(asker), AskerRequestId: asker.RequestId, Tag: tag})
	return int(c.GetCancelled()), err
}
