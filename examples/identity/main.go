// Identity is the zguide's identity check (identity): a ROUTER socket
// bound to inproc://example receives one request from a REQ socket that
// has no routing id and one from a REQ socket whose routing id is "PEER2",
// and prints each message it receives frame by frame, as the zguide's
// s_dump does:
//
//	----------------------------------------
//	[005] 006B8B4567
//	[000]
//	[039] ROUTER uses a generated 5 byte identity
//	----------------------------------------
//	[005] PEER2
//	[000]
//	[033] ROUTER uses REQ's socket identity
//
// Each line is a frame: its size in bytes, then its text, or its bytes in
// upper-case hex when any of them is not printable ASCII. The first frame
// is the routing id the ROUTER knows the peer by: the one libzmq makes up
// for the anonymous REQ (a zero byte and four more), the one set with
// sockets.RoutingID for the other. The empty frame is the REQ's delimiter.
//
// The ROUTER socket actor delivers what it receives to the program's inbox,
// its owner; the main goroutine prints each message as it comes. The two
// REQ socket actors only send, once each (Socket.SendWait): nobody answers
// them, and the program exits 0 after the second dump. -endpoint moves the
// three sockets elsewhere (a tcp endpoint needs a port; tcp://127.0.0.1:*
// picks one).
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// dump returns the frames of m as the zguide's s_dump prints them.
func dump(m *messages.Received) string {
	var b strings.Builder
	b.WriteString("----------------------------------------\n")
	for _, f := range m.Frames {
		fmt.Fprintf(&b, "[%03d] ", len(f))
		text := true
		for _, c := range f {
			if c < 32 || c > 127 {
				text = false
				break
			}
		}
		if text {
			b.Write(f)
		} else {
			fmt.Fprintf(&b, "%X", f)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func main() {
	endpoint := flag.String("endpoint", "inproc://example", "endpoint the ROUTER binds and the REQ sockets connect to")
	flag.Parse()
	cli.UsageIf(flag.NArg() > 0, "identity: no arguments")

	p := cli.Start("identity")
	defer p.Close()

	sink := p.Spawn(sockets.Spec{Name: "sink", Type: sockets.Router, Binds: []string{*endpoint}},
		actors.WithOwner(p.Events.PID()))
	peers := []struct {
		name, text string
		options    []sockets.Option
	}{
		{"anonymous", "ROUTER uses a generated 5 byte identity", nil},
		{"identified", "ROUTER uses REQ's socket identity", []sockets.Option{sockets.RoutingID([]byte("PEER2"))}},
	}
	for _, peer := range peers {
		req := p.Spawn(sockets.Spec{Name: peer.name, Type: sockets.Req, Connects: []string{sink.Endpoint()}, Options: peer.options})
		_, err := req.SendWait(p.Ctx, []byte(peer.text))
		p.Check(err)
		m, ok := p.Receive()
		if !ok {
			return // interrupted
		}
		fmt.Print(dump(m))
	}
}
