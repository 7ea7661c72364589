package actors

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// monitorRole sends the events of the socket's monitor to the actors that
// asked (Monitor), each for the kinds it wants. Every socket actor has one,
// beside its delivery role; it costs nothing until an actor asks. Its
// watchers outlive restarts: a restarted socket is monitored before its
// binds and connects.
type monitorRole struct {
	watchers map[string]*watcher // by pidKey

	attachment
}

// watcher is an actor that asked for a socket's events, and which kinds:
// bit k for SocketEventKind k.
type watcher struct {
	pid  *actor.PID
	mask uint32
}

// opening starts the monitor of a socket being opened, when there are
// watchers, before its binds and connects.
func (r *monitorRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	r.attach(h)
	hooks.Event = r.deliver
	if union := r.union(); union != 0 {
		return []sockets.OpenOption{sockets.WithMonitor(maskKinds(union)...)}, nil
	}
	return nil, nil
}

// opened watches the watchers again, as the subscribers are: one that
// stopped meanwhile is then reported Terminated, and removed.
func (r *monitorRole) opened(bool) error {
	for _, w := range r.watchers {
		r.h.watch(w.pid)
	}
	return nil
}

func (r *monitorRole) closing(bool) {}

func (r *monitorRole) command(msg any, sender *actor.PID) (any, bool, error) {
	switch m := msg.(type) {
	case *messages.Monitor:
		return taken(r.monitor(m, sender))
	case *messages.Unmonitor:
		return taken(r.unmonitor(m, sender))
	}
	return nil, false, nil
}

// terminated forgets a watcher that stopped.
func (r *monitorRole) terminated(who *actor.PID) {
	key := pidKey(who)
	if _, ok := r.watchers[key]; !ok {
		return
	}
	delete(r.watchers, key)
	if err := r.apply(); err != nil {
		r.h.errorTo(nil, err)
	}
}

// deliver sends an event of the socket's monitor to every watcher that
// asked for its kind, with the socket actor as sender.
func (r *monitorRole) deliver(ev *messages.SocketEvent) {
	bit := uint32(1) << ev.GetKind()
	for _, w := range r.watchers {
		if w.mask&bit != 0 {
			r.root.RequestWithCustomSender(w.pid, ev, r.self)
		}
	}
}

// watcherOf returns the actor a Monitor or Unmonitor is for: the one
// named, else the sender, else the owner.
func (r *monitorRole) watcherOf(op sockets.Op, ref *messages.ActorRef, sender *actor.PID) (*actor.PID, error) {
	pid, err := actorOf(op, r.name, ref, sender, r.h.owner())
	if err == nil && pid == nil {
		err = &sockets.Error{Op: op, Socket: r.name,
			Err: fmt.Errorf("%w: %s names no watcher, and has no sender and the socket actor no owner", sockets.ErrBadMessage, op)}
	}
	return pid, err
}

func (r *monitorRole) monitor(m *messages.Monitor, sender *actor.PID) (any, error) {
	if err := sockets.CheckEventKinds(m.GetKinds()...); err != nil {
		return nil, &sockets.Error{Op: sockets.OpMonitor, Socket: r.name, Err: err}
	}
	pid, err := r.watcherOf(sockets.OpMonitor, m.GetWatcher(), sender)
	if err != nil {
		return nil, err
	}
	if r.watchers == nil {
		r.watchers = map[string]*watcher{}
	}
	key := pidKey(pid)
	prev := r.watchers[key]
	w := &watcher{pid: pid, mask: kindMask(m.GetKinds())}
	r.watchers[key] = w
	if err := r.apply(); err != nil {
		if prev != nil {
			r.watchers[key] = prev
		} else {
			delete(r.watchers, key)
		}
		return nil, err
	}
	r.h.watch(pid)
	return &messages.Monitoring{Socket: r.name, Kinds: maskKinds(w.mask)}, nil
}

func (r *monitorRole) unmonitor(m *messages.Unmonitor, sender *actor.PID) (any, error) {
	pid, err := r.watcherOf(sockets.OpUnmonitor, m.GetWatcher(), sender)
	if err != nil {
		return nil, err
	}
	answer := &messages.Monitoring{Socket: r.name}
	key := pidKey(pid)
	if _, ok := r.watchers[key]; !ok {
		return answer, nil
	}
	delete(r.watchers, key)
	r.h.unwatch(pid)
	return answer, r.apply()
}

// union is the mask the socket's monitor reports: the union of the
// watchers' kinds.
func (r *monitorRole) union() uint32 {
	var union uint32
	for _, w := range r.watchers {
		union |= w.mask
	}
	return union
}

// apply makes the socket's monitor report the union of the watchers'
// kinds, stopping it when there are no watchers. While the socket is being
// reopened there is nothing to do: opening starts the monitor.
func (r *monitorRole) apply() error {
	sock := r.h.socket()
	if sock == nil {
		return nil
	}
	union := r.union()
	if union == 0 {
		sock.StopMonitor()
		return nil
	}
	return sock.Monitor(maskKinds(union)...)
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
