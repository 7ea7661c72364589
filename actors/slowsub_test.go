package actors_test

import (
	"encoding/binary"
	"syscall"
	"testing"
	"time"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The slow-subscriber tests publish from a socket actor to a subscriber that
// does not read until the publisher is done: a plain ZeroMQ SUB socket,
// stalled on purpose, with high-water marks of slowHWM on both sides. A PUB
// drops what the subscriber's pipe cannot hold, as ZeroMQ documents; an
// XPUB with xpub_nodrop keeps every message in the socket actor's send
// queue until the subscriber reads.

const (
	slowHWM     = 100
	slowPayload = 1024 // bytes: more than the kernel's loopback buffers can hide
)

// slowSubscriber is a raw ZeroMQ SUB socket over tcp that the test reads
// only when it wants to.
type slowSubscriber struct {
	t  *testing.T
	zs *zmq4.Socket
}

func newSlowSubscriber(t *testing.T, endpoint string) *slowSubscriber {
	t.Helper()
	zs := testutil.RawSocket(t, zmq4.SUB)
	for _, err := range []error{zs.SetRcvhwm(slowHWM), zs.SetSubscribe(""), zs.SetRcvtimeo(10 * time.Millisecond), zs.Connect(endpoint)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return &slowSubscriber{t: t, zs: zs}
}

// recv returns the next message, or nil after the socket's receive timeout.
func (s *slowSubscriber) recv() [][]byte {
	s.t.Helper()
	frames, err := s.zs.RecvMessageBytes(0)
	if zmq4.AsErrno(err) == zmq4.Errno(syscall.EAGAIN) {
		return nil
	}
	if err != nil {
		s.t.Fatalf("raw SUB recv: %v", err)
	}
	return frames
}

// untilReceived calls publish and reads until a message with topic
// arrives, skipping others, and fails after testutil.Wait.
func (s *slowSubscriber) untilReceived(topic string, publish func()) {
	s.t.Helper()
	deadline := time.Now().Add(testutil.Wait)
	for time.Now().Before(deadline) {
		publish()
		for {
			frames := s.recv()
			if frames == nil {
				break
			}
			if string(frames[0]) == topic {
				return
			}
		}
	}
	s.t.Fatalf("no %q within %v", topic, testutil.Wait)
}

// readAll reads the numbered messages the publisher sent until the "end"
// marker, which publish sends again whenever the subscriber has nothing to
// read, and checks that they come in order without duplicates.
func (s *slowSubscriber) readAll(n int, publishEnd func()) (delivered int) {
	s.t.Helper()
	last := -1
	deadline := time.Now().Add(testutil.Wait)
	for time.Now().Before(deadline) {
		frames := s.recv()
		if frames == nil {
			publishEnd()
			continue
		}
		switch string(frames[0]) {
		case "end":
			return delivered
		case "m":
			seq := int(binary.BigEndian.Uint32(frames[1]))
			if seq <= last || seq >= n || len(frames[2]) != slowPayload {
				s.t.Fatalf("message %d after %d (of %d, %d bytes): out of order, duplicated or damaged", seq, last, n, len(frames[2]))
			}
			last = seq
			delivered++
		}
	}
	s.t.Fatalf("no end marker within %v (%d delivered)", testutil.Wait, delivered)
	return delivered
}

func publishNumbered(t *testing.T, pub *actors.Socket, n int) {
	t.Helper()
	payload := make([]byte, slowPayload)
	for i := range n {
		seq := make([]byte, 4)
		binary.BigEndian.PutUint32(seq, uint32(i))
		if err := pub.Publish("m", seq, payload); err != nil {
			t.Fatal(err)
		}
	}
}

// waitStats asks for pub's stats until ok holds, and fails after
// testutil.Wait.
func (f *fixture) waitStats(s *actors.Socket, what string, ok func(*messages.Stats) bool) *messages.Stats {
	f.t.Helper()
	deadline := time.Now().Add(testutil.Wait)
	for {
		st := f.stats(s)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("stats %v: not %s within %v", st, what, testutil.Wait)
		}
		select {
		case <-time.After(time.Millisecond):
		case <-f.ctx.Done():
			f.t.Fatal(f.ctx.Err())
		}
	}
}

func TestSlowSubscriberPubDrops(t *testing.T) {
	const n = 50_000
	f := newFixture(t)
	pub, _ := f.spawn(sockets.Spec{Name: "pub", Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []sockets.Option{sockets.SendHWM(slowHWM)}})
	sub := newSlowSubscriber(t, pub.Endpoint())
	probes := 0
	sub.untilReceived("probe", func() {
		probes++
		if err := pub.Publish("probe"); err != nil {
			t.Fatal(err)
		}
	})

	publishNumbered(t, pub, n)
	// A PUB never waits: every message is handed to ZeroMQ, which keeps
	// what the pipe holds and drops the rest.
	st := f.waitStats(pub, "all sent", func(st *messages.Stats) bool { return st.GetSent() == uint64(probes+n) })
	if st.GetQueued() != 0 || st.GetSendQueueLength() != 0 {
		t.Fatalf("a PUB queued messages: %v", st)
	}
	delivered := sub.readAll(n, func() {
		if err := pub.Publish("end"); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("PUB, high-water marks %d+%d, %d-byte messages: sent %d, delivered %d, dropped %d", slowHWM, slowHWM, slowPayload, n, delivered, n-delivered)
	if delivered == 0 || delivered >= n {
		t.Fatalf("delivered %d of %d: the stalled subscriber should have lost most and kept some", delivered, n)
	}
}

func TestSlowSubscriberXPubNoDrop(t *testing.T) {
	const n = 20_000
	f := newFixture(t)
	pub, pubIn := f.spawn(sockets.Spec{Name: "xpub", Type: sockets.XPub, Binds: []string{"tcp://127.0.0.1:*"},
		Options:        []sockets.Option{sockets.SendHWM(slowHWM), sockets.XPubNoDrop(true)},
		SendQueueLimit: n})
	sub := newSlowSubscriber(t, pub.Endpoint())
	expectPeer(t, pubIn, true, "")

	publishNumbered(t, pub, n)
	// The subscriber does not read: ZeroMQ takes what the pipe holds and
	// the rest waits in the send queue.
	st := f.waitStats(pub, "all taken or queued", func(st *messages.Stats) bool {
		return st.GetSent()+uint64(st.GetSendQueueLength()) == n
	})
	if st.GetQueued() == 0 || st.GetSendQueueLength() == 0 || st.GetRefused() != 0 {
		t.Fatalf("stats %v: want messages waiting in the send queue and none refused", st)
	}
	peak := st.GetSendQueueLength()
	delivered := sub.readAll(n, func() {
		if err := pub.Publish("end"); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("XPUB with xpub_nodrop, high-water marks %d+%d: sent %d, delivered %d, dropped %d, %d waited in the send queue at once", slowHWM, slowHWM, n, delivered, n-delivered, peak)
	if delivered != n {
		t.Fatalf("delivered %d of %d with xpub_nodrop", delivered, n)
	}
	quiet(t, pubIn)
}
