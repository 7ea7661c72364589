// Taskvent is the zguide's task ventilator (taskvent): it binds a PUSH
// socket to tcp://*:5557, tells the sink at tcp://localhost:5558 that a batch
// starts by sending "0", then pushes 100 workloads, each a random number of
// milliseconds (1 to 100) as a decimal string, to the workers.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	bind := flag.String("bind", "tcp://*:5557", "endpoint the workers connect to")
	sink := flag.String("sink", "tcp://localhost:5558", "endpoint of the sink")
	tasks := flag.Int("tasks", 100, "number of tasks")
	maxMs := flag.Int("max-ms", 100, "largest workload in milliseconds")
	wait := flag.Bool("wait", false, "wait for Enter before sending, as the zguide's version does")
	flag.Parse()

	p := cli.Start("taskvent")
	defer p.Close()

	sender, err := p.Z.Spawn(p.Ctx, sockets.Spec{Name: "sender", Type: sockets.Push, Binds: []string{*bind}})
	p.Check(err)
	toSink, err := p.Z.Spawn(p.Ctx, sockets.Spec{Name: "sink", Type: sockets.Push, Connects: []string{*sink}})
	p.Check(err)
	fmt.Println("bound", sender.Endpoint())

	if *wait {
		fmt.Print("Press Enter when the workers are ready: ")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	}
	fmt.Println("Sending tasks to workers...")

	// The first message is "0" and signals the start of the batch.
	p.Check(toSink.Send([]byte("0")))

	total := 0
	for range *tasks {
		workload := rand.IntN(*maxMs) + 1
		total += workload
		p.Check(sender.Send([]byte(strconv.Itoa(workload))))
	}
	fmt.Printf("Total expected cost: %d msec\n", total)

	// Messages wait in the send queue until a worker is connected: hand
	// them all to ZeroMQ before closing.
	p.Check(sender.Flush(p.Ctx, 5*time.Millisecond))
	p.Check(toSink.Flush(p.Ctx, 5*time.Millisecond))
	_, err = sender.Close(p.Ctx)
	p.Check(err)
	_, err = toSink.Close(p.Ctx)
	p.Check(err)
}
