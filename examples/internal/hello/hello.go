// Package hello is the zguide's hello world responder as an actor, shared
// by the programs that serve it (hwserver, rrworker).
package hello

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
)

// Props returns the props of a handler that prints each request as
// "Received request: [Hello]" and answers it with "World" after work. It
// never blocks: the answer goes to the request's sender later, from a
// timer, so one handler serves many requests at once.
func Props(work time.Duration) *actor.Props {
	return actor.PropsFromFunc(func(ctx actor.Context) {
		m, ok := ctx.Message().(*messages.Request)
		if !ok {
			return
		}
		fmt.Printf("Received request: [%s]\n", m.Frames[0])
		reply := &messages.Reply{Frames: [][]byte{[]byte("World")}}
		if work <= 0 {
			ctx.Respond(reply)
			return
		}
		// The sender stands for this one request: the reply may go to it
		// later, from any goroutine.
		to, root := ctx.Sender(), ctx.ActorSystem().Root
		time.AfterFunc(work, func() { root.Send(to, reply) })
	})
}
