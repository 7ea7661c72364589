// Lpclient is the zguide's Lazy Pirate client (lpclient): reliable
// request-reply on the client side. A REQ socket connects to
// tcp://localhost:5555 (see lpserver) and sends requests one at a time,
// each one frame holding a sequence number, "1", "2", ...; the server
// echoes it, and a reply must equal its request. It prints
//
//	I: connecting to server...
//	I: server replied OK (1)
//	I: server replied OK (2)
//
// and goes on until SIGINT or SIGTERM (exit 0), or until -n requests were
// answered (exit 0).
//
// A request without a reply within -timeout (2.5s, the zguide's
// REQUEST_TIMEOUT) is sent again, until -retries attempts (3, the zguide's
// REQUEST_RETRIES, which counts the first send: two resends) went
// unanswered. Then it prints "E: server seems to be offline, abandoning"
// and exits 1, where the zguide's versions stop with 0. A request answered
// only after a resend prints
//
//	W: no response from server, retried on a new socket (attempt 2 answered)
//
// before its OK line. A reply that is not the request prints "E: malformed
// reply from server: ..." and the request is sent again, which uses up an
// attempt.
//
// The zguide's client polls its REQ socket with the timeout, and when no
// reply came it closes the socket, opens a new one and sends the request
// again: a REQ that got no answer will not send anything else. Here the REQ
// socket actor does all that: Socket.Request with actors.Timeout and
// actors.Retries. After each timeout the socket actor closes its REQ
// socket, opens it again (same spec: connect, no linger) and sends the
// request again; only the last timeout comes back, as ErrRequestTimeout.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5555", "endpoint of the server")
	timeout := flag.Duration("timeout", 2500*time.Millisecond, "how long to wait for the reply to each attempt")
	retries := flag.Int("retries", 3, "attempts of a request, the first one included, before abandoning")
	n := flag.Int("n", 0, "stop after this many answered requests (0: run until interrupted)")
	flag.Parse()
	cli.UsageIf(*timeout <= 0 || *retries < 1 || *n < 0 || flag.NArg() > 0,
		"lpclient: -timeout must be > 0, -retries >= 1, -n >= 0, and no arguments")

	p := cli.Start("lpclient")
	defer p.Close()

	fmt.Println("I: connecting to server...")
	// No linger: a request given up on is not worth delivering later.
	client := p.Spawn(sockets.Spec{Name: "client", Type: sockets.Req, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0)}})

	abandon := func() {
		fmt.Println("E: server seems to be offline, abandoning")
		p.Close()
		os.Exit(1)
	}
	for sequence := 1; *n == 0 || sequence <= *n; sequence++ {
		body := []byte(strconv.Itoa(sequence))
		for left := *retries; ; {
			reply, err := client.Request(p.Ctx, [][]byte{body}, actors.WithTimeout(*timeout), actors.WithRetries(uint32(left-1)))
			if errors.Is(err, actors.ErrRequestTimeout) {
				abandon()
			}
			p.Check(err)
			if reply.Attempts > 1 {
				fmt.Printf("W: no response from server, retried on a new socket (attempt %d answered)\n", reply.Attempts)
			}
			if len(reply.Frames) == 1 && bytes.Equal(reply.Frames[0], body) {
				fmt.Printf("I: server replied OK (%s)\n", reply.Frames[0])
				break
			}
			fmt.Printf("E: malformed reply from server: %s\n", bytes.Join(reply.Frames, []byte(" ")))
			if left -= int(reply.Attempts); left <= 0 {
				abandon()
			}
		}
	}
}
