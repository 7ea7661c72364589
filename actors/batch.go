package actors

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// sendBatch carries out SendBatch: every message is checked before any is
// sent, then each is sent as Send would, in order.
func (a *socketActor) sendBatch(m *messages.SendBatch, sender *actor.PID) (any, error) {
	name := a.state.spec.Name
	msgs := m.GetMessages()
	if len(msgs) == 0 {
		return nil, &sockets.Error{Op: "send", Socket: name, Err: fmt.Errorf("%w: a SendBatch has at least one message", sockets.ErrBadMessage)}
	}
	frames := make([][][]byte, len(msgs))
	for i, f := range msgs {
		frames[i] = f.GetFrames()
	}
	queued, err := a.sock.SendBatch(frames)
	if err != nil {
		return nil, fmt.Errorf("a batch of %d messages: %w", len(msgs), err)
	}
	if sender == nil {
		return nil, nil
	}
	return &messages.Sent{Socket: name, Queued: queued > 0}, nil
}

// SendBatch sends several multipart messages, in order, without waiting:
// one messages.SendBatch command for all of them, where Send takes one
// command each. Like Send it fails at once only with ErrClosed or for a
// message with no frames; later failures reach the owner as Error events.
// The frames are not copied: do not modify them after SendBatch.
func (s *Socket) SendBatch(msgs ...[][]byte) error {
	if len(msgs) == 0 {
		return &sockets.Error{Op: "send", Socket: s.Name(), Err: fmt.Errorf("%w: no messages", sockets.ErrBadMessage)}
	}
	for i, frames := range msgs {
		if len(frames) == 0 {
			return &sockets.Error{Op: "send", Socket: s.Name(), Err: fmt.Errorf("%w: message %d has no frames", sockets.ErrBadMessage, i)}
		}
	}
	if s.stopped() {
		return &sockets.Error{Op: "send", Socket: s.Name(), Err: ErrClosed}
	}
	s.rt.system.Root.Send(s.pid, &messages.SendBatch{Messages: framesOf(msgs)})
	return nil
}

// framesOf wraps messages for a SendBatch or ReceivedBatch, with one
// allocation for all the wrappers.
func framesOf(msgs [][][]byte) []*messages.Frames {
	all := make([]messages.Frames, len(msgs))
	out := make([]*messages.Frames, len(msgs))
	for i, frames := range msgs {
		all[i].Frames = frames
		out[i] = &all[i]
	}
	return out
}
