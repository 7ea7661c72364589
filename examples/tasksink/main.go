// Tasksink is the zguide's task sink (tasksink): it binds a PULL socket to
// tcp://*:5558, waits for the ventilator's start of batch, collects 100
// results from the workers and prints the elapsed time. The first message
// of a batch (the ventilator's "0") starts the clock; results are counted
// whatever their frames. It prints "bound ENDPOINT" once it listens, and
// exits 0 after the batch or on SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	bind := flag.String("bind", "tcp://*:5558", "endpoint the ventilator and the workers connect to")
	tasks := flag.Int("tasks", 100, "number of results to collect")
	flag.Parse()
	if *tasks < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "tasksink: -tasks must be >= 0, and no arguments")
		flag.Usage()
		os.Exit(2)
	}

	p := cli.Start("tasksink")
	defer p.Close()

	inbox := actors.NewInbox(p.System, 256)
	defer inbox.Close()
	receiver, err := p.Z.Spawn(p.Ctx, sockets.Spec{Name: "receiver", Type: sockets.Pull, Binds: []string{*bind}},
		actors.WithOwner(inbox.PID()))
	p.Check(err)
	fmt.Println("bound", receiver.Endpoint())

	// next returns the next received message, or false when interrupted.
	next := func() bool {
		for {
			select {
			case <-p.Ctx.Done():
				return false
			case m := <-inbox.C():
				switch m := m.(type) {
				case *messages.Received:
					return true
				case *messages.Error:
					p.Check(sockets.ErrorFromProto(m))
				case *messages.Closed:
					err := sockets.ErrorFromProto(m.Error)
					if err == nil {
						err = fmt.Errorf("%s closed: %s", m.Socket, m.Reason)
					}
					p.Check(err)
				}
			}
		}
	}

	// Wait for the start of the batch.
	if !next() {
		return
	}
	start := time.Now()
	for i := range *tasks {
		if !next() {
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
