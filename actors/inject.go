package actors

import (
	"context"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// InjectFault makes the socket actor fail on purpose, for tests and demos
// of supervision: it fails with an *InjectedFault carrying reason, as it
// would with a fatal ZeroMQ error, and its supervisor decides (restart,
// with its backoff, or stop). The socket actor must have been spawned
// WithFaultInjection; otherwise the fault is refused with an error wrapping
// ErrUnsupported and the socket goes on as before.
//
// InjectFault returns nil once the failure has been handled: the socket
// actor was restarted and its socket opened again on the same endpoints
// (its owner has been sent Restarting and Started), or its supervisor
// stopped it (Done is closed). Commands sent before InjectFault were
// carried out by the failed instance; those sent after it returns go to
// the new socket. The wait includes the supervisor's backoff; it is bounded
// by ctx, or by WithCommandTimeout when ctx has no deadline. Like the other
// methods it is safe for concurrent use, and messages.InjectFault sent by
// any actor does the same without the wait.
func (s *Socket) InjectFault(ctx context.Context, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.stopped() {
		return &sockets.Error{Op: sockets.OpCommand, Socket: s.Name(), Err: ErrClosed}
	}
	// The fault is sent with a sender of its own, which only a refusal
	// answers: a socket actor that fails on it answers nothing. GetStats,
	// sent right behind it, is answered by the next instance after the
	// restart, or by this one after a refusal, whose answer has then
	// already arrived: the actor sends it before it takes GetStats.
	c, system := s.rt.calls, s.rt.system
	id := c.nextID()
	refusal := &call{answer: make(chan any, 1)}
	c.register(id, refusal)
	defer c.forget(id)
	system.Root.RequestWithCustomSender(s.pid, &messages.InjectFault{Reason: reason},
		&actor.PID{Address: system.Address(), Id: c.id, RequestId: id})

	// A socket actor its supervisor stops never answers GetStats.
	wait, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.Done():
			cancel()
		case <-wait.Done():
		}
	}()
	_, err := ask[*messages.Stats](wait, s, sockets.OpCommand, &messages.GetStats{})
	select {
	case m := <-refusal.answer:
		if e, ok := m.(*messages.Error); ok {
			return sockets.ErrorFromProto(e)
		}
	default:
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if s.stopped() {
		return nil
	}
	return err
}
