package actors

import (
	"context"
	"fmt"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Inbox is an actor that hands every message it receives to a Go channel:
// the owner of sockets for code that is not an actor, such as main
// functions and tests. Messages are never dropped: when the channel is full
// the inbox actor waits, and later messages wait in its mailbox.
type Inbox struct {
	system *actor.ActorSystem
	pid    *actor.PID
	c      chan any
	stop   chan struct{}
	once   sync.Once
}

// NewInbox spawns an inbox on system whose channel holds size messages.
func NewInbox(system *actor.ActorSystem, size int) *Inbox {
	in := &Inbox{system: system, c: make(chan any, size), stop: make(chan struct{})}
	in.pid = system.Root.SpawnPrefix(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case actor.SystemMessage, actor.AutoReceiveMessage:
		default:
			select {
			case in.c <- m:
			case <-in.stop:
			}
		}
	}), "inbox")
	return in
}

// PID returns the inbox actor's process id, to pass to WithOwner.
func (in *Inbox) PID() *actor.PID { return in.pid }

// C returns the channel of received messages.
func (in *Inbox) C() <-chan any { return in.c }

// Close stops the inbox actor and waits for it. Messages still in the
// channel can be read after Close.
func (in *Inbox) Close() {
	in.once.Do(func() {
		close(in.stop)
		_ = in.system.Root.StopFuture(in.pid).Wait()
	})
}

// Receive waits for the next message of type T in the inbox, for code that
// waits for one kind of message: the next *messages.Received, say, or a
// *messages.TypedReply. Messages of other types are consumed and dropped
// on the way, except that a *messages.Error is returned as the error it
// carries (errors.Is works on its sentinels) and a *messages.Closed as
// ErrClosed, wrapping its error; use C to see every message. It fails with
// ctx's error when ctx ends first, and with ErrClosed when the inbox is
// closed and its channel drained.
//
//	r, err := actors.Receive[*messages.Received](ctx, inbox)
func Receive[T any](ctx context.Context, in *Inbox) (T, error) {
	var zero T
	for {
		var m any
		select {
		case m = <-in.c:
		case <-in.stop:
			select {
			case m = <-in.c:
			default:
				return zero, fmt.Errorf("%w: the inbox is closed", ErrClosed)
			}
		case <-ctx.Done():
			return zero, ctx.Err()
		}
		switch v := m.(type) {
		case T:
			return v, nil
		case *messages.Error:
			return zero, sockets.ErrorFromProto(v)
		case *messages.Closed:
			if e := v.GetError(); e != nil {
				return zero, fmt.Errorf("%w: %s: %w", ErrClosed, v.GetReason(), sockets.ErrorFromProto(e))
			}
			return zero, fmt.Errorf("%w: %s", ErrClosed, v.GetReason())
		}
	}
}
