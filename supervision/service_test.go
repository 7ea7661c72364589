package supervision_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// forwarder is the broker's handler: it receives what the frontend and the
// backend receive and sends it out of the other one, found by name next to
// it under the service's supervisor.
func forwarder(ctx actor.Context) {
	if m, ok := ctx.Message().(*messages.Received); ok {
		to := "backend"
		if m.GetSocket() == "backend" {
			to = "frontend"
		}
		ctx.Send(actor.NewPID(ctx.Self().Address, ctx.Parent().Id+"/"+to), &messages.Send{Frames: m.GetFrames()})
	}
}

// named answers each request with its name.
func named(name string) *actor.Props {
	return actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*messages.Request); ok {
			ctx.Respond(&messages.Reply{Frames: [][]byte{[]byte(name)}})
		}
	})
}

// shop is a service tree: a request-reply broker whose frontend and
// backend restart together (all for one), beside a pool of REP workers
// that restart alone (one for one).
func shop(t *testing.T, id string) (supervision.Service, string) {
	t.Helper()
	allForOne, err := supervision.AllForOne(supervision.WithBackoff(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	oneForOne, err := supervision.OneForOne(supervision.WithBackoff(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// tcp, not inproc: a peer connected over inproc does not reconnect to
	// a restarted socket that binds the name again; over tcp it does.
	eps := testutil.FreeEndpoints(t, 2)
	frontend, backend := eps[0], eps[1]
	workers := supervision.Service{Name: "workers", Strategy: oneForOne}
	for i := range 2 {
		name := "worker-" + strconv.Itoa(i)
		workers.Handlers = append(workers.Handlers, supervision.Handler{Name: "handler-" + strconv.Itoa(i), Props: named(name)})
		workers.Sockets = append(workers.Sockets, supervision.Socket{
			Spec:    sockets.Spec{Name: name, Type: sockets.Rep, Connects: []string{backend}},
			Handler: "handler-" + strconv.Itoa(i), Options: []actors.SpawnOption{actors.WithFaultInjection()},
		})
	}
	return supervision.Service{
		Name: id,
		Services: []supervision.Service{{
			Name:     "broker",
			Strategy: allForOne,
			Handlers: []supervision.Handler{{Name: "forwarder", Props: actor.PropsFromFunc(forwarder)}},
			Sockets: []supervision.Socket{
				{Spec: sockets.Spec{Name: "frontend", Type: sockets.Router, Binds: []string{frontend}}, Receiver: "forwarder",
					Options: []actors.SpawnOption{actors.WithFaultInjection()}},
				{Spec: sockets.Spec{Name: "backend", Type: sockets.Dealer, Binds: []string{backend}}, Receiver: "forwarder",
					Options: []actors.SpawnOption{actors.WithFaultInjection()}},
			},
		}, workers},
	}, frontend
}

// TestServiceTree starts a broker and a pool of workers as one tree,
// serves requests through it, fails the backend (the frontend restarts with
// it, the workers do not) and a worker (it restarts alone), serves again,
// and stops the whole tree: the owner gets every Closed.
func TestServiceTree(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	owner := testutil.NewInbox(t, system, 256)
	service, frontend := shop(t, "shop")
	tree, err := supervision.Start(ctx, z, service, owner.PID())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"frontend", "backend", "shop/workers/worker-0", "worker-1"} {
		treeSocket(t, tree, name)
		testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	}
	for _, name := range []string{"shop/broker/forwarder", "shop/workers/handler-1", "handler-0"} {
		treeHandler(t, tree, name)
	}
	client := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Req, Connects: []string{frontend}})
	ask := func(what string) map[string]bool {
		t.Helper()
		seen := map[string]bool{}
		for i := 0; len(seen) < 2; i++ {
			reply, err := client.Request(ctx, [][]byte{[]byte(what)}, actors.WithTimeout(200*time.Millisecond), actors.WithRetries(20))
			if err != nil {
				t.Fatalf("%s: request %d: %v", what, i, err)
			}
			seen[string(reply.GetFrames()[0])] = true
			if ctx.Err() != nil {
				t.Fatalf("%s: only %v answered", what, seen)
			}
		}
		return seen
	}
	ask("before")

	restarted := func(want ...string) {
		t.Helper()
		restarting, started := map[string]uint32{}, map[string]uint32{}
		for len(started) < len(want) {
			switch m := testutil.Next(t, owner, testutil.Wait).(type) {
			case *messages.Restarting:
				restarting[m.GetSocket()] = m.GetAttempt()
			case *messages.Started:
				started[m.GetSocket()] = m.GetRestarts()
			}
		}
		for _, w := range want {
			if restarting[w] == 0 || started[w] != restarting[w] {
				t.Fatalf("restarting %v, started %v, want %v", restarting, started, want)
			}
		}
	}
	system.Root.Send(treeSocket(t, tree, "backend").PID(), &messages.InjectFault{Reason: "backend down"})
	restarted("backend", "frontend")
	ask("after the broker restarted")
	system.Root.Send(treeSocket(t, tree, "worker-1").PID(), &messages.InjectFault{Reason: "worker down"})
	restarted("worker-1")
	ask("after a worker restarted")
	// Nothing else restarted: no Restarting is waiting in the owner's inbox.
	for {
		select {
		case m := <-owner.C():
			if r, ok := m.(*messages.Restarting); ok {
				t.Fatalf("unexpected restart %v", r)
			}
			continue
		default:
		}
		break
	}

	if _, err := client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tree.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, owner, z, 4)
}

// TestServiceBadDeclarations: mistakes in a declaration are errors before
// anything starts, and a socket that cannot open fails Start with nothing
// left running.
func TestServiceBadDeclarations(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	props := actor.PropsFromFunc(func(actor.Context) {})
	for name, s := range map[string]supervision.Service{
		"no name":        {},
		"socket no name": {Name: "a", Sockets: []supervision.Socket{{Spec: sockets.Spec{Type: sockets.Push}}}},
		"unknown handler": {Name: "a", Sockets: []supervision.Socket{{Spec: sockets.Spec{Name: "s", Type: sockets.Rep},
			Handler: "nobody"}}},
		"duplicate socket": {Name: "a", Sockets: []supervision.Socket{{Spec: sockets.Spec{Name: "s", Type: sockets.Push}}},
			Services: []supervision.Service{{Name: "b", Sockets: []supervision.Socket{{Spec: sockets.Spec{Name: "s", Type: sockets.Push}}}}}},
		"duplicate handler": {Name: "a", Handlers: []supervision.Handler{{Name: "h", Props: props}, {Name: "h", Props: props}}},
	} {
		if _, err := supervision.Start(ctx, z, s, nil); !errors.Is(err, supervision.ErrBadPolicy) {
			t.Errorf("%s: %v, want ErrBadPolicy", name, err)
		}
	}
	if _, err := supervision.Start(ctx, z, supervision.Service{Name: "a", Sockets: []supervision.Socket{
		{Spec: sockets.Spec{Name: "s", Type: 99}}}}, nil); !errors.Is(err, sockets.ErrUnknownType) {
		t.Errorf("unknown type: %v", err)
	}
	_, err := supervision.Start(ctx, z, supervision.Service{Name: "a", Sockets: []supervision.Socket{
		{Spec: sockets.Spec{Name: "ok", Type: sockets.Push, Binds: []string{"inproc://service-ok"}}},
		{Spec: sockets.Spec{Name: "bad", Type: sockets.Push, Binds: []string{"tcp://256.0.0.1:1"}}},
	}}, nil)
	if !errors.Is(err, sockets.ErrBadEndpoint) {
		t.Fatalf("bad endpoint: %v", err)
	}
	if n := z.Len(); n != 0 {
		t.Fatalf("%d socket actors left after a failed Start", n)
	}
	_ = system
}
