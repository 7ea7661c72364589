package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
)

// Delivery slabs. A socket actor that hands each message to an actor as a
// Received of its own allocated, per message, the Received and the
// envelope that carries the socket actor as its sender: two of the five
// allocations per message of PUSH→PULL with one actor message per
// message, and with them a share of the garbage collector's work. The
// receiving roles now take them from allocations per batch, sized to the
// batch, and the API still gives one Received per message.

// deliverySlab hands out the Receiveds and envelopes of one batch. A
// message kept by its receiver keeps its batch's slab alive, as its frames
// already keep the batch's bytes alive (sockets' batched receive).
type deliverySlab struct {
	recvs []messages.Received
	envs  []actor.MessageEnvelope
	hint  int // how many of each to allocate when out: the batch's messages
}

// begin starts a batch of n messages.
func (s *deliverySlab) begin(n int) { s.hint = max(n, 1) }

// end drops what is left at the end of a batch, so that the messages
// delivered do not keep the next batch's slab alive.
func (s *deliverySlab) end() { s.recvs, s.envs = nil, nil }

// received returns a Received of frames from socket name.
func (s *deliverySlab) received(name string, frames [][]byte) *messages.Received {
	if len(s.recvs) == 0 {
		s.recvs = make([]messages.Received, max(s.hint, 1))
	}
	m := &s.recvs[0]
	s.recvs = s.recvs[1:]
	m.Socket, m.Frames = name, frames
	return m
}

// send sends msg to pid with sender self, as root.RequestWithCustomSender
// does, in an envelope of the slab: root.Send passes an envelope on as it
// is, through the root's sender middleware when it has one. Each delivery
// needs an envelope of its own; a message may go to several actors.
func (s *deliverySlab) send(root *actor.RootContext, pid *actor.PID, msg any, self *actor.PID) {
	if len(s.envs) == 0 {
		s.envs = make([]actor.MessageEnvelope, max(s.hint, 1))
	}
	e := &s.envs[0]
	s.envs = s.envs[1:]
	e.Message, e.Sender = msg, self
	root.Send(pid, e)
}
