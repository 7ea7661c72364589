// Wuclient is the zguide's weather update client (wuclient): a SUB socket
// connects to the weather server at tcp://localhost:5556, subscribes to the
// zipcode given as the first argument ("10001 " by default, the space
// ending the zipcode), collects -n updates, each one frame
// "ZIPCODE TEMPERATURE RELHUMIDITY", and prints their average temperature:
//
//	Average temperature for zipcode '10001 ' was 27F
//
// The updates go to a collector actor that subscribed to the filter through
// the SUB socket actor (Socket.Subscribe): the socket actor subscribes on
// the wire for it and delivers each matching update to it as a
// messages.Received. The collector adds the temperatures up and tells main
// when it has enough. The zguide's version collects 100 updates; this one
// collects 5 unless -n says otherwise, since a server publishing 100,000
// random zipcodes a second sends any one zipcode about once a second. Like
// the zguide's version it truncates the average to an integer.
//
// It exits 0 after printing the average, or on SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// collector adds up the temperatures of the first limit updates it
// receives and then sends their average on done; a bad update sends its
// error instead. Only the first report counts, and it never blocks.
type collector struct {
	limit, count int
	total        int64
	done         chan<- average
}

// average is the collector's report: the average temperature, or why there
// is none.
type average struct {
	temperature int64
	err         error
}

func (c *collector) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*messages.Received)
	if !ok || c.count == c.limit {
		return
	}
	temperature, err := parse(m.Frames)
	if err != nil {
		cli.Notify(c.done, average{err: err})
		return
	}
	c.total += int64(temperature)
	c.count++
	if c.count == c.limit {
		cli.Notify(c.done, average{temperature: c.total / int64(c.limit)})
	}
}

// parse returns the temperature of one update, a frame "%05d %d %d".
func parse(frames [][]byte) (int, error) {
	if len(frames) != 1 {
		return 0, fmt.Errorf("bad update: %d frames, want 1", len(frames))
	}
	fields := strings.Fields(string(frames[0]))
	if len(fields) != 3 {
		return 0, fmt.Errorf("bad update %q: want zipcode, temperature and relative humidity", frames[0])
	}
	for _, f := range fields {
		if _, err := strconv.Atoi(f); err != nil {
			return 0, fmt.Errorf("bad update %q: %v", frames[0], err)
		}
	}
	temperature, _ := strconv.Atoi(fields[1])
	return temperature, nil
}

func main() {
	connect := flag.String("connect", "tcp://localhost:5556", "endpoint of the weather server")
	n := flag.Int("n", 5, "number of updates to collect")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: wuclient [flags] [zipcode filter, default \"10001 \"]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	cli.UsageIf(*n < 1 || flag.NArg() > 1, "wuclient: -n must be >= 1, and at most one argument")
	filter := "10001 "
	if flag.NArg() == 1 {
		filter = flag.Arg(0)
	}

	p := cli.Start("wuclient")
	defer p.Close()

	fmt.Println("Collecting updates from weather server...")
	// The socket actor's own events (an Error, Closed) go to the program's
	// inbox; the updates go to the collector only.
	// No linger: a SUB sends only its subscriptions, which do not matter
	// once it is gone; without a publisher ZeroMQ would keep them a second.
	subscriber := p.Spawn(sockets.Spec{Name: "subscriber", Type: sockets.Sub, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithOwner(p.Events.PID()))

	done := make(chan average, 1)
	c := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &collector{limit: *n, done: done}
	}))
	p.Check(subscriber.Subscribe(p.Ctx, c, filter))

	avg, ok := cli.Await(p, done)
	if !ok {
		return // Close (deferred) shuts down cleanly.
	}
	p.Check(avg.err)
	fmt.Printf("Average temperature for zipcode '%s' was %dF\n", filter, avg.temperature)
}
