// Monitor prints the events of a client whose server comes and goes: a
// DEALER socket actor connects to a ROUTER server that the program starts,
// stops and starts again on the same endpoint, and the client's monitor
// (Socket.Monitor) reports each step. It prints, for each server's life:
//
//	server: listening on tcp://127.0.0.1:40411
//	client: CONNECTED tcp://127.0.0.1:40411 (fd 12)
//	client: HANDSHAKE_SUCCEEDED tcp://127.0.0.1:40411
//	server: stopped
//	client: DISCONNECTED tcp://127.0.0.1:40411 (fd 12)
//	client: CONNECT_RETRIED tcp://127.0.0.1:40411 (next try in 382 ms)
//	server: back on tcp://127.0.0.1:40411
//
// and so on: the server stops -up (1s) after the client's handshake, and
// comes back -down (1s) after the client's first retry, -cycles (3) times.
// Then it prints "done: the server came back N times" and exits 0.
//
// -endpoint is where the server binds and the client connects; the default
// "tcp://127.0.0.1:*" lets the system choose the port, which the server
// then binds again each time. -reconnect (250ms) is the client's reconnect
// interval (ZMQ_RECONNECT_IVL; libzmq adds a random jitter below it): a
// CONNECT_RETRIED line for each try while the server is down.
// -all prints every kind of event (CONNECT_DELAYED and CLOSED too, for
// each try); by default the program asks for the four above.
//
// The program is driven by the events themselves: it waits for no fixed
// time beyond -up and -down. A server that closed a moment ago may still
// hold the port in libzmq's I/O thread; binding it again is retried. SIGINT
// or SIGTERM stop it at any time, exit 0.
package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// rebindDelay is the wait before binding the endpoint again when the last
// server's listener still holds it, rebindTries how many times before the
// program gives up (another program may have taken the port).
const (
	rebindDelay = 5 * time.Millisecond
	rebindTries = 400
)

func main() {
	endpoint := flag.String("endpoint", "tcp://127.0.0.1:*", "endpoint the server binds and the client connects to")
	cycles := flag.Int("cycles", 3, "how many times the server comes back")
	up := flag.Duration("up", time.Second, "how long the server stays up after the client's handshake")
	down := flag.Duration("down", time.Second, "how long the server stays down after the client's first retry")
	reconnect := flag.Duration("reconnect", 250*time.Millisecond, "the client's reconnect interval")
	all := flag.Bool("all", false, "print every kind of event")
	flag.Parse()
	cli.UsageIf(*cycles < 0 || *up < 0 || *down < 0 || *reconnect <= 0 || flag.NArg() > 0,
		"monitor: -cycles, -up and -down must be >= 0, -reconnect > 0, and no arguments")
	kinds := []messages.SocketEventKind{ // all: none, which is every kind
		messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_DISCONNECTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECT_RETRIED,
	}
	if *all {
		kinds = nil
	}

	p := cli.Start("monitor")
	defer p.Close()

	// The watcher of the client's events, and the owner of the servers.
	events := p.Inbox(1024)
	owner := p.Inbox(64)

	client := p.Spawn(sockets.Spec{Name: "client", Type: sockets.Dealer,
		Options: []sockets.Option{sockets.ReconnectInterval(*reconnect), sockets.Linger(0)}})
	p.Check(client.Monitor(p.Ctx, events.PID(), kinds...))

	// The server receives nothing but handshakes: it takes frames of up to
	// a kilobyte (sockets.MaxMessageSize), and disconnects whoever else
	// reaches its port and sends more.
	spec := sockets.Spec{Name: "server", Type: sockets.Router, Binds: []string{*endpoint},
		Options: []sockets.Option{sockets.MaxMessageSize(1 << 10)}}
	server := p.Spawn(spec, actors.WithOwner(owner.PID()))
	ep := server.Endpoint() // resolved: the same port each time
	spec.Binds = []string{ep}
	fmt.Println("server: listening on", ep)
	p.Check(client.Connect(p.Ctx, ep))

	var stop, start <-chan time.Time // the server's next stop, or start
	came, tries := 0, 0
	for {
		select {
		case <-p.Ctx.Done():
			return // Close (deferred) shuts down cleanly.
		case m := <-owner.C():
			if _, closed := m.(*messages.Closed); !closed { // a server we stopped
				p.Event(m)
			}
		case m := <-events.C():
			ev, ok := m.(*messages.SocketEvent)
			if !ok {
				continue
			}
			fmt.Println("client:", describe(ev))
			switch ev.GetKind() {
			case messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED:
				if came == *cycles {
					fmt.Printf("done: the server came back %d %s\n", came, map[bool]string{true: "time", false: "times"}[came == 1])
					return
				}
				if server != nil && stop == nil {
					stop = time.After(*up)
				}
			case messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECT_RETRIED:
				if server == nil && start == nil {
					start = time.After(*down)
				}
			}
		case <-stop:
			stop = nil
			_, err := server.CloseLinger(p.Ctx, 0)
			p.Check(err)
			server = nil
			fmt.Println("server: stopped")
		case <-start:
			start = nil
			var err error
			server, err = p.Z.Spawn(p.Ctx, spec, actors.WithOwner(owner.PID()))
			if tries++; errors.Is(err, sockets.ErrAddressInUse) && tries < rebindTries {
				server, start = nil, time.After(rebindDelay)
				continue
			}
			p.Check(err)
			came, tries = came+1, 0
			fmt.Println("server: back on", ep)
		}
	}
}

// describe prints an event's kind, endpoint and what its value means.
func describe(ev *messages.SocketEvent) string {
	s := strings.TrimPrefix(ev.GetKind().String(), "SOCKET_EVENT_KIND_") + " " + ev.GetEndpoint()
	switch ev.GetKind() {
	case messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECTED, messages.SocketEventKind_SOCKET_EVENT_KIND_DISCONNECTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_LISTENING, messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_CLOSED:
		return fmt.Sprintf("%s (fd %d)", s, ev.GetValue())
	case messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECT_RETRIED:
		return fmt.Sprintf("%s (next try in %d ms)", s, ev.GetValue())
	case messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED:
		return s
	case messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_PROTOCOL:
		return fmt.Sprintf("%s (ZMTP protocol error %#x)", s, ev.GetValue())
	case messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_AUTH:
		return fmt.Sprintf("%s (ZAP status %d)", s, ev.GetValue())
	}
	return fmt.Sprintf("%s (errno %d)", s, ev.GetValue())
}
