// Tasksink is the zguide's task sink (tasksink): it binds a PULL socket to
// tcp://*:5558, waits for the ventilator's start of batch, collects 100
// results from the workers and prints the elapsed time. The first message
// of a batch (the ventilator's "0") starts the clock; results are counted
// whatever their frames. It prints "bound ENDPOINT" once it listens, and
// exits 0 after the batch or on SIGINT or SIGTERM.
//
// The zguide's results are empty frames: the socket takes frames of up to
// a kilobyte (sockets.MaxMessageSize) and disconnects a peer that sends
// larger ones, instead of holding them.
package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxFrame is the largest frame the sink takes.
const maxFrame = 1 << 10

func main() {
	bind := flag.String("bind", "tcp://*:5558", "endpoint the ventilator and the workers connect to")
	tasks := flag.Int("tasks", 100, "number of results to collect")
	flag.Parse()
	cli.UsageIf(*tasks < 0 || flag.NArg() > 0, "tasksink: -tasks must be >= 0, and no arguments")

	p := cli.Start("tasksink")
	defer p.Close()

	receiver := p.Spawn(sockets.Spec{Name: "receiver", Type: sockets.Pull, Binds: []string{*bind},
		Options: []sockets.Option{sockets.MaxMessageSize(maxFrame)}},
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", receiver.Endpoint())

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
}
