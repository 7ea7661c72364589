package actors_test

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestInteropPyzmqPubToActorSub: a pyzmq PUB publishes numbered messages
// on topics "A" and "B" and typed messages on "T" (a zmqactor.v1.Stats
// encoded by hand in Python); a SUB socket actor delivers "B" to one
// subscriber and "T", decoded, to another.
func TestInteropPyzmqPubToActorSub(t *testing.T) {
	f := newFixture(t)
	_, lines := python(t, `
import sys, time, zmq
def varint(n):
    out = b""
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.bind("tcp://127.0.0.1:*")
print(pub.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
deadline = time.time() + 30
seq = 0
while time.time() < deadline:
    s = seq.to_bytes(4, "big")
    pub.send_multipart([b"A", s])
    pub.send_multipart([b"B", s])
    pub.send_multipart([b"T", b"zmqactor.v1.Stats", b"\x0a\x02py\x10" + varint(seq)])
    seq += 1
    time.sleep(0.001)
`)
	if !lines.Scan() {
		t.Fatal("python printed no endpoint")
	}
	sub, subIn := f.spawn(sockets.Spec{Name: "sub", Type: sockets.Sub, Connects: []string{lines.Text()}})
	raw, typed := f.inbox(), f.inbox()
	if err := sub.Subscribe(f.ctx, raw.PID(), "B"); err != nil {
		t.Fatal(err)
	}
	if err := sub.SubscribeTyped(f.ctx, typed.PID(), "T"); err != nil {
		t.Fatal(err)
	}
	last := -1
	for range 100 {
		m := testutil.Next(t, raw, testutil.Wait)
		r, ok := m.(*messages.Received)
		if !ok || len(r.GetFrames()) != 2 || string(r.GetFrames()[0]) != "B" {
			t.Fatalf("raw subscriber got %T %v", m, m)
		}
		seq := int(binary.BigEndian.Uint32(r.GetFrames()[1]))
		if seq <= last {
			t.Fatalf("B %d after %d", seq, last)
		}
		last = seq
	}
	last = -1
	for range 100 {
		m := testutil.Next(t, typed, testutil.Wait)
		topic, body := typedBody(t, m)
		s, ok := body.(*messages.Stats)
		if !ok || topic != "T" || s.GetSocket() != "py" || int(s.GetReceived()) <= last {
			t.Fatalf("typed subscriber got %T %v after %d", m, m, last)
		}
		last = int(s.GetReceived())
	}
	quiet(t, subIn) // no decode errors, nothing else
}

// TestInteropActorPubToPyzmqSub: a PUB socket actor publishes numbered
// messages on "A" and "B"; a pyzmq SUB that subscribed to "B" checks that
// it gets only "B", in order, and reports the count.
func TestInteropActorPubToPyzmqSub(t *testing.T) {
	f := newFixture(t)
	pub, _ := f.spawn(sockets.Spec{Name: "pub", Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"}})
	cmd, lines := python(t, `
import sys, zmq
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.RCVTIMEO, 20000)
sub.setsockopt(zmq.SUBSCRIBE, b"B")
sub.connect(sys.argv[1])
last = -1
for i in range(200):
    topic, seq = sub.recv_multipart()
    seq = int.from_bytes(seq, "big")
    if topic != b"B" or seq <= last:
        print("got %r %d after %d" % (topic, seq, last), flush=True)
        sys.exit(1)
    last = seq
print("ok 200", flush=True)
sub.close(linger=0)
ctx.term()
`, pub.Endpoint())
	done := make(chan struct{})
	stopped := make(chan struct{})
	go publishAB(t, pub, done, stopped)
	ok := lines.Scan()
	close(done)
	<-stopped
	if !ok || lines.Text() != "ok 200" {
		t.Fatalf("python: %q", lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("python: %v", err)
	}
}

// publishAB publishes numbered "A" and "B" messages every millisecond until
// done is closed: the pyzmq subscriber joins at some point and counts what
// it gets from then on.
func publishAB(t *testing.T, pub *actors.Socket, done <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for seq := uint32(0); ; seq++ {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		s := binary.BigEndian.AppendUint32(nil, seq)
		for _, topic := range []string{"A", "B"} {
			if err := pub.Publish(topic, s); err != nil {
				t.Error(fmt.Errorf("publish: %w", err))
				return
			}
		}
	}
}
