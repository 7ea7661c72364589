package actors_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// BenchmarkPubSubFanOut measures the cost of fan-out to local subscribers:
// a raw ZeroMQ PUB publishes 64-byte messages over tcp loopback, and either
// a raw SUB receives them in a loop ("raw", the baseline), or a SUB socket
// actor delivers each to N subscriber actors. ns/op is per published
// message, until every subscriber has it; ns/delivery divides by N. No
// high-water marks, so nothing is dropped.
func BenchmarkPubSubFanOut(b *testing.B) {
	b.Run("raw", benchFanOutRaw)
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("actor-subscribers=%d", n), func(b *testing.B) { benchFanOutActors(b, n) })
	}
}

const fanOutSize = 64

// benchPublisher is a raw PUB bound to a tcp port, without high-water mark.
func benchPublisher(b *testing.B) (*zmq4.Socket, string) {
	b.Helper()
	pub := testutil.RawSocket(b, zmq4.PUB)
	if err := pub.SetSndhwm(0); err != nil {
		b.Fatal(err)
	}
	if err := pub.Bind("tcp://127.0.0.1:*"); err != nil {
		b.Fatal(err)
	}
	ep, err := pub.GetLastEndpoint()
	if err != nil {
		b.Fatal(err)
	}
	return pub, ep
}

// publish sends n messages of fanOutSize bytes starting with 'm'.
func publish(b *testing.B, pub *zmq4.Socket, n int) {
	msg := make([]byte, fanOutSize)
	msg[0] = 'm'
	for range n {
		if _, err := pub.SendBytes(msg, 0); err != nil {
			b.Error(err)
			return
		}
	}
}

// warmUp publishes "w" every millisecond until joined is closed: the
// subscriptions made before have then reached the publisher.
func warmUp(b *testing.B, pub *zmq4.Socket, joined <-chan struct{}) {
	b.Helper()
	deadline := time.After(testutil.Wait)
	for {
		if _, err := pub.SendBytes([]byte("w"), 0); err != nil {
			b.Fatal(err)
		}
		select {
		case <-joined:
			return
		case <-deadline:
			b.Fatal("subscriber never joined")
		case <-time.After(time.Millisecond):
		}
	}
}

func benchFanOutRaw(b *testing.B) {
	pub, ep := benchPublisher(b)
	sub := testutil.RawSocket(b, zmq4.SUB)
	for _, err := range []error{sub.SetRcvhwm(0), sub.SetSubscribe(""), sub.SetRcvtimeo(time.Millisecond), sub.Connect(ep)} {
		if err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(testutil.Wait)
	for joined := false; !joined; {
		if time.Now().After(deadline) {
			b.Fatal("subscriber never joined")
		}
		if _, err := pub.SendBytes([]byte("w"), 0); err != nil {
			b.Fatal(err)
		}
		for {
			m, err := sub.RecvBytes(0)
			if zmq4.AsErrno(err) == zmq4.Errno(syscall.EAGAIN) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			joined = joined || m[0] == 'w'
		}
	}
	if err := sub.SetRcvtimeo(-1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	go publish(b, pub, b.N)
	for got := 0; got < b.N; {
		m, err := sub.RecvBytes(0)
		if err != nil {
			b.Fatal(err)
		}
		if m[0] == 'm' {
			got++
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/delivery")
}

func benchFanOutActors(b *testing.B, n int) {
	system, z := testutil.NewSystem(b)
	ctx := testutil.Ctx(b)
	pub, ep := benchPublisher(b)
	sub := testutil.Spawn(b, z, sockets.Spec{Name: "sub", Type: sockets.Sub, Connects: []string{ep},
		Options: []sockets.Option{sockets.ReceiveHWM(0)}})
	target := int64(b.N)
	var all sync.WaitGroup
	all.Add(n)
	for range n {
		var count atomic.Int64
		pid := system.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
			if _, ok := c.Message().(*messages.Received); ok && count.Add(1) == target {
				all.Done()
			}
		}))
		b.Cleanup(func() { system.Root.Stop(pid) })
		if err := sub.Subscribe(ctx, pid, "m"); err != nil {
			b.Fatal(err)
		}
	}
	joined := make(chan struct{})
	var once sync.Once
	w := system.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if _, ok := c.Message().(*messages.Received); ok {
			once.Do(func() { close(joined) })
		}
	}))
	b.Cleanup(func() { system.Root.Stop(w) })
	if err := sub.Subscribe(ctx, w, "w"); err != nil {
		b.Fatal(err)
	}
	warmUp(b, pub, joined)
	b.ReportAllocs()
	b.ResetTimer()
	go publish(b, pub, b.N)
	all.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
}
