package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Decision is what a supervisor decided about a failed socket actor, noted
// with Runtime.NoteDecision so that the socket actor can tell its owner:
// the backoff goes into the Restarting event, whose attempt is the socket
// actor's own count of restarts, and the reason of a stop into the Closed
// event.
type Decision struct {
	// Restart is true for a restart, false for a stop.
	Restart bool
	// Backoff is the delay before the restart.
	Backoff time.Duration
	// Reason says why, such as "restart limit reached: 3 restarts within
	// 10s".
	Reason string
}

// NoteDecision records a supervisor's decision about the socket actor
// child, for its next Restarting or Closed event. Supervisors that are not
// zmqactor's (package supervision) need not call it: the events then say
// less.
func (c *Runtime) NoteDecision(child *actor.PID, d Decision) {
	if child == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.live[child.Id]; !ok {
		return // not a socket actor of this context
	}
	if c.decisions == nil {
		c.decisions = map[string]Decision{}
	}
	c.decisions[child.Id] = d
}

// takeDecision returns and forgets the decision noted for id.
func (c *Runtime) takeDecision(id string) (Decision, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.decisions[id]
	delete(c.decisions, id)
	return d, ok
}
