package actors_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestForwarderProxy runs an XSUB/XPUB forwarder between a publisher and a
// subscriber: subscriptions travel upstream through it, only subscribed
// topics come down, and the capture actor sees both.
func TestForwarderProxy(t *testing.T) {
	f := newFixture(t)
	origin, originIn := f.spawn(sockets.Spec{Name: "origin", Type: sockets.XPub, Binds: []string{"inproc://fwd-in-" + f.system.ProcessRegistry.NextId()}})
	capture, owner := f.inbox(), f.inbox()
	back := "inproc://fwd-out-" + f.system.ProcessRegistry.NextId()
	proxy, err := f.z.SpawnProxy(f.ctx, actors.ProxySpec{
		Frontend: sockets.Spec{Type: sockets.XSub, Connects: origin.Bound()},
		Backend:  sockets.Spec{Type: sockets.XPub, Binds: []string{back}},
		Capture:  capture.PID(),
		Owner:    owner.PID(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if proxy.Frontend().Name() != "frontend" || proxy.Backend().Endpoint() != back {
		t.Fatalf("proxy sockets %q, %q", proxy.Frontend().Name(), proxy.Backend().Endpoint())
	}
	sub, _ := f.spawn(sockets.Spec{Name: "sub", Type: sockets.Sub, Connects: []string{back}})
	reader := f.inbox()
	if err := sub.Subscribe(f.ctx, reader.PID(), "t"); err != nil {
		t.Fatal(err)
	}
	expectPeer(t, originIn, true, "t") // through the proxy

	for _, topic := range []string{"t1", "x1", "t2"} {
		if err := origin.Publish(topic, []byte("body of "+topic)); err != nil {
			t.Fatal(err)
		}
	}
	expectTopics(t, "reader", reader, "t1", "t2")

	want := []string{"backend \x01t", "frontend t1", "frontend t2"}
	for _, w := range want {
		m := testutil.Next(t, capture, testutil.Wait)
		r, ok := m.(*messages.Received)
		if !ok || fmt.Sprintf("%s %s", r.GetSocket(), r.GetFrames()[0]) != w {
			t.Fatalf("capture got %T %v, want %q", m, m, w)
		}
	}
	if err := sub.Unsubscribe(f.ctx, reader.PID(), "t"); err != nil {
		t.Fatal(err)
	}
	expectPeer(t, originIn, false, "t")

	closeProxy(t, f.ctx, proxy)
	// The owner saw both sockets start (in either order) and end, and
	// nothing fail.
	var got []string
	for range 4 {
		switch m := testutil.Next(t, owner, testutil.Wait).(type) {
		case *messages.Started:
			got = append(got, "Started "+m.GetSocket())
		case *messages.Closed:
			got = append(got, "Closed "+m.GetSocket())
		default:
			t.Fatalf("proxy owner got %T %v", m, m)
		}
	}
	if got[0] > got[1] {
		got[0], got[1] = got[1], got[0]
	}
	if fmt.Sprint(got) != "[Started backend Started frontend Closed frontend Closed backend]" {
		t.Fatalf("proxy owner got %q", got)
	}
	quiet(t, owner)
}

// TestStreamerProxy runs a PULL/PUSH proxy in a pipeline: every message
// crosses, in order.
func TestStreamerProxy(t *testing.T) {
	f := newFixture(t)
	in := "inproc://stream-in-" + f.system.ProcessRegistry.NextId()
	out := "inproc://stream-out-" + f.system.ProcessRegistry.NextId()
	proxy, err := f.z.SpawnProxy(f.ctx, actors.ProxySpec{
		Frontend: sockets.Spec{Type: sockets.Pull, Binds: []string{in}},
		Backend:  sockets.Spec{Type: sockets.Push, Binds: []string{out}},
	})
	if err != nil {
		t.Fatal(err)
	}
	push, _ := f.spawn(sockets.Spec{Name: "push", Type: sockets.Push, Connects: []string{in}})
	_, pullIn := f.spawn(sockets.Spec{Name: "pull", Type: sockets.Pull, Connects: []string{out}})
	const n = 1000
	for i := range n {
		if err := push.Send([]byte(fmt.Sprint(i)), []byte("second frame")); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		expectReceived(t, pullIn, []byte(fmt.Sprint(i)), []byte("second frame"))
	}
	if err := proxy.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
}

// TestProxyBadSpecs checks that a proxy that cannot forward is refused
// before anything starts, and that a socket that cannot open is reported.
func TestProxyBadSpecs(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ front, back sockets.Type }{
		{sockets.Push, sockets.Pull}, {sockets.Pub, sockets.Sub}, {sockets.Pull, sockets.Pull}, {sockets.Sub, sockets.Pull},
	} {
		_, err := f.z.SpawnProxy(f.ctx, actors.ProxySpec{Frontend: sockets.Spec{Type: c.front}, Backend: sockets.Spec{Type: c.back}})
		if !errors.Is(err, sockets.ErrUnsupported) {
			t.Errorf("%v -> %v: %v, want ErrUnsupported", c.front, c.back, err)
		}
	}
	_, err := f.z.SpawnProxy(f.ctx, actors.ProxySpec{
		Frontend: sockets.Spec{Name: "same", Type: sockets.Pull}, Backend: sockets.Spec{Name: "same", Type: sockets.Push}})
	if err == nil {
		t.Error("two sockets of the same name accepted")
	}
	_, err = f.z.SpawnProxy(f.ctx, actors.ProxySpec{
		Frontend: sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://256.0.0.1:1"}}, Backend: sockets.Spec{Type: sockets.Push}})
	if !errors.Is(err, sockets.ErrBadEndpoint) {
		t.Errorf("bad endpoint: %v", err)
	}
	taken := "inproc://taken-" + f.system.ProcessRegistry.NextId()
	f.spawn(sockets.Spec{Type: sockets.Pull, Binds: []string{taken}})
	_, err = f.z.SpawnProxy(f.ctx, actors.ProxySpec{
		Frontend: sockets.Spec{Type: sockets.Pull}, Backend: sockets.Spec{Type: sockets.Push, Binds: []string{taken}}})
	if !errors.Is(err, sockets.ErrAddressInUse) {
		t.Errorf("address in use: %v", err)
	}
	if n := f.z.Len(); n != 1 {
		t.Errorf("%d socket actors running, want only the one that holds the address", n)
	}
}

// TestShutdownStopsProxy: Runtime.Shutdown stops a proxy with its sockets.
func TestShutdownStopsProxy(t *testing.T) {
	f := newFixture(t)
	proxy, err := f.z.SpawnProxy(f.ctx, actors.ProxySpec{
		Frontend: sockets.Spec{Type: sockets.XSub}, Backend: sockets.Spec{Type: sockets.XPub}})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.z.Len(); n != 3 {
		t.Fatalf("Len %d, want 3: the proxy and its two sockets", n)
	}
	if err := f.z.Shutdown(f.ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.z.Len(); n != 0 {
		t.Fatalf("%d left after Shutdown", n)
	}
	if err := proxy.Close(f.ctx); err != nil {
		t.Fatalf("Close after Shutdown: %v", err)
	}
}

// closeProxy closes proxy and fails unless both its sockets have stopped
// by the time Close returns.
func closeProxy(t *testing.T, ctx context.Context, proxy *actors.Proxy) {
	t.Helper()
	if err := proxy.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*actors.Socket{proxy.Frontend(), proxy.Backend()} {
		select {
		case <-s.Done():
		default:
			t.Fatalf("%s still running after Close", s.Name())
		}
	}
}

// TestProxyCloseNoDeadLetter: closing a proxy stops its two sockets with
// it, and protoactor reports no dead letter and logs nothing. Stopping the
// sockets in the proxy's Stopping left protoactor's own Stop for each,
// sent once its Stopping returned, as a dead letter.
func TestProxyCloseNoDeadLetter(t *testing.T) {
	system, z, log := testutil.NewLoggedSystem(t)
	ctx := testutil.Ctx(t)
	in := "inproc://quiet-in-" + system.ProcessRegistry.NextId()
	out := "inproc://quiet-out-" + system.ProcessRegistry.NextId()
	proxy, err := z.SpawnProxy(ctx, actors.ProxySpec{
		Frontend: sockets.Spec{Type: sockets.Pull, Binds: []string{in}},
		Backend:  sockets.Spec{Type: sockets.Push, Binds: []string{out}},
	})
	if err != nil {
		t.Fatal(err)
	}
	closeProxy(t, ctx, proxy)
	log.CheckQuiet(t, nil)
}
