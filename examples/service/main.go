// Service is a supervised service built from the public API and nothing
// else, as a newcomer would write one: a service tree (supervision.Start)
// "shop" whose parts find each other by name.
//
//	shop                   one for one, backoff 10 ms to 1 s
//	├── client             DEALER, ConnectTo orders/server
//	├── orders
//	│   ├── pricing        a round-robin pool of 3 handler actors
//	│   └── server         ROUTER on tcp://127.0.0.1:*, typed requests to pricing
//	└── news
//	    ├── alice, bob     typed subscriber actors
//	    ├── publisher      PUB on tcp://127.0.0.1:*
//	    └── feed           SUB, ConnectTo publisher
//
// It runs four steps and prints what each did and why:
//
//  1. the tree starts; each socket with its path and endpoints;
//  2. alice subscribes to "prices." and bob to "prices.nyc", typed (each gets a TypedMessage: topic and message); the
//     program waits until their subscriptions reached the publisher
//     (actors.WaitSubscribed), publishes google.protobuf.DoubleValue prices
//     (PublishProto) and prints what each decoded;
//  3. -requests (100) typed requests (actors.Ask, an Int64Value each,
//     answered with a StringValue by the pool) go through the client,
//     -inflight (10) at a time, each with a timeout (-timeout, 200ms) and
//     retries (-retries, 10); after -fail-after (30) answers the server
//     fails on purpose (Socket.InjectFault) while requests are in flight,
//     and its supervisor restarts it on the same port; every request is
//     answered, some after a retry, and the counters say how;
//  4. the tree stops (Running.Stop) and the program counts protoactor's
//     dead letters during the run: 0.
//
// It exits 0 once done, 1 if a request went unanswered or an answer was
// wrong. SIGINT or SIGTERM stop it at any time, exit 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// pricing returns the props of the pool's handlers: each answers an
// Int64Value n with the StringValue "worker-K: n*n".
func pricing() *actor.Props {
	var next atomic.Int32
	return router.NewRoundRobinPool(3).Configure(actor.WithProducer(func() actor.Actor {
		return &worker{name: "worker-" + strconv.Itoa(int(next.Add(1)))}
	}))
}

type worker struct{ name string }

func (w *worker) Receive(ctx actor.Context) {
	// A typed server (ServeOptions.Typed) hands its handler the decoded
	// request, and sends back whatever protobuf message it answers.
	if n, ok := ctx.Message().(*wrapperspb.Int64Value); ok {
		ctx.Respond(wrapperspb.String(fmt.Sprintf("%s: %d", w.name, n.GetValue()*n.GetValue())))
	}
}

// subscriber returns the props of a typed subscriber: it passes each price
// it gets, decoded, with the last word of its topic, to got.
func subscriber(name string, got chan<- string) *actor.Props {
	return actor.PropsFromFunc(func(ctx actor.Context) {
		m, ok := ctx.Message().(*messages.TypedMessage)
		if !ok {
			return
		}
		price, err := actors.Unpack[*wrapperspb.DoubleValue](m.GetBody())
		if err != nil {
			got <- fmt.Sprintf("%s %v", name, err)
			return
		}
		city := strings.TrimPrefix(string(m.GetTopic()), "prices.")
		got <- fmt.Sprintf("%s %s:%v", name, city, price.GetValue())
	})
}

// owner reads the events of the tree's sockets, which come to the
// program's inbox. An Error event is one message that failed, such as a
// reply the restarted server could not send to the connection that died
// with the old socket: it is counted, the first one printed, and the
// program goes on. cli's Next would end the program on it, and on Closed.
type owner struct {
	p      *cli.Program
	errors int
}

// next returns the next event that is not an Error; false once the
// program is interrupted.
func (o *owner) next() (any, bool) {
	for {
		select {
		case m := <-o.p.Events.C():
			if !o.error(m) {
				return m, true
			}
		case <-o.p.Ctx.Done():
			return nil, false
		}
	}
}

// error counts m if it is an Error event.
func (o *owner) error(m any) bool {
	e, ok := m.(*messages.Error)
	if !ok {
		return false
	}
	if o.errors++; o.errors == 1 {
		fmt.Printf("owner: an Error event: %v (counted; the program goes on)\n", sockets.ErrorFromProto(e))
	}
	return true
}

// config is the command line.
type config struct {
	requests, inflight, failAfter int
	timeout                       time.Duration
	retries                       uint
}

func main() {
	var c config
	flag.IntVar(&c.requests, "requests", 100, "typed requests the client asks")
	flag.IntVar(&c.inflight, "inflight", 10, "requests in flight at once")
	flag.IntVar(&c.failAfter, "fail-after", 30, "answers before the server fails on purpose")
	flag.DurationVar(&c.timeout, "timeout", 200*time.Millisecond, "how long the client waits for each attempt's reply")
	flag.UintVar(&c.retries, "retries", 10, "how many times a request is sent again after a timeout")
	flag.Parse()
	cli.UsageIf(c.requests < 1 || c.inflight < 1 || c.failAfter < 0 || c.failAfter >= c.requests || c.timeout <= 0 || flag.NArg() > 0,
		"service: -requests and -inflight must be > 0, 0 <= -fail-after < -requests, -timeout > 0, and no arguments")

	p := cli.Start("service")
	defer p.Close()
	// Dead letters are messages sent to actors that had stopped: protoactor
	// publishes each on the event stream (and logs it, with ZMQACTOR_LOG).
	var dead atomic.Int64
	sub := p.System.EventStream.Subscribe(func(m any) {
		if _, ok := m.(*actor.DeadLetterEvent); ok {
			dead.Add(1)
		}
	})
	defer p.System.EventStream.Unsubscribe(sub)

	prices := make(chan string, 64)
	o := &owner{p: p}
	tree := start(o, prices)
	publishPrices(p, tree, prices)
	ask(o, tree, c)

	fmt.Println("\n== 4. Stop the tree")
	p.Check(tree.Stop(p.Ctx))
	var closed []string
	for len(closed) < 4 {
		m, ok := o.next()
		if !ok {
			return
		}
		if e, ok := m.(*messages.Closed); ok {
			closed = append(closed, e.GetSocket())
		}
	}
	sort.Strings(closed)
	fmt.Printf("Running.Stop stopped the handlers first, then the sockets, then the supervisors; the owner got Closed from %s\n",
		strings.Join(closed, ", "))
	fmt.Printf("socket actors still running: %d (expected 0: the tree owned them all)\n", p.Z.Len())
	if o.errors == 0 {
		fmt.Println("Error events during the run: 0")
	} else {
		fmt.Printf("Error events during the run: %d (replies the restarted server could not send to a connection that died\n"+
			"with the old socket; the client had those answers from a retry)\n", o.errors)
	}
	fmt.Printf("protoactor dead letters during the run: %d (messages sent to actors that had stopped; expected 0)\n", dead.Load())
}

// start starts the tree and prints its sockets.
func start(o *owner, prices chan<- string) *supervision.Running {
	p := o.p
	fmt.Println("== 1. Start a supervised service tree")
	strategy, err := supervision.OneForOne(supervision.WithBackoff(10*time.Millisecond, time.Second))
	p.Check(err)
	faults := []actors.SpawnOption{actors.WithFaultInjection()}
	tree, err := supervision.Start(p.Ctx, p.Z, supervision.Service{
		Name:     "shop",
		Strategy: strategy,
		Sockets:  []supervision.Socket{{Spec: sockets.Spec{Name: "client", Type: sockets.Dealer}, ConnectTo: []string{"server"}}},
		Services: []supervision.Service{{
			Name:     "orders",
			Handlers: []supervision.Handler{{Name: "pricing", Props: pricing()}},
			Sockets: []supervision.Socket{{Spec: sockets.Spec{Name: "server", Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
				Handler: "pricing", Serve: actors.ServeOptions{Typed: true, Timeout: time.Second}, Options: faults}},
		}, {
			Name:     "news",
			Handlers: []supervision.Handler{{Name: "alice", Props: subscriber("alice", prices)}, {Name: "bob", Props: subscriber("bob", prices)}},
			Sockets: []supervision.Socket{
				{Spec: sockets.Spec{Name: "publisher", Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"}}},
				{Spec: sockets.Spec{Name: "feed", Type: sockets.Sub}, ConnectTo: []string{"publisher"}},
			},
		}},
	}, p.Events.PID())
	p.Check(err)
	fmt.Println("supervision.Start returned once every socket was open. The owner (the program's inbox) got a Started from each:")
	for started := 0; started < 4; {
		m, ok := o.next()
		if !ok {
			return tree
		}
		s, ok := m.(*messages.Started)
		if !ok {
			continue
		}
		started++
		sock, err := tree.Socket(s.GetSocket())
		p.Check(err)
		how := "bound " + strings.Join(s.GetBound(), ", ")
		if len(s.GetConnected()) > 0 {
			how = "connected to " + strings.Join(s.GetConnected(), ", ")
		}
		fmt.Printf("  %-22s %-6v %s\n", sock.PID().Id, sockets.Type(s.GetType()), how)
	}
	fmt.Println(`A socket's name is its path of services ("shop/orders/server"), which is also its actor's id, or its bare name`)
	fmt.Println(`when unique: Running.Socket("server") and Running.Socket("shop/orders/server") are the same socket.`)
	fmt.Println("ConnectTo wired the client to the port the server bound, and the feed to the publisher's.")
	return tree
}

// socket returns the tree's socket of that name, or ends the program.
func socket(p *cli.Program, tree *supervision.Running, name string) *actors.Socket {
	s, err := tree.Socket(name)
	p.Check(err)
	return s
}

// handler returns the tree's handler of that name, or ends the program.
func handler(p *cli.Program, tree *supervision.Running, name string) *actor.PID {
	pid, err := tree.Handler(name)
	p.Check(err)
	return pid
}

// publishPrices runs step 2.
func publishPrices(p *cli.Program, tree *supervision.Running, prices <-chan string) {
	fmt.Println("\n== 2. Typed publish/subscribe")
	feed, publisher := socket(p, tree, "feed"), socket(p, tree, "publisher")
	p.Check(feed.SubscribeTyped(p.Ctx, handler(p, tree, "alice"), "prices."))
	p.Check(feed.SubscribeTyped(p.Ctx, handler(p, tree, "bob"), "prices.nyc"))
	fmt.Println(`alice subscribes to "prices." and bob to "prices.nyc" on the feed, typed: each gets a TypedMessage, its topic and the message, and decodes it with actors.Unpack.`)
	p.Check(actors.WaitSubscribed(p.Ctx, publisher, feed))
	fmt.Println("WaitSubscribed: both subscriptions have reached the publisher, so nothing published from now on is lost.")
	for i := 1; i <= 3; i++ {
		p.Check(publisher.PublishProto("prices.nyc", wrapperspb.Double(100+float64(i))))
		p.Check(publisher.PublishProto("prices.sfo", wrapperspb.Double(200+float64(i))))
	}
	fmt.Println(`published 3 prices on "prices.nyc" and 3 on "prices.sfo" (PublishProto: frames topic, type name, payload)`)
	got := map[string][]string{}
	for n := 0; n < 9; n++ {
		s, ok := cli.Await(p, prices)
		if !ok {
			return
		}
		name, value, _ := strings.Cut(s, " ")
		got[name] = append(got[name], value)
	}
	for _, name := range []string{"alice", "bob"} {
		fmt.Printf("%-5s decoded %d google.protobuf.DoubleValue (city:price): %s\n", name, len(got[name]), strings.Join(got[name], " "))
	}
}

// answer is the outcome of one request.
type answer struct {
	n     int64
	reply string
	err   error
}

// ask runs step 3.
func ask(o *owner, tree *supervision.Running, c config) {
	p := o.p
	fmt.Printf("\n== 3. %d typed requests through the client, %d in flight, with a server restart in the middle\n", c.requests, c.inflight)
	fmt.Printf("each: actors.Ask[*wrapperspb.StringValue](ctx, client, wrapperspb.Int64(n), actors.WithTimeout(%v), actors.WithRetries(%d)):\n", c.timeout, c.retries)
	fmt.Println("after a timeout the client sends the request again, with the same id, so a late reply still answers it.")
	client, server := socket(p, tree, "client"), socket(p, tree, "shop/orders/server")
	ctx, cancel := context.WithCancel(p.Ctx)
	defer cancel()
	answers := make(chan answer, c.requests)
	slots := make(chan struct{}, c.inflight)
	var wg sync.WaitGroup
	defer wg.Wait()
	go func() {
		for n := int64(1); n <= int64(c.requests); n++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				r, err := actors.Ask[*wrapperspb.StringValue](ctx, client, wrapperspb.Int64(n),
					actors.WithTimeout(c.timeout), actors.WithRetries(uint32(c.retries)))
				answers <- answer{n: n, reply: r.GetValue(), err: err}
			}()
		}
	}()

	byWorker := map[string]int{}
	for got := 0; got < c.requests; got++ {
		var a answer
		for waiting := true; waiting; {
			select {
			case a = <-answers:
				waiting = false
			case m := <-p.Events.C():
				o.error(m)
			case <-p.Ctx.Done():
				return
			}
		}
		worker, square, _ := strings.Cut(a.reply, ": ")
		if a.err != nil || square != strconv.FormatInt(a.n*a.n, 10) {
			p.Check(fmt.Errorf("service: request %d: answer %q, %v", a.n, a.reply, a.err))
		}
		byWorker[worker]++
		if got+1 == c.failAfter {
			restart(o, server)
		}
	}
	fmt.Printf("all %d requests answered, every answer n*n; by handler:", c.requests)
	for _, w := range []string{"worker-1", "worker-2", "worker-3"} {
		fmt.Printf(" %s %d", w, byWorker[w])
	}
	fmt.Println(" (the pool takes turns)")
	cs, err := client.RequestStats(p.Ctx)
	p.Check(err)
	fmt.Printf("client: %d requests, %d replies, %d retries, %d timed out (a retry is an attempt sent again after a timeout)\n",
		cs.GetRequests(), cs.GetReplies(), cs.GetRetries(), cs.GetTimeouts())
	ss, err := server.RequestStats(p.Ctx)
	p.Check(err)
	fmt.Printf("server: %d handled, %d answered (handled counts every attempt that reached a handler, retries included,\n"+
		"so it can exceed the requests: one the old socket took and could not answer comes again as a retry)\n",
		ss.GetHandled(), ss.GetAnswered())
}

// restart fails the server on purpose and prints what its owner heard.
func restart(o *owner, server *actors.Socket) {
	p := o.p
	fmt.Printf("%s: InjectFault while requests are in flight\n", server.Name())
	p.Check(server.InjectFault(p.Ctx, "the service example pulled the plug"))
	for {
		m, ok := o.next()
		if !ok {
			return
		}
		switch m := m.(type) {
		case *messages.Restarting:
			fmt.Printf("%s: restarting (attempt %d, reason %q, backoff %v)\n",
				m.GetSocket(), m.GetAttempt(), m.GetReason(), m.GetBackoff().AsDuration().Round(time.Millisecond))
		case *messages.Started:
			fmt.Printf("%s: started again (restarts %d), bound again to %s, the same port: the client reconnects by itself\n",
				m.GetSocket(), m.GetRestarts(), strings.Join(m.GetBound(), ", "))
			fmt.Println("what was inside the failed socket is lost; the client's timeouts and retries recover those requests")
			return
		}
	}
}
