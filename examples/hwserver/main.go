// Hwserver is the zguide's hello world server (hwserver): a REP socket
// bound to tcp://*:5555 answers each request, one frame "Hello", with one
// frame "World". For each request it prints
//
//	Received request: [Hello]
//
// and works for -work (1s, the zguide's sleep) before it answers. Any
// request is answered with "World"; the line shows its first frame.
//
// The REP socket actor hands each request to a handler actor
// (actors.WithHandler; hello.Server, which rrworker shares), which answers with the reply to the request's
// sender. The handler never blocks: the work is a timer, and the reply goes
// out when it fires. A REP socket takes the next request only once it has
// answered the last one, so requests are handled one at a time, as in the
// zguide's loop, whatever the number of clients.
//
// The socket takes frames of up to a kilobyte (hello.MaxRequest): a
// request is one word, and a peer that sends more is disconnected.
//
// It prints "bound ENDPOINT" once it listens and runs until SIGINT or
// SIGTERM (exit 0). A request that fails (the handler missed its deadline)
// is reported on stderr and the server goes on.
package main

import (
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/examples/internal/hello"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	bind := flag.String("bind", "tcp://*:5555", "endpoint the clients connect to")
	s := hello.NewServer("hwserver")
	defer s.Close()

	responder := s.Respond(sockets.Spec{Name: "responder", Type: sockets.Rep, Binds: []string{*bind},
		Options: []sockets.Option{sockets.MaxMessageSize(hello.MaxRequest)}})
	fmt.Println("bound", responder.Endpoint())
	s.Serve() // until SIGINT or SIGTERM
}
