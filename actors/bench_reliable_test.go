package actors_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/sockets"
)

// BenchmarkMajordomo measures request/reply throughput over tcp loopback
// through a Majordomo broker beside the direct round trip it adds a hop
// to, with n requests outstanding at all times:
//
//   - direct: a DEALER client socket actor (n goroutines calling
//     Socket.Request) against a ROUTER server socket actor with an echo
//     handler actor;
//   - broker: n Majordomo clients (MDP keeps one request on each client's
//     wire), each called by its own goroutine through Socket.AskService,
//     through a Majordomo broker to n Majordomo workers of "echo", each with
//     an echo handler actor.
//
// req/s is completed requests per second; ns/op the time per request.
func BenchmarkMajordomo(b *testing.B) {
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("direct-dealer-router/inflight=%d", n), func(b *testing.B) { benchDirect(b, n) })
		b.Run(fmt.Sprintf("broker/inflight=%d", n), func(b *testing.B) { benchBroker(b, n) })
	}
}

// benchAsk runs b.N calls of ask spread over n goroutines, each with its
// own index, after a warm-up, and reports req/s.
func benchAsk(b *testing.B, n int, ask func(i int) error) {
	for i := range n {
		for range rrWarmUp {
			if err := ask(i); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		count := b.N / n
		if i < b.N%n {
			count++
		}
		wg.Go(func() {
			for range count {
				if err := ask(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

func benchDirect(b *testing.B, n int) {
	system, z := testutil.NewSystem(b)
	handler := system.Root.Spawn(actor.PropsFromFunc(echo))
	srv := testutil.Spawn(b, z, sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithHandler(handler, actors.ServeOptions{}))
	cli := testutil.Spawn(b, z, sockets.Spec{Type: sockets.Dealer, Connects: []string{srv.Endpoint()}})
	body := [][]byte{[]byte(rrBody)}
	ctx := context.Background()
	benchAsk(b, n, func(int) error {
		_, err := cli.Request(ctx, body, actors.WithTimeout(testutil.Wait))
		return err
	})
}

func benchBroker(b *testing.B, n int) {
	system, z := testutil.NewSystem(b)
	broker := testutil.Spawn(b, z, sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithMajordomoBroker(actors.MajordomoBrokerOptions{}))
	handler := system.Root.Spawn(actor.PropsFromFunc(echo))
	clients := make([]*actors.Socket, n)
	for i := range n {
		testutil.Spawn(b, z, sockets.Spec{Type: sockets.Dealer, Connects: []string{broker.Endpoint()}},
			actors.WithMajordomoWorker("echo", handler, actors.MajordomoWorkerOptions{}))
		clients[i] = testutil.Spawn(b, z, sockets.Spec{Type: sockets.Dealer, Connects: []string{broker.Endpoint()}},
			actors.WithMajordomoClient(actors.MajordomoClientOptions{Timeout: testutil.Wait}))
	}
	body := [][]byte{[]byte(rrBody)}
	ctx := context.Background()
	benchAsk(b, n, func(i int) error {
		_, err := clients[i].AskService(ctx, "echo", body)
		return err
	})
}
