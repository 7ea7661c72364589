// Psenvpub is the zguide's pub-sub envelope publisher (psenvpub): a PUB
// socket bound to tcp://*:5563 publishes, every second, two messages of two
// frames each, the envelope (the topic, which subscribers filter on) and
// the body:
//
//	["A", "We don't want to see this"]
//	["B", "We would like to see this"]
//
// It publishes with Socket.Publish, which puts the topic in the first frame
// and the body after it. The first round goes out at once, as in the
// zguide's version; like there, rounds published while no subscriber is
// connected are dropped. -interval changes the pause between rounds, and
// -n stops after that many rounds (the zguide's version runs forever, as
// this one does by default). It prints "bound ENDPOINT" once it listens,
// and exits 0 after -n rounds or on SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	bind := flag.String("bind", "tcp://*:5563", "endpoint the subscribers connect to")
	interval := flag.Duration("interval", time.Second, "pause between rounds")
	n := flag.Int("n", 0, "stop after this many rounds (0: run until interrupted)")
	flag.Parse()
	if *n < 0 || *interval <= 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "psenvpub: -n must be >= 0, -interval > 0, and no arguments")
		flag.Usage()
		os.Exit(2)
	}

	p := cli.Start("psenvpub")
	defer p.Close()

	// The owner hears of failures of the publishes, which do not wait.
	events := actors.NewInbox(p.System, 16)
	defer events.Close()
	publisher, err := p.Z.Spawn(p.Ctx, sockets.Spec{Name: "publisher", Type: sockets.Pub, Binds: []string{*bind}},
		actors.WithOwner(events.PID()))
	p.Check(err)
	fmt.Println("bound", publisher.Endpoint())

	tick := time.NewTicker(*interval)
	defer tick.Stop()
	for round := 1; ; round++ {
		p.Check(publisher.Publish("A", []byte("We don't want to see this")))
		p.Check(publisher.Publish("B", []byte("We would like to see this")))
		if round == *n {
			return // Close (deferred) lets the last round out (the linger).
		}
		select {
		case <-p.Ctx.Done():
			return
		case <-tick.C:
		case m := <-events.C():
			switch m := m.(type) {
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
