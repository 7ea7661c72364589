// Bstarcli is the zguide's Binary Star client (bstarcli): a REQ socket
// connected to the primary (tcp://localhost:5001, -primary) that sends
// requests one at a time, each a sequence number the server echoes. A
// request without a reply within -timeout (1s) means the server is gone:
// the client prints "W: no response from server, failing over", waits
// -settle (2s) for the passive server to notice, opens a new socket to
// the other server (tcp://localhost:5002, -backup) and sends the request
// again there; asking the passive server is its vote to take over. It
// prints "I: server replied OK (N)" for each of -n (0: until interrupted)
// requests and exits 0.
package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	primary := flag.String("primary", "tcp://localhost:5001", "the primary's frontend")
	backup := flag.String("backup", "tcp://localhost:5002", "the backup's frontend")
	timeout := flag.Duration("timeout", time.Second, "how long to wait for a reply")
	settle := flag.Duration("settle", 2*time.Second, "how long to wait before asking the other server")
	n := flag.Int("n", 0, "stop after this many answered requests (0: run until interrupted)")
	flag.Parse()
	cli.UsageIf(*timeout <= 0 || *settle < 0 || *n < 0 || flag.NArg() > 0, "bstarcli: -timeout must be > 0, -settle and -n >= 0")

	p := cli.Start("bstarcli")
	defer p.Close()

	servers, at := []string{*primary, *backup}, 0
	connect := func() *actors.Socket {
		return p.Spawn(sockets.Spec{Name: "client", Type: sockets.Req, Connects: []string{servers[at]},
			Options: []sockets.Option{sockets.Linger(0)}})
	}
	client := connect()
	fmt.Println("I: connecting to server at", servers[at])
	for sequence := 1; *n == 0 || sequence <= *n; {
		body := []byte(strconv.Itoa(sequence))
		reply, err := client.Request(p.Ctx, [][]byte{body}, actors.WithTimeout(*timeout))
		if errors.Is(err, actors.ErrRequestTimeout) {
			fmt.Println("W: no response from server, failing over")
			_, err := client.Close(p.Ctx)
			p.Check(err)
			select {
			case <-time.After(*settle):
			case <-p.Ctx.Done():
				return
			}
			at = 1 - at
			fmt.Println("I: connecting to server at", servers[at])
			client = connect()
			continue
		}
		p.Check(err)
		if len(reply.Frames) != 1 || string(reply.Frames[0]) != string(body) {
			p.Check(fmt.Errorf("bad reply from server: %q", reply.Frames))
		}
		fmt.Printf("I: server replied OK (%d)\n", sequence)
		sequence++
	}
}
