// Taskvent is the zguide's task ventilator (taskvent): it binds a PUSH
// socket to tcp://*:5557, tells the sink at tcp://localhost:5558 that a batch
// starts by sending "0", then pushes 100 workloads, each a random number of
// milliseconds (1 to 100) as a decimal string in one frame, to the workers.
//
// Unlike the zguide's version it does not wait for Enter unless -wait is
// given: workloads sent before any worker is connected wait in the socket
// actor's send queue. It prints "bound ENDPOINT" once the sender listens.
// Before it exits it waits until ZeroMQ took every message, and closes with
// a linger so that none is lost on the way. A socket actor slow to answer
// is reported on stderr and waited for (cli.CatchUp); the program goes on.
//
// A PUSH receives nothing but the handshake of its peers: the sender takes
// frames of up to a kilobyte (sockets.MaxMessageSize), more than any
// handshake needs, and disconnects a peer that sends more.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxFrame is the largest frame the sender takes.
const maxFrame = 1 << 10

// linger is how long ZeroMQ keeps delivering the last messages at exit.
const linger = 5 * time.Second

func main() {
	bind := flag.String("bind", "tcp://*:5557", "endpoint the workers connect to")
	sink := flag.String("sink", "tcp://localhost:5558", "endpoint of the sink")
	tasks := flag.Int("tasks", 100, "number of tasks")
	maxMs := flag.Int("max-ms", 100, "largest workload in milliseconds")
	wait := flag.Bool("wait", false, "wait for Enter before sending, as the zguide's version does")
	flag.Parse()
	cli.UsageIf(*tasks < 0 || *maxMs < 1 || flag.NArg() > 0,
		"taskvent: -tasks must be >= 0, -max-ms >= 1, and no arguments")

	p := cli.Start("taskvent")
	defer p.Close()

	// Every workload may have to wait for the first worker: let the send
	// queue hold them all.
	sender := p.Spawn(sockets.Spec{Name: "sender", Type: sockets.Push, Binds: []string{*bind},
		SendQueueLimit: max(*tasks, sockets.DefaultSendQueueLimit), Options: []sockets.Option{sockets.MaxMessageSize(maxFrame)}})
	toSink := p.Spawn(sockets.Spec{Name: "sink", Type: sockets.Push, Connects: []string{*sink}})
	fmt.Println("bound", sender.Endpoint())

	if *wait && !p.AwaitEnter("Press Enter when the workers are ready: ") {
		return // Close (deferred) shuts down cleanly.
	}
	fmt.Println("Sending tasks to workers...")

	// The first message is "0" and signals the start of the batch.
	_, err := toSink.SendWait(p.Ctx, []byte("0"))
	p.CatchUp(toSink, err)

	total := 0
	for range *tasks {
		workload := rand.IntN(*maxMs) + 1
		total += workload
		_, err := sender.SendWait(p.Ctx, []byte(strconv.Itoa(workload)))
		p.CatchUp(sender, err)
	}
	fmt.Printf("Total expected cost: %d msec\n", total)

	// Messages wait in the send queue until a worker is connected: hand
	// them all to ZeroMQ before closing, then let ZeroMQ deliver them.
	for _, s := range []*actors.Socket{toSink, sender} {
		for !p.CheckWait(s.Flush(p.Ctx, 5*time.Millisecond)) {
		}
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = toSink.CloseLinger(closeCtx, linger)
	p.CheckWait(err)
	_, err = sender.CloseLinger(closeCtx, linger)
	p.CheckWait(err)
}
