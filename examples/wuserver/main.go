// Wuserver is the zguide's weather update server (wuserver): a PUB socket
// bound to tcp://*:5556 publishes weather updates, each one frame
// "%05d %d %d": a zipcode (0 to 99999, zero-padded to five digits), a
// temperature (-80 to 134) and a relative humidity (10 to 59), all random.
// Subscribers filter on the zipcode, the frame's first bytes.
//
// The zguide's version publishes in a tight loop, as fast as it can, for as
// long as it runs. This one publishes through the PUB socket actor in
// batches: it hands a batch to the actor with Socket.Publish, which does not
// wait, and ends the batch with PublishWait, which returns once the actor has
// passed the whole batch to ZeroMQ. The actor's mailbox thus never holds
// more than one batch, however fast ZeroMQ goes. By default it publishes at
// most -rate updates a second (100,000), enough for a client filtering on
// one zipcode to hear from it about once a second, without keeping a core
// busy all the time; -rate 0 publishes as fast as it can, as the zguide's
// version does. As in the zguide, updates published while no subscriber is
// connected are dropped by ZeroMQ.
//
// A PUB receives only subscriptions, and a weather subscription is a
// zipcode prefix of a few bytes: the socket refuses frames over 64 bytes
// (sockets.MaxMessageSize), and disconnects a peer that sends one. Every
// subscription costs the PUB memory and work until its subscriber leaves:
// 20,000 junk ones of up to a kilobyte kept it busy for seconds, and
// without a limit they ended the server.
//
// If the socket actor is slow to say that it sent a batch (a storm of
// subscribers may keep it busy), the server says so on stderr and waits
// for it (cli.CatchUp): it does not exit for that.
//
// It prints "bound ENDPOINT" once it listens and runs until SIGINT or
// SIGTERM (exit 0), or until it published -n updates.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxBatch is the most updates handed to the socket actor before waiting
// for it.
const maxBatch = 1000

// maxSubscription is the largest frame the PUB takes from a subscriber: a
// subscription is one byte and a zipcode prefix ("10001 ", six bytes);
// 64 bytes leaves room for any filter a weather client may mean. (Its
// updates, which it sends, are under 20 bytes.)
const maxSubscription = 64

func main() {
	bind := flag.String("bind", "tcp://*:5556", "endpoint the clients connect to")
	n := flag.Int("n", 0, "stop after this many updates (0: run until interrupted)")
	rate := flag.Int("rate", 100_000, "most updates a second (0: as fast as possible)")
	flag.Parse()
	cli.UsageIf(*n < 0 || *rate < 0 || flag.NArg() > 0, "wuserver: -n and -rate must be >= 0, and no arguments")

	p := cli.Start("wuserver")
	defer p.Close()

	// The owner hears of failures of the sends that do not wait.
	publisher := p.Spawn(sockets.Spec{Name: "publisher", Type: sockets.Pub, Binds: []string{*bind},
		Options: []sockets.Option{sockets.MaxMessageSize(maxSubscription)}},
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", publisher.Endpoint())

	batch := maxBatch
	if *rate > 0 {
		// At least a hundred batches a second, so the pace is even.
		batch = min(max(*rate/100, 1), maxBatch)
	}
	start := time.Now()
	pause := time.NewTimer(0)
	defer pause.Stop()
	for sent := 0; *n == 0 || sent < *n; {
		size := batch
		if *n > 0 {
			size = min(size, *n-sent)
		}
		for range size - 1 {
			p.Check(publisher.Publish(update()))
		}
		// The last one waits until the socket actor has sent the batch.
		_, err := publisher.PublishWait(p.Ctx, update())
		p.CatchUp(publisher, err)
		sent += size
		checkEvents(p)

		if *rate > 0 {
			// Wait until the rate allows the next batch.
			due := start.Add(time.Duration(sent) * time.Second / time.Duration(*rate))
			pause.Reset(time.Until(due))
			select {
			case <-pause.C:
			case <-p.Ctx.Done():
				return // Close (deferred) shuts down cleanly.
			}
		} else if p.Interrupted() {
			return
		}
	}
	fmt.Printf("published %d updates\n", *n)
}

// update returns one random weather update as the zguide formats it.
func update() string {
	zipcode := rand.IntN(100_000)
	temperature := rand.IntN(215) - 80
	relhumidity := rand.IntN(50) + 10
	return fmt.Sprintf("%05d %d %d", zipcode, temperature, relhumidity)
}

// checkEvents ends the program on an error the socket actor reported.
func checkEvents(p *cli.Program) {
	for {
		select {
		case m := <-p.Events.C():
			p.CheckEvent(m)
		default:
			return
		}
	}
}
