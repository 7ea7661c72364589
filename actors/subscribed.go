package actors

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// ProbeTopic begins the topic of the probe messages WaitSubscribed
// publishes: eight 0xFF bytes, then "zmqactor.probe/". Subscribers of the
// empty prefix (or of a prefix of ProbeTopic) on any SUB connected to the
// publisher receive the probes too, and can skip them by this prefix.
const ProbeTopic = "\xff\xff\xff\xff\xff\xff\xff\xffzmqactor.probe/"

// Probe intervals: WaitSubscribed publishes a probe at once, then again
// after probeFirst, doubling up to probeMax, until one arrives.
const (
	probeFirst = time.Millisecond
	probeMax   = 100 * time.Millisecond
)

// WaitSubscribed waits until every subscription that the SUB (or XSUB)
// socket actor sub made before the call has reached the PUB (or XPUB)
// socket actor pub, so that what pub publishes from then on reaches sub's
// subscribers: the cure for ZeroMQ's "slow joiner", who misses what is
// published before its subscription arrives. It returns nil then, ctx's
// error if ctx ends first, and ErrUnsupported for sockets of other types.
//
// It works with a plain PUB, which cannot tell who subscribes, by probing,
// and this is the recipe to follow by hand for a publisher that is not a
// *Socket of this process: a probe actor subscribes on sub to a topic of
// its own, beginning with ProbeTopic; pub publishes on that topic, at once
// and then at growing intervals (1 ms doubling to 100 ms), until the probe
// actor receives one; then the probe unsubscribes and stops. A probe that
// arrived proves the earlier subscriptions arrived before it: ZeroMQ sends
// a SUB's subscriptions to each publisher in the order they were made, and
// over a new connection in the byte order of their prefixes, where the
// probe's, beginning with 0xFF bytes, comes after any prefix that does not.
// The probes reach sub's subscribers of the empty prefix too (see
// ProbeTopic), and an XPUB's owner sees the probe's PeerSubscription come
// and go. With an XPUB whose owner is the code that waits, waiting for the
// PeerSubscription of the prefix itself needs no probe.
//
// With several connections between sub and pub (several binds connected
// to), the probe proves only the one it came through. WaitSubscribed is
// safe for concurrent use; each call has its own probe. Subscriptions made
// while it runs may or may not have arrived when it returns. After a
// restart of either socket, ZeroMQ sends the subscriptions again over the
// new connection: call it again.
func WaitSubscribed(ctx context.Context, pub, sub *Socket) error {
	if t := pub.Type(); t != sockets.Pub && t != sockets.XPub {
		return &sockets.Error{Op: sockets.OpSubscribe, Socket: pub.Name(),
			Err: fmt.Errorf("%w: WaitSubscribed publishes on a PUB or XPUB, not a %v", ErrUnsupported, t)}
	}
	if t := sub.Type(); t != sockets.Sub && t != sockets.XSub {
		return &sockets.Error{Op: sockets.OpSubscribe, Socket: sub.Name(),
			Err: fmt.Errorf("%w: WaitSubscribed waits for a SUB or XSUB, not a %v", ErrUnsupported, t)}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	root := sub.rt.system.Root
	arrived := make(chan struct{}, 1)
	topic := ProbeTopic + sub.rt.system.ProcessRegistry.NextId()
	probe := root.SpawnPrefix(actor.PropsFromFunc(func(c actor.Context) {
		if m, ok := c.Message().(*messages.Received); ok && len(m.GetFrames()) > 0 && string(m.GetFrames()[0]) == topic {
			select {
			case arrived <- struct{}{}:
			default:
			}
		}
	}), "probe")
	defer func() {
		// The probe leaves sub before it stops, so that nothing is sent to
		// a stopped actor; this runs also when ctx has ended.
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), sub.rt.commandTimeout)
		defer cancel()
		_, _ = sub.UnsubscribeAll(cleanup, probe)
		_ = root.StopFuture(probe).Wait()
	}()
	if err := sub.Subscribe(ctx, probe, topic); err != nil {
		return err
	}
	interval := probeFirst
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-arrived:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			if err := pub.Publish(topic); err != nil {
				return err
			}
			timer.Reset(interval)
			interval = min(2*interval, probeMax)
		}
	}
}

// IsProbe reports whether frames are a probe message of WaitSubscribed
// (the first frame begins with ProbeTopic), for subscribers of the empty
// prefix that want to skip them. It only reads frames.
func IsProbe(frames [][]byte) bool {
	return len(frames) > 0 && strings.HasPrefix(string(frames[0]), ProbeTopic)
}
