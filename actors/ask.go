package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// askActor sends cmd to the actor pid, named name in errors, and waits for
// its answer of type T: at most wait, or until ctx's deadline when it has
// one. This is the one mapping of a wait's outcome to errors for every
// method that asks a socket actor: a messages.Error answer is returned as
// the error it carries (the same sentinels match), ctx's end as ctx's
// error, a stopped actor as ErrClosed, and no answer as ErrCommandTimeout
// (context.DeadlineExceeded when the wait was ctx's). An answer of another
// type is ErrUnexpectedReply.
func askActor[T any](ctx context.Context, rt *Runtime, pid *actor.PID, name string, op sockets.Op, cmd any, wait time.Duration) (T, error) {
	return askActorOr[T](ctx, rt, pid, name, op, cmd, wait, nil, false)
}

// askActorOr is askActor that calls abandon with the asker's PID when it
// gives up waiting (ctx ended, or the wait passed), and waits without a
// bound when wait is zero and ctx has no deadline. once: the actor answers
// cmd once and forgets its sender (calls.ask).
func askActorOr[T any](ctx context.Context, rt *Runtime, pid *actor.PID, name string, op sockets.Op, cmd any, wait time.Duration,
	abandon func(asker *actor.PID), once bool) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	ctxDeadline := false
	if dl, ok := ctx.Deadline(); ok {
		wait, ctxDeadline = time.Until(dl), true
		if wait <= 0 {
			return zero, context.DeadlineExceeded
		}
	}
	res, err := rt.calls.ask(ctx, rt.system, pid, cmd, wait, abandon, once)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return zero, ctx.Err()
	case errors.Is(err, actor.ErrDeadLetter):
		return zero, &sockets.Error{Op: op, Socket: name, Err: ErrClosed}
	case errors.Is(err, actor.ErrTimeout) && ctxDeadline:
		return zero, context.DeadlineExceeded
	case errors.Is(err, actor.ErrTimeout):
		return zero, &sockets.Error{Op: op, Socket: name, Err: ErrCommandTimeout}
	default:
		return zero, err
	}
	if e, ok := res.(*messages.Error); ok {
		return zero, sockets.ErrorFromProto(e)
	}
	answer, ok := res.(T)
	if !ok {
		return zero, fmt.Errorf("%w to %s: %T", ErrUnexpectedReply, op, res)
	}
	return answer, nil
}
