package actors

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Monitor asks the socket actor to send watcher the events of its socket's
// connection lifecycle (zmq_socket_monitor(3)) of the given kinds, or of
// every kind when none are given, as messages.SocketEvent with the socket
// actor as sender, until Unmonitor or until watcher stops. A second call
// for the same watcher replaces its kinds. It returns once the socket's
// monitor reports them: events from then on reach watcher, in the order
// libzmq emitted them. The watchers survive restarts: a restarted socket is
// monitored before its binds and connects, so watcher sees them again
// (LISTENING, CONNECT_DELAYED, ...). SOCKET_EVENT_KIND_UNSPECIFIED, or any
// other kind outside sockets.EventKinds, fails with ErrBadOption.
func (s *Socket) Monitor(ctx context.Context, watcher *actor.PID, kinds ...messages.SocketEventKind) error {
	if watcher == nil {
		return &sockets.Error{Op: sockets.OpMonitor, Socket: s.Name(), Err: fmt.Errorf("%w: no watcher", sockets.ErrBadMessage)}
	}
	_, err := ask[*messages.Monitoring](ctx, s, sockets.OpMonitor, &messages.Monitor{Kinds: kinds, Watcher: Ref(watcher)})
	return err
}

// Unmonitor stops the events to watcher. It is not an error if there were
// none.
func (s *Socket) Unmonitor(ctx context.Context, watcher *actor.PID) error {
	if watcher == nil {
		return &sockets.Error{Op: sockets.OpUnmonitor, Socket: s.Name(), Err: fmt.Errorf("%w: no watcher", sockets.ErrBadMessage)}
	}
	_, err := ask[*messages.Monitoring](ctx, s, sockets.OpUnmonitor, &messages.Unmonitor{Watcher: Ref(watcher)})
	return err
}
