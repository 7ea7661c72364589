package actors

import (
	"fmt"
	"strings"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Ref returns the protobuf reference of pid, for Subscribe and Unsubscribe.
func Ref(pid *actor.PID) *messages.ActorRef {
	if pid == nil {
		return nil
	}
	return &messages.ActorRef{Address: pid.Address, Id: pid.Id}
}

// PIDOf returns the PID a reference names, or nil for nil or an empty one.
func PIDOf(ref *messages.ActorRef) *actor.PID {
	if ref.GetId() == "" {
		return nil
	}
	return actor.NewPID(ref.GetAddress(), ref.GetId())
}

// pidKey is a map key for pid: its address and id.
func pidKey(pid *actor.PID) string { return pid.Address + "\x00" + pid.Id }

// actorOf returns the actor a command names for op: the one its reference
// names, else its sender, else fallback (nil for none). The actor will be
// watched, so a protoactor future is refused (watchable).
func actorOf(op sockets.Op, socket string, ref *messages.ActorRef, sender, fallback *actor.PID) (*actor.PID, error) {
	pid := PIDOf(ref)
	if pid == nil {
		pid = sender
	}
	if pid == nil {
		return fallback, nil
	}
	return pid, watchable(op, socket, pid)
}

// watchable refuses a protoactor future as a subscriber or watcher: the
// socket actor watches the actors it sends to, and a future takes a Watch
// as its result, racing with the answer. A RequestFuture that subscribes
// must name the subscribing actor in the command instead.
func watchable(op sockets.Op, socket string, pid *actor.PID) error {
	if strings.HasPrefix(pid.GetId(), "future$") {
		return &sockets.Error{Op: op, Socket: socket, Err: fmt.Errorf(
			"%w: a future (%s) cannot be a subscriber or watcher; name the actor in the command", sockets.ErrBadMessage, pid.GetId())}
	}
	return nil
}
