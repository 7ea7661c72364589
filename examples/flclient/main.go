// Flclient is the zguide's Freelance client, model 3 (flclient3): a ROUTER
// connected to every server endpoint given as an argument (flserver), which
// pings them all every -ping (1s) and sends each request to the first one
// alive, and to the next one alive when that one dies. It sends -n (10)
// requests "request N", one at a time, and prints
//
//	I: reply (1) OK
//	...
//	10 requests answered
//
// and exits 0. A request that no server answers within -timeout (3s)
// prints "E: no server answered request N" and the client exits 1.
//
// The client is a socket actor spawned WithFreelanceClient, asked through
// Socket.Request.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	n := flag.Int("n", 10, "how many requests")
	timeout := flag.Duration("timeout", 3*time.Second, "how long a request is tried over all servers")
	ping := flag.Duration("ping", time.Second, "how often each server is pinged (alive for 3 pings)")
	flag.Parse()
	cli.UsageIf(*n < 1 || *timeout <= 0 || *ping <= 0 || flag.NArg() == 0,
		"flclient: -n must be >= 1, -timeout and -ping > 0; usage: flclient [flags] ENDPOINT...")

	p := cli.Start("flclient")
	defer p.Close()

	c := p.Spawn(sockets.Spec{Name: "client", Type: sockets.Router, Connects: flag.Args(),
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithFreelanceClient(actors.FreelanceClientOptions{Heartbeat: actors.Heartbeat{Interval: *ping}, Timeout: *timeout}),
		actors.WithOwner(p.Events.PID()))
	for i := 1; i <= *n; i++ {
		reply, err := c.Request(p.Ctx, [][]byte{[]byte(fmt.Sprintf("request %d", i))}, actors.WithTimeout(*timeout))
		if errors.Is(err, actors.ErrRequestTimeout) {
			fmt.Printf("E: no server answered request %d\n", i)
			p.Close()
			os.Exit(1)
		}
		p.Check(err)
		fmt.Printf("I: reply (%d) %s\n", i, bytes.Join(reply.Frames, []byte(" ")))
	}
	fmt.Printf("%d requests answered\n", *n)
}
