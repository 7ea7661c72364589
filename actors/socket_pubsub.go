package actors

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Publish publishes one message on a PUB or XPUB socket actor without
// waiting: topic as the first frame, then frames. A PUB drops a message a
// subscriber's high-water mark refuses, as ZeroMQ does (see the package
// documentation, "Slow subscribers").
func (s *Socket) Publish(topic string, frames ...[]byte) error {
	return s.publish(&messages.Publish{Topic: []byte(topic), Frames: frames})
}

// PublishProto publishes m under topic as a typed message [topic, full type
// name, payload], which subscribers that subscribed typed receive decoded.
func (s *Socket) PublishProto(topic string, m proto.Message) error {
	p, err := NewPublish(topic, m)
	if err != nil {
		return &sockets.Error{Op: sockets.OpPublish, Socket: s.Name(), Err: err}
	}
	return s.publish(p)
}

// PublishWait is Publish that waits until the socket actor has handed the
// message to ZeroMQ, or queued it (an XPUB with xpub_nodrop at its
// high-water mark): a publishing loop that calls it now and then keeps the
// socket actor's mailbox from growing without bound.
func (s *Socket) PublishWait(ctx context.Context, topic string, frames ...[]byte) (queued bool, err error) {
	sent, err := ask[*messages.Sent](ctx, s, sockets.OpPublish, &messages.Publish{Topic: []byte(topic), Frames: frames})
	return sent.GetQueued(), err
}

func (s *Socket) publish(p *messages.Publish) error {
	if t := s.Type(); t != sockets.Pub && t != sockets.XPub {
		return &sockets.Error{Op: sockets.OpPublish, Socket: s.Name(), Err: fmt.Errorf("%w: a %v socket does not publish", ErrUnsupported, t)}
	}
	if s.stopped() {
		return &sockets.Error{Op: sockets.OpPublish, Socket: s.Name(), Err: ErrClosed}
	}
	s.rt.system.Root.Send(s.pid, p)
	return nil
}

// Subscribe asks a SUB or XSUB socket actor to deliver the messages whose
// first frame starts with prefix to subscriber, as messages.Received with
// the socket actor as sender, until Unsubscribe or until subscriber stops.
// The empty prefix matches everything. It returns once the socket actor has
// recorded the subscription and, for a new prefix, subscribed its ZeroMQ
// socket; the subscription then travels to each publisher as soon as the
// connection is up, so messages published meanwhile are missed (ZeroMQ's
// "slow joiner"). A publisher that must know uses an XPUB, whose owner gets
// a PeerSubscription.
func (s *Socket) Subscribe(ctx context.Context, subscriber *actor.PID, prefix string) error {
	_, err := ask[*messages.Subscribed](ctx, s, sockets.OpSubscribe, &messages.Subscribe{Prefix: []byte(prefix), Subscriber: Ref(subscriber)})
	return err
}

// SubscribeTyped is Subscribe for typed messages: subscriber receives each
// as a messages.TypedMessage (its topic, and the message, which Unpack or
// UnpackAny decodes), with the socket actor as sender. A message that does
// not decode becomes a messages.DecodeError to the owner.
func (s *Socket) SubscribeTyped(ctx context.Context, subscriber *actor.PID, prefix string) error {
	_, err := ask[*messages.Subscribed](ctx, s, sockets.OpSubscribe, &messages.Subscribe{Prefix: []byte(prefix), Subscriber: Ref(subscriber), Typed: true})
	return err
}

// SubscribeBatched is Subscribe with batches: subscriber receives a
// messages.ReceivedBatch per turn of the socket actor, with the matching
// messages of that turn in order, instead of one messages.Received each.
// For subscribers of many small messages.
func (s *Socket) SubscribeBatched(ctx context.Context, subscriber *actor.PID, prefix string) error {
	_, err := ask[*messages.Subscribed](ctx, s, sockets.OpSubscribe, &messages.Subscribe{Prefix: []byte(prefix), Subscriber: Ref(subscriber), Batched: true})
	return err
}

// Unsubscribe stops the deliveries of prefix to subscriber. It is not an
// error if there were none.
func (s *Socket) Unsubscribe(ctx context.Context, subscriber *actor.PID, prefix string) error {
	_, err := ask[*messages.Unsubscribed](ctx, s, sockets.OpUnsubscribe, &messages.Unsubscribe{Prefix: []byte(prefix), Subscriber: Ref(subscriber)})
	return err
}

// UnsubscribeAll stops every delivery to subscriber and returns the
// prefixes it had.
func (s *Socket) UnsubscribeAll(ctx context.Context, subscriber *actor.PID) ([]string, error) {
	u, err := ask[*messages.Unsubscribed](ctx, s, sockets.OpUnsubscribe, &messages.Unsubscribe{Subscriber: Ref(subscriber), All: true})
	var prefixes []string
	for _, p := range u.GetPrefixes() {
		prefixes = append(prefixes, string(p))
	}
	return prefixes, err
}
