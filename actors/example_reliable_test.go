package actors_test

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The README's snippets of the reliable patterns: each a whole program's
// worth, on tcp://127.0.0.1 with ports the system picks.

func pirate(ctx context.Context, z *actors.Runtime) error {
	// Paranoid Pirate (RFC 6): a queue of two ROUTERs, and workers that say READY and heartbeat.
	q, err := z.SpawnPirateQueue(ctx, actors.PirateQueueSpec{
		Frontend: sockets.Spec{Binds: []string{"tcp://127.0.0.1:*"}},  // clients: any REQ or DEALER, with retries
		Backend:  sockets.Spec{Binds: []string{"tcp://127.0.0.1:*"}}}) // workers
	if err != nil {
		return err
	}
	defer q.Close(ctx)
	echo := z.System().Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if r, ok := c.Message().(*messages.Request); ok {
			c.Respond(&messages.Reply{Frames: r.Frames})
		}
	}))
	w, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: q.Backend().Bound()},
		actors.WithPirateWorker(echo, actors.PirateWorkerOptions{})) // the handler answers messages.Request
	if err != nil {
		return err
	}
	defer w.Close(ctx)
	cli, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Req, Connects: q.Frontend().Bound()})
	if err != nil {
		return err
	}
	reply, err := cli.Request(ctx, [][]byte{[]byte("Hello")}, actors.WithTimeout(2500*time.Millisecond), actors.WithRetries(3))
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", reply.Frames)
	return nil
}

func majordomo(ctx context.Context, z *actors.Runtime) error {
	// Majordomo (MDP/0.1, RFC 7): one ROUTER broker for clients and workers, named services.
	b, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithMajordomoBroker(actors.MajordomoBrokerOptions{}))
	if err != nil {
		return err
	}
	echo := z.System().Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if r, ok := c.Message().(*messages.Request); ok {
			c.Respond(&messages.Reply{Frames: r.Frames})
		}
	}))
	w, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: b.Bound()},
		actors.WithMajordomoWorker("echo", echo, actors.MajordomoWorkerOptions{}))
	if err != nil {
		return err
	}
	defer w.Close(ctx)
	c, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: b.Bound()},
		actors.WithMajordomoClient(actors.MajordomoClientOptions{Timeout: 2500 * time.Millisecond, Retries: 3}))
	if err != nil {
		return err
	}
	reply, err := c.AskService(ctx, "echo", [][]byte{[]byte("Hello")}) // or ctx.Request(c.PID(), &messages.ServiceRequest{...})
	if err != nil {
		return err
	}
	fmt.Printf("%s %s\n", reply.Service, reply.Frames)
	return nil
}

func freelance(ctx context.Context, z *actors.Runtime) error {
	// Freelance (model 3): a ROUTER client over several ROUTER servers, each addressed by its endpoint.
	echo := z.System().Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if r, ok := c.Message().(*messages.Request); ok {
			c.Respond(&messages.Reply{Frames: r.Frames})
		}
	}))
	servers := []string{"inproc://freelance-1", "inproc://freelance-2"}
	for _, ep := range servers {
		srv, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Router, Binds: []string{ep},
			Options: []sockets.Option{sockets.RoutingID([]byte(ep))}}, // a server's routing id is its endpoint
			actors.WithFreelanceServer(echo, actors.FreelanceServerOptions{}))
		if err != nil {
			return err
		}
		defer srv.Close(ctx)
	}
	cli, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Router, Connects: servers},
		actors.WithFreelanceClient(actors.FreelanceClientOptions{}))
	if err != nil {
		return err
	}
	reply, err := cli.Request(ctx, [][]byte{[]byte("Hello")})
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", reply.Frames)
	return nil
}

// Paranoid Pirate: a client asks through the queue, a worker answers.
func ExampleRuntime_SpawnPirateQueue() {
	example(pirate)
	// Output: [Hello]
}

// Majordomo: a client asks the "echo" service through the broker.
func ExampleWithMajordomoBroker() {
	example(majordomo)
	// Output: echo [Hello]
}

// Freelance: a client asks whichever of two servers is alive.
func ExampleWithFreelanceClient() {
	example(freelance)
	// Output: [Hello]
}
