// Mdworker is the zguide's Majordomo worker (mdworker, MDP/0.1): a DEALER
// connected to -connect (tcp://localhost:5555, mdbroker) that registers
// -service ("echo") and echoes each request, frame for frame, after -work
// (0). It prints
//
//	I: worker ready
//	I: request (Hello world 1)
//	I: normal reply (Hello world 1)
//
// (the request's frames). It heartbeats the broker every -heartbeat
// (2.5s); when the broker stays silent for 3 heartbeats, or sends
// DISCONNECT, it reports it on stderr, takes a new socket, waits (2.5 s,
// doubling) and registers again.
//
// The worker is a socket actor spawned WithMajordomoWorker: it hands each
// request to a handler actor, which never blocks (the work is a timer).
// It runs until SIGINT or SIGTERM (exit 0).
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
	connect := flag.String("connect", "tcp://localhost:5555", "endpoint of the broker")
	service := flag.String("service", "echo", "the service this worker offers")
	heartbeat := flag.Duration("heartbeat", 2500*time.Millisecond, "heartbeat interval (the broker's must be the same)")
	work := flag.Duration("work", 0, "time spent on each request before answering it")
	flag.Parse()
	cli.UsageIf(*heartbeat <= 0 || *work < 0 || *service == "" || strings.HasPrefix(*service, "mmi.") || flag.NArg() > 0,
		"mdworker: -heartbeat must be > 0, -work >= 0, -service not empty nor mmi.*, and no arguments")

	p := cli.Start("mdworker")
	defer p.Close()

	handler := p.System.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		m, ok := ctx.Message().(*messages.Request)
		if !ok {
			return
		}
		text := bytes.Join(m.Frames, []byte(" "))
		fmt.Printf("I: request (%s)\n", text)
		reply, to, root := &messages.Reply{Frames: m.Frames}, ctx.Sender(), ctx.ActorSystem().Root
		time.AfterFunc(*work, func() {
			fmt.Printf("I: normal reply (%s)\n", text)
			root.Send(to, reply)
		})
	}))
	p.Spawn(sockets.Spec{Name: "worker", Type: sockets.Dealer, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithMajordomoWorker(*service, handler, actors.MajordomoWorkerOptions{
			Heartbeat: actors.Heartbeat{Interval: *heartbeat},
			Timeout:   *work + actors.DefaultHandlerTimeout,
		}),
		actors.WithOwner(p.Events.PID()))
	fmt.Println("I: worker ready")

	p.Serve(nil)
}
