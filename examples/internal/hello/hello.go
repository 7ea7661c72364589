// Package hello is the zguide's hello world pair as actors, shared by the
// programs that speak it: the responder for hwserver and rrworker (Props,
// Server), the requester for hwclient and rrclient (Client). The programs
// differ only in their endpoints and in what they print, which they keep.
package hello

import (
	"bytes"
	"flag"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// MaxRequest is the largest frame a hello world server takes on the
// endpoint it binds (sockets.MaxMessageSize): a request is one word,
// "Hello", and a kilobyte leaves room for any other. A peer that sends a
// larger frame is disconnected, instead of making the server hold it.
const MaxRequest = 1 << 10

// Props returns the props of a handler that prints each request as
// "Received request: [Hello]" and answers it with "World" after work. It
// never blocks: the answer goes to the request's sender later, from a
// timer, so one handler serves many requests at once.
func Props(work time.Duration) *actor.Props {
	return actor.PropsFromFunc(func(ctx actor.Context) {
		m, ok := ctx.Message().(*messages.Request)
		if !ok {
			return
		}
		fmt.Printf("Received request: [%s]\n", m.Frames[0])
		reply := &messages.Reply{Frames: [][]byte{[]byte("World")}}
		if work <= 0 {
			ctx.Respond(reply)
			return
		}
		// The sender stands for this one request: the reply may go to it
		// later, from any goroutine.
		to, root := ctx.Sender(), ctx.ActorSystem().Root
		time.AfterFunc(work, func() { root.Send(to, reply) })
	})
}

// Server is a hello world server (hwserver, rrworker): REP socket actors
// whose handler, Props, answers each request after -work.
type Server struct {
	p    *cli.Program
	work time.Duration
}

// NewServer adds -work to the command line, whose other flags the program
// defined, parses it and starts the program name. A command line it
// cannot take ends the program (exit 2).
func NewServer(name string) *Server {
	work := flag.Duration("work", time.Second, "time spent on each request before answering it")
	flag.Parse()
	cli.UsageIf(*work < 0 || flag.NArg() > 0, name+": -work must be >= 0, and no arguments")
	return &Server{p: cli.Start(name), work: *work}
}

// Respond spawns the REP socket actor of spec, which hands each request to
// a handler actor (actors.WithHandler). A request is answered within -work
// and the default handler timeout, or fails.
func (s *Server) Respond(spec sockets.Spec) *actors.Socket {
	handler := s.p.System.Root.Spawn(Props(s.work))
	return s.p.Spawn(spec,
		actors.WithHandler(handler, actors.ServeOptions{Timeout: s.work + actors.DefaultHandlerTimeout}),
		actors.WithOwner(s.p.Events.PID()))
}

// Serve runs until SIGINT or SIGTERM. A request that fails is reported on
// stderr and the server goes on.
func (s *Server) Serve() { s.p.Serve(nil) }

// Close shuts the program down cleanly.
func (s *Server) Close() { s.p.Close() }

// forever stands for no timeout, which a request always has.
const forever = 100 * 365 * 24 * time.Hour

// Client is a hello world client (hwclient, rrclient): a REQ socket actor
// that sends "Hello" and waits for the reply, one request at a time.
type Client struct {
	// N is the number of requests to send (-n).
	N         int
	p         *cli.Program
	wait      time.Duration
	requester *actors.Socket
}

// NewClient adds -n and -timeout to the command line, whose other flags
// the program defined, parses it and starts the program name. A command
// line it cannot take ends the program (exit 2).
func NewClient(name string) *Client {
	n := flag.Int("n", 10, "number of requests")
	timeout := flag.Duration("timeout", 0, "how long to wait for each reply (0: as long as it takes)")
	flag.Parse()
	cli.UsageIf(*n < 0 || *timeout < 0 || flag.NArg() > 0, name+": -n and -timeout must be >= 0, and no arguments")
	wait := *timeout
	if wait == 0 {
		wait = forever
	}
	return &Client{N: *n, p: cli.Start(name), wait: wait}
}

// Connect spawns the REQ socket actor, connected to endpoint. It does not
// linger: a request left unanswered at exit does not matter.
func (c *Client) Connect(endpoint string) {
	c.requester = c.p.Spawn(sockets.Spec{Name: "requester", Type: sockets.Req, Connects: []string{endpoint},
		Options: []sockets.Option{sockets.Linger(0)}})
}

// Request sends one request, one frame "Hello", and returns the reply with
// spaces between its frames. It waits for the reply up to -timeout, as
// long as it takes by default; past it the program fails (exit 1).
func (c *Client) Request() []byte {
	reply, err := c.requester.Request(c.p.Ctx, [][]byte{[]byte("Hello")}, actors.WithTimeout(c.wait))
	c.p.Check(err)
	return bytes.Join(reply.Frames, []byte(" "))
}

// Close shuts the program down cleanly.
func (c *Client) Close() { c.p.Close() }
