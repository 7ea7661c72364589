package actors_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestWaitSubscribed: once WaitSubscribed returns, the very first message
// published reaches the subscriber, over tcp and inproc, whether the SUB
// subscribed before or after it connected, to a PUB or an XPUB; the probe
// leaves no subscription behind, and a subscriber of everything sees the
// probes as such.
func TestWaitSubscribed(t *testing.T) {
	for _, transport := range []string{"tcp://127.0.0.1:*", "inproc://wait-subscribed-"} {
		for _, pubType := range []sockets.Type{sockets.Pub, sockets.XPub} {
			for _, subscribeFirst := range []bool{false, true} {
				name := fmt.Sprintf("%s/%v/subscribe-first=%v", strings.SplitN(transport, ":", 2)[0], pubType, subscribeFirst)
				t.Run(name, func(t *testing.T) {
					system, z := testutil.NewSystem(t)
					ctx := testutil.Ctx(t)
					bind := transport
					if strings.HasPrefix(bind, "inproc") {
						bind += strings.ReplaceAll(name, "/", "-")
					}
					owner := testutil.NewInbox(t, system, 64)
					pub := testutil.Spawn(t, z, sockets.Spec{Type: pubType, Binds: []string{bind}}, actors.WithOwner(owner.PID()))
					sub := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Sub})
					weather := testutil.NewInbox(t, system, 64)
					everything := testutil.NewInbox(t, system, 64)
					subscribe := func() {
						for prefix, who := range map[string]*actors.Inbox{"weather": weather, "": everything} {
							if err := sub.Subscribe(ctx, who.PID(), prefix); err != nil {
								t.Fatal(err)
							}
						}
					}
					if subscribeFirst {
						subscribe()
					}
					if err := sub.Connect(ctx, pub.Endpoint()); err != nil {
						t.Fatal(err)
					}
					if !subscribeFirst {
						subscribe()
					}
					if err := actors.WaitSubscribed(ctx, pub, sub); err != nil {
						t.Fatal(err)
					}
					if err := pub.Publish("weather", []byte("first")); err != nil {
						t.Fatal(err)
					}
					if m := testutil.Expect[*messages.Received](t, weather, testutil.Wait); string(m.GetFrames()[1]) != "first" {
						t.Fatalf("the first message is %q", m.GetFrames())
					}
					// The subscriber of everything got the probes, then the
					// message.
					for {
						m := testutil.Expect[*messages.Received](t, everything, testutil.Wait)
						if !actors.IsProbe(m.GetFrames()) {
							if string(m.GetFrames()[0]) != "weather" {
								t.Fatalf("everything got %q", m.GetFrames())
							}
							break
						}
					}
					st, err := sub.Stats(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if st.GetSubscriptions() != 2 || st.GetSubscribers() != 2 {
						t.Fatalf("after WaitSubscribed: %d subscriptions, %d subscribers; want the 2 of the test",
							st.GetSubscriptions(), st.GetSubscribers())
					}
					if pubType == sockets.XPub {
						// The XPUB's owner saw the probe come and go.
						var probe []string
						for len(probe) < 2 {
							if ps, ok := testutil.Next(t, owner, testutil.Wait).(*messages.PeerSubscription); ok &&
								strings.HasPrefix(string(ps.GetPrefix()), actors.ProbeTopic) {
								probe = append(probe, fmt.Sprint(ps.GetSubscribe()))
							}
						}
						if probe[0] != "true" || probe[1] != "false" {
							t.Fatalf("probe subscriptions %v, want [true false]", probe)
						}
					}
				})
			}
		}
	}
}

// TestWaitSubscribedErrors: the wrong socket types are ErrUnsupported, a
// done ctx is its error, and a closed publisher ErrClosed.
func TestWaitSubscribedErrors(t *testing.T) {
	_, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	pub := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pub, Binds: []string{"inproc://wait-subscribed-errors"}})
	sub := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Sub, Connects: pub.Bound()})
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push})
	if err := actors.WaitSubscribed(ctx, push, sub); !errors.Is(err, actors.ErrUnsupported) {
		t.Fatalf("PUSH as publisher: %v", err)
	}
	if err := actors.WaitSubscribed(ctx, pub, push); !errors.Is(err, actors.ErrUnsupported) {
		t.Fatalf("PUSH as subscriber: %v", err)
	}
	if _, err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := actors.WaitSubscribed(ctx, pub, sub); !errors.Is(err, actors.ErrClosed) {
		t.Fatalf("closed publisher: %v", err)
	}
	st, err := sub.Stats(ctx)
	if err != nil || st.GetSubscriptions() != 0 {
		t.Fatalf("the probe's subscription stayed: %v, %v", st, err)
	}
}
