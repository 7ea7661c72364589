package actors_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pebbe/zmq4"
	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// readable lists an option of every kind that ZeroMQ reports, with two
// values (one for the spec, one for SetOption) and a type that has it.
func readable() []struct {
	typ        sockets.Type
	spec, next sockets.Option
} {
	return []struct {
		typ        sockets.Type
		spec, next sockets.Option
	}{
		{sockets.Dealer, sockets.RoutingID([]byte("spec-id")), sockets.RoutingID([]byte("set-id"))},
		{sockets.Push, sockets.SendHWM(10), sockets.SendHWM(20)},
		{sockets.Pull, sockets.ReceiveHWM(11), sockets.ReceiveHWM(21)},
		{sockets.Push, sockets.Linger(12 * time.Millisecond), sockets.Linger(22 * time.Millisecond)},
		{sockets.Push, sockets.ReconnectInterval(13 * time.Millisecond), sockets.ReconnectInterval(23 * time.Millisecond)},
		{sockets.Push, sockets.ReconnectIntervalMax(14 * time.Millisecond), sockets.ReconnectIntervalMax(24 * time.Millisecond)},
		{sockets.Pull, sockets.MaxMessageSize(1500), sockets.MaxMessageSize(2500)},
		{sockets.Push, sockets.Immediate(true), sockets.Immediate(false)},
		{sockets.Pull, sockets.Conflate(true), sockets.Conflate(false)},
		{sockets.Push, sockets.TCPKeepalive(true, 30*time.Second, 5*time.Second, 3), sockets.TCPKeepalive(false, 0, 0, 0)},
		{sockets.Push, sockets.HandshakeInterval(15 * time.Millisecond), sockets.HandshakeInterval(25 * time.Millisecond)},
		{sockets.Push, sockets.ZAPDomain("spec"), sockets.ZAPDomain("set")},
		{sockets.Pull, sockets.PlainServer(), sockets.PlainServer()},
		{sockets.Push, sockets.HeartbeatInterval(16 * time.Millisecond), sockets.HeartbeatInterval(26 * time.Millisecond)},
		{sockets.Push, sockets.HeartbeatTTL(1600 * time.Millisecond), sockets.HeartbeatTTL(2600 * time.Millisecond)},
		{sockets.Push, sockets.HeartbeatTimeout(17 * time.Millisecond), sockets.HeartbeatTimeout(27 * time.Millisecond)},
		{sockets.Push, sockets.IPv6(true), sockets.IPv6(false)},
		{sockets.Push, sockets.ConnectTimeout(18 * time.Millisecond), sockets.ConnectTimeout(28 * time.Millisecond)},
		{sockets.Sub, sockets.InvertMatching(true), sockets.InvertMatching(false)},
		{sockets.Push, sockets.TypeOfService(0x10), sockets.TypeOfService(0x20)},
		{sockets.Push, sockets.SendBuffer(65536), sockets.SendBuffer(131072)},
		{sockets.Pull, sockets.ReceiveBuffer(65536), sockets.ReceiveBuffer(131072)},
		{sockets.Pull, sockets.Backlog(19), sockets.Backlog(29)},
	}
}

// TestOptionsReadBack: every option ZeroMQ reports is read back as set,
// from the spec, after SetOption, and after a restart (which applies the
// spec and the options set since again).
func TestOptionsReadBack(t *testing.T) {
	f := newFixture(t)
	for _, c := range readable() {
		name := sockets.OptionName(c.spec)
		t.Run(name, func(t *testing.T) {
			f := f.with(t)
			s, in := f.spawn(sockets.Spec{Type: c.typ, Options: []sockets.Option{c.spec}}, actors.WithFaultInjection())
			check := func(when string, want sockets.Option) {
				t.Helper()
				got, err := s.GetOption(f.ctx, name)
				if err != nil || !proto.Equal(got, want) {
					t.Fatalf("%s: GetOption(%s) = %v, %v; want %v", when, name, got, err, want)
				}
			}
			check("from the spec", c.spec)
			if err := s.SetOption(f.ctx, c.next); err != nil {
				t.Fatal(err)
			}
			check("after SetOption", c.next)
			f.system.Root.Send(s.PID(), &messages.InjectFault{Reason: "read back"})
			testutil.Expect[*messages.Started](t, in, testutil.Wait)
			check("after a restart", c.next)
		})
	}
	// Every name GetOption knows is either covered above or refused as
	// one ZeroMQ does not report.
	covered := map[string]bool{}
	for _, c := range readable() {
		covered[sockets.OptionName(c.spec)] = true
	}
	s, _ := f.spawn(sockets.Spec{Type: sockets.Router})
	for _, name := range sockets.OptionNames() {
		if covered[name] {
			continue
		}
		if _, err := s.GetOption(f.ctx, name); err == nil {
			t.Errorf("%s is read back but not covered by this test", name)
		} else if !errors.Is(err, sockets.ErrUnsupported) {
			t.Errorf("GetOption(%s): %v, want ErrUnsupported", name, err)
		}
	}
}

// TestOptionsChecked: each new option is refused on a type without it, and
// for a bad value, at spawn and by SetOption, with the sentinel.
func TestOptionsChecked(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		typ  sockets.Type
		o    sockets.Option
		want error
	}{
		{sockets.Dealer, sockets.RouterHandover(true), sockets.ErrUnsupported},
		{sockets.Pull, sockets.ProbeRouter(true), sockets.ErrUnsupported},
		{sockets.Dealer, sockets.ReqCorrelate(true), sockets.ErrUnsupported},
		{sockets.Rep, sockets.ReqRelaxed(true), sockets.ErrUnsupported},
		{sockets.Pub, sockets.XPubManual(true), sockets.ErrUnsupported},
		{sockets.Sub, sockets.XPubWelcomeMessage([]byte("hi")), sockets.ErrUnsupported},
		{sockets.Push, sockets.InvertMatching(true), sockets.ErrUnsupported},
		{sockets.Push, sockets.Subscribe([]byte("x")), sockets.ErrUnsupported},
		{sockets.Push, sockets.HeartbeatInterval(-time.Second), sockets.ErrBadOption},
		{sockets.Push, sockets.HeartbeatInterval(time.Microsecond), sockets.ErrBadOption},
		{sockets.Push, sockets.HeartbeatTTL(150 * time.Millisecond), sockets.ErrBadOption},
		{sockets.Push, sockets.HeartbeatTTL(2 * time.Hour), sockets.ErrBadOption},
		{sockets.Push, sockets.HeartbeatTimeout(-time.Millisecond), sockets.ErrBadOption},
		{sockets.Push, sockets.ConnectTimeout(-time.Millisecond), sockets.ErrBadOption},
		{sockets.Push, sockets.TypeOfService(256), sockets.ErrBadOption},
		{sockets.Push, sockets.TypeOfService(-1), sockets.ErrBadOption},
		{sockets.Push, sockets.SendBuffer(-2), sockets.ErrBadOption},
		{sockets.Pull, sockets.ReceiveBuffer(-2), sockets.ErrBadOption},
		{sockets.Pull, sockets.Backlog(-1), sockets.ErrBadOption},
	} {
		name := sockets.OptionName(c.o)
		_, err := f.z.Spawn(f.ctx, sockets.Spec{Type: c.typ, Options: []sockets.Option{c.o}}, actors.WithOwner(f.inbox().PID()))
		if !errors.Is(err, c.want) {
			t.Errorf("spawn %v with %s: %v, want %v", c.typ, name, err, c.want)
		}
		s, _ := f.spawn(sockets.Spec{Type: c.typ})
		if err := s.SetOption(f.ctx, c.o); !errors.Is(err, c.want) {
			t.Errorf("SetOption %s on %v: %v, want %v", name, c.typ, err, c.want)
		}
	}
	s, _ := f.spawn(sockets.Spec{Type: sockets.Push})
	if _, err := s.GetOption(f.ctx, "ZMQ_NO_SUCH_THING"); !errors.Is(err, sockets.ErrBadOption) {
		t.Errorf("GetOption of no option: %v, want ErrBadOption", err)
	}
	if _, err := s.GetOption(f.ctx, "ZMQ_INVERT_MATCHING"); !errors.Is(err, sockets.ErrUnsupported) {
		t.Errorf("GetOption of an option a PUSH lacks: %v, want ErrUnsupported", err)
	}
}

// TestPublisherBoundsSubscriptions: a PUB or XPUB takes at most
// DefaultSubscriptionLimit bytes from a peer unless its spec says: a peer
// that subscribes to a longer prefix is disconnected, and its subscription
// never reaches the publisher.
func TestPublisherBoundsSubscriptions(t *testing.T) {
	f := newFixture(t)
	pub, _ := f.spawn(sockets.Spec{Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"}})
	if o, err := pub.GetOption(f.ctx, "ZMQ_MAXMSGSIZE"); err != nil || o.GetMaxMessageSize() != sockets.DefaultSubscriptionLimit {
		t.Fatalf("a PUB's ZMQ_MAXMSGSIZE: %v %v, want %d", o, err, sockets.DefaultSubscriptionLimit)
	}
	xpub, events := f.spawn(sockets.Spec{Type: sockets.XPub, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []sockets.Option{sockets.XPubVerbose(true)}})
	long := make([]byte, sockets.DefaultSubscriptionLimit)
	for _, prefix := range [][]byte{long, []byte("short")} {
		sub := testutil.RawSocket(t, zmq4.SUB)
		if err := sub.SetSubscribe(string(prefix)); err != nil {
			t.Fatal(err)
		}
		if err := sub.Connect(xpub.Endpoint()); err != nil {
			t.Fatal(err)
		}
	}
	// The short one arrives; the long one (1 + 1024 bytes) never does.
	ps := testutil.Expect[*messages.PeerSubscription](t, events, testutil.Wait)
	if string(ps.GetPrefix()) != "short" {
		t.Fatalf("the XPUB heard of a %d-byte prefix", len(ps.GetPrefix()))
	}
	if st, err := xpub.Stats(f.ctx); err != nil || st.GetReceived() != 1 {
		t.Errorf("the XPUB received %v (%v), want the one short subscription", st.GetReceived(), err)
	}
	wide, _ := f.spawn(sockets.Spec{Type: sockets.XPub, Options: []sockets.Option{sockets.MaxMessageSize(-1)}})
	if o, err := wide.GetOption(f.ctx, "ZMQ_MAXMSGSIZE"); err != nil || o.GetMaxMessageSize() != -1 {
		t.Errorf("the spec's MaxMessageSize(-1) did not win: %v %v", o, err)
	}
	if !slices.Contains(sockets.OptionNames(), "ZMQ_MAXMSGSIZE") {
		t.Error("OptionNames lacks ZMQ_MAXMSGSIZE")
	}
}
