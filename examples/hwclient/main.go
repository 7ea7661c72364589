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
// waits for the reply (hello.Client, which rrclient shares). Like the zguide's client it waits as long as it
// takes by default: until a server is there the REQ socket keeps the
// request. -timeout bounds the wait for each reply; past it the program
// fails (exit 1). SIGINT or SIGTERM stop it at any time, exit 0.
package main

import (
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/examples/internal/hello"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5555", "endpoint of the server")
	c := hello.NewClient("hwclient")
	defer c.Close()

	fmt.Println("Connecting to hello world server...")
	c.Connect(*connect)
	for i := range c.N {
		fmt.Printf("Sending Hello %d...\n", i)
		fmt.Printf("Received reply %d [%s]\n", i, c.Request())
	}
}
