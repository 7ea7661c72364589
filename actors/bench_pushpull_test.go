package actors_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// BenchmarkPushPull measures pipeline throughput between socket actors: a
// PUSH socket actor, fed with Socket.Send from the benchmark's goroutine,
// sends 64-byte messages over tcp loopback to a PULL socket actor, whose
// owner actor counts them. ns/op is per message, until the owner has the
// last one. No high-water marks, so nothing waits in a send queue.
// metrics=on counts for an OpenTelemetry meter provider (WithMeterProvider;
// nothing collects during the run, as a reader collecting every few
// seconds would not).
func BenchmarkPushPull(b *testing.B) {
	b.Run("metrics=off", func(b *testing.B) { benchPushPull(b) })
	b.Run("batched", func(b *testing.B) { benchPushPullBatched(b) })
	b.Run("metrics=on", func(b *testing.B) {
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		benchPushPull(b, actors.WithMeterProvider(mp))
	})
}

const pushPullSize = 64

// pushPullPair spawns a PULL socket actor over tcp loopback and a PUSH
// connected to it, both with no high-water marks. The PULL's owner counts
// what arrives: Received messages or, if batched (WithBatchDelivery), the
// messages of each ReceivedBatch. wait returns once b.N have arrived.
func pushPullPair(b *testing.B, batched bool, opts ...actors.RuntimeOption) (push *actors.Socket, wait func()) {
	system, z := testutil.NewSystem(b, opts...)
	ctx := testutil.Ctx(b)
	target := int64(b.N)
	var count atomic.Int64
	done := make(chan struct{})
	owner := system.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		n := 0
		switch m := c.Message().(type) {
		case *messages.Received:
			n = 1
		case *messages.ReceivedBatch:
			n = len(m.GetMessages())
		}
		if n > 0 && count.Add(int64(n)) == target {
			close(done)
		}
	}))
	b.Cleanup(func() { system.Root.Stop(owner) })
	noHWM := []sockets.Option{sockets.SendHWM(0), sockets.ReceiveHWM(0)}
	pullOpts := []actors.SpawnOption{actors.WithOwner(owner)}
	if batched {
		pullOpts = append(pullOpts, actors.WithBatchDelivery())
	}
	pull := testutil.Spawn(b, z, sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}, Options: noHWM}, pullOpts...)
	push = testutil.Spawn(b, z, sockets.Spec{Name: "push", Type: sockets.Push, Connects: []string{pull.Endpoint()}, Options: noHWM})
	return push, func() {
		select {
		case <-done:
		case <-ctx.Done():
			b.Fatalf("%d of %d messages arrived", count.Load(), b.N)
		}
	}
}

func benchPushPull(b *testing.B, opts ...actors.RuntimeOption) {
	push, wait := pushPullPair(b, false, opts...)
	msg := make([]byte, pushPullSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := push.Send(msg); err != nil {
			b.Fatal(err)
		}
	}
	wait()
	b.StopTimer()
}

// benchPushPullBatched is the same transfer with batches between the
// actors and the sockets: the sender hands the PUSH socket actor 256
// messages per SendBatch, and the PULL's owner, spawned
// WithBatchDelivery, gets one ReceivedBatch per turn.
func benchPushPullBatched(b *testing.B) {
	push, wait := pushPullPair(b, true)
	msg := [][]byte{make([]byte, pushPullSize)}
	batch := make([][][]byte, 256)
	for i := range batch {
		batch[i] = msg
	}
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += len(batch) {
		if err := push.SendBatch(batch[:min(len(batch), b.N-sent)]...); err != nil {
			b.Fatal(err)
		}
	}
	wait()
	b.StopTimer()
}
