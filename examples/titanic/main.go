// Titanic is the zguide's Titanic service (titanic, ZeroMQ RFC 9):
// disconnected reliability on top of Majordomo. It connects to the broker
// at -connect (tcp://localhost:5555, mdbroker) and offers titanic.request,
// titanic.reply and titanic.close; requests are kept in the bbolt file -db
// (titanic.db) before their client is answered, passed to a worker of
// their service once the broker has one, and their replies kept until the
// client closes them. Requests survive a restart of the service and of
// the broker. It prints
//
//	I: titanic ready (3 requests waiting)
//
// and runs until SIGINT or SIGTERM (exit 0).
//
// With -client it is the zguide's ticlient instead: it hands -n (1)
// requests "Hello world N" for -service (echo) to titanic.request, asks
// titanic.reply for each every -poll (500ms) until it is there, prints
//
//	I: request queued as 5f3c...
//	Reply: Hello world 1
//
// closes it with titanic.close, and exits 0.
//
// The service is titanic.Start: three Majordomo worker socket actors, a
// Majordomo client and a dispatcher actor.
package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/titanic"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5555", "endpoint of the Majordomo broker")
	db := flag.String("db", "titanic.db", "the service's store (bbolt file)")
	heartbeat := flag.Duration("heartbeat", 2500*time.Millisecond, "heartbeat interval (the broker's must be the same)")
	client := flag.Bool("client", false, "be the zguide's ticlient instead of the service")
	service := flag.String("service", "echo", "client: the service to ask through Titanic")
	n := flag.Int("n", 1, "client: how many requests")
	poll := flag.Duration("poll", 500*time.Millisecond, "client: how often to ask titanic.reply")
	flag.Parse()
	cli.UsageIf(*heartbeat <= 0 || *n < 1 || *poll <= 0 || flag.NArg() > 0,
		"titanic: -heartbeat and -poll must be > 0, -n >= 1, and no arguments")

	p := cli.Start("titanic")
	defer p.Close()

	if *client {
		ticlient(p, *connect, *service, *n, *poll)
		return
	}
	svc, err := titanic.Start(p.Ctx, p.Z, titanic.Config{Broker: *connect, Path: *db,
		Heartbeat: actors.Heartbeat{Interval: *heartbeat}, Owner: p.Events.PID()})
	p.Check(err)
	waiting, err := svc.Waiting()
	p.Check(err)
	fmt.Printf("I: titanic ready (%d requests waiting)\n", waiting)
	p.Serve(nil)
	p.Check(svc.Close(p.Ctx))
}

// ticlient hands n requests to Titanic and collects their replies.
func ticlient(p *cli.Program, connect, service string, n int, poll time.Duration) {
	c := p.Spawn(sockets.Spec{Name: "client", Type: sockets.Dealer, Connects: []string{connect},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithMajordomoClient(actors.MajordomoClientOptions{Retries: 3}), actors.WithOwner(p.Events.PID()))
	ask := func(svc string, body ...string) []string {
		frames := make([][]byte, len(body))
		for i, b := range body {
			frames[i] = []byte(b)
		}
		r, err := c.AskService(p.Ctx, svc, frames)
		p.Check(err)
		out := make([]string, len(r.Frames))
		for i, f := range r.Frames {
			out[i] = string(f)
		}
		if len(out) == 0 || out[0] == titanic.StatusUnknown || out[0] == titanic.StatusError {
			p.Check(fmt.Errorf("%s %q answered %q", svc, body, out))
		}
		return out
	}
	ids := make([]string, n)
	for i := range n {
		r := ask(titanic.RequestService, service, fmt.Sprintf("Hello world %d", i+1))
		ids[i] = r[1]
		fmt.Printf("I: request queued as %s\n", ids[i])
	}
	for _, id := range ids {
		for {
			r := ask(titanic.ReplyService, id)
			if r[0] == titanic.StatusOK {
				fmt.Printf("Reply: %s\n", strings.Join(r[1:], " "))
				ask(titanic.CloseService, id)
				break
			}
			select {
			case <-time.After(poll):
			case <-p.Ctx.Done():
				return
			}
		}
	}
}
