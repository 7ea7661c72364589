// Psenvsub is the zguide's pub-sub envelope subscriber (psenvsub): a SUB
// socket connects to tcp://localhost:5563, subscribes to the topic "B"
// (-topic) and prints each message it gets, an envelope frame (the topic)
// and a body frame, as
//
//	[B] We would like to see this
//
// The subscription is made with Socket.Subscribe for the program's inbox
// (an actors.Inbox), which is also the socket actor's owner: the inbox
// receives the messages of topic "B" and the socket's events. A message
// that is not two frames is an error. The zguide's version runs forever, as this one does by default;
// -n stops after that many messages. It exits 0 then, or on SIGINT or
// SIGTERM.
package main

import (
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5563", "endpoint of the publisher")
	topic := flag.String("topic", "B", "topic to subscribe to")
	n := flag.Int("n", 0, "stop after this many messages (0: run until interrupted)")
	flag.Parse()
	cli.UsageIf(*n < 0 || flag.NArg() > 0, "psenvsub: -n must be >= 0, and no arguments")

	p := cli.Start("psenvsub")
	defer p.Close()

	// No linger: a SUB sends only its subscriptions, which do not matter
	// once it is gone; without a publisher ZeroMQ would keep them a second.
	subscriber := p.Spawn(sockets.Spec{Name: "subscriber", Type: sockets.Sub, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithOwner(p.Events.PID()))
	p.Check(subscriber.Subscribe(p.Ctx, p.Events.PID(), *topic))

	for count := 0; *n == 0 || count < *n; count++ {
		m, ok := p.Receive()
		if !ok {
			return // Close (deferred) shuts down cleanly.
		}
		if len(m.Frames) != 2 {
			p.Check(fmt.Errorf("bad message: %d frames %q, want an envelope and a body", len(m.Frames), m.Frames))
		}
		fmt.Printf("[%s] %s\n", m.Frames[0], m.Frames[1])
	}
}
