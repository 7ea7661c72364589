package sockets

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestReceiveBatchShapes sends messages whose shapes stress the batched
// receive: empty frames, frames larger than the scratch buffer, a message
// of more frames than a batch holds, and many small ones, over inproc and
// tcp; every message arrives whole, in order, byte for byte.
func TestReceiveBatchShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var msgs [][][]byte
	frame := func(size int) []byte {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	for i := range 2000 {
		switch {
		case i == 100:
			long := make([][]byte, batchFrames*2+7) // cut by two batch ends
			for j := range long {
				long[j] = frame(j % 5)
			}
			msgs = append(msgs, long)
		case i%97 == 0:
			msgs = append(msgs, [][]byte{frame(batchBytes + 1 + rng.IntN(3*batchBytes)), frame(3)})
		case i%89 == 0:
			msgs = append(msgs, [][]byte{frame(10), frame(batchBytes - 5), frame(20)}) // fills a buffer almost
		default:
			m := make([][]byte, 1+rng.IntN(4))
			for j := range m {
				m[j] = frame(rng.IntN(300))
			}
			msgs = append(msgs, m)
		}
	}
	for _, transport := range []string{"inproc://batch-shapes", "tcp://127.0.0.1:*"} {
		t.Run(transport[:3], func(t *testing.T) {
			ctx := testContext(t)
			pull, push := newOwner(t), newOwner(t)
			pull.open(ctx, Spec{Type: Pull, Binds: []string{transport}, Options: []Option{ReceiveHWM(0)}})
			var ep string
			pull.do(func() { ep = pull.sock.Bound()[0] })
			push.open(ctx, Spec{Type: Push, Connects: []string{ep}, Options: []Option{SendHWM(0)}, SendQueueLimit: len(msgs)})
			push.do(func() {
				for _, m := range msgs {
					if _, err := push.sock.Send(m); err != nil {
						t.Errorf("send: %v", err)
					}
				}
			})
			pull.expect(msgs)
			push.close()
			pull.close()
		})
	}
}

// expect waits for the messages want, in order, among those o received,
// each as sameMessage checks it, for 20 s at most.
func (o *owner) expect(want [][][]byte) {
	o.t.Helper()
	timeout := time.After(20 * time.Second)
	for i, w := range want {
		select {
		case got := <-o.received:
			if err := sameMessage(got, w); err != nil {
				o.t.Fatalf("message %d: %v", i, err)
			}
		case <-timeout:
			o.t.Fatalf("got %d of %d messages", i, len(want))
		}
	}
}

func sameMessage(got, want [][]byte) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d frames, want %d", len(got), len(want))
	}
	for j := range got {
		if !bytes.Equal(got[j], want[j]) {
			return fmt.Errorf("frame %d: %d bytes differ from the %d sent", j, len(got[j]), len(want[j]))
		}
		if cap(got[j]) != len(got[j]) {
			return fmt.Errorf("frame %d has spare capacity %d: an append would overwrite the next frame", j, cap(got[j]))
		}
	}
	return nil
}

// TestSendBatch: batches sent faster than the high-water mark lets them go
// wait in the send queue and arrive whole and in order, big messages
// among them; a bad message refuses its whole batch, a REQ refuses more
// than one message, and past the queue's limit the rest of a batch is
// refused.
func TestSendBatch(t *testing.T) {
	ctx := testContext(t)
	const batches, per = 200, 100
	pull, push := newOwner(t), newOwner(t)
	pull.open(ctx, Spec{Type: Pull, Binds: []string{"tcp://127.0.0.1:*"}, Options: []Option{ReceiveHWM(10)}})
	var ep string
	pull.do(func() { ep = pull.sock.Bound()[0] })
	push.open(ctx, Spec{Type: Push, Connects: []string{ep}, Options: []Option{SendHWM(10)}, SendQueueLimit: batches * per})
	var want [][][]byte
	queued := 0
	for b := range batches {
		batch := make([][][]byte, per)
		for j := range batch {
			id := []byte(strconv.Itoa(b*per + j))
			if j == 50 {
				batch[j] = [][]byte{id, make([]byte, batchBytes+10)} // goes alone
			} else {
				batch[j] = [][]byte{id, []byte("x")}
			}
		}
		want = append(want, batch...)
		push.do(func() {
			q, err := push.sock.SendBatch(batch)
			if err != nil {
				t.Errorf("batch %d: %v", b, err)
			}
			queued += q
		})
	}
	if queued == 0 {
		t.Error("no message waited in the send queue: the high-water mark was never met")
	}
	pull.expect(want)
	push.do(func() {
		if _, err := push.sock.SendBatch([][][]byte{{[]byte("ok")}, {}}); !errors.Is(err, ErrBadMessage) {
			t.Errorf("a batch with an empty message: %v", err)
		}
	})
	select {
	case m := <-pull.received:
		t.Errorf("a refused batch sent %q", m)
	default:
	}
	push.close()
	pull.close()

	req := newOwner(t)
	req.open(ctx, Spec{Type: Req, Connects: []string{"tcp://127.0.0.1:9"}})
	req.do(func() {
		if _, err := req.sock.SendBatch([][][]byte{{[]byte("a")}, {[]byte("b")}}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("REQ batch of two: %v", err)
		}
	})
	req.close()

	full := newOwner(t)
	full.open(ctx, Spec{Type: Push, Connects: []string{"tcp://127.0.0.1:9"}, Options: []Option{SendHWM(1)}, SendQueueLimit: 5})
	full.do(func() {
		msgs := make([][][]byte, 20)
		for i := range msgs {
			msgs[i] = [][]byte{[]byte("m")}
		}
		q, err := full.sock.SendBatch(msgs)
		if !errors.Is(err, ErrQueueFull) || q != 5 || full.sock.Queued() != 5 {
			t.Errorf("past the limit: queued %d (%d in the queue), %v; want 5 and ErrQueueFull", q, full.sock.Queued(), err)
		}
	})
	full.close()
}

// TestFlushDropsRefused: the send queue goes out in batches, and a queued
// message that ZeroMQ refuses for good (a ROUTER with router_mandatory, to
// a peer it does not know) is dropped and reported, and the messages
// queued behind it are sent, in order.
func TestFlushDropsRefused(t *testing.T) {
	ctx := testContext(t)
	router, dealer := newOwner(t), newOwner(t)
	router.open(ctx, Spec{Type: Router, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []Option{RouterMandatory(true), SendHWM(1)}})
	var ep string
	router.do(func() { ep = router.sock.Bound()[0] })
	dealer.open(ctx, Spec{Type: Dealer, Connects: []string{ep}, Options: []Option{RoutingID([]byte("a")), ReceiveHWM(1)}})
	dealer.do(func() {
		if _, err := dealer.sock.Send([][]byte{[]byte("hello")}); err != nil {
			t.Fatal(err)
		}
	})
	select {
	case <-router.received: // the ROUTER knows peer "a" now
	case <-time.After(10 * time.Second):
		t.Fatal("the ROUTER got no hello")
	}
	dealer.do(func() { dealer.sock.PauseReceive(true) })
	// Fill ZeroMQ's pipes and the kernel's buffers towards "a" until a
	// message waits in the send queue.
	body := make([]byte, 16<<10) // three to a batch of the send queue
	sent := 0
	router.do(func() {
		for sent < 10000 {
			queued, err := router.sock.Send([][]byte{[]byte("a"), []byte(strconv.Itoa(sent)), body})
			if err != nil {
				t.Fatalf("send %d: %v", sent, err)
			}
			sent++
			if queued {
				break
			}
		}
		if router.sock.Queued() == 0 {
			t.Fatalf("nothing queued after %d sends of 16 KiB", sent)
		}
		for _, m := range [][][]byte{
			{[]byte("zz"), []byte("lost")},
			{[]byte("a"), []byte("after"), []byte("1")},
			{[]byte("a"), []byte("after"), []byte("2")},
		} {
			if queued, err := router.sock.Send(m); err != nil || !queued {
				t.Fatalf("send behind the queue: queued %v, %v", queued, err)
			}
		}
	})
	dealer.do(func() { dealer.sock.PauseReceive(false) })
	timeout := time.After(20 * time.Second)
	for i := 0; i < sent; i++ {
		select {
		case got := <-dealer.received:
			if len(got) != 2 || string(got[0]) != strconv.Itoa(i) || len(got[1]) != len(body) {
				t.Fatalf("message %d: %d frames, first %q", i, len(got), got[0])
			}
		case <-timeout:
			t.Fatalf("got %d of %d", i, sent)
		}
	}
	for _, want := range []string{"1", "2"} {
		select {
		case got := <-dealer.received:
			if err := sameMessage(got, [][]byte{[]byte("after"), []byte(want)}); err != nil {
				t.Fatalf("after %s: %v", want, err)
			}
		case <-timeout:
			t.Fatalf("no message after %s", want)
		}
	}
	select {
	case err := <-router.reports:
		if !errors.Is(err, ErrHostUnreachable) {
			t.Errorf("report %v, want ErrHostUnreachable", err)
		}
	case <-timeout:
		t.Fatal("the refused message was not reported")
	}
	router.do(func() {
		if q := router.sock.Queued(); q != 0 {
			t.Errorf("%d messages still queued", q)
		}
	})
	router.close()
	dealer.close()
}
