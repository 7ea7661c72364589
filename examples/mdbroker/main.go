// Mdbroker is the zguide's Majordomo broker (mdbroker, MDP/0.1, ZeroMQ RFC
// 7): one ROUTER bound to -bind (tcp://*:5555) for clients (mdclient) and
// workers (mdworker) alike. Workers register a service with READY; each
// client request ["", "MDPC01", service, body...] goes to a free worker of
// that service and its reply back as ["", "MDPC01", service, body...].
// The broker heartbeats its workers every -heartbeat (2.5s) and forgets
// one silent for 3 heartbeats; a request waits for a worker of its service
// at most -expiry (10s), also for a service no worker offers, and is then
// dropped unanswered. It answers "mmi.service" itself: "200" while a live
// worker offers the service named in the body, else "404"; other "mmi."
// services get "501".
//
// The broker is a socket actor spawned WithMajordomoBroker. It prints
// "bound ENDPOINT" once it listens and runs until SIGINT or SIGTERM (exit
// 0); malformed messages and protocol errors are reported on stderr and
// the broker goes on.
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
	bind := flag.String("bind", "tcp://*:5555", "endpoint the clients and workers connect to")
	heartbeat := flag.Duration("heartbeat", 2500*time.Millisecond, "heartbeat interval (the workers' must be the same)")
	expiry := flag.Duration("expiry", actors.DefaultRequestExpiry, "how long a request waits for a worker")
	flag.Parse()
	cli.UsageIf(*heartbeat <= 0 || *expiry <= 0 || flag.NArg() > 0, "mdbroker: -heartbeat and -expiry must be > 0, and no arguments")

	p := cli.Start("mdbroker")
	defer p.Close()

	b := p.Spawn(sockets.Spec{Name: "broker", Type: sockets.Router, Binds: []string{*bind}},
		actors.WithMajordomoBroker(actors.MajordomoBrokerOptions{
			Heartbeat: actors.Heartbeat{Interval: *heartbeat}, RequestExpiry: *expiry}),
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", b.Endpoint())

	p.Serve(nil) // until SIGINT or SIGTERM
}
