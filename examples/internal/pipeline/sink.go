package pipeline

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxResult is the largest frame the sink's PULL takes: the zguide's
// results are empty.
const maxResult = 1 << 10

// maxSubscription is the largest frame the sink's PUB takes: a worker
// subscribes to everything, one byte; 64 leave room for any prefix.
const maxSubscription = 64

// killLinger is how long ZeroMQ keeps delivering "KILL" to the workers at
// exit, where the zguide's sink sleeps a second.
const killLinger = 5 * time.Second

// Collect runs the sink program name: it defines and parses its command
// line (-bind, -tasks, and with kill -controller), binds its PULL socket
// (and with kill its PUB), prints "bound ENDPOINT" (with kill "bound
// ENDPOINT CONTROLLER"), waits for the ventilator's start of batch,
// collects -tasks results, printing ":" for each tenth and "." for the
// others, and prints the elapsed time. With kill it then publishes one
// frame "KILL" and closes the PUB with a linger, so that the workers get
// it. It exits 0 after the batch or on SIGINT or SIGTERM, 1 on a failure,
// 2 on a command line it cannot take.
func Collect(name string, kill bool) {
	bind := flag.String("bind", "tcp://*:5558", "endpoint the ventilator and the workers connect to")
	var controllerEp *string
	if kill {
		controllerEp = flag.String("controller", "tcp://*:5559", "endpoint the workers subscribe to for the kill signal")
	}
	tasks := flag.Int("tasks", 100, "number of results to collect")
	flag.Parse()
	cli.UsageIf(*tasks < 0 || flag.NArg() > 0, name+": -tasks must be >= 0, and no arguments")

	p := cli.Start(name)
	defer p.Close()

	receiver := p.Spawn(sockets.Spec{Name: "receiver", Type: sockets.Pull, Binds: []string{*bind},
		Options: []sockets.Option{sockets.MaxMessageSize(maxResult)}},
		actors.WithOwner(p.Events.PID()))
	var controller *actors.Socket
	if kill {
		controller = p.Spawn(sockets.Spec{Name: "controller", Type: sockets.Pub, Binds: []string{*controllerEp},
			Options: []sockets.Option{sockets.MaxMessageSize(maxSubscription)}},
			actors.WithOwner(p.Events.PID()))
		fmt.Println("bound", receiver.Endpoint(), controller.Endpoint())
	} else {
		fmt.Println("bound", receiver.Endpoint())
	}

	// Wait for the start of the batch.
	if _, ok := p.Receive(); !ok {
		return
	}
	start := time.Now()
	for i := range *tasks {
		if _, ok := p.Receive(); !ok {
			return
		}
		if i%10 == 0 {
			fmt.Print(":")
		} else {
			fmt.Print(".")
		}
	}
	fmt.Printf("\nTotal elapsed time: %d msec\n", time.Since(start).Milliseconds())
	if !kill {
		return
	}
	// A PUB sends only to the subscribers whose subscription has come:
	// the workers subscribed when they started, long before the batch
	// ended.
	_, err := controller.PublishWait(p.Ctx, "KILL")
	p.CatchUp(controller, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*killLinger)
	defer cancel()
	_, err = controller.CloseLinger(ctx, killLinger)
	p.CheckWait(err)
	fmt.Println("sent KILL")
}
