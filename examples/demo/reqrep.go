package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// worker is a request handler of the demo's pool: it answers "<name>
// squared <n> = <n*n>" after a pause that grows with n, so that replies
// come back in another order than the requests went out. It ignores
// "ignore me", which then times out.
type worker struct{ name string }

func (w *worker) Receive(ctx actor.Context) {
	r, ok := ctx.Message().(*messages.Request)
	if !ok {
		return
	}
	body := string(r.GetFrames()[0])
	if body == "ignore me" {
		return
	}
	n, _ := strconv.Atoi(body)
	answer := &messages.Reply{Frames: [][]byte{[]byte(fmt.Sprintf("%s squared %d = %d", w.name, n, n*n))}}
	to, root := ctx.Sender(), ctx.ActorSystem().Root
	time.AfterFunc(time.Duration(10-n)*time.Millisecond, func() { root.Send(to, answer) })
}

// asker sends its requests at once through the client socket actor and
// reports each reply it gets, in the order they come.
type asker struct {
	name     string
	client   *actor.PID
	numbers  []int
	got      chan<- string
	problems chan<- error
}

func (a *asker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		for _, n := range a.numbers {
			ctx.Request(a.client, &messages.Request{Frames: [][]byte{[]byte(strconv.Itoa(n))}})
		}
	case *messages.Reply:
		report(a.got, fmt.Sprintf("%s got %q", a.name, m.GetFrames()[0]), a.problems)
	case *messages.Error:
		report(a.problems, sockets.ErrorFromProto(m), a.problems)
	}
}

func reqRepDemo(ctx context.Context, p *cli.Program, problems chan error) {
	// The server: a ROUTER whose requests go to a round-robin pool of three
	// handler actors.
	var next int
	pool := p.System.Root.Spawn(router.NewRoundRobinPool(3).Configure(actor.WithProducer(func() actor.Actor {
		next++
		return &worker{name: "worker-" + strconv.Itoa(next)}
	})))
	server, err := p.Z.Spawn(ctx, sockets.Spec{Name: "squares", Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"},
		Options: bounded()},
		actors.WithHandler(pool, actors.ServeOptions{Timeout: 50 * time.Millisecond}))
	p.Check(err)
	// The client: one DEALER for every asking actor, many requests in flight.
	client, err := p.Z.Spawn(ctx, sockets.Spec{Name: "squares-client", Type: sockets.Dealer, Connects: server.Bound()})
	p.Check(err)
	fmt.Printf("squares: ROUTER bound to %s, handled by a pool of 3 worker actors; squares-client: DEALER\n", server.Endpoint())

	got := make(chan string, 16)
	for _, a := range []struct {
		name    string
		numbers []int
	}{{"alice", []int{1, 2, 3}}, {"bob", []int{7, 8, 9}}} {
		p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
			return &asker{name: a.name, client: client.PID(), numbers: a.numbers, got: got, problems: problems}
		}))
		fmt.Printf("%s asks for the squares of %v, all at once\n", a.name, a.numbers)
	}
	for range 6 {
		fmt.Println(await(ctx, p, got, problems))
	}

	start := time.Now()
	_, err = client.Request(ctx, [][]byte{[]byte("ignore me")}, actors.WithTimeout(200*time.Millisecond), actors.WithRetries(2))
	fmt.Printf("a request nobody answers: %v (ErrRequestTimeout: %v) after %v\n",
		err, errors.Is(err, actors.ErrRequestTimeout), time.Since(start).Round(10*time.Millisecond))
	reply, err := client.Request(ctx, [][]byte{[]byte("5")})
	p.Check(err)
	fmt.Printf("the next one: %q\n", reply.GetFrames()[0])

	cs, err := client.RequestStats(ctx)
	p.Check(err)
	fmt.Printf("squares-client: %d requests, %d replies, %d retries, %d timed out\n",
		cs.GetRequests(), cs.GetReplies(), cs.GetRetries(), cs.GetTimeouts())
	ss, err := server.RequestStats(ctx)
	p.Check(err)
	fmt.Printf("squares: %d requests handled, %d answered, %d missed the handler timeout (dropped)\n",
		ss.GetHandled(), ss.GetAnswered(), ss.GetHandlerFailures())
	fmt.Printf("(the server counts each attempt it receives: the client's %d requests plus its %d retries make %d handled;\n"+
		"the request nobody answers came %d times, and each attempt missed the handler timeout)\n",
		cs.GetRequests(), cs.GetRetries(), cs.GetRequests()+cs.GetRetries(), cs.GetRetries()+1)
	// The server watches its handler: the pool stops first, while the
	// server is there to see it go.
	p.Check(p.System.Root.StopFuture(pool).Wait())
	for _, s := range []*actors.Socket{client, server} {
		_, err := s.Close(ctx)
		p.Check(err)
	}
}
