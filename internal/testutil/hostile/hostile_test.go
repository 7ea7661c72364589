package hostile

import (
	"bytes"
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pebbe/zmq4"
)

// listen binds a raw ROUTER on a free tcp port: the server a test throws
// at. It is closed when the test ends.
func listen(t *testing.T) (*Peer, string) {
	t.Helper()
	p, err := Listen("tcp://127.0.0.1:*", zmq4.ROUTER, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	ep, err := p.Socket().GetLastEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	return p, ep
}

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestRawHandshake checks the wire format the raw TCP peers write: a
// NULL greeting, READY as a DEALER, then a multipart message with an
// empty frame and a long one reaches a ROUTER as that message.
func TestRawHandshake(t *testing.T) {
	router, ep := listen(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	want := [][]byte{[]byte("hello"), {}, bytes.Repeat([]byte("x"), 300)}
	if _, err := conn.Write(nullGreeting()); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(conn, make([]byte, 64)); err != nil {
		t.Fatalf("the server's greeting: %v", err)
	}
	if _, err := conn.Write(append(ready("DEALER"), message(want)...)); err != nil {
		t.Fatal(err)
	}
	got, err := router.Recv(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want)+1 {
		t.Fatalf("the ROUTER received %d frames, want a routing id and %d", len(got), len(want))
	}
	for i, f := range want {
		if !bytes.Equal(got[i+1], f) {
			t.Fatalf("frame %d: %q, want %q", i, got[i+1], f)
		}
	}
}

// TestStormReachesServer throws a small storm at a raw ROUTER: its
// messages arrive, every wrong type is refused, and the ROUTER still
// answers a well-formed DEALER afterwards.
func TestStormReachesServer(t *testing.T) {
	router, ep := listen(t)
	received := make(chan int, 1)
	stop := make(chan struct{})
	go func() {
		n := 0
		defer func() { received <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			_, err := router.Recv(c)
			cancel()
			if err == nil {
				n++
			}
		}
	}()
	storm := Storm{Endpoint: ep, Peers: []zmq4.Type{zmq4.DEALER}, Wrong: []zmq4.Type{zmq4.PUB, zmq4.PULL},
		Messages: 200, Connections: 40, WrongEach: 2}
	thrown, err := storm.Run(ctx(t))
	close(stop)
	n := <-received
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("thrown %v, the ROUTER received %d", thrown, n)
	if thrown.Messages == 0 || n == 0 {
		t.Fatalf("thrown %d messages, received %d: the storm did not reach the server", thrown.Messages, n)
	}
	if thrown.WrongTypes != 4 || thrown.TCP != 41 {
		t.Fatalf("thrown %v, want 4 wrong-type and 41 raw TCP connections (the last, the ZMTP/1.0 fallback)", thrown)
	}
	if m := storm.MaxMessages(); thrown.Messages+thrown.TCPMessages > m {
		t.Fatalf("thrown %v: more messages than MaxMessages, %d", thrown, m)
	}

	dealer, err := Dial(ep, zmq4.DEALER, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dealer.Close()
	if err := dealer.Send(ctx(t), []byte("ping")); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := router.Recv(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 2 && string(m[1]) == "ping" {
			break
		}
	}
}

// TestFigures checks the one-line form, which notes collect, and RSS.
func TestFigures(t *testing.T) {
	rss, err := RSS(0)
	if err != nil || rss <= 0 {
		t.Fatalf("RSS of this process: %d, %v", rss, err)
	}
	f := Figures{Name: "x", Thrown: Thrown{Messages: 3, TCP: 2}, Alive: true, FirstReply: 12 * time.Millisecond,
		RSSBefore: 14 << 20, RSSAfter: 16 << 20}
	line := regexp.MustCompile(`^hostile x: thrown=5 alive=true first_reply=12ms rss_before=14MB rss_after=16MB \(messages=3 .* wrong_pending=0 tcp=2 `)
	if !line.MatchString(f.String()) {
		t.Fatalf("Figures: %q", f.String())
	}
	f.FirstReply = 0
	if !strings.Contains(f.String(), "first_reply=none") {
		t.Fatalf("Figures without a reply: %q", f.String())
	}
}
