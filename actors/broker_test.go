package actors_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// tagger is a handler that answers with its name and the request.
func tagger(name string) actor.ReceiveFunc {
	return func(ctx actor.Context) {
		if r, ok := ctx.Message().(*messages.Request); ok {
			ctx.Respond(&messages.Reply{Frames: append([][]byte{[]byte(name)}, r.GetFrames()...)})
		}
	}
}

// TestRequestReplyBroker: the zguide's rrbroker as a proxy (ROUTER
// frontend, DEALER backend) between REQ and DEALER clients and two REP
// servers that connect to it; the DEALER spreads the requests over both.
func TestRequestReplyBroker(t *testing.T) {
	f := newFixture(t)
	broker, err := f.z.SpawnProxy(f.ctx, actors.ProxySpec{
		Frontend: sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
		Backend:  sockets.Spec{Type: sockets.Dealer, Binds: []string{"tcp://127.0.0.1:*"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"w1", "w2"} {
		h := f.system.Root.Spawn(actor.PropsFromFunc(tagger(name)))
		if _, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Rep, Connects: []string{broker.Backend().Endpoint()}},
			actors.WithHandler(h, actors.ServeOptions{})); err != nil {
			t.Fatal(err)
		}
	}
	for _, typ := range []sockets.Type{sockets.Req, sockets.Dealer} {
		cli := f.client(typ, broker.Frontend().Endpoint())
		by := map[string]int{}
		for i := range 40 {
			body := typ.String() + strconv.Itoa(i)
			reply, err := cli.Request(f.ctx, [][]byte{[]byte(body)})
			if err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			fr := reply.GetFrames()
			if len(fr) != 2 || string(fr[1]) != body {
				t.Fatalf("%s: reply %q", body, fr)
			}
			by[string(fr[0])]++
		}
		// The servers connect in the background: the backend DEALER
		// spreads requests over both once both are there.
		for i := 0; by["w1"] == 0 || by["w2"] == 0; i++ {
			if f.ctx.Err() != nil {
				t.Fatalf("%v: replies by server %v", typ, by)
			}
			reply, err := cli.Request(f.ctx, [][]byte{[]byte("more")})
			if err != nil {
				t.Fatal(err)
			}
			by[string(reply.GetFrames()[0])]++
		}
	}
	if err := broker.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
}

// lbWorker is a zguide load-balancing worker as an actor: it owns a REQ
// socket connected to the broker's backend, says READY, and answers each
// [client, "", request] with [client, "", name:request].
type lbWorker struct {
	z       *actors.Runtime
	name    string
	backend string
	sock    *actor.PID
}

func (w *lbWorker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		props, err := w.z.Props(sockets.Spec{Type: sockets.Req, Connects: []string{w.backend}})
		if err != nil {
			panic(err)
		}
		w.sock = ctx.Spawn(props)
	case *messages.Started:
		ctx.Send(w.sock, &messages.Send{Frames: [][]byte{[]byte("READY")}})
	case *messages.Received:
		fr := m.GetFrames()
		ctx.Send(w.sock, &messages.Send{Frames: [][]byte{fr[0], {}, []byte(w.name + ":" + string(fr[2]))}})
	}
}

// loadBalancer starts a LoadBalance proxy on tcp ports of the system's
// choosing, with owner as its owner, and takes both sockets' Started.
func (f *fixture) loadBalancer(owner *actors.Inbox) *actors.Proxy {
	f.t.Helper()
	broker, err := f.z.SpawnProxy(f.ctx, actors.ProxySpec{
		Frontend:    sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
		Backend:     sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
		LoadBalance: true,
		Owner:       owner.PID(),
	})
	if err != nil {
		f.t.Fatal(err)
	}
	testutil.Expect[*messages.Started](f.t, owner, testutil.Wait)
	testutil.Expect[*messages.Started](f.t, owner, testutil.Wait)
	return broker
}

// TestLoadBalancingBroker: the zguide's lbbroker as a proxy with
// LoadBalance: REQ clients ask through it, worker actors with REQ sockets
// announce READY, each request goes to a ready worker, and every worker
// gets work. Malformed messages are reported, not forwarded.
func TestLoadBalancingBroker(t *testing.T) {
	f := newFixture(t)
	owner := f.inbox()
	broker := f.loadBalancer(owner)
	// Requests may come before any worker: they wait.
	const clients, each = 3, 30
	results := make(chan error, clients)
	by := make(chan string, clients*each)
	for c := range clients {
		cli := f.client(sockets.Req, broker.Frontend().Endpoint())
		go func() {
			for i := range each {
				body := "c" + strconv.Itoa(c) + "-" + strconv.Itoa(i)
				reply, err := cli.Request(f.ctx, [][]byte{[]byte(body)})
				if err != nil {
					results <- err
					return
				}
				worker, req, ok := strings.Cut(string(reply.GetFrames()[0]), ":")
				if !ok || req != body {
					results <- errors.New("reply " + string(reply.GetFrames()[0]) + " to " + body)
					return
				}
				by <- worker
			}
			results <- nil
		}()
	}
	for i := range 3 {
		f.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
			return &lbWorker{z: f.z, name: "w" + strconv.Itoa(i), backend: broker.Backend().Endpoint()}
		}))
	}
	for range clients {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	close(by)
	count := map[string]int{}
	for w := range by {
		count[w]++
	}
	if len(count) != 3 {
		t.Errorf("work by worker: %v, want all 3 busy", count)
	}
	// A client that is not REQ-shaped: reported and dropped.
	bad, _ := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{broker.Frontend().Endpoint()}})
	if err := bad.Send([]byte("no envelope")); err != nil {
		t.Fatal(err)
	}
	if ev := testutil.Expect[*messages.Error](t, owner, testutil.Wait); ev.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE {
		t.Errorf("event %v", ev)
	}
	if err := broker.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.z.SpawnProxy(f.ctx, actors.ProxySpec{LoadBalance: true,
		Frontend: sockets.Spec{Type: sockets.Router}, Backend: sockets.Spec{Type: sockets.Dealer}}); !errors.Is(err, actors.ErrUnsupported) {
		t.Errorf("load balancer with a DEALER backend: %v", err)
	}
}
