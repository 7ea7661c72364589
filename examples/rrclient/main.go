// Rrclient is the zguide's request-reply client (rrclient): a REQ socket
// connects to the broker's frontend at tcp://localhost:5559 (see rrbroker)
// and sends 10 requests (-n), each one frame "Hello", one at a time. It
// prints each reply as
//
//	Received reply 0 [World]
//
// (a reply of several frames with spaces between them) and exits 0 after
// the last one. The broker passes each request on to one of its workers
// (rrworker); the client cannot tell a broker from a server.
//
// Each request goes through the REQ socket actor with Socket.Request, which
// waits for the reply (hello.Client, which hwclient shares). Like the zguide's client it waits as long as it
// takes by default: until the broker is there and has a worker, the request
// waits. -timeout bounds the wait for each reply; past it the program fails
// (exit 1). SIGINT or SIGTERM stop it at any time, exit 0.
package main

import (
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/examples/internal/hello"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5559", "endpoint of the broker's frontend")
	c := hello.NewClient("rrclient")
	defer c.Close()

	c.Connect(*connect)
	for i := range c.N {
		fmt.Printf("Received reply %d [%s]\n", i, c.Request())
	}
}
