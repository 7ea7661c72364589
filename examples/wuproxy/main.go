// Wuproxy is the zguide's weather update proxy (wuproxy), a forwarder: its
// frontend, an XSUB socket, connects to the weather server at
// tcp://localhost:5556, and its backend, an XPUB socket, binds
// tcp://*:8100 for the clients. Updates flow from the frontend to the
// backend as they came, frame for frame; subscriptions flow the other way,
// so the server sends the proxy only what its clients want. A client such
// as wuclient connects to the backend as it would to the server.
//
// The zguide's version calls zmq_proxy, which blocks its thread. This one
// is an actors.Proxy: a proxy actor that owns the two socket actors and
// forwards between them. With -capture a capture actor also gets a copy of
// every message and prints it, as zmq_proxy's capture socket would get it:
//
//	frontend: "10001 54 23"
//	backend: subscribe "10001 "
//
// The backend, an XPUB, receives subscriptions from the clients (and
// whatever else an XSUB peer sends), and each costs it memory and work,
// and the server upstream too, until the client leaves: it takes frames
// of up to 64 bytes (sockets.MaxMessageSize), far more than a zipcode
// prefix and than an update it sends, and disconnects a peer that sends a
// larger one. The frontend connects to a server of our choosing and takes
// what it sends.
//
// It prints "bound ENDPOINT" once the backend listens and runs until SIGINT
// or SIGTERM, then stops the proxy and exits 0.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The names of the proxy's sockets, which the capture sees messages from.
const (
	frontendName = "frontend"
	backendName  = "backend"
)

// printCapture prints each message the proxy forwards: the socket it came
// from, then its frames quoted, or, for a subscription the backend passed
// upstream, what it subscribes to.
func printCapture(ctx actor.Context) {
	m, ok := ctx.Message().(*messages.Received)
	if !ok {
		return
	}
	if m.Socket == backendName && len(m.Frames) == 1 && len(m.Frames[0]) > 0 && m.Frames[0][0] <= 1 {
		what := "unsubscribe"
		if m.Frames[0][0] == 1 {
			what = "subscribe"
		}
		fmt.Printf("%s: %s %q\n", m.Socket, what, m.Frames[0][1:])
		return
	}
	quoted := make([]string, len(m.Frames))
	for i, f := range m.Frames {
		quoted[i] = fmt.Sprintf("%q", f)
	}
	fmt.Printf("%s: %s\n", m.Socket, strings.Join(quoted, " "))
}

// maxSubscription is the largest frame the backend takes.
const maxSubscription = 64

func main() {
	frontend := flag.String("frontend", "tcp://localhost:5556", "endpoint of the weather server")
	backend := flag.String("backend", "tcp://*:8100", "endpoint the clients connect to")
	capture := flag.Bool("capture", false, "print every message the proxy forwards")
	flag.Parse()
	cli.UsageIf(flag.NArg() > 0, "wuproxy: no arguments")

	p := cli.Start("wuproxy")
	defer p.Close()

	spec := actors.ProxySpec{
		Name:     "wuproxy",
		Frontend: sockets.Spec{Name: frontendName, Type: sockets.XSub, Connects: []string{*frontend}},
		Backend: sockets.Spec{Name: backendName, Type: sockets.XPub, Binds: []string{*backend},
			Options: []sockets.Option{sockets.MaxMessageSize(maxSubscription)}},
		Owner: p.Events.PID(),
	}
	if *capture {
		spec.Capture = p.System.Root.Spawn(actor.PropsFromFunc(printCapture))
	}
	proxy, err := p.Z.SpawnProxy(p.Ctx, spec)
	p.Check(err)
	fmt.Println("bound", proxy.Backend().Endpoint())

	// Until SIGINT or SIGTERM; a failure of either socket ends the program.
	cli.Await(p, p.Ctx.Done())
	p.CloseProxy(proxy) // Close (deferred) shuts down the rest.
}
