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
		return &sockets.Error{Op: "monitor", Socket: s.Name(), Err: fmt.Errorf("%w: no watcher", sockets.ErrBadMessage)}
	}
	_, err := ask[*messages.Monitoring](ctx, s, "monitor", &messages.Monitor{Kinds: kinds, Watcher: Ref(watcher)})
	return err
}

// Unmonitor stops the events to watcher. It is not an error if there were
// none.
func (s *Socket) Unmonitor(ctx context.Context, watcher *actor.PID) error {
	if watcher == nil {
		return &sockets.Error{Op: "unmonitor", Socket: s.Name(), Err: fmt.Errorf("%w: no watcher", sockets.ErrBadMessage)}
	}
	_, err := ask[*messages.Monitoring](ctx, s, "unmonitor", &messages.Unmonitor{Watcher: Ref(watcher)})
	return err
}

// watcher is an actor that asked for a socket's events, and which kinds:
// bit k for SocketEventKind k.
type watcher struct {
	pid  *actor.PID
	mask uint32
}

// kindMask returns the mask of kinds, every kind when there are none. The
// kinds are checked already.
func kindMask(kinds []messages.SocketEventKind) uint32 {
	if len(kinds) == 0 {
		kinds = sockets.EventKinds()
	}
	var mask uint32
	for _, k := range kinds {
		mask |= 1 << k
	}
	return mask
}

// maskKinds lists the kinds of mask in wire order, nil for none.
func maskKinds(mask uint32) []messages.SocketEventKind {
	var kinds []messages.SocketEventKind
	for _, k := range sockets.EventKinds() {
		if mask&(1<<k) != 0 {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// monitorUnion is the mask the socket's monitor reports: the union of the
// watchers' kinds.
func (a *socketActor) monitorUnion() uint32 {
	var union uint32
	for _, w := range a.state.watchers {
		union |= w.mask
	}
	return union
}

// monitorOptions starts the monitor of a socket being opened, when there
// are watchers, before its binds and connects.
func (a *socketActor) monitorOptions() []sockets.OpenOption {
	if union := a.monitorUnion(); union != 0 {
		return []sockets.OpenOption{sockets.WithMonitor(maskKinds(union)...)}
	}
	return nil
}

// restoreWatchers watches the watchers again on a newly opened socket,
// as restoreSubscriptions does the subscribers: one that stopped meanwhile
// is then reported Terminated, and removed.
func (a *socketActor) restoreWatchers(ctx actor.Context) {
	for _, w := range a.state.watchers {
		ctx.Watch(w.pid)
	}
}

// applyMonitor makes the socket's monitor report the union of the
// watchers' kinds, stopping it when there are no watchers. While the socket
// is being reopened there is nothing to do: Open starts the monitor.
func (a *socketActor) applyMonitor() error {
	if a.sock == nil {
		return nil
	}
	union := a.monitorUnion()
	if union == 0 {
		a.sock.StopMonitor()
		return nil
	}
	return a.sock.Monitor(maskKinds(union)...)
}

// monitorWatcher returns the actor a Monitor or Unmonitor is for: the one
// named, else the sender, else the owner.
func (a *socketActor) monitorWatcher(op string, ref *messages.ActorRef, sender *actor.PID) (*actor.PID, error) {
	switch pid := PIDOf(ref); {
	case pid != nil:
		return pid, watchable(op, a.state.spec.Name, pid)
	case sender != nil:
		return sender, watchable(op, a.state.spec.Name, sender)
	case a.state.owner != nil:
		return a.state.owner, nil
	}
	return nil, &sockets.Error{Op: op, Socket: a.state.spec.Name,
		Err: fmt.Errorf("%w: %s names no watcher, and has no sender and the socket actor no owner", sockets.ErrBadMessage, op)}
}

func (a *socketActor) monitor(ctx actor.Context, m *messages.Monitor, sender *actor.PID) (any, error) {
	name := a.state.spec.Name
	if err := sockets.CheckEventKinds(m.GetKinds()...); err != nil {
		return nil, &sockets.Error{Op: "monitor", Socket: name, Err: err}
	}
	pid, err := a.monitorWatcher("monitor", m.GetWatcher(), sender)
	if err != nil {
		return nil, err
	}
	if a.state.watchers == nil {
		a.state.watchers = map[string]*watcher{}
	}
	key := pidKey(pid)
	prev := a.state.watchers[key]
	w := &watcher{pid: pid, mask: kindMask(m.GetKinds())}
	a.state.watchers[key] = w
	if err := a.applyMonitor(); err != nil {
		if prev != nil {
			a.state.watchers[key] = prev
		} else {
			delete(a.state.watchers, key)
		}
		return nil, err
	}
	ctx.Watch(pid)
	return &messages.Monitoring{Socket: name, Kinds: maskKinds(w.mask)}, nil
}

func (a *socketActor) unmonitor(ctx actor.Context, m *messages.Unmonitor, sender *actor.PID) (any, error) {
	pid, err := a.monitorWatcher("unmonitor", m.GetWatcher(), sender)
	if err != nil {
		return nil, err
	}
	answer := &messages.Monitoring{Socket: a.state.spec.Name}
	key := pidKey(pid)
	if _, ok := a.state.watchers[key]; !ok {
		return answer, nil
	}
	delete(a.state.watchers, key)
	if !a.watchedOtherwise(pid) {
		ctx.Unwatch(pid)
	}
	return answer, a.applyMonitor()
}

// watcherGone forgets a watcher that stopped.
func (a *socketActor) watcherGone(who *actor.PID) {
	if who == nil || a.state.watchers == nil {
		return
	}
	key := pidKey(who)
	if _, ok := a.state.watchers[key]; !ok {
		return
	}
	delete(a.state.watchers, key)
	if err := a.applyMonitor(); err != nil {
		a.event(sockets.ErrorToProto(a.state.spec.Name, err))
	}
}

// isWatcher reports whether pid receives the socket's events.
func (a *socketActor) isWatcher(pid *actor.PID) bool {
	_, ok := a.state.watchers[pidKey(pid)]
	return ok
}

// watchedOtherwise reports whether the socket actor watches pid for
// another reason than its events: a subscriber, or the server's handler.
func (a *socketActor) watchedOtherwise(pid *actor.PID) bool {
	if t := a.state.topics; t != nil && t.has(pid) {
		return true
	}
	srv := a.state.server
	return srv != nil && srv.handler != nil && srv.handler.Equal(pid)
}

// monitorEvent sends an event of the socket's monitor to every watcher
// that asked for its kind, with the socket actor as sender.
func (a *socketActor) monitorEvent(ev *messages.SocketEvent) {
	bit := uint32(1) << ev.GetKind()
	for _, w := range a.state.watchers {
		if w.mask&bit != 0 {
			a.root.RequestWithCustomSender(w.pid, ev, a.self)
		}
	}
}
