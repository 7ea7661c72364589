package actors

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// A socket actor is a core and its roles. The core (core.go) owns the
// socket's lifecycle: open, reopen after a restart, reset, the base
// commands (bind, connect, unbind, disconnect, options, send, publish,
// stats, close), the commands that wait while the socket reopens, events to
// the owner and the restart state. Each behaviour beyond that is a role:
// exactly one delivery role, chosen at spawn from the spec and the spawn
// options (the owner's deliveries, a SUB's routing table, an XPUB's peer
// subscriptions, a request client, a request server, the ZAP handler),
// and the monitor beside it. A role keeps its own state and counters, and
// what it keeps across restarts it owns: the roles are made once, with the
// props, and outlive the actor instances.
//
// The core reaches a role through the role interface, a role reaches the
// core through host, and roles never reach each other. The hot paths are
// plain function values: a role sets its Hooks.Deliver (or DeliverBatch, or
// Event) in opening, and the core calls no role method per message.

// role is one behaviour of a socket actor.
type role interface {
	// opening is called before each open of the socket: at the first
	// start, after a restart, and when a REQ or REP is reset. h is the
	// host of the instance that opens it, valid until the next opening.
	// The role sets its fields of hooks and may add open options; an error
	// fails the open. Until opened, the role has no socket.
	opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error)
	// opened is called once the socket is open; again is true for every
	// open after the first. A role may keep h.socket() from here until
	// the next opening or closing. An error closes the socket and fails
	// the open.
	opened(again bool) error
	// command carries out msg if it is this role's, with sender to answer
	// (nil when it came without one): answer is sent to sender when both
	// are set, err is sent to sender or else to the owner. ok is false for
	// a message that is not the role's. A role's own messages (its timers,
	// its answer process) are roleMessages: they come here even while the
	// socket is closed, and an answer or error to them is dropped.
	command(msg any, sender *actor.PID) (answer any, taken bool, err error)
	// terminated tells the role that an actor the socket actor watches
	// has stopped; it need not be one the role watched.
	terminated(who *actor.PID)
	// closing is called when the socket closes: final for good (the
	// actor stops), else for a restart (or a failure before it). The role
	// stops its timers, and on a final close answers what waits on it.
	closing(final bool)
}

// The optional parts of a role.
type (
	// turnEnder is a role with work to do once a readiness turn of the
	// socket is over (sockets.Socket.Handle returned): a server's flow
	// control, the ZAP handler's replies.
	turnEnder interface{ turnDone() }
	// statsReporter adds a role's counters to GetStats' answer.
	statsReporter interface{ stats(*messages.Stats) }
	// baseFilter takes the base commands that a role carries out
	// instead of the core: a SUB's subscribe options and an XSUB's
	// subscription messages are its subscriptions, and a REP owner's
	// answer goes to the peer that asked. Asked for Send, SendBatch and
	// SetOption only, and only when the role has one.
	baseFilter interface {
		filter(msg any, sender *actor.PID) (answer any, taken bool, err error)
	}
)

// roleMessage marks the messages a role sends its socket actor for itself:
// its timers and its answer process's. They are not protobuf and never
// leave the process.
type roleMessage interface{ roleMessage() }

// attachment is what a role keeps of the socket actor instance it works
// for, from its opening to the next: the host, the open socket (a role sets
// sock in opened and clears it in closing), and what the role's hot paths
// use without asking the host per message. Roles embed it.
type attachment struct {
	h     host
	sock  *sockets.Socket
	root  *actor.RootContext
	self  *actor.PID
	owner *actor.PID
	name  string
}

// attach takes the instance of h, with no socket yet.
func (a *attachment) attach(h host) {
	*a = attachment{h: h, root: h.root(), self: h.self(), owner: h.owner(), name: h.name()}
}

// host is the socket actor instance as its roles see it.
type host interface {
	// name and socketType are the socket's; owner is the actor that gets
	// its events, nil when they go to the actor system's event stream.
	name() string
	socketType() sockets.Type
	owner() *actor.PID
	// self and root send as the socket actor: for the roles' hot paths,
	// which keep them from opening on instead of asking per message.
	self() *actor.PID
	root() *actor.RootContext
	// socket is the open socket, nil while it is being (re)opened.
	socket() *sockets.Socket
	// tell sends msg to an actor, with the socket actor as sender.
	tell(to *actor.PID, msg any)
	// event sends an event to the owner, or to the event stream.
	event(msg any)
	// errorTo sends err as a messages.Error to sender, or as an event when
	// sender is nil: a failure is never dropped.
	errorTo(sender *actor.PID, err error)
	// watch and unwatch watch an actor for this role; the socket actor
	// stops watching it when no role does. A watch lasts for the
	// instance: a role watches again in opened.
	watch(pid *actor.PID)
	unwatch(pid *actor.PID)
	// reset closes the socket and opens it again from the spec, with no
	// Started event: a REQ's or REP's way out of its lockstep. The roles'
	// opening and opened run again inside the call.
	reset()
}

// taken is a role's command result for a command it carried out.
func taken(answer any, err error) (any, bool, error) { return answer, true, err }

// refuse answers a command that no role of the socket actor took: one that
// another kind of socket actor carries out is refused with ErrUnsupported
// and says which does, anything else with ErrBadMessage.
func refuse(name string, t sockets.Type, msg any) error {
	unsupported := func(op sockets.Op, why string) error {
		return &sockets.Error{Op: op, Socket: name, Err: fmt.Errorf("%w: a %v socket %s", ErrUnsupported, t, why)}
	}
	switch msg.(type) {
	case *messages.Request:
		return unsupported(sockets.OpRequest, "does not send requests (DEALER or REQ does)")
	case *messages.GetRequestStats:
		return unsupported(sockets.OpCommand, "without a handler has no request stats")
	case *messages.Subscribe:
		return unsupported(sockets.OpSubscribe, "has no subscribers; subscribe through a SUB or XSUB socket actor")
	case *messages.Unsubscribe:
		return unsupported(sockets.OpUnsubscribe, "has no subscribers; subscribe through a SUB or XSUB socket actor")
	}
	return &sockets.Error{Op: sockets.OpCommand, Socket: name,
		Err: fmt.Errorf("%w: a socket actor does not understand %T", sockets.ErrBadMessage, msg)}
}

// eventSender returns host.event as a plain function for a role's hot path:
// to the owner with the socket actor as sender, or to the event stream.
func eventSender(h host) func(msg any) {
	root, self := h.root(), h.self()
	if owner := h.owner(); owner != nil {
		return func(msg any) { root.RequestWithCustomSender(owner, msg, self) }
	}
	stream := root.ActorSystem().EventStream
	return func(msg any) { stream.Publish(msg) }
}
