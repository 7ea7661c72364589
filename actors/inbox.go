package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
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
