package actors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"
	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// BenchmarkReqRepRoundTrip measures request/reply latency over tcp
// loopback, one request at a time: raw ZeroMQ sockets (a client in the
// benchmark's goroutine, an echo server in its own goroutine, both making
// blocking calls) beside the same pairs of socket actors, whose server
// hands each request to an echo handler actor and whose client is called
// through Socket.Request. ns/op is the mean round trip; p50-us and p99-us
// are the median and 99th percentile of the round trips, in microseconds.
func BenchmarkReqRepRoundTrip(b *testing.B) {
	b.Run("raw-req-rep", func(b *testing.B) { benchRoundTripRaw(b, zmq4.REQ, zmq4.REP) })
	b.Run("actor-req-rep", func(b *testing.B) { benchRoundTripActors(b, sockets.Req, sockets.Rep) })
	b.Run("raw-dealer-router", func(b *testing.B) { benchRoundTripRaw(b, zmq4.DEALER, zmq4.ROUTER) })
	b.Run("actor-dealer-router", func(b *testing.B) { benchRoundTripActors(b, sockets.Dealer, sockets.Router) })
}

// BenchmarkReqRepInFlight16 measures request/reply throughput over tcp
// loopback with rrInFlight requests outstanding at all times: a raw DEALER
// that keeps them on the wire against a raw ROUTER echo server, beside a
// DEALER client socket actor with that many concurrent askers (goroutines
// calling Socket.Request, or actors using ctx.Request) against a ROUTER
// server socket actor with one echo handler actor, or a round-robin pool of
// rrPoolSize of them. req/s is completed requests per second.
func BenchmarkReqRepInFlight16(b *testing.B) {
	b.Run("raw-dealer-router", benchInFlightRaw)
	b.Run("actor-goroutines", func(b *testing.B) {
		benchInFlightActors(b, actor.PropsFromFunc(echo), askGoroutines)
	})
	b.Run("actor-askers", func(b *testing.B) {
		benchInFlightActors(b, actor.PropsFromFunc(echo), askActors)
	})
	b.Run(fmt.Sprintf("actor-goroutines-pool=%d", rrPoolSize), func(b *testing.B) {
		benchInFlightActors(b, router.NewRoundRobinPool(rrPoolSize).Configure(actor.WithFunc(echo)), askGoroutines)
	})
}

const (
	rrInFlight = 16
	rrPoolSize = 4
	rrWarmUp   = 100 // round trips before timing: connections up, caches warm
)

// rrBody is the request body, 16 bytes.
const rrBody = "Hello, world 16B"

// rawEchoServer binds a raw socket of typ (REP or ROUTER) to a tcp port, on
// a new ZeroMQ context, and echoes every message in its own goroutine until
// the benchmark ends. It returns the context, for the client's socket, and
// the endpoint. At cleanup the context is terminated, which makes the
// server's blocking receive fail with ETERM, and waits for the server to
// close its socket; the client's socket must be closed by a cleanup
// registered after this one, which runs before it.
func rawEchoServer(b *testing.B, typ zmq4.Type) (*zmq4.Context, string) {
	b.Helper()
	zctx, err := zmq4.NewContext()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := zctx.NewSocket(typ)
	if err != nil {
		_ = zctx.Term()
		b.Fatal(err)
	}
	ep, err := func() (string, error) {
		if err := srv.SetLinger(0); err != nil {
			return "", err
		}
		if err := srv.Bind("tcp://127.0.0.1:*"); err != nil {
			return "", err
		}
		return srv.GetLastEndpoint()
	}()
	if err != nil {
		_ = srv.Close()
		_ = zctx.Term()
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rawEcho(srv, typ) }()
	b.Cleanup(func() {
		if err := zctx.Term(); err != nil {
			b.Errorf("term: %v", err)
		}
		if err := <-done; err != nil {
			b.Errorf("raw %v server: %v", typ, err)
		}
	})
	return zctx, ep
}

// rawEcho sends back every message srv receives, until its context is
// terminated, and then closes srv. A REP uses the plain single-frame calls;
// a ROUTER's messages carry the routing envelope, so it uses the multipart
// ones.
func rawEcho(srv *zmq4.Socket, typ zmq4.Type) error {
	for {
		var err error
		if typ == zmq4.REP {
			var msg []byte
			if msg, err = srv.RecvBytes(0); err == nil {
				_, err = srv.SendBytes(msg, 0)
			}
		} else {
			var msg [][]byte
			if msg, err = srv.RecvMessageBytes(0); err == nil {
				_, err = srv.SendMessage(msg)
			}
		}
		if err != nil {
			cerr := srv.Close()
			if zmq4.AsErrno(err) == zmq4.ETERM {
				return cerr
			}
			return errors.Join(err, cerr)
		}
	}
}

// rawClient opens a raw socket of typ on zctx connected to ep, closed with
// linger 0 at cleanup.
func rawClient(b *testing.B, zctx *zmq4.Context, typ zmq4.Type, ep string) *zmq4.Socket {
	b.Helper()
	cli, err := zctx.NewSocket(typ)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cli.SetLinger(0)
		if err := cli.Close(); err != nil {
			b.Errorf("close raw %v client: %v", typ, err)
		}
	})
	if err := cli.Connect(ep); err != nil {
		b.Fatal(err)
	}
	return cli
}

// rawSendRequest sends body from a raw DEALER as [id, "", body], the
// envelope a REQ would add, with id the request number as 8 bytes.
func rawSendRequest(cli *zmq4.Socket, id, body []byte) error {
	if _, err := cli.SendBytes(id, zmq4.SNDMORE); err != nil {
		return err
	}
	if _, err := cli.SendBytes(nil, zmq4.SNDMORE); err != nil {
		return err
	}
	_, err := cli.SendBytes(body, 0)
	return err
}

// checkReply checks that frames is rrBody, echoed.
func checkReply(frames [][]byte) error {
	if len(frames) != 1 || string(frames[0]) != rrBody {
		return fmt.Errorf("reply %q, want %q", frames, rrBody)
	}
	return nil
}

// checkRawReply checks that a raw DEALER's reply frames are [id, "", rrBody].
func checkRawReply(frames [][]byte, id []byte) error {
	if len(frames) != 3 || !bytes.Equal(frames[0], id) || len(frames[1]) != 0 {
		return fmt.Errorf("reply %q to request %x", frames, id)
	}
	return checkReply(frames[2:])
}

// warmRoundTrips runs roundTrip rrWarmUp times, before timing.
func warmRoundTrips(b *testing.B, roundTrip func() error) {
	b.Helper()
	for range rrWarmUp {
		if err := roundTrip(); err != nil {
			b.Fatalf("warm-up: %v", err)
		}
	}
}

// benchRoundTrips runs roundTrip once per iteration of b.Loop, timing
// each call, reports the median and 99th percentile, and returns the
// number of round trips. The durations go into a slice allocated before
// timing starts, so recording them allocates nothing during the loop.
func benchRoundTrips(b *testing.B, roundTrip func() error) int {
	b.Helper()
	durations := make([]time.Duration, 0, 1<<20)
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if err := roundTrip(); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	quantile := func(q float64) float64 {
		i := min(int(q*float64(len(durations))), len(durations)-1)
		return float64(durations[i]) / float64(time.Microsecond)
	}
	b.ReportMetric(quantile(0.50), "p50-us")
	b.ReportMetric(quantile(0.99), "p99-us")
	return len(durations)
}

func benchRoundTripRaw(b *testing.B, client, server zmq4.Type) {
	zctx, ep := rawEchoServer(b, server)
	cli := rawClient(b, zctx, client, ep)
	body := []byte(rrBody)
	if client == zmq4.REQ {
		roundTrip := func() error {
			if _, err := cli.SendBytes(body, 0); err != nil {
				return err
			}
			reply, err := cli.RecvBytes(0)
			if err != nil {
				return err
			}
			return checkReply([][]byte{reply})
		}
		warmRoundTrips(b, roundTrip)
		benchRoundTrips(b, roundTrip)
		return
	}
	id := make([]byte, 8)
	var n uint64
	roundTrip := func() error {
		n++
		binary.BigEndian.PutUint64(id, n)
		if err := rawSendRequest(cli, id, body); err != nil {
			return err
		}
		reply, err := cli.RecvMessageBytes(0)
		if err != nil {
			return err
		}
		return checkRawReply(reply, id)
	}
	warmRoundTrips(b, roundTrip)
	benchRoundTrips(b, roundTrip)
}

// benchEchoServer spawns handler, and a server socket actor of typ bound to
// a tcp port that hands it every request.
func benchEchoServer(b *testing.B, system *actor.ActorSystem, z *actors.Runtime, typ sockets.Type, handler *actor.Props) *actors.Socket {
	b.Helper()
	h := system.Root.Spawn(handler)
	b.Cleanup(func() { system.Root.Stop(h) })
	return testutil.Spawn(b, z, sockets.Spec{Type: typ, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithHandler(h, actors.ServeOptions{}))
}

// benchClient spawns a client socket actor of typ connected to ep.
func benchClient(b *testing.B, z *actors.Runtime, typ sockets.Type, ep string) *actors.Socket {
	b.Helper()
	return testutil.Spawn(b, z, sockets.Spec{Type: typ, Connects: []string{ep}})
}

// wakeups returns how many readiness signals socket actors handled, each a
// turn of the socket actor: a readiness wait that fired, or a re-check after
// sends.
func wakeups(b *testing.B, socks ...*actors.Socket) uint64 {
	b.Helper()
	var n uint64
	for _, s := range socks {
		st, err := s.Stats(testutil.Ctx(b))
		if err != nil {
			b.Fatal(err)
		}
		n += st.GetWakeups()
	}
	return n
}

// benchRoundTripActors also reports wakeups/op: the socket actor turns of
// client and server for each round trip.
func benchRoundTripActors(b *testing.B, client, server sockets.Type) {
	system, z := testutil.NewSystem(b)
	srv := benchEchoServer(b, system, z, server, actor.PropsFromFunc(echo))
	cli := benchClient(b, z, client, srv.Endpoint())
	ctx := b.Context()
	frames := [][]byte{[]byte(rrBody)}
	roundTrip := func() error {
		reply, err := cli.Request(ctx, frames)
		if err != nil {
			return err
		}
		return checkReply(reply.GetFrames())
	}
	warmRoundTrips(b, roundTrip)
	before := wakeups(b, cli, srv)
	n := benchRoundTrips(b, roundTrip)
	b.ReportMetric(float64(wakeups(b, cli, srv)-before)/float64(n), "wakeups/op")
}

// reportRate reports completed requests per second.
func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func benchInFlightRaw(b *testing.B) {
	zctx, ep := rawEchoServer(b, zmq4.ROUTER)
	cli := rawClient(b, zctx, zmq4.DEALER, ep)
	id, body := make([]byte, 8), []byte(rrBody)
	for i := range rrWarmUp {
		binary.BigEndian.PutUint64(id, uint64(i))
		if err := rawSendRequest(cli, id, body); err != nil {
			b.Fatal(err)
		}
		reply, err := cli.RecvMessageBytes(0)
		if err != nil {
			b.Fatal(err)
		}
		if err := checkRawReply(reply, id); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	// One goroutine keeps rrInFlight requests on the wire: a reply, in
	// the order sent, makes room for the next request.
	sent := 0
	send := func() {
		binary.BigEndian.PutUint64(id, uint64(sent))
		if err := rawSendRequest(cli, id, body); err != nil {
			b.Fatal(err)
		}
		sent++
	}
	for sent < min(rrInFlight, b.N) {
		send()
	}
	want := make([]byte, 8)
	for got := 0; got < b.N; got++ {
		reply, err := cli.RecvMessageBytes(0)
		if err != nil {
			b.Fatal(err)
		}
		binary.BigEndian.PutUint64(want, uint64(got))
		if err := checkRawReply(reply, want); err != nil {
			b.Fatal(err)
		}
		if sent < b.N {
			send()
		}
	}
	b.StopTimer()
	reportRate(b)
}

// asking runs the rrInFlight askers of a throughput benchmark through cli
// until tickets runs past n requests, and returns when all are done.
type asking func(b *testing.B, system *actor.ActorSystem, cli *actors.Socket, tickets *atomic.Int64, n int64)

func benchInFlightActors(b *testing.B, handler *actor.Props, ask asking) {
	system, z := testutil.NewSystem(b)
	srv := benchEchoServer(b, system, z, sockets.Router, handler)
	cli := benchClient(b, z, sockets.Dealer, srv.Endpoint())
	ctx := b.Context()
	for range rrWarmUp {
		reply, err := cli.Request(ctx, [][]byte{[]byte(rrBody)})
		if err != nil {
			b.Fatalf("warm-up: %v", err)
		}
		if err := checkReply(reply.GetFrames()); err != nil {
			b.Fatalf("warm-up: %v", err)
		}
	}
	var tickets atomic.Int64
	before := wakeups(b, cli, srv)
	b.ReportAllocs()
	b.ResetTimer()
	ask(b, system, cli, &tickets, int64(b.N))
	b.StopTimer()
	reportRate(b)
	b.ReportMetric(float64(wakeups(b, cli, srv)-before)/float64(b.N), "wakeups/op")
}

// askGoroutines asks from rrInFlight goroutines calling Socket.Request.
func askGoroutines(b *testing.B, _ *actor.ActorSystem, cli *actors.Socket, tickets *atomic.Int64, n int64) {
	ctx := b.Context()
	frames := [][]byte{[]byte(rrBody)}
	var wg sync.WaitGroup
	for range rrInFlight {
		wg.Go(func() {
			for tickets.Add(1) <= n {
				reply, err := cli.Request(ctx, frames)
				if err == nil {
					err = checkReply(reply.GetFrames())
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// startAsking tells a benchAsker to send its first request.
type startAsking struct{}

// benchAsker is an actor that sends one request at a time to a client
// socket actor with ctx.Request, the next on each reply, while tickets
// last, and then reports to done: nil, or the first error.
type benchAsker struct {
	client  *actor.PID
	frames  [][]byte
	tickets *atomic.Int64
	n       int64
	done    chan<- error
}

func (a *benchAsker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case startAsking:
		a.next(ctx)
	case *messages.Reply:
		if err := checkReply(m.GetFrames()); err != nil {
			a.done <- err
			return
		}
		a.next(ctx)
	case *messages.Error:
		a.done <- errors.New(m.GetMessage())
	}
}

func (a *benchAsker) next(ctx actor.Context) {
	if a.tickets.Add(1) > a.n {
		a.done <- nil
		return
	}
	ctx.Request(a.client, &messages.Request{Frames: a.frames})
}

// askActors asks from rrInFlight benchAsker actors, spawned with the timer
// stopped.
func askActors(b *testing.B, system *actor.ActorSystem, cli *actors.Socket, tickets *atomic.Int64, n int64) {
	b.StopTimer()
	done := make(chan error, rrInFlight)
	pids := make([]*actor.PID, rrInFlight)
	for i := range pids {
		a := &benchAsker{client: cli.PID(), frames: [][]byte{[]byte(rrBody)}, tickets: tickets, n: n, done: done}
		pids[i] = system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return a }))
	}
	defer func() {
		for _, pid := range pids {
			system.Root.Stop(pid)
		}
	}()
	b.StartTimer()
	for _, pid := range pids {
		system.Root.Send(pid, startAsking{})
	}
	for range pids {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}
