// Spworker is the zguide's Simple Pirate worker (spworker): a REQ socket
// connected to tcp://localhost:5556 (spqueue's backend) that announces
// itself with READY ("\x01") and then echoes each request [client, "",
// body...], frame for frame, after -work (0). It prints
//
//	I: (abcd-1234) worker ready
//	I: (abcd-1234) normal reply
//
// With -chaos (off by default, as lpserver's), after three requests each
// request has a chance of one in five to be a simulated crash (it prints
// "I: simulating a crash" and exits 0 without answering) and then one in
// five to be a simulated CPU overload (3 s more). -crash-at N crashes at
// request N.
//
// A REQ worker's requests are its answers: the REQ socket actor's
// Socket.Request sends READY, or the reply to the last job, and its answer
// is the next job, [client, "", body...]. The wait for a job has no end
// but SIGINT or SIGTERM (exit 0).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// idle is how long the worker waits for a job before it asks again: a
// REQ's request needs a timeout; this one is long.
const idle = 24 * time.Hour

func main() {
	connect := flag.String("connect", "tcp://localhost:5556", "endpoint of the queue's backend")
	work := flag.Duration("work", 0, "time spent on each request before answering it")
	chaos := flag.Bool("chaos", false, "simulate crashes and CPU overloads at random, after three requests")
	crashAt := flag.Int("crash-at", 0, "simulate a crash at this request (0: only at random)")
	flag.Parse()
	cli.UsageIf(*work < 0 || *crashAt < 0 || flag.NArg() > 0, "spworker: -work and -crash-at must be >= 0, and no arguments")

	p := cli.Start("spworker")
	defer p.Close()

	id := fmt.Sprintf("%04X-%04X", rand.IntN(0x10000), rand.IntN(0x10000))
	w := p.Spawn(sockets.Spec{Name: "worker", Type: sockets.Req, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0), sockets.RoutingID([]byte(id))}})
	fmt.Printf("I: (%s) worker ready\n", id)

	out := [][]byte{[]byte(actors.PirateReady)}
	for cycles := 1; ; cycles++ {
		job, err := w.Request(p.Ctx, out, actors.WithTimeout(idle))
		p.Check(err)
		if len(job.Frames) < 3 || len(job.Frames[1]) != 0 {
			fmt.Printf("E: (%s) not a job: %q\n", id, job.Frames)
			out = [][]byte{[]byte(actors.PirateReady)}
			continue
		}
		delay := *work
		switch {
		case cycles == *crashAt || *chaos && cycles > 3 && rand.IntN(5) == 0:
			fmt.Printf("I: (%s) simulating a crash\n", id)
			return
		case *chaos && cycles > 3 && rand.IntN(5) == 0:
			fmt.Printf("I: (%s) simulating CPU overload\n", id)
			delay += 3 * time.Second
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-p.Ctx.Done():
				return
			}
		}
		fmt.Printf("I: (%s) normal reply (%s)\n", id, strings.TrimSpace(string(job.Frames[2])))
		out = job.Frames // [client, "", body...]: the echo
	}
}
