// Psenvsub is the zguide's pub-sub envelope subscriber (psenvsub): a SUB
// socket connects to tcp://localhost:5563, subscribes to the topic "B"
// (-topic) and prints each message it gets, an envelope frame (the topic)
// and a body frame, as
//
//	[B] We would like to see this
//
// The subscription is made with Socket.Subscribe for an actors.Inbox, which
// is also the socket actor's owner: the inbox receives the messages of
// topic "B" and the socket's events. A message that is not two frames is
// an error. The zguide's version runs forever, as this one does by default;
// -n stops after that many messages. It exits 0 then, or on SIGINT or
// SIGTERM.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5563", "endpoint of the publisher")
	topic := flag.String("topic", "B", "topic to subscribe to")
	n := flag.Int("n", 0, "stop after this many messages (0: run until interrupted)")
	flag.Parse()
	if *n < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "psenvsub: -n must be >= 0, and no arguments")
		flag.Usage()
		os.Exit(2)
	}

	p := cli.Start("psenvsub")
	defer p.Close()

	inbox := actors.NewInbox(p.System, 64)
	defer inbox.Close()
	// No linger: a SUB sends only its subscriptions, which do not matter
	// once it is gone; without a publisher ZeroMQ would keep them a second.
	subscriber, err := p.Z.Spawn(p.Ctx, sockets.Spec{Name: "subscriber", Type: sockets.Sub, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithOwner(inbox.PID()))
	p.Check(err)
	p.Check(subscriber.Subscribe(p.Ctx, inbox.PID(), *topic))

	for count := 0; *n == 0 || count < *n; {
		select {
		case <-p.Ctx.Done():
			return // Close (deferred) shuts down cleanly.
		case m := <-inbox.C():
			switch m := m.(type) {
			case *messages.Received:
				if len(m.Frames) != 2 {
					p.Check(fmt.Errorf("bad message: %d frames %q, want an envelope and a body", len(m.Frames), m.Frames))
				}
				fmt.Printf("[%s] %s\n", m.Frames[0], m.Frames[1])
				count++
			case *messages.Error:
				p.Check(sockets.ErrorFromProto(m))
			case *messages.Closed:
				err := sockets.ErrorFromProto(m.Error)
				if err == nil {
					err = fmt.Errorf("%s closed: %s", m.Socket, m.Reason)
				}
				p.Check(err)
			}
		}
	}
}
