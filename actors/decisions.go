package actors

import "time"

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
