package actors

import (
	"fmt"
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// subscriberRole is the delivery role of a SUB or XSUB socket actor: it
// routes what the socket receives to the local subscribers of the matching
// topic prefixes. Its routing table outlives restarts, so a restarted
// socket subscribes again to the same prefixes for the same subscribers;
// its counters (Stats' delivered, unrouted, decode_errors) count since the
// socket last opened, as the socket's own do.
type subscriberRole struct {
	topics *topicTable
	// ownerSubs are the spec's subscribe options, the owner's
	// subscriptions: moved into the table at the first open.
	ownerSubs []sockets.Option
	// invert: the socket has invert_matching, and each subscriber gets
	// the messages that match none of its prefixes.
	invert bool

	attachment

	delivered, unrouted, decodeErrors uint64
	types                             typeCache
	batches                           *subscriberBatches // batched subscribers' messages of this turn
	slab                              deliverySlab       // the Receiveds and envelopes of this turn
}

// newSubscriberRole makes the role of a SUB or XSUB for spec, whose
// subscribe options it takes out of the spec: the table alone says what
// the socket subscribes to.
func newSubscriberRole(spec *sockets.Spec) *subscriberRole {
	r := &subscriberRole{topics: newTopicTable()}
	var keep []sockets.Option
	for _, o := range spec.Options {
		if isSubscription(o) {
			r.ownerSubs = append(r.ownerSubs, o)
		} else {
			r.noteInvert(o)
			keep = append(keep, o)
		}
	}
	spec.Options = keep
	return r
}

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

func (r *subscriberRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	r.attach(h)
	r.delivered, r.unrouted, r.decodeErrors = 0, 0, 0
	if len(r.ownerSubs) > 0 {
		owner := h.owner()
		if owner == nil {
			return nil, fmt.Errorf("%w: %v socket %q subscribes by option, and those messages go to the owner", ErrNoOwner, h.socketType(), r.name)
		}
		for _, o := range r.ownerSubs {
			switch v := o.GetOption().(type) {
			case *messages.SocketOption_Subscribe:
				r.topics.add(string(v.Subscribe), owner, false, true)
			case *messages.SocketOption_Unsubscribe:
				r.topics.remove(string(v.Unsubscribe), owner, true)
			}
		}
		r.ownerSubs = nil
	}
	hooks.DeliverBatch = r.routeBatch
	return nil, nil
}

// opened subscribes the new socket to the table's prefixes and watches the
// subscribers, on the first start as after a restart.
func (r *subscriberRole) opened(bool) error {
	sock := r.h.socket()
	for _, p := range r.topics.prefixes() {
		if err := sock.SetOption(sockets.Subscribe([]byte(p))); err != nil {
			return err
		}
	}
	for _, pid := range r.topics.subscribers() {
		r.h.watch(pid)
	}
	r.sock = sock
	return nil
}

func (r *subscriberRole) closing(bool) { r.sock = nil }

func (r *subscriberRole) command(msg any, sender *actor.PID) (any, bool, error) {
	switch m := msg.(type) {
	case *messages.Subscribe:
		return taken(r.subscribe(m, sender))
	case *messages.Unsubscribe:
		return taken(r.unsubscribe(m, sender))
	}
	return nil, false, nil
}

// filter takes the owner's subscriptions: subscribe and unsubscribe
// options, and on an XSUB the subscription messages sent upstream.
func (r *subscriberRole) filter(msg any, _ *actor.PID) (any, bool, error) {
	switch m := msg.(type) {
	case *messages.Send:
		if len(m.GetFrames()) != 1 {
			return nil, false, nil
		}
		o := subscriptionOption(m.GetFrames()[0])
		if o == nil {
			return nil, false, nil
		}
		if err := r.subscribeOption(o); err != nil {
			return nil, true, err
		}
		return &messages.Sent{Socket: r.name}, true, nil
	case *messages.SetOption:
		if !isSubscription(m.GetOption()) {
			if sockets.CheckOption(r.h.socketType(), m.GetOption()) == nil {
				r.noteInvert(m.GetOption())
			}
			return nil, false, nil // the core applies it
		}
		if err := r.subscribeOption(m.GetOption()); err != nil {
			return nil, true, err
		}
		return &messages.OptionSet{Socket: r.name, Option: m.GetOption()}, true, nil
	}
	return nil, false, nil
}

// terminated drops every subscription of a subscriber that stopped.
func (r *subscriberRole) terminated(who *actor.PID) {
	_, wire := r.topics.removeAll(who)
	if err := r.unsubscribeWire(wire); err != nil {
		r.h.errorTo(nil, err)
	}
}

func (r *subscriberRole) stats(s *messages.Stats) {
	s.Delivered, s.Unrouted, s.DecodeErrors = r.delivered, r.unrouted, r.decodeErrors
	s.Subscriptions, s.Subscribers = uint32(len(r.topics.entries)), uint32(len(r.topics.subs))
}

// noteInvert notes an invert_matching option.
func (r *subscriberRole) noteInvert(o sockets.Option) {
	if v, ok := o.GetOption().(*messages.SocketOption_InvertMatching); ok {
		r.invert = v.InvertMatching
	}
}

// route delivers a message received on a SUB or XSUB to every local
// subscriber whose prefix matches its first frame, once each (with
// invert_matching, to those none of whose prefixes does).
func (r *subscriberRole) route(frames [][]byte) {
	var ds []delivery
	if r.invert {
		ds = r.topics.matchInverted(frames[0])
	} else {
		ds = r.topics.match(frames[0])
	}
	if len(ds) == 0 {
		// In flight when its last subscriber unsubscribed.
		r.unrouted++
		return
	}
	var raw *messages.Received
	var typed *messages.TypedMessage
	var decodeErr error
	decoded := false
	for _, d := range ds {
		if !d.typed && d.batched {
			r.batches.add(d, frames)
			r.delivered++
			continue
		}
		if !d.typed {
			if raw == nil {
				raw = r.slab.received(r.name, frames)
			}
			r.slab.send(r.root, d.pid, raw, r.self)
			r.delivered++
			continue
		}
		if !decoded {
			decoded = true
			if r.types == nil {
				r.types = typeCache{}
			}
			if _, decodeErr = decodeTyped(frames, r.types); decodeErr != nil {
				r.decodeErrors++
			} else {
				typed = &messages.TypedMessage{Socket: r.name, Topic: frames[0], Body: anyOf(frames[1], frames[2])}
			}
		}
		if decodeErr == nil {
			r.root.RequestWithCustomSender(d.pid, typed, r.self)
			r.delivered++
		}
	}
	if decodeErr != nil {
		r.reportDecodeError(frames, decodeErr, ds)
	}
}

// routeBatch routes the messages of one turn: each as route does, but the
// untyped deliveries to batched subscribers are gathered, and each such
// subscriber gets one ReceivedBatch at the end.
func (r *subscriberRole) routeBatch(msgs [][][]byte) {
	if r.topics.batched > 0 && r.batches == nil {
		r.batches = &subscriberBatches{byKey: map[string]*messages.ReceivedBatch{}}
	}
	r.slab.begin(len(msgs))
	for _, m := range msgs {
		r.route(m)
	}
	r.slab.end()
	if r.batches != nil {
		r.batches.flush(r.name, r.root, r.self)
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

func (b *subscriberBatches) flush(name string, root *actor.RootContext, self *actor.PID) {
	for _, d := range b.order {
		batch := b.byKey[d.key]
		batch.Socket = name
		root.RequestWithCustomSender(d.pid, batch, self)
		delete(b.byKey, d.key)
	}
	b.order = b.order[:0]
}

// reportDecodeError tells the owner, or without one the typed subscribers
// that missed the message, that it did not decode.
func (r *subscriberRole) reportDecodeError(frames [][]byte, err error, ds []delivery) {
	ev := &messages.DecodeError{Socket: r.name, Topic: frames[0], Reason: err.Error(), Count: r.decodeErrors}
	if len(frames) > 1 {
		ev.TypeName = string(truncate(frames[1]))
	}
	if r.h.owner() != nil {
		r.h.event(ev)
		return
	}
	for _, d := range ds {
		if d.typed {
			r.root.RequestWithCustomSender(d.pid, ev, r.self)
		}
	}
}

// subscriber returns the actor a Subscribe or Unsubscribe is for.
func (r *subscriberRole) subscriber(op sockets.Op, ref *messages.ActorRef, sender *actor.PID) (*actor.PID, error) {
	pid, err := actorOf(op, r.name, ref, sender, nil)
	if err == nil && pid == nil {
		err = &sockets.Error{Op: op, Socket: r.name,
			Err: fmt.Errorf("%w: %s names no subscriber and has no sender", sockets.ErrBadMessage, op)}
	}
	return pid, err
}

func (r *subscriberRole) subscribe(m *messages.Subscribe, sender *actor.PID) (any, error) {
	pid, err := r.subscriber(sockets.OpSubscribe, m.GetSubscriber(), sender)
	if err != nil {
		return nil, err
	}
	t := r.topics
	prefix := string(m.GetPrefix())
	wire, n := t.add(prefix, pid, m.GetTyped(), false)
	if m.GetBatched() {
		t.setBatched(pid)
	}
	if wire {
		if err := r.sock.SetOption(sockets.Subscribe(m.GetPrefix())); err != nil {
			t.remove(prefix, pid, false)
			return nil, err
		}
	}
	r.h.watch(pid)
	return &messages.Subscribed{Socket: r.name, Prefix: m.GetPrefix(), Subscriber: Ref(pid), Subscribers: uint32(n)}, nil
}

func (r *subscriberRole) unsubscribe(m *messages.Unsubscribe, sender *actor.PID) (any, error) {
	pid, err := r.subscriber(sockets.OpUnsubscribe, m.GetSubscriber(), sender)
	if err != nil {
		return nil, err
	}
	t := r.topics
	answer := &messages.Unsubscribed{Socket: r.name, Subscriber: Ref(pid)}
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
	if !t.has(pid) {
		r.h.unwatch(pid)
	}
	return answer, r.unsubscribeWire(wire)
}

// subscribeOption applies a subscribe or unsubscribe option as the
// owner's subscription.
func (r *subscriberRole) subscribeOption(o sockets.Option) error {
	owner := r.h.owner()
	if owner == nil {
		return &sockets.Error{Op: sockets.OpSetOption, Socket: r.name,
			Err: fmt.Errorf("%w: %w: a subscribe option delivers to the owner; use Subscribe with a subscriber", sockets.ErrUnsupported, ErrNoOwner)}
	}
	if err := sockets.CheckOption(r.h.socketType(), o); err != nil {
		return &sockets.Error{Op: sockets.OpSetOption, Socket: r.name, Err: err}
	}
	t := r.topics
	switch v := o.GetOption().(type) {
	case *messages.SocketOption_Subscribe:
		if wire, _ := t.add(string(v.Subscribe), owner, false, true); wire {
			if err := r.sock.SetOption(o); err != nil {
				t.remove(string(v.Subscribe), owner, true)
				return err
			}
		}
		r.h.watch(owner)
	case *messages.SocketOption_Unsubscribe:
		if _, gone := t.remove(string(v.Unsubscribe), owner, true); gone {
			return r.unsubscribeWire([]string{string(v.Unsubscribe)})
		}
	}
	return nil
}

// unsubscribeWire unsubscribes the socket from prefixes no local subscriber
// wants any more. While the socket is being reopened there is nothing to
// do: the new socket subscribes to the table's prefixes only.
func (r *subscriberRole) unsubscribeWire(prefixes []string) error {
	if r.sock == nil {
		return nil
	}
	for _, p := range prefixes {
		if err := r.sock.SetOption(sockets.Unsubscribe([]byte(p))); err != nil {
			return err
		}
	}
	return nil
}
