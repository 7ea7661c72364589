// Rrworker is the zguide's request-reply worker (rrworker): a REP socket
// connects to the broker's backend at tcp://localhost:5560 (see rrbroker)
// and answers each request, one frame "Hello", with one frame "World". For
// each request it prints
//
//	Received request: [Hello]
//
// and works for -work (1s, the zguide's sleep) before it answers. Any
// request is answered with "World"; the line shows its first frame.
// Several workers may connect to one broker, which spreads the requests
// over them.
//
// The REP socket actor hands each request to a handler actor
// (actors.WithHandler; hello.Server, which hwserver shares), which answers with the reply to the request's
// sender. The handler never blocks: the work is a timer, and the reply goes
// out when it fires. A REP socket takes the next request only once it has
// answered the last one, so a worker handles one request at a time.
//
// It prints "worker ready" once its socket is open (ZeroMQ connects in the
// background, and again whenever the broker comes back) and runs until
// SIGINT or SIGTERM (exit 0). A request that fails (the handler missed its
// deadline) is reported on stderr and the worker goes on.
package main

import (
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/examples/internal/hello"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5560", "endpoint of the broker's backend")
	s := hello.NewServer("rrworker")
	defer s.Close()

	s.Respond(sockets.Spec{Name: "responder", Type: sockets.Rep, Connects: []string{*connect}})
	fmt.Println("worker ready")
	s.Serve() // until SIGINT or SIGTERM
}
