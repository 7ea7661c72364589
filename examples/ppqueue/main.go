// Ppqueue is the zguide's Paranoid Pirate queue (ppqueue, ZeroMQ RFC 6): a
// ROUTER frontend bound to tcp://*:5555 for the clients (lpclient, or any
// REQ or DEALER) and a ROUTER backend bound to tcp://*:5556 for the
// workers (ppworker). A worker announces itself with READY ("\x01"); each
// request [client, "", body...] goes to the worker ready the longest, and
// its reply back to the client. The queue and its workers heartbeat each
// other ("\x02") every -heartbeat (1s); a worker silent for 3 heartbeats is
// forgotten, and a worker whose first message is a heartbeat is taken, as
// the zguide's queue takes it, so that workers find a restarted queue by
// their heartbeats alone. Requests wait while no worker is ready.
//
// The queue is an actors.PirateQueue (Runtime.SpawnPirateQueue): the
// backend socket actor carries the queue's role, and the frontend socket
// actor hands it the clients' requests.
//
// It prints "bound FRONTEND BACKEND" once both sockets listen and runs
// until SIGINT or SIGTERM (exit 0). Errors of single messages (a worker
// forgotten with its request, a malformed message) are reported on stderr
// and the queue goes on.
package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	frontend := flag.String("frontend", "tcp://*:5555", "endpoint the clients connect to")
	backend := flag.String("backend", "tcp://*:5556", "endpoint the workers connect to")
	heartbeat := flag.Duration("heartbeat", time.Second, "heartbeat interval (the workers' must be the same)")
	flag.Parse()
	cli.UsageIf(*heartbeat <= 0 || flag.NArg() > 0, "ppqueue: -heartbeat must be > 0, and no arguments")

	p := cli.Start("ppqueue")
	defer p.Close()

	q, err := p.Z.SpawnPirateQueue(p.Ctx, actors.PirateQueueSpec{
		Name:     "ppqueue",
		Frontend: sockets.Spec{Binds: []string{*frontend}},
		Backend:  sockets.Spec{Binds: []string{*backend}},
		Options:  actors.PirateQueueOptions{Heartbeat: actors.Heartbeat{Interval: *heartbeat}},
		Owner:    p.Events.PID(),
	})
	p.Check(err)
	fmt.Println("bound", q.Frontend().Endpoint(), q.Backend().Endpoint())

	p.Serve(nil) // until SIGINT or SIGTERM; Close (deferred) stops the queue
}
