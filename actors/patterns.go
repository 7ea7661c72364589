package actors

import (
	"fmt"
	"slices"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// patternRole is the delivery role that the spawn option of a reliable
// pattern chose (WithPirateWorker, WithPirateQueue, WithMajordomoBroker,
// WithMajordomoWorker, WithMajordomoClient): the option's name for
// errors, the socket types it fits, and how to make the role for a spec.
// Such a socket actor needs no owner; its events go to the owner when it
// has one.
type patternRole struct {
	option string
	types  []sockets.Type
	make   func(spec *sockets.Spec) role
}

// check refuses a socket type the pattern does not fit, and a second
// delivery role (WithHandler).
func (p *patternRole) check(t sockets.Type, handler bool) error {
	if handler {
		return fmt.Errorf("%w: %s and WithHandler: a socket actor has one delivery role", ErrBadOption, p.option)
	}
	if !slices.Contains(p.types, t) {
		return fmt.Errorf("%w: %s: a %v socket cannot; use %v", ErrUnsupported, p.option, t, p.types)
	}
	return nil
}

// protocolError reports a message that is not the protocol's, dropped:
// ErrBadMessage, as an Error to the owner (or the event stream).
func protocolError(h host, op sockets.Op, frames [][]byte, format string, args ...any) {
	h.errorTo(nil, &sockets.Error{Op: op, Socket: h.name(),
		Err: fmt.Errorf("%w: %s (%d frames), dropped", sockets.ErrBadMessage, fmt.Sprintf(format, args...), len(frames))})
}

// splitEnvelope splits a message at its first empty frame, looked for
// from frame from on: the envelope (up to and with the empty frame) and
// the body after it. ok is false without an empty frame, or with no body
// after it.
func splitEnvelope(frames [][]byte, from int) (envelope, body [][]byte, ok bool) {
	for i := from; i < len(frames); i++ {
		if len(frames[i]) == 0 {
			if i == len(frames)-1 {
				return nil, nil, false
			}
			return frames[:i+1], frames[i+1:], true
		}
	}
	return nil, nil, false
}

// checkAsk checks what an asker sent a pattern's client (what names it):
// a sender to answer, a frame at least, and a valid timeout, if any.
func checkAsk(h host, what string, sender *actor.PID, frames [][]byte, timeout *durationpb.Duration) error {
	why := ""
	switch {
	case sender == nil:
		why = what + " needs a sender to answer: send it with Request or RequestFuture"
	case len(frames) == 0:
		why = "a request has at least one frame"
	case timeout != nil && (!timeout.IsValid() || timeout.AsDuration() < 0):
		why = fmt.Sprintf("invalid timeout %v", timeout)
	default:
		return nil
	}
	return &sockets.Error{Op: sockets.OpRequest, Socket: h.name(), Err: fmt.Errorf("%w: %s", sockets.ErrBadMessage, why)}
}

// join returns the frames of parts, one after the other, in a new slice.
func join(parts ...[][]byte) [][]byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([][]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// reliableCommand answers the commands every pattern role takes:
// GetReliableStats with stats.
func reliableCommand(msg any, stats func() *messages.ReliableStats) (any, bool) {
	if _, ok := msg.(*messages.GetReliableStats); ok {
		return stats(), true
	}
	return nil, false
}

// stopSelf stops the socket actor of h, as a Close would, from a role that
// cannot go on.
func stopSelf(h host) { h.root().Stop(h.self()) }

// reliableCounts are the counters of a reliable pattern's role, for
// ReliableStats.
type reliableCounts struct {
	requests, replies, failures, retries, dropped, malformed uint64
	heartbeatsSent, heartbeatsReceived, reconnects           uint64
	expired, disconnects                                     uint64
}

func (n *reliableCounts) stats(socket, role string) *messages.ReliableStats {
	return &messages.ReliableStats{Socket: socket, Role: role, Requests: n.requests, Replies: n.replies,
		Failures: n.failures, Retries: n.retries, Dropped: n.dropped, Malformed: n.malformed,
		HeartbeatsSent: n.heartbeatsSent, HeartbeatsReceived: n.heartbeatsReceived, Reconnects: n.reconnects,
		Expired: n.expired, Disconnects: n.disconnects}
}
