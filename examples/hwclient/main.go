// Hwclient is the zguide's hello world client (hwclient): a REQ socket
// connects to tcp://localhost:5555 and sends 10 requests (-n), each one
// frame "Hello", one at a time. It prints
//
//	Connecting to hello world server...
//	Sending Hello 0...
//	Received reply 0 [World]
//
// and so on for each request (a reply of several frames is printed with
// spaces between them), and exits 0 after the last reply.
//
// Each request goes through the REQ socket actor with Socket.Request, which
// waits for the reply. Like the zguide's client it waits as long as it
// takes by default: until a server is there the REQ socket keeps the
// request. -timeout bounds the wait for each reply; past it the program
// fails (exit 1). SIGINT or SIGTERM stop it at any time, exit 0.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// forever stands for no timeout, which a request always has.
const forever = 100 * 365 * 24 * time.Hour

func main() {
	connect := flag.String("connect", "tcp://localhost:5555", "endpoint of the server")
	n := flag.Int("n", 10, "number of requests")
	timeout := flag.Duration("timeout", 0, "how long to wait for each reply (0: as long as it takes)")
	flag.Parse()
	if *n < 0 || *timeout < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "hwclient: -n and -timeout must be >= 0, and no arguments")
		flag.Usage()
		os.Exit(2)
	}
	wait := *timeout
	if wait == 0 {
		wait = forever
	}

	p := cli.Start("hwclient")
	defer p.Close()

	fmt.Println("Connecting to hello world server...")
	// No linger: a request left unanswered at exit does not matter.
	requester, err := p.Z.Spawn(p.Ctx, sockets.Spec{Name: "requester", Type: sockets.Req, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0)}})
	p.Check(err)

	for i := range *n {
		fmt.Printf("Sending Hello %d...\n", i)
		reply, err := requester.Request(p.Ctx, [][]byte{[]byte("Hello")}, actors.WithTimeout(wait))
		p.Check(err)
		fmt.Printf("Received reply %d [%s]\n", i, bytes.Join(reply.Frames, []byte(" ")))
	}
}
