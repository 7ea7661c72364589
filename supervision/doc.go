// Package supervision holds the restart policy for socket actors.
//
// Decide is the decider: a socket actor whose failure a new socket cannot
// mend (the ZeroMQ context is terminating, or the socket was closed on
// purpose) stops; any other failure restarts it. OneForOne and AllForOne
// are protoactor supervisor strategies with a restart limit within a window
// and a real exponential backoff with jitter and a cap, all set with
// time.Duration options:
//
//	strategy, err := supervision.AllForOne( // a broker's frontend and backend
//		supervision.WithMaxRestarts(5),
//		supervision.WithWindow(time.Minute),
//		supervision.WithBackoff(10*time.Millisecond, 2*time.Second),
//	)
//	parent := actor.PropsFromProducer(newBroker, actor.WithSupervisor(strategy))
//
// The parent spawns its socket actors as children (actors.Context.Props).
// A restarted socket actor rebuilds its socket from the spec and every
// command applied since, on the same resolved endpoints, and sends Started
// again with its restart count; past the limit it stops and sends Closed.
// During the backoff its mailbox is suspended: commands wait and are carried
// out after the restart.
//
// Each decision is published on the actor system's event stream as an
// *actor.SupervisorEvent (child, reason, directive).
//
// A restarted SUB or XSUB socket actor subscribes again to every prefix of
// its local subscribers and of its owner.
//
// Not here yet: restart events to the socket's owner carrying the attempt
// and reason (today: Started with restarts and restart_reason), the owner
// told why the limit stopped a socket, service trees, and the chaos test.
package supervision
