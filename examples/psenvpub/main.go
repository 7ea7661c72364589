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
//
// A PUB receives only subscriptions, here a topic of one letter, and each
// costs it memory and work until the subscriber leaves: the socket takes
// frames of up to 64 bytes (sockets.MaxMessageSize), more than the topics
// and than the bodies it sends, and disconnects a peer that sends a larger
// one.
package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxSubscription is the largest frame the PUB takes.
const maxSubscription = 64

func main() {
	bind := flag.String("bind", "tcp://*:5563", "endpoint the subscribers connect to")
	interval := flag.Duration("interval", time.Second, "pause between rounds")
	n := flag.Int("n", 0, "stop after this many rounds (0: run until interrupted)")
	flag.Parse()
	cli.UsageIf(*n < 0 || *interval <= 0 || flag.NArg() > 0,
		"psenvpub: -n must be >= 0, -interval > 0, and no arguments")

	p := cli.Start("psenvpub")
	defer p.Close()

	// The owner hears of failures of the publishes, which do not wait.
	publisher := p.Spawn(sockets.Spec{Name: "publisher", Type: sockets.Pub, Binds: []string{*bind},
		Options: []sockets.Option{sockets.MaxMessageSize(maxSubscription)}},
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", publisher.Endpoint())

	tick := time.NewTicker(*interval)
	defer tick.Stop()
	for round := 1; ; round++ {
		p.Check(publisher.Publish("A", []byte("We don't want to see this")))
		p.Check(publisher.Publish("B", []byte("We would like to see this")))
		if round == *n {
			return // Close (deferred) lets the last round out (the linger).
		}
		if _, ok := cli.Await(p, tick.C); !ok {
			return
		}
	}
}
