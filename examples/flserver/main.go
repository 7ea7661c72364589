// Flserver is the zguide's Freelance server, model 3 (flserver3): a ROUTER
// bound to -bind (tcp://*:5555) whose routing id is the endpoint its
// clients connect to (-id; by default -bind with "*" made "localhost").
// It answers each ["PING"] with ["PONG"] and each request [sequence,
// body...] with [sequence, "OK"], after -work (0). It prints "bound
// ENDPOINT" once it listens and "I: request (BODY)" for each request, and
// runs until SIGINT or SIGTERM (exit 0).
//
// The server is a socket actor spawned WithFreelanceServer, with a handler
// actor that never blocks (the work is a timer).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	bind := flag.String("bind", "tcp://*:5555", "endpoint the clients connect to")
	id := flag.String("id", "", "the server's routing id, the endpoint clients connect to (default: -bind with * as localhost)")
	work := flag.Duration("work", 0, "time spent on each request before answering it")
	flag.Parse()
	cli.UsageIf(*work < 0 || flag.NArg() > 0, "flserver: -work must be >= 0, and no arguments")
	if *id == "" {
		*id = strings.Replace(*bind, "*", "localhost", 1)
	}

	p := cli.Start("flserver")
	defer p.Close()

	handler := p.System.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		m, ok := ctx.Message().(*messages.Request)
		if !ok {
			return
		}
		fmt.Printf("I: request (%s)\n", bytes.Join(m.Frames, []byte(" ")))
		to, root := ctx.Sender(), ctx.ActorSystem().Root
		time.AfterFunc(*work, func() { root.Send(to, &messages.Reply{Frames: [][]byte{[]byte("OK")}}) })
	}))
	s := p.Spawn(sockets.Spec{Name: "server", Type: sockets.Router, Binds: []string{*bind},
		Options: []sockets.Option{sockets.RoutingID([]byte(*id)), sockets.Linger(0)}},
		actors.WithFreelanceServer(handler, actors.FreelanceServerOptions{}),
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", s.Endpoint())

	p.Serve(nil)
}
