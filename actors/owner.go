package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// ownerRole is the delivery role of a socket actor whose messages go to
// its owner: a Received per message, or with WithBatchDelivery one
// ReceivedBatch per turn. It keeps nothing across restarts.
type ownerRole struct {
	batch bool
}

func (r *ownerRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	owner, root, self, name := h.owner(), h.root(), h.self(), h.name()
	if owner == nil {
		return nil, nil // a type that receives needs one: Open says so
	}
	if r.batch {
		hooks.DeliverBatch = func(msgs [][][]byte) {
			root.RequestWithCustomSender(owner, &messages.ReceivedBatch{Socket: name, Messages: framesOf(msgs)}, self)
		}
		return nil, nil
	}
	// One Received per message, in order, but taken from the socket's
	// batches: the Receiveds and envelopes of a batch are one allocation
	// (deliver.go). The owner role never pauses, so it needs no Deliver.
	var slab deliverySlab
	hooks.DeliverBatch = func(msgs [][][]byte) {
		slab.begin(len(msgs))
		for _, frames := range msgs {
			slab.send(root, owner, slab.received(name, frames), self)
		}
		slab.end()
	}
	return nil, nil
}

func (r *ownerRole) opened(bool) error                          { return nil }
func (r *ownerRole) command(any, *actor.PID) (any, bool, error) { return nil, false, nil }
func (r *ownerRole) terminated(*actor.PID)                      {}
func (r *ownerRole) closing(bool)                               {}

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
