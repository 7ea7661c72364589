package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// localAddress is the address of an actor system without remote
// (protoactor's own, unexported): its PIDs carry it, also once a remote
// has started.
const localAddress = "nonhost"

// isRemote reports whether pid names an actor of another node.
func (c *Runtime) isRemote(pid *actor.PID) bool {
	return pid.GetAddress() != localAddress && pid.GetAddress() != c.system.Address()
}

// remoteDone returns, for a socket actor on another node, a channel closed
// once it has stopped or its node is lost (protoactor remote reports both
// as Terminated to a watcher); nil for a local one, whose end the Runtime's
// registry tells. The watcher is a process, not an actor: it costs a
// registry entry, no goroutine, and it removes itself when the socket
// actor ends. A node that cannot be reached counts as lost.
func (c *Runtime) remoteDone(pid *actor.PID) <-chan struct{} {
	if !c.isRemote(pid) {
		return nil
	}
	registry := c.system.ProcessRegistry
	w := &remoteWatch{registry: registry, done: make(chan struct{})}
	w.self, _ = registry.Add(w, "zmq-watch"+registry.NextId())
	target, _ := registry.Get(pid)
	target.SendSystemMessage(pid, &actor.Watch{Watcher: w.self})
	return w.done
}

// remoteWatch is the watcher of one socket actor of another node.
type remoteWatch struct {
	registry *actor.ProcessRegistryValue
	self     *actor.PID
	done     chan struct{}
	once     sync.Once
}

func (w *remoteWatch) SendSystemMessage(_ *actor.PID, m any) {
	if _, ok := m.(*actor.Terminated); ok {
		w.once.Do(func() {
			w.registry.Remove(w.self)
			close(w.done)
		})
	}
}

func (w *remoteWatch) SendUserMessage(*actor.PID, any) {}
func (w *remoteWatch) Stop(*actor.PID)                 {}
