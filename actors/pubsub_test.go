package actors_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"google.golang.org/protobuf/proto"
)

// pubsub is an XPUB socket actor and a SUB socket actor connected to it.
// The XPUB's owner inbox sees each subscription reach the publisher, so a
// test knows when publishing will be heard instead of sleeping.
type pubsub struct {
	pub, sub     *actors.Socket
	pubIn, subIn *actors.Inbox
}

func (f *fixture) pubsub(transport string, pubOpts ...sockets.Option) *pubsub {
	f.t.Helper()
	ep := "inproc://pubsub-" + f.system.ProcessRegistry.NextId()
	if transport == "tcp" {
		ep = "tcp://127.0.0.1:*"
	}
	var ps pubsub
	ps.pub, ps.pubIn = f.spawn(sockets.Spec{Name: "pub", Type: sockets.XPub, Options: pubOpts, Binds: []string{ep}})
	ps.sub, ps.subIn = f.spawn(sockets.Spec{Name: "sub", Type: sockets.Sub, Connects: ps.pub.Bound()})
	return &ps
}

// expectPeer waits for the publisher to see a subscription change.
func expectPeer(t *testing.T, in *actors.Inbox, subscribe bool, prefix string) {
	t.Helper()
	m := event(t, in)
	p, ok := m.(*messages.PeerSubscription)
	if !ok || p.GetSubscribe() != subscribe || string(p.GetPrefix()) != prefix {
		t.Fatalf("got %T %v, want PeerSubscription subscribe=%v %q", m, m, subscribe, prefix)
	}
}

// topics reads n Received from in and returns their first frames.
func topics(t *testing.T, in *actors.Inbox, n int) []string {
	t.Helper()
	var got []string
	for range n {
		m := testutil.Next(t, in, testutil.Wait)
		r, ok := m.(*messages.Received)
		if !ok {
			t.Fatalf("subscriber got %T %v, want Received", m, m)
		}
		if r.GetSocket() != "sub" {
			t.Fatalf("Received from socket %q", r.GetSocket())
		}
		got = append(got, string(r.GetFrames()[0]))
	}
	return got
}

func expectTopics(t *testing.T, who string, in *actors.Inbox, want ...string) {
	t.Helper()
	if got := topics(t, in, len(want)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s received %q, want %q", who, got, want)
	}
}

func (f *fixture) stats(s *actors.Socket) *messages.Stats {
	f.t.Helper()
	st, err := s.Stats(f.ctx)
	if err != nil {
		f.t.Fatalf("stats: %v", err)
	}
	return st
}

// TestTopicRouting checks the routing table of a SUB socket actor: prefix
// matching with overlapping prefixes and the empty prefix, one delivery per
// subscriber, the wire subscription as the reference-counted union,
// unsubscribing, and subscribers that stop; every delivery is counted.
func TestTopicRouting(t *testing.T) {
	f := newFixture(t)
	ps := f.pubsub("inproc")
	all, a, ab, b := f.inbox(), f.inbox(), f.inbox(), f.inbox()
	many := make([]*actors.Inbox, 50)
	for i := range many {
		many[i] = f.inbox()
	}

	sub := func(in *actors.Inbox, prefix string, wantSubscribers uint32) {
		t.Helper()
		res := f.request(ps.sub.PID(), &messages.Subscribe{Prefix: []byte(prefix), Subscriber: actors.Ref(in.PID())})
		s, ok := res.(*messages.Subscribed)
		if !ok || s.GetSubscribers() != wantSubscribers || string(s.GetPrefix()) != prefix || !actors.PIDOf(s.GetSubscriber()).Equal(in.PID()) {
			t.Fatalf("subscribe %q: got %T %v, want Subscribed with %d subscribers", prefix, res, res, wantSubscribers)
		}
	}
	sub(all, "", 1)
	expectPeer(t, ps.pubIn, true, "")
	sub(a, "a", 1)
	expectPeer(t, ps.pubIn, true, "a")
	sub(ab, "ab", 1)
	expectPeer(t, ps.pubIn, true, "ab")
	sub(ab, "a", 2) // overlaps its own "ab": still one delivery per message
	sub(ab, "ab", 1)
	sub(b, "b", 1)
	expectPeer(t, ps.pubIn, true, "b")
	for i, in := range many {
		sub(in, "c", uint32(i+1))
	}
	expectPeer(t, ps.pubIn, true, "c")
	quiet(t, ps.pubIn) // one wire subscription per prefix
	if st := f.stats(ps.sub); st.GetSubscriptions() != 5 || st.GetSubscribers() != 4+uint32(len(many)) {
		t.Fatalf("stats %v, want 5 subscriptions and %d subscribers", st, 4+len(many))
	}

	for _, topic := range []string{"abc", "ab", "a", "b", "bx", "c1", "zzz"} {
		if err := ps.pub.Publish(topic, []byte("body")); err != nil {
			t.Fatal(err)
		}
	}
	expectTopics(t, "all", all, "abc", "ab", "a", "b", "bx", "c1", "zzz")
	expectTopics(t, "a", a, "abc", "ab", "a")
	expectTopics(t, "ab+a", ab, "abc", "ab", "a")
	expectTopics(t, "b", b, "b", "bx")
	for _, in := range many {
		expectTopics(t, "c", in, "c1")
	}
	// all saw the last message, so every delivery has been made: exactly
	// the ones above, and nothing unrouted.
	delivered := uint64(7 + 3 + 3 + 2 + len(many))
	if st := f.stats(ps.sub); st.GetDelivered() != delivered || st.GetUnrouted() != 0 || st.GetReceived() != 7 {
		t.Fatalf("stats %v, want received 7, delivered %d, unrouted 0", st, delivered)
	}

	// Unsubscribe: "a" stays on the wire until its last subscriber leaves.
	if err := ps.sub.Unsubscribe(f.ctx, a.PID(), "a"); err != nil {
		t.Fatal(err)
	}
	quiet(t, ps.pubIn)
	if err := ps.sub.Unsubscribe(f.ctx, ab.PID(), "a"); err != nil {
		t.Fatal(err)
	}
	expectPeer(t, ps.pubIn, false, "a")
	if err := ps.sub.Unsubscribe(f.ctx, a.PID(), "never"); err != nil {
		t.Fatalf("unsubscribing what was never subscribed: %v", err)
	}
	for _, topic := range []string{"a", "ab"} {
		if err := ps.pub.Publish(topic); err != nil {
			t.Fatal(err)
		}
	}
	expectTopics(t, "all", all, "a", "ab")
	expectTopics(t, "ab", ab, "ab")
	delivered += 3

	// A subscriber that stops is dropped, and its prefix with it.
	b.Close()
	expectPeer(t, ps.pubIn, false, "b")
	many[0].Close() // others still want "c"
	prefixes, err := ps.sub.UnsubscribeAll(f.ctx, many[1].PID())
	if err != nil || fmt.Sprint(prefixes) != "[c]" {
		t.Fatalf("UnsubscribeAll: %q, %v", prefixes, err)
	}
	quiet(t, ps.pubIn)
	if err := ps.pub.Publish("b"); err != nil {
		t.Fatal(err)
	}
	if err := ps.pub.Publish("c2"); err != nil {
		t.Fatal(err)
	}
	expectTopics(t, "all", all, "b", "c2")
	for _, in := range many[2:] {
		expectTopics(t, "c", in, "c2")
	}
	delivered += 2 + uint64(len(many)-2)
	st := f.stats(ps.sub)
	if st.GetDelivered() != delivered || st.GetSubscribers() != 2+uint32(len(many)-2) || st.GetSubscriptions() != 3 {
		t.Fatalf("stats %v, want delivered %d, %d subscribers, 3 subscriptions", st, delivered, 2+len(many)-2)
	}
	for _, in := range append([]*actors.Inbox{a, ab, many[1]}, many[2:]...) {
		quiet(t, in)
	}
	quiet(t, ps.subIn)
}

// TestSubscribeOptionIsOwners checks that subscribing by option, in the
// spec or later, delivers to the owner through the same table, reference
// counted as ZeroMQ counts option subscriptions, and that an XSUB does the
// same with subscription messages.
func TestSubscribeOptionIsOwners(t *testing.T) {
	for _, typ := range []sockets.Type{sockets.Sub, sockets.XSub} {
		t.Run(typ.String(), func(t *testing.T) {
			f := newFixture(t)
			pub, pubIn := f.spawn(sockets.Spec{Name: "pub", Type: sockets.XPub, Binds: []string{"inproc://opt-" + f.system.ProcessRegistry.NextId()}})
			sub, subIn := f.spawn(sockets.Spec{Name: "sub", Type: typ, Connects: pub.Bound(),
				Options: []sockets.Option{sockets.Subscribe([]byte("x"))}})
			expectPeer(t, pubIn, true, "x")
			other := f.inbox()
			if err := sub.Subscribe(f.ctx, other.PID(), "x"); err != nil {
				t.Fatal(err)
			}
			if err := sub.SetOption(f.ctx, sockets.Subscribe([]byte("x"))); err != nil { // a second reference
				t.Fatal(err)
			}
			if typ == sockets.XSub { // a subscription message is an option too
				if _, err := sub.SendWait(f.ctx, []byte("\x01y")); err != nil {
					t.Fatal(err)
				}
				expectPeer(t, pubIn, true, "y")
			}
			if err := pub.Publish("x1"); err != nil {
				t.Fatal(err)
			}
			expectTopics(t, "owner", subIn, "x1")
			expectTopics(t, "other", other, "x1")
			if err := sub.SetOption(f.ctx, sockets.Unsubscribe([]byte("x"))); err != nil {
				t.Fatal(err)
			}
			if err := sub.SetOption(f.ctx, sockets.Unsubscribe([]byte("x"))); err != nil {
				t.Fatal(err)
			}
			if err := pub.Publish("x2"); err != nil {
				t.Fatal(err)
			}
			expectTopics(t, "other", other, "x2")
			quiet(t, pubIn) // "other" keeps "x" on the wire
			if err := sub.Unsubscribe(f.ctx, other.PID(), "x"); err != nil {
				t.Fatal(err)
			}
			expectPeer(t, pubIn, false, "x")
			quiet(t, subIn)
		})
	}
}

// TestPubSubBadCommands checks the clear errors of pub/sub commands sent
// where they do not belong.
func TestPubSubBadCommands(t *testing.T) {
	f := newFixture(t)
	push, _, pushIn, pullIn := f.pipe()
	mustIs(t, push.Subscribe(f.ctx, pushIn.PID(), "x"), sockets.ErrUnsupported)
	mustIs(t, push.Publish("x"), sockets.ErrUnsupported)
	f.requestError(push.PID(), &messages.Publish{Topic: []byte("x")}, messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION)
	f.requestError(push.PID(), &messages.Unsubscribe{All: true}, messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION)
	f.works(push, pushIn, pullIn)

	sub, subIn := f.spawn(sockets.Spec{Name: "sub", Type: sockets.Sub})
	// No subscriber and no sender: nobody to deliver to.
	f.system.Root.Send(sub.PID(), &messages.Subscribe{Prefix: []byte("x")})
	expectError(t, subIn, messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE)
	if st := f.stats(sub); st.GetSubscriptions() != 0 {
		t.Fatalf("a refused Subscribe left %d subscriptions", st.GetSubscriptions())
	}
	_, err := actors.NewPublish("t", nil)
	mustIsPlain(t, err, sockets.ErrBadMessage)

	// A SUB without owner serves subscribers; an option subscription,
	// which would deliver to the owner, is refused.
	lone := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Sub})
	mustIs(t, lone.SetOption(f.ctx, sockets.Subscribe(nil)), sockets.ErrUnsupported)
	if err := lone.Subscribe(f.ctx, subIn.PID(), "x"); err != nil {
		t.Fatal(err)
	}
}

func mustIsPlain(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

// TestTypedRoundTrip publishes protobuf messages over tcp to a typed
// subscriber, then feeds the subscriber every kind of bad typed message:
// each is a DecodeError to the owner, counted, and the socket goes on.
func TestTypedRoundTrip(t *testing.T) {
	f := newFixture(t)
	ps := f.pubsub("tcp")
	typed, raw := f.inbox(), f.inbox()
	if err := ps.sub.SubscribeTyped(f.ctx, typed.PID(), "stats"); err != nil {
		t.Fatal(err)
	}
	expectPeer(t, ps.pubIn, true, "stats")
	if err := ps.sub.Subscribe(f.ctx, raw.PID(), "stats.raw"); err != nil {
		t.Fatal(err)
	}
	expectPeer(t, ps.pubIn, true, "stats.raw")

	good := func(i int) *messages.Stats {
		return &messages.Stats{Socket: fmt.Sprintf("good-%d", i), Received: uint64(i)}
	}
	expectGood := func(i int, topic string) {
		t.Helper()
		m := testutil.Next(t, typed, testutil.Wait)
		got, body := typedBody(t, m)
		if s, ok := body.(*messages.Stats); !ok || got != topic || s.GetSocket() != good(i).GetSocket() || s.GetReceived() != uint64(i) {
			t.Fatalf("typed subscriber got %T %v, want %v on %q", m, m, good(i), topic)
		}
	}
	for i := range 3 {
		if err := ps.pub.PublishProto("stats.good", good(i)); err != nil {
			t.Fatal(err)
		}
		expectGood(i, "stats.good")
	}
	// The raw subscriber of an overlapping prefix gets the frames.
	if err := ps.pub.PublishProto("stats.raw", good(3)); err != nil {
		t.Fatal(err)
	}
	expectGood(3, "stats.raw")
	m := testutil.Next(t, raw, testutil.Wait)
	if r, ok := m.(*messages.Received); !ok || len(r.GetFrames()) != 3 || string(r.GetFrames()[1]) != "zmqactor.v1.Stats" {
		t.Fatalf("raw subscriber got %T %v", m, m)
	}

	bad := []struct {
		name   string
		frames [][]byte
	}{
		{"one frame", [][]byte{[]byte("stats")}},
		{"truncated", [][]byte{[]byte("stats"), []byte("zmqactor.v1.Stats")}},
		{"four frames", [][]byte{[]byte("stats"), []byte("zmqactor.v1.Stats"), {}, {}}},
		{"unknown type", [][]byte{[]byte("stats"), []byte("no.such.Type"), {}}},
		{"not a type name", [][]byte{[]byte("stats"), []byte("\xff\xfe bad"), {}}},
		{"empty type name", [][]byte{[]byte("stats"), {}, {}}},
		{"truncated varint", [][]byte{[]byte("stats"), []byte("zmqactor.v1.Stats"), {0x10}}},
		{"invalid utf-8 string", [][]byte{[]byte("stats"), []byte("zmqactor.v1.Stats"), {0x0a, 0x02, 0xff, 0xfe}}},
		{"random bytes", [][]byte{[]byte("stats"), []byte("zmqactor.v1.Stats"), {0xff, 0xff, 0xff, 0xff, 0xff}}},
	}
	for i, c := range bad {
		if _, err := ps.pub.SendWait(f.ctx, c.frames...); err != nil {
			t.Fatal(err)
		}
		m := event(t, ps.subIn)
		d, ok := m.(*messages.DecodeError)
		if !ok || d.GetCount() != uint64(i+1) || d.GetReason() == "" || !bytes.Equal(d.GetTopic(), []byte("stats")) {
			t.Fatalf("%s: owner got %T %v, want DecodeError #%d", c.name, m, m, i+1)
		}
		if _, err := actors.DecodeTyped(c.frames); !errors.Is(err, sockets.ErrBadMessage) {
			t.Fatalf("%s: DecodeTyped: %v", c.name, err)
		}
		// The socket goes on.
		if err := ps.pub.PublishProto("stats.good", good(10+i)); err != nil {
			t.Fatal(err)
		}
		expectGood(10+i, "stats.good")
	}
	st := f.stats(ps.sub)
	if st.GetDecodeErrors() != uint64(len(bad)) {
		t.Fatalf("stats %v, want %d decode errors", st, len(bad))
	}
	quiet(t, typed)
	quiet(t, ps.subIn)
}

// TestRestartRestoresSubscriptions fails a SUB socket actor with three
// local subscribers and an option subscription of its owner: the restarted
// socket subscribes again on the wire, and each gets what it subscribed to.
func TestRestartRestoresSubscriptions(t *testing.T) {
	f := newFixture(t)
	// Verbose, so that the publisher sees every subscription of the new
	// socket even while the old connection is still being torn down.
	pub, pubIn := f.spawn(sockets.Spec{Name: "pub", Type: sockets.XPub, Binds: []string{"inproc://restore-" + f.system.ProcessRegistry.NextId()},
		Options: []sockets.Option{sockets.XPubVerbose(true)}})
	subIn := f.inbox()
	sub := testutil.Spawn(t, f.z, sockets.Spec{Name: "sub", Type: sockets.Sub, Connects: pub.Bound(),
		Options: []sockets.Option{sockets.Subscribe([]byte("o"))}}, actors.WithOwner(subIn.PID()), actors.WithFaultInjection())
	testutil.Expect[*messages.Started](t, subIn, testutil.Wait)
	x, y, all := f.inbox(), f.inbox(), f.inbox()
	for _, s := range []struct {
		in     *actors.Inbox
		prefix string
	}{{x, "x"}, {y, "y"}, {all, ""}} {
		if err := sub.Subscribe(f.ctx, s.in.PID(), s.prefix); err != nil {
			t.Fatal(err)
		}
	}
	subscribed := func() {
		t.Helper()
		want := map[string]bool{"o": true, "x": true, "y": true, "": true}
		for len(want) > 0 {
			m := event(t, pubIn)
			p, ok := m.(*messages.PeerSubscription)
			if !ok {
				t.Fatalf("publisher got %T %v", m, m)
			}
			if p.GetSubscribe() {
				delete(want, string(p.GetPrefix()))
			}
		}
	}
	subscribed()

	for round := range 3 {
		f.system.Root.Send(sub.PID(), &messages.InjectFault{Reason: "restore test"})
		if st := testutil.Expect[*messages.Started](t, subIn, testutil.Wait); st.GetRestarts() != uint32(round+1) {
			t.Fatalf("restarted: %v", st)
		}
		subscribed()
		r := fmt.Sprint(round)
		for _, topic := range []string{"x" + r, "y" + r, "o" + r, "z" + r} {
			if err := pub.Publish(topic); err != nil {
				t.Fatal(err)
			}
		}
		expectTopics(t, "x", x, "x"+r)
		expectTopics(t, "y", y, "y"+r)
		expectTopics(t, "all", all, "x"+r, "y"+r, "o"+r, "z"+r)
		if m, ok := testutil.Next(t, subIn, testutil.Wait).(*messages.Received); !ok || string(m.GetFrames()[0]) != "o"+r {
			t.Fatalf("owner got %T %v, want o%d", m, m, round)
		}
		if st := f.stats(sub); st.GetSubscribers() != 4 || st.GetSubscriptions() != 4 || st.GetDelivered() != 7 {
			t.Fatalf("after restart %d: %v", round+1, st)
		}
	}
}

// typedBody returns the topic and the decoded message of a TypedMessage
// that a typed subscriber received, failing the test for anything else.
func typedBody(t testing.TB, m any) (string, proto.Message) {
	t.Helper()
	tm, ok := m.(*messages.TypedMessage)
	if !ok {
		t.Fatalf("the typed subscriber got %T %v, want a TypedMessage", m, m)
	}
	body, err := actors.UnpackAny(tm.GetBody())
	if err != nil {
		t.Fatalf("TypedMessage %v: %v", tm, err)
	}
	return string(tm.GetTopic()), body
}
