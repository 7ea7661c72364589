// Mdclient is the zguide's Majordomo client (mdclient, MDP/0.1): it sends
// -n (10) requests to -service ("echo") through the broker at -connect
// (tcp://localhost:5555, mdbroker), one at a time, each two frames "Hello
// world" and its number, and checks that the reply is the echo. It prints
//
//	I: reply (1)
//	...
//	10 requests/replies processed
//
// and exits 0. A request without a reply within -timeout (2.5s) is sent
// again on a new socket, up to -retries (3) more times; then it prints "E:
// no reply from the broker, abandoning" and exits 1. A reply answered only
// after a retry prints "W: retried (attempt N answered)" before it.
//
// With -mmi, it asks the broker's "mmi.service" whether -service has
// workers instead, prints "Lookup echo service: 200" (or 404) and exits 0.
//
// The client is a socket actor spawned WithMajordomoClient; Socket.AskService
// sends each request.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5555", "endpoint of the broker")
	service := flag.String("service", "echo", "the service to ask")
	n := flag.Int("n", 10, "how many requests")
	timeout := flag.Duration("timeout", 2500*time.Millisecond, "how long to wait for the reply to each attempt")
	retries := flag.Int("retries", 3, "resends of a request after a timeout")
	mmi := flag.Bool("mmi", false, "ask mmi.service whether -service has workers, and exit")
	flag.Parse()
	cli.UsageIf(*n < 1 || *timeout <= 0 || *retries < 0 || *service == "" || flag.NArg() > 0,
		"mdclient: -n must be >= 1, -timeout > 0, -retries >= 0, -service not empty, and no arguments")

	p := cli.Start("mdclient")
	defer p.Close()

	client := p.Spawn(sockets.Spec{Name: "client", Type: sockets.Dealer, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithMajordomoClient(actors.MajordomoClientOptions{Timeout: *timeout, Retries: uint32(*retries)}),
		actors.WithOwner(p.Events.PID()))
	check := func(err error) {
		if errors.Is(err, actors.ErrRequestTimeout) {
			fmt.Println("E: no reply from the broker, abandoning")
			p.Close()
			os.Exit(1)
		}
		p.Check(err)
	}
	if *mmi {
		reply, err := client.AskService(p.Ctx, "mmi.service", [][]byte{[]byte(*service)})
		check(err)
		fmt.Printf("Lookup %s service: %s\n", *service, reply.Frames[0])
		return
	}
	for i := 1; i <= *n; i++ {
		seq := []byte(strconv.Itoa(i))
		reply, err := client.AskService(p.Ctx, *service, [][]byte{[]byte("Hello world"), seq})
		check(err)
		if len(reply.Frames) != 2 || string(reply.Frames[0]) != "Hello world" || string(reply.Frames[1]) != string(seq) {
			p.Check(fmt.Errorf("request %d: the reply %q is not its echo", i, reply.Frames))
		}
		if reply.Attempts > 1 {
			fmt.Printf("W: retried (attempt %d answered)\n", reply.Attempts)
		}
		fmt.Printf("I: reply (%d)\n", i)
	}
	fmt.Printf("%d requests/replies processed\n", *n)
}
