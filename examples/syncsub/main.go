// Syncsub is the zguide's synchronized subscriber (syncsub): a SUB socket
// connects to the publisher at tcp://localhost:5561 and subscribes to
// everything; then a REQ socket connects to the publisher's sync service at
// tcp://localhost:5562, sends one sync request (one empty frame) and waits
// for the answer. It then counts the updates, one-frame messages, until
// the one that is "END", prints "Received N updates" and exits 0.
//
// The updates go to a counter actor that subscribed with Socket.Subscribe.
// The sync request says "I am listening", but it travels on another
// connection than the subscription, which may reach the publisher later.
// The zguide's version waits a second between subscribing and syncing and
// hopes; so does this one, -settle, because the zguide's publisher starts
// at once once enough subscribers synced. Our syncpub also waits for the
// subscriptions themselves, so with it -settle 0 is safe.
//
// The subscribing socket's receive high-water mark is -hwm, no limit by
// default, so that ZeroMQ takes the updates off the wire as fast as they
// come (they are then counted as fast as the counter actor goes). It is
// the publisher's send high-water mark that decides whether a slow
// subscriber loses updates: see syncpub.
package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// counter counts the updates until "END", then sends the count on done.
type counter struct {
	count int
	ended bool
	done  chan<- int
}

func (c *counter) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*messages.Received)
	if !ok || c.ended {
		return
	}
	if len(m.Frames) == 1 && string(m.Frames[0]) == "END" {
		c.ended = true
		c.done <- c.count // buffered, and sent once
		return
	}
	c.count++
}

func main() {
	connect := flag.String("connect", "tcp://localhost:5561", "endpoint of the publisher")
	syncEndpoint := flag.String("sync", "tcp://localhost:5562", "endpoint of the publisher's sync service")
	settle := flag.Duration("settle", time.Second, "pause between subscribing and syncing, as in the zguide (0 is safe with our syncpub)")
	hwm := flag.Int("hwm", 0, "receive high-water mark of the subscribing socket (0: no limit)")
	flag.Parse()
	cli.UsageIf(*settle < 0 || *hwm < 0 || flag.NArg() > 0,
		"syncsub: -settle and -hwm must be >= 0, and no arguments")

	p := cli.Start("syncsub")
	defer p.Close()

	// The program's inbox owns both sockets: it gets their events and the
	// answer to the sync request. The updates go to the counter.
	// Neither socket lingers: what they send (the subscription, the sync
	// request) does not matter once the program ends, and ZeroMQ would keep
	// trying to deliver it, to a publisher that is not there, for a second.
	subscriber := p.Spawn(sockets.Spec{Name: "subscriber", Type: sockets.Sub, Connects: []string{*connect},
		Options: []sockets.Option{sockets.ReceiveHWM(*hwm), sockets.Linger(0)}},
		actors.WithOwner(p.Events.PID()))
	done := make(chan int, 1)
	c := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &counter{done: done} }))
	p.Check(subscriber.Subscribe(p.Ctx, c, ""))

	if *settle > 0 {
		t := time.NewTimer(*settle)
		select {
		case <-t.C:
		case <-p.Ctx.Done():
			t.Stop()
			return // Close (deferred) shuts down cleanly.
		}
	}

	syncClient := p.Spawn(sockets.Spec{Name: "sync", Type: sockets.Req, Connects: []string{*syncEndpoint},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithOwner(p.Events.PID()))
	_, err := syncClient.SendWait(p.Ctx, []byte{})
	p.Check(err)

	// First the answer to the sync request, then the END: until the answer
	// came, the count is not looked at.
	for answered := false; !answered; {
		m, ok := p.Receive()
		if !ok {
			return
		}
		answered = m.Socket == syncClient.Name()
	}
	if n, ok := cli.Await(p, done); ok {
		fmt.Printf("Received %d updates\n", n)
	}
}
