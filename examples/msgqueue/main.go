// Msgqueue is the zguide's message queue broker (msgqueue): a ROUTER
// frontend bound to tcp://*:5559 for the clients (rrclient, or any REQ or
// DEALER) and a DEALER backend bound to tcp://*:5560 for the workers
// (rrworker, or any REP or DEALER), with every message passed from one to
// the other as it came, frame for frame: a request [client id, "", body...]
// goes out of the backend to the next worker in turn, and its reply comes
// back the same way to the client it came from.
//
// The zguide's version builds the two sockets and hands them to
// zmq_proxy, which blocks its thread forever. The library's counterpart
// is actors.Proxy (Runtime.SpawnProxy): a proxy actor that owns the two
// socket actors and forwards what one receives out of the other, so the
// program only declares the two sockets. It is rrbroker's broker; rrbroker
// is the zguide's hand-written poll loop, msgqueue its zmq_proxy version,
// and as actors both come to the same proxy.
//
// Both sockets take frames of up to 64 KiB (sockets.MaxMessageSize): a
// peer that sends a larger one is disconnected instead of making the
// broker hold it. Requests that arrive while no worker is connected wait
// in the backend's send queue (up to 1,000; more are reported on stderr
// and dropped).
//
// It prints "bound FRONTEND BACKEND" once both sockets listen and runs
// until SIGINT or SIGTERM, then stops the proxy and exits 0.
package main

import (
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxFrame is the largest frame either socket takes.
const maxFrame = 64 << 10

func main() {
	frontend := flag.String("frontend", "tcp://*:5559", "endpoint the clients connect to")
	backend := flag.String("backend", "tcp://*:5560", "endpoint the workers connect to")
	flag.Parse()
	cli.UsageIf(flag.NArg() > 0, "msgqueue: no arguments")

	p := cli.Start("msgqueue")
	defer p.Close()

	limit := []sockets.Option{sockets.MaxMessageSize(maxFrame)}
	proxy, err := p.Z.SpawnProxy(p.Ctx, actors.ProxySpec{
		Name:     "msgqueue",
		Frontend: sockets.Spec{Name: "frontend", Type: sockets.Router, Binds: []string{*frontend}, Options: limit},
		Backend:  sockets.Spec{Name: "backend", Type: sockets.Dealer, Binds: []string{*backend}, Options: limit},
		Owner:    p.Events.PID(),
	})
	p.Check(err)
	fmt.Println("bound", proxy.Frontend().Endpoint(), proxy.Backend().Endpoint())

	p.Serve(nil)        // until SIGINT or SIGTERM; a failed message is reported on stderr
	p.CloseProxy(proxy) // Close (deferred) shuts down the rest.
}
