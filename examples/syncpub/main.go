// Syncpub is the zguide's synchronized publisher (syncpub): it publishes on
// tcp://*:5561 and runs the sync service, a REP socket, on tcp://*:5562.
// It prints "Waiting for subscribers", answers each subscriber's sync
// request (one frame, whatever it holds) with one empty frame until
// -subscribers (10) have synced, prints "Broadcasting messages", publishes
// -updates (1,000,000) one-frame messages "Rhubarb" and then one "END", and
// exits 0.
//
// Two things differ from the zguide's version, both so that every
// subscriber gets every update:
//
//   - Its publishing socket is an XPUB with xpub_verbose, which a SUB peer
//     cannot tell from a PUB (the frames on the wire are the same), so that
//     it sees each subscription arrive. It starts broadcasting only once it
//     has answered -subscribers sync requests and seen as many
//     subscriptions. A subscriber's sync request and its subscription
//     travel on two connections, in no particular order: the zguide's
//     subscriber sleeps a second between them and hopes, while this
//     publisher waits for both, so a subscriber may sync at once.
//   - A PUB, and an XPUB, drops what a subscriber's high-water mark
//     refuses, and ZeroMQ's default mark is 1,000 messages: a subscriber
//     slower than the publisher would lose updates. The publishing socket's
//     send high-water mark is -hwm, by default the whole broadcast
//     (-updates plus the END), so ZeroMQ queues what a slow subscriber has
//     not taken yet instead of dropping it. At exit the socket lingers up
//     to -linger for its subscribers to take the rest.
//
// Updates go to the socket actor in batches: Socket.Publish, which does not
// wait, and PublishWait at the end of each batch, so that the actor's mailbox
// never holds more than one batch. A socket actor slow to answer is
// reported on stderr and waited for (cli.CatchUp); the program goes on.
//
// Both sockets take frames of up to 64 bytes (sockets.MaxMessageSize): the
// publisher receives subscriptions (the zguide's subscribers take
// everything, the empty one), each of which costs it memory and work until
// the subscriber leaves, and the sync service empty requests; a peer that
// sends a larger frame is disconnected.
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// batch is the most updates handed to the socket actor before waiting for
// it.
const batch = 1000

// maxFrame is the largest frame either socket takes.
const maxFrame = 64

func main() {
	bind := flag.String("bind", "tcp://*:5561", "endpoint the subscribers connect to")
	syncBind := flag.String("sync", "tcp://*:5562", "endpoint of the sync service")
	subscribers := flag.Int("subscribers", 10, "number of subscribers to wait for")
	updates := flag.Int("updates", 1_000_000, "number of updates to publish")
	hwm := flag.Int("hwm", -1, "send high-water mark of the publishing socket (0: no limit; default: the whole broadcast)")
	linger := flag.Duration("linger", time.Minute, "how long, at exit, the subscribers may take to receive the rest")
	flag.Parse()
	cli.UsageIf(*subscribers < 0 || *updates < 0 || *hwm < -1 || flag.NArg() > 0,
		"syncpub: -subscribers and -updates must be >= 0, -hwm >= 0, and no arguments")
	if *hwm == -1 {
		*hwm = min(*updates+1, 1<<31-1)
	}

	p := cli.Start("syncpub")
	defer p.Close()

	// The program's inbox owns both sockets: it gets the sync requests and
	// the subscriptions the publishing socket sees.
	publisher := p.Spawn(sockets.Spec{Name: "publisher", Type: sockets.XPub, Binds: []string{*bind},
		Options: []sockets.Option{sockets.XPubVerbose(true), sockets.SendHWM(*hwm), sockets.MaxMessageSize(maxFrame)}},
		actors.WithOwner(p.Events.PID()))
	service := p.Spawn(sockets.Spec{Name: "sync", Type: sockets.Rep, Binds: []string{*syncBind},
		Options: []sockets.Option{sockets.MaxMessageSize(maxFrame)}},
		actors.WithOwner(p.Events.PID()))

	fmt.Println("Waiting for subscribers")
	synced, subscribed := 0, 0
	for synced < *subscribers || subscribed < *subscribers {
		m, ok := p.Next()
		if !ok {
			return // Close (deferred) shuts down cleanly.
		}
		switch m := m.(type) {
		case *messages.Received:
			if m.Socket == service.Name() {
				// A sync request: answer it with an empty frame.
				p.Check(service.Send([]byte{}))
				synced++
			}
		case *messages.PeerSubscription:
			if m.Subscribe {
				subscribed++
			}
		}
	}

	fmt.Println("Broadcasting messages")
	for sent := 0; sent < *updates; {
		size := min(batch, *updates-sent)
		for range size - 1 {
			p.Check(publisher.Publish("Rhubarb"))
		}
		_, err := publisher.PublishWait(p.Ctx, "Rhubarb")
		p.CatchUp(publisher, err)
		sent += size
	}
	_, err := publisher.PublishWait(p.Ctx, "END")
	p.CatchUp(publisher, err)

	// ZeroMQ holds what the subscribers have not taken yet: give it time.
	ctx, cancel := context.WithTimeout(context.Background(), cli.ShutdownTimeout)
	defer cancel()
	_, err = publisher.CloseLinger(ctx, *linger)
	p.CheckWait(err)
}
