package actors

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// streamRole is the delivery role of a STREAM socket actor, which talks to
// raw TCP peers. libzmq gives it [peer id, data] messages, and an empty
// data frame when a peer connects and again when the peer disconnects: the
// role tells the two apart by the peers it has seen, and sends the owner a
// StreamPeer event for each, and a Received [peer id, data] for the rest.
// libzmq says nothing when the socket itself closes a connection (a Send
// of [peer id, ""]), so the role sends that StreamPeer itself. Its peers
// belong to one open socket: a restarted socket has none.
type streamRole struct {
	peers map[string]bool

	attachment
}

func (r *streamRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	r.attach(h)
	r.peers = map[string]bool{}
	hooks.Deliver = r.deliver
	return nil, nil
}

func (r *streamRole) deliver(frames [][]byte) {
	if len(frames) != 2 {
		r.h.errorTo(nil, &sockets.Error{Op: sockets.OpReceive, Socket: r.name,
			Err: fmt.Errorf("%w: a STREAM message of %d frames, want [peer id, data]; dropped", sockets.ErrBadMessage, len(frames))})
		return
	}
	peer, data := frames[0], frames[1]
	if len(data) > 0 {
		r.root.RequestWithCustomSender(r.owner, &messages.Received{Socket: r.name, Frames: frames}, r.self)
		return
	}
	connected := !r.peers[string(peer)]
	if connected {
		r.peers[string(peer)] = true
	} else {
		delete(r.peers, string(peer))
	}
	r.root.RequestWithCustomSender(r.owner, &messages.StreamPeer{Socket: r.name, Peer: peer, Connected: connected}, r.self)
}

// filter takes the Send that closes a peer's connection, [peer id, ""], to
// tell the owner once it is done.
func (r *streamRole) filter(msg any, sender *actor.PID) (any, bool, error) {
	m, ok := msg.(*messages.Send)
	if !ok || len(m.GetFrames()) != 2 || len(m.GetFrames()[1]) != 0 {
		return nil, false, nil
	}
	peer := m.GetFrames()[0]
	queued, err := r.h.socket().Send(m.GetFrames())
	if err != nil {
		return nil, true, err
	}
	if r.peers[string(peer)] {
		delete(r.peers, string(peer))
		r.root.RequestWithCustomSender(r.owner, &messages.StreamPeer{Socket: r.name, Peer: peer}, r.self)
	}
	if sender == nil {
		return nil, true, nil
	}
	return &messages.Sent{Socket: r.name, Queued: queued}, true, nil
}

func (r *streamRole) opened(bool) error                          { return nil }
func (r *streamRole) command(any, *actor.PID) (any, bool, error) { return nil, false, nil }
func (r *streamRole) terminated(*actor.PID)                      {}
func (r *streamRole) closing(bool)                               {}
