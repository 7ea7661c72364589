package actors

import (
	"fmt"
	"slices"
	"strings"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// isSubscriber reports whether t routes what it receives to local
// subscribers.
func isSubscriber(t sockets.Type) bool { return t == sockets.Sub || t == sockets.XSub }

// hasSubscribeOptions reports whether the spec subscribes by option: those
// subscriptions are the owner's.
func hasSubscribeOptions(spec sockets.Spec) bool {
	return slices.ContainsFunc(spec.Options, isSubscription)
}

func isSubscription(o sockets.Option) bool {
	switch o.GetOption().(type) {
	case *messages.SocketOption_Subscribe, *messages.SocketOption_Unsubscribe:
		return true
	}
	return false
}

// subscriptionOption returns the option equivalent to an XSUB subscription
// message (1 or 0, then the prefix), or nil if frame is not one.
func subscriptionOption(frame []byte) sockets.Option {
	switch {
	case len(frame) == 0:
		return nil
	case frame[0] == 1:
		return sockets.Subscribe(frame[1:])
	case frame[0] == 0:
		return sockets.Unsubscribe(frame[1:])
	}
	return nil
}

// initTopics creates the routing table at the first start and moves the
// spec's subscribe options into it as the owner's subscriptions, so that
// the table alone says what the socket subscribes to.
func (a *socketActor) initTopics() error {
	st := a.state
	if st.topics != nil || !isSubscriber(st.spec.Type) {
		return nil
	}
	st.topics = newTopicTable()
	var keep []sockets.Option
	for _, o := range st.spec.Options {
		if !isSubscription(o) {
			keep = append(keep, o)
			continue
		}
		if st.owner == nil {
			return fmt.Errorf("%w: %v socket %q subscribes by option, and those messages go to the owner", ErrNoOwner, st.spec.Type, st.spec.Name)
		}
		switch v := o.GetOption().(type) {
		case *messages.SocketOption_Subscribe:
			st.topics.add(string(v.Subscribe), st.owner, false, true)
		case *messages.SocketOption_Unsubscribe:
			st.topics.remove(string(v.Unsubscribe), st.owner, true)
		}
	}
	st.spec.Options = keep
	return nil
}

// restoreSubscriptions subscribes a newly opened socket to the table's
// prefixes and watches the subscribers, on the first start as after a
// restart.
func (a *socketActor) restoreSubscriptions(ctx actor.Context, sock *sockets.Socket) error {
	t := a.state.topics
	if t == nil {
		return nil
	}
	for _, p := range t.prefixes() {
		if err := sock.SetOption(sockets.Subscribe([]byte(p))); err != nil {
			return err
		}
	}
	for _, pid := range t.subscribers() {
		ctx.Watch(pid)
	}
	return nil
}

// route delivers a message received on a SUB or XSUB to every local
// subscriber whose prefix matches its first frame, once each.
func (a *socketActor) route(frames [][]byte) {
	ds := a.state.topics.match(frames[0])
	if len(ds) == 0 {
		// In flight when its last subscriber unsubscribed.
		a.unrouted++
		return
	}
	name := a.state.spec.Name
	var raw *messages.Received
	var typed proto.Message
	var decodeErr error
	decoded := false
	for _, d := range ds {
		if !d.typed && d.batched {
			a.batches.add(d, frames)
			a.delivered++
			continue
		}
		if !d.typed {
			if raw == nil {
				raw = &messages.Received{Socket: name, Frames: frames}
			}
			a.root.RequestWithCustomSender(d.pid, raw, a.self)
			a.delivered++
			continue
		}
		if !decoded {
			decoded = true
			if a.types == nil {
				a.types = typeCache{}
			}
			typed, decodeErr = decodeTyped(frames, a.types)
			if decodeErr != nil {
				a.decodeErrors++
			}
		}
		if decodeErr == nil {
			a.root.RequestWithCustomSender(d.pid, typed, a.self)
			a.delivered++
		}
	}
	if decodeErr != nil {
		a.reportDecodeError(frames, decodeErr, ds)
	}
}

// routeBatch routes the messages of one turn of a SUB or XSUB: each as
// route does, but the untyped deliveries to batched subscribers are
// gathered, and each such subscriber gets one ReceivedBatch at the end.
func (a *socketActor) routeBatch(msgs [][][]byte) {
	if a.state.topics.batched > 0 && a.batches == nil {
		a.batches = &subscriberBatches{byKey: map[string]*messages.ReceivedBatch{}}
	}
	for _, m := range msgs {
		a.route(m)
	}
	if a.batches != nil {
		a.batches.flush(a)
	}
}

// subscriberBatches gathers a turn's messages per batched subscriber.
type subscriberBatches struct {
	byKey map[string]*messages.ReceivedBatch
	order []delivery // the subscribers, in the order of their first message
}

func (b *subscriberBatches) add(d delivery, frames [][]byte) {
	batch := b.byKey[d.key]
	if batch == nil {
		batch = &messages.ReceivedBatch{}
		b.byKey[d.key] = batch
		b.order = append(b.order, d)
	}
	batch.Messages = append(batch.Messages, &messages.Frames{Frames: frames})
}

func (b *subscriberBatches) flush(a *socketActor) {
	for _, d := range b.order {
		batch := b.byKey[d.key]
		batch.Socket = a.state.spec.Name
		a.root.RequestWithCustomSender(d.pid, batch, a.self)
		delete(b.byKey, d.key)
	}
	b.order = b.order[:0]
}

// reportDecodeError tells the owner, or without one the typed subscribers
// that missed the message, that it did not decode.
func (a *socketActor) reportDecodeError(frames [][]byte, err error, ds []delivery) {
	ev := &messages.DecodeError{Socket: a.state.spec.Name, Topic: frames[0], Reason: err.Error(), Count: a.decodeErrors}
	if len(frames) > 1 {
		ev.TypeName = string(truncate(frames[1]))
	}
	if a.state.owner != nil {
		a.event(ev)
		return
	}
	for _, d := range ds {
		if d.typed {
			a.root.RequestWithCustomSender(d.pid, ev, a.self)
		}
	}
}

// peerSubscription turns the subscription messages an XPUB receives into
// PeerSubscription events; anything else a peer sends upstream goes to the
// owner as Received.
func (a *socketActor) peerSubscription(frames [][]byte) {
	name := a.state.spec.Name
	if len(frames) == 1 && len(frames[0]) > 0 && frames[0][0] <= 1 {
		a.event(&messages.PeerSubscription{Socket: name, Subscribe: frames[0][0] == 1, Prefix: frames[0][1:]})
		return
	}
	a.event(&messages.Received{Socket: name, Frames: frames})
}

func (a *socketActor) noTopics(op string) error {
	return &sockets.Error{Op: op, Socket: a.state.spec.Name,
		Err: fmt.Errorf("%w: a %v socket has no subscribers; subscribe through a SUB or XSUB socket actor", sockets.ErrUnsupported, a.state.spec.Type)}
}

// subscriber returns the actor a Subscribe or Unsubscribe is for.
func (a *socketActor) subscriber(op string, ref *messages.ActorRef, sender *actor.PID) (*actor.PID, error) {
	if pid := PIDOf(ref); pid != nil {
		return pid, watchable(op, a.state.spec.Name, pid)
	}
	if sender != nil {
		return sender, watchable(op, a.state.spec.Name, sender)
	}
	return nil, &sockets.Error{Op: op, Socket: a.state.spec.Name,
		Err: fmt.Errorf("%w: %s names no subscriber and has no sender", sockets.ErrBadMessage, op)}
}

func (a *socketActor) subscribe(ctx actor.Context, m *messages.Subscribe, sender *actor.PID) (any, error) {
	t := a.state.topics
	if t == nil {
		return nil, a.noTopics("subscribe")
	}
	pid, err := a.subscriber("subscribe", m.GetSubscriber(), sender)
	if err != nil {
		return nil, err
	}
	prefix := string(m.GetPrefix())
	wire, n := t.add(prefix, pid, m.GetTyped(), false)
	if m.GetBatched() {
		t.setBatched(pid)
	}
	if wire {
		if err := a.sock.SetOption(sockets.Subscribe(m.GetPrefix())); err != nil {
			t.remove(prefix, pid, false)
			return nil, err
		}
	}
	ctx.Watch(pid)
	return &messages.Subscribed{Socket: a.state.spec.Name, Prefix: m.GetPrefix(), Subscriber: Ref(pid), Subscribers: uint32(n)}, nil
}

func (a *socketActor) unsubscribe(ctx actor.Context, m *messages.Unsubscribe, sender *actor.PID) (any, error) {
	t := a.state.topics
	if t == nil {
		return nil, a.noTopics("unsubscribe")
	}
	pid, err := a.subscriber("unsubscribe", m.GetSubscriber(), sender)
	if err != nil {
		return nil, err
	}
	answer := &messages.Unsubscribed{Socket: a.state.spec.Name, Subscriber: Ref(pid)}
	var wire []string
	if m.GetAll() {
		var prefixes []string
		prefixes, wire = t.removeAll(pid)
		for _, p := range prefixes {
			answer.Prefixes = append(answer.Prefixes, []byte(p))
		}
	} else {
		removed, gone := t.remove(string(m.GetPrefix()), pid, false)
		if removed {
			answer.Prefixes = [][]byte{m.GetPrefix()}
		}
		if gone {
			wire = []string{string(m.GetPrefix())}
		}
	}
	if !t.has(pid) && !a.isWatcher(pid) {
		ctx.Unwatch(pid)
	}
	return answer, a.unsubscribeWire(wire)
}

// subscribeOption applies a subscribe or unsubscribe option as the
// owner's subscription.
func (a *socketActor) subscribeOption(ctx actor.Context, o sockets.Option) (any, error) {
	t, owner := a.state.topics, a.state.owner
	if owner == nil {
		return nil, &sockets.Error{Op: "setsockopt", Socket: a.state.spec.Name,
			Err: fmt.Errorf("%w: %w: a subscribe option delivers to the owner; use Subscribe with a subscriber", sockets.ErrUnsupported, ErrNoOwner)}
	}
	if err := sockets.CheckOption(a.state.spec.Type, o); err != nil {
		return nil, &sockets.Error{Op: "setsockopt", Socket: a.state.spec.Name, Err: err}
	}
	switch v := o.GetOption().(type) {
	case *messages.SocketOption_Subscribe:
		if wire, _ := t.add(string(v.Subscribe), owner, false, true); wire {
			if err := a.sock.SetOption(o); err != nil {
				t.remove(string(v.Subscribe), owner, true)
				return nil, err
			}
		}
		ctx.Watch(owner)
	case *messages.SocketOption_Unsubscribe:
		if _, gone := t.remove(string(v.Unsubscribe), owner, true); gone {
			return nil, a.unsubscribeWire([]string{string(v.Unsubscribe)})
		}
	}
	return nil, nil
}

// subscriberGone drops every subscription of a subscriber that stopped.
func (a *socketActor) subscriberGone(ctx actor.Context, who *actor.PID) {
	t := a.state.topics
	if t == nil || who == nil {
		return
	}
	_, wire := t.removeAll(who)
	if err := a.unsubscribeWire(wire); err != nil {
		a.event(sockets.ErrorToProto(a.state.spec.Name, err))
	}
}

// unsubscribeWire unsubscribes the socket from prefixes no local subscriber
// wants any more. While the socket is being reopened there is nothing to
// do: the new socket subscribes to the table's prefixes only.
func (a *socketActor) unsubscribeWire(prefixes []string) error {
	if a.sock == nil {
		return nil
	}
	for _, p := range prefixes {
		if err := a.sock.SetOption(sockets.Unsubscribe([]byte(p))); err != nil {
			return err
		}
	}
	return nil
}

func (a *socketActor) publish(m *messages.Publish, sender *actor.PID) (any, error) {
	name := a.state.spec.Name
	if t := a.state.spec.Type; t != sockets.Pub && t != sockets.XPub {
		return nil, &sockets.Error{Op: "publish", Socket: name,
			Err: fmt.Errorf("%w: a %v socket does not publish; use a PUB or XPUB socket actor", sockets.ErrUnsupported, t)}
	}
	frames := make([][]byte, 0, 1+len(m.GetFrames()))
	frames = append(frames, m.GetTopic())
	if frames[0] == nil {
		frames[0] = []byte{}
	}
	frames = append(frames, m.GetFrames()...)
	queued, err := a.sock.Send(frames)
	if err != nil || sender == nil {
		return nil, err
	}
	return &messages.Sent{Socket: name, Queued: queued}, nil
}

// watchable refuses a protoactor future as a subscriber or watcher: the
// socket actor watches the actors it sends to, and a future takes a Watch
// as its result, racing with the answer. A RequestFuture that subscribes
// must name the subscribing actor in the command instead.
func watchable(op, socket string, pid *actor.PID) error {
	if strings.HasPrefix(pid.GetId(), "future$") {
		return &sockets.Error{Op: op, Socket: socket, Err: fmt.Errorf(
			"%w: a future (%s) cannot be a subscriber or watcher; name the actor in the command", sockets.ErrBadMessage, pid.GetId())}
	}
	return nil
}
