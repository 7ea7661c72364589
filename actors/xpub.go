package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// xpubRole is the delivery role of an XPUB socket actor: the subscription
// messages its peers send upstream become PeerSubscription events, and
// anything else a peer sends goes to the owner as Received. It keeps
// nothing across restarts.
type xpubRole struct{}

func (xpubRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	name, event := h.name(), eventSender(h)
	hooks.Deliver = func(frames [][]byte) {
		if len(frames) == 1 && len(frames[0]) > 0 && frames[0][0] <= 1 {
			event(&messages.PeerSubscription{Socket: name, Subscribe: frames[0][0] == 1, Prefix: frames[0][1:]})
			return
		}
		event(&messages.Received{Socket: name, Frames: frames})
	}
	return nil, nil
}

func (xpubRole) opened(bool) error                          { return nil }
func (xpubRole) command(any, *actor.PID) (any, bool, error) { return nil, false, nil }
func (xpubRole) terminated(*actor.PID)                      {}
func (xpubRole) closing(bool)                               {}
