package testutil

import (
	"errors"

	"github.com/asynkron/protoactor-go/actor"
)

// FailOn returns a receiver middleware that makes the actor fail with
// reason, as protoactor expects a failure (a panic inside Receive), when
// it receives a message that match accepts; other messages go on to the
// actor. Spawn a socket actor with it through
// actors.WithProps(actor.WithReceiverMiddleware(...)).
func FailOn(match func(msg any) bool, reason error) actor.ReceiverMiddleware {
	return func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
			if match(env.Message) {
				panic(reason)
			}
			next(ctx, env)
		}
	}
}

// Boom is a message that makes an actor with FailOnBoom fail.
type Boom struct{}

// ErrBoom is the failure FailOnBoom injects.
var ErrBoom = errors.New("boom")

// FailOnBoom makes the actor fail with ErrBoom when it receives Boom.
var FailOnBoom = FailOn(func(msg any) bool { _, ok := msg.(Boom); return ok }, ErrBoom)
