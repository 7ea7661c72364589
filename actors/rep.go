package actors

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// repRole is the delivery role of a REP socket actor without a handler,
// whose owner answers each request with Send. It is a ROUTER underneath
// (sockets.OpenAs), as a REP server is: libzmq 4.3.4's REP loses the reply
// to the next well-formed request after a peer sent a message with no
// empty delimiter, which a ROUTER does not. The role keeps REP's contract
// for the owner: one request at a time, delivered without its envelope
// (the peer's routing frames and delimiter), and the owner's next Send goes
// back to that peer with the envelope put back; receiving waits meanwhile.
// The request being answered belongs to one open socket: after a restart
// the owner's answer to it is refused.
type repRole struct {
	envelope [][]byte // of the request the owner has not answered; nil if none

	attachment
}

func (r *repRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	r.attach(h)
	r.envelope = nil
	hooks.Deliver = r.deliver
	return []sockets.OpenOption{sockets.OpenAs(sockets.Router)}, nil
}

func (r *repRole) opened(bool) error {
	r.sock = r.h.socket()
	return nil
}

func (r *repRole) closing(bool) { r.sock, r.envelope = nil, nil }

func (r *repRole) command(any, *actor.PID) (any, bool, error) { return nil, false, nil }
func (r *repRole) terminated(*actor.PID)                      {}

// deliver takes a request [routing id, ..., "", body...]: it keeps the
// envelope, stops receiving until the owner answers, and hands the owner
// the body, as a REP would.
func (r *repRole) deliver(frames [][]byte) {
	d := 1
	for d < len(frames) && len(frames[d]) != 0 {
		d++
	}
	if d >= len(frames)-1 {
		r.h.errorTo(nil, &sockets.Error{Op: sockets.OpReceive, Socket: r.name,
			Err: fmt.Errorf("%w: a request of %d frames with no empty delimiter or no body, dropped", sockets.ErrBadMessage, len(frames))})
		return
	}
	r.envelope = frames[:d+1]
	r.sock.PauseReceive(true)
	r.root.RequestWithCustomSender(r.owner, &messages.Received{Socket: r.name, Frames: frames[d+1:]}, r.self)
}

// filter sends the owner's answer back to the peer that asked.
func (r *repRole) filter(msg any, sender *actor.PID) (any, bool, error) {
	var body [][]byte
	switch m := msg.(type) {
	case *messages.Send:
		body = m.GetFrames()
	case *messages.SendBatch:
		if len(m.GetMessages()) != 1 {
			return nil, true, &sockets.Error{Op: sockets.OpSend, Socket: r.name,
				Err: fmt.Errorf("%w: a REP answers one request at a time, not a batch of %d", sockets.ErrUnsupported, len(m.GetMessages()))}
		}
		body = m.GetMessages()[0].GetFrames()
	default:
		return nil, false, nil
	}
	if r.envelope == nil {
		return nil, true, &sockets.Error{Op: sockets.OpSend, Socket: r.name,
			Err: fmt.Errorf("%w: a REP sends only the answer to a request it received", sockets.ErrUnsupported)}
	}
	if len(body) == 0 {
		return nil, true, &sockets.Error{Op: sockets.OpSend, Socket: r.name,
			Err: fmt.Errorf("%w: a message has at least one frame", sockets.ErrBadMessage)}
	}
	frames := make([][]byte, 0, len(r.envelope)+len(body))
	frames = append(append(frames, r.envelope...), body...)
	queued, err := r.sock.Send(frames)
	r.envelope = nil
	r.sock.PauseReceive(false)
	if err != nil || sender == nil {
		return nil, true, err
	}
	return &messages.Sent{Socket: r.name, Queued: queued}, true, nil
}
