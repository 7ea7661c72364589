// Httpserver answers HTTP requests with "Hello, World!" through a STREAM
// socket actor, the raw-TCP socket of ZeroMQ (zmq_socket(3), ZMQ_STREAM):
// it binds tcp://*:8080, and any HTTP client (curl, a browser) is its peer.
// For each connection it reads until the end of the request's headers,
// answers, and closes the connection with an empty frame. It prints "bound
// ENDPOINT" once it listens, a line per request with -v, and exits 0 on
// SIGINT or SIGTERM, or after -n requests when -n is set.
package main

import (
	"bytes"
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// response is the whole answer; HTTP/1.0, so the client expects the
// connection to close after it.
const response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"

// maxRequest bounds what is kept of one connection's request: a peer that
// sends more without ending its headers is cut off.
const maxRequest = 16 << 10

func main() {
	bind := flag.String("bind", "tcp://*:8080", "endpoint HTTP clients connect to")
	n := flag.Int("n", 0, "exit after this many requests (0: run until interrupted)")
	verbose := flag.Bool("v", false, "print a line per request")
	flag.Parse()
	cli.UsageIf(*n < 0 || flag.NArg() > 0, "httpserver: -n must be >= 0, and no arguments")

	p := cli.Start("httpserver")
	defer p.Close()
	server := p.Spawn(sockets.Spec{Name: "http", Type: sockets.Stream, Binds: []string{*bind}},
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", server.Endpoint())

	pending := map[string][]byte{} // each connection's request so far
	served := 0
	for *n == 0 || served < *n {
		m, ok := p.Next()
		if !ok {
			return
		}
		switch m := m.(type) {
		case *messages.StreamPeer:
			if m.GetConnected() {
				pending[string(m.GetPeer())] = nil
			} else {
				delete(pending, string(m.GetPeer()))
			}
		case *messages.Received:
			peer, data := m.GetFrames()[0], m.GetFrames()[1]
			req := append(pending[string(peer)], data...)
			switch {
			case bytes.Contains(req, []byte("\r\n\r\n")):
				if *verbose {
					fmt.Printf("%q\n", bytes.SplitN(req, []byte("\r\n"), 2)[0])
				}
				p.Check(server.Send(peer, []byte(response)))
				p.Check(server.Send(peer, nil)) // an empty frame closes the connection
				served++
			case len(req) > maxRequest:
				p.Check(server.Send(peer, nil))
			default:
				pending[string(peer)] = req
			}
		default:
			p.CheckEvent(m)
		}
	}
}
