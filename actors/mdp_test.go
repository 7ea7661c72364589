package actors_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// fastMDP is a Majordomo heartbeat for tests: every 50 ms, liveness 3,
// reconnecting after 100 ms.
var fastMDP = fastBeat

// broker spawns a Majordomo broker on a free tcp port, owned by a new
// inbox.
func (f *fixture) broker(opts actors.MajordomoBrokerOptions) (*actors.Socket, *actors.Inbox) {
	f.t.Helper()
	if opts.Heartbeat == (actors.Heartbeat{}) {
		opts.Heartbeat = fastMDP
	}
	return f.spawn(sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithMajordomoBroker(opts))
}

// mdWorker spawns a Majordomo worker of service with handler.
func (f *fixture) mdWorker(broker, service string, handler *actor.PID, opts ...actors.SpawnOption) *actors.Socket {
	f.t.Helper()
	return testutil.Spawn(f.t, f.z, sockets.Spec{Type: sockets.Dealer, Connects: []string{broker}},
		append(opts, actors.WithMajordomoWorker(service, handler, actors.MajordomoWorkerOptions{Heartbeat: fastMDP}))...)
}

// mdClient spawns a Majordomo client of broker.
func (f *fixture) mdClient(broker string, opts actors.MajordomoClientOptions, spawn ...actors.SpawnOption) *actors.Socket {
	f.t.Helper()
	return testutil.Spawn(f.t, f.z, sockets.Spec{Type: sockets.Dealer, Connects: []string{broker}},
		append(spawn, actors.WithMajordomoClient(opts))...)
}

func (f *fixture) ask(cli *actors.Socket, service string, body ...string) (*messages.ServiceReply, error) {
	frames := make([][]byte, len(body))
	for i, b := range body {
		frames[i] = []byte(b)
	}
	return cli.AskService(f.ctx, service, frames, actors.WithTimeout(testutil.Wait))
}

// TestMajordomo runs requests through a broker to two echo workers, each
// body of two frames, and asks the broker's MMI: 200 for echo, 404 for a
// service no worker offers, 501 for another mmi. service.
func TestMajordomo(t *testing.T) {
	f := newFixture(t)
	b, _ := f.broker(actors.MajordomoBrokerOptions{})
	handler := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	workers := []*actors.Socket{f.mdWorker(b.Endpoint(), "echo", handler), f.mdWorker(b.Endpoint(), "echo", handler)}
	f.waitReliable(b, "two workers", func(st *messages.ReliableStats) bool { return st.GetIdleWorkers() == 2 })
	cli := f.mdClient(b.Endpoint(), actors.MajordomoClientOptions{})
	const n = 20
	for i := range n {
		r, err := f.ask(cli, "echo", fmt.Sprint(i), "tail")
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%s %s", r.GetService(), r.GetFrames()); got != fmt.Sprintf("echo [%d tail]", i) || r.GetAttempts() != 1 {
			t.Fatalf("reply %s (attempts %d)", got, r.GetAttempts())
		}
	}
	for service, want := range map[string]string{"echo": "200", "nobody": "404"} {
		r, err := f.ask(cli, "mmi.service", service)
		if err != nil || r.GetService() != "mmi.service" || string(r.GetFrames()[0]) != want {
			t.Fatalf("mmi.service %s: %v %v, want %s", service, r, err, want)
		}
	}
	if r, err := f.ask(cli, "mmi.other", "x"); err != nil || string(r.GetFrames()[0]) != "501" {
		t.Fatalf("mmi.other: %v %v", r, err)
	}
	st := f.waitReliable(b, "replies", func(st *messages.ReliableStats) bool { return st.GetReplies() == n+3 })
	if st.GetRequests() != n+3 || st.GetMalformed() != 0 || st.GetServices() != 1 || st.GetWorkers() != 2 {
		t.Fatalf("broker stats %v", st)
	}
	var served uint64
	for _, w := range workers {
		ws, err := w.ReliableStats(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		served += ws.GetReplies()
	}
	if served != n {
		t.Fatalf("the workers answered %d, want %d", served, n)
	}
}

// TestMajordomoRetry: a worker's handler that never answers holds the
// first request; the client times out, asks again on a new socket, and
// the other worker answers at the second attempt. The first worker, whose
// handler missed its deadline, starts again on a new socket.
func TestMajordomoRetry(t *testing.T) {
	f := newFixture(t)
	b, _ := f.broker(actors.MajordomoBrokerOptions{})
	silent := f.system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	owner := f.inbox()
	stuck := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Dealer, Connects: []string{b.Endpoint()}},
		actors.WithMajordomoWorker("echo", silent, actors.MajordomoWorkerOptions{Heartbeat: fastMDP, Timeout: 300 * time.Millisecond}),
		actors.WithOwner(owner.PID()))
	f.waitReliable(b, "the stuck worker", func(st *messages.ReliableStats) bool { return st.GetIdleWorkers() == 1 })
	handler := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	f.mdWorker(b.Endpoint(), "echo", handler)
	f.waitReliable(b, "both workers", func(st *messages.ReliableStats) bool { return st.GetIdleWorkers() == 2 })
	// The client waits longer than the stuck worker's deadline, and the
	// echoing worker, idle longest, takes the retry: under load, a second
	// attempt that had to answer within 200 ms became a third (seen once).
	cli := f.mdClient(b.Endpoint(), actors.MajordomoClientOptions{Timeout: time.Second, Retries: 3})
	r, err := cli.AskService(f.ctx, "echo", [][]byte{[]byte("hi")})
	if err != nil || string(r.GetFrames()[0]) != "hi" || r.GetAttempts() != 2 {
		t.Fatalf("reply %v, %v; want hi at attempt 2", r, err)
	}
	awaitError(t, owner, sockets.ErrHandlerFailed)
	st := f.waitReliable(stuck, "the stuck worker starts again", func(st *messages.ReliableStats) bool { return st.GetReconnects() == 1 })
	if st.GetFailures() != 1 {
		t.Fatalf("stuck worker stats %v", st)
	}
	cs, err := cli.ReliableStats(f.ctx)
	if err != nil || cs.GetRetries() != 1 || cs.GetReplies() != 1 {
		t.Fatalf("client stats %v, %v", cs, err)
	}
}

// TestMajordomoExpiry: a request for a service no worker offers waits and
// is dropped after RequestExpiry, unanswered (the client times out); a
// worker that goes silent expires, and mmi.service then says 404.
func TestMajordomoExpiry(t *testing.T) {
	f := newFixture(t)
	b, _ := f.broker(actors.MajordomoBrokerOptions{RequestExpiry: 300 * time.Millisecond})
	cli := f.mdClient(b.Endpoint(), actors.MajordomoClientOptions{Timeout: 200 * time.Millisecond})
	if _, err := cli.AskService(f.ctx, "nobody", [][]byte{[]byte("x")}); !errors.Is(err, actors.ErrRequestTimeout) {
		t.Fatalf("a request to nobody: %v", err)
	}
	st := f.waitReliable(b, "the request dropped", func(st *messages.ReliableStats) bool { return st.GetDropped() == 1 })
	if st.GetWaiting() != 0 || st.GetServices() != 0 || st.GetReplies() != 0 {
		t.Fatalf("broker stats %v", st)
	}
	// A worker written by hand: READY, then silence.
	w, in := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{b.Endpoint()}})
	_ = w.Send([]byte{}, []byte(actors.MajordomoWorker), []byte{1}, []byte("quiet"))
	f.waitReliable(b, "the quiet worker", func(st *messages.ReliableStats) bool { return st.GetWorkers() == 1 })
	if r, err := f.ask(cli, "mmi.service", "quiet"); err != nil || string(r.GetFrames()[0]) != "200" {
		t.Fatalf("mmi.service quiet: %v %v", r, err)
	}
	// The broker heartbeats it...
	for {
		m := testutil.Expect[*messages.Received](t, in, testutil.Wait)
		if len(m.GetFrames()) == 3 && string(m.GetFrames()[2]) == "\x04" {
			break
		}
	}
	// ...and forgets it after 3 silent intervals.
	f.waitReliable(b, "the quiet worker expired", func(st *messages.ReliableStats) bool { return st.GetExpired() == 1 && st.GetWorkers() == 0 })
	if r, err := f.ask(cli, "mmi.service", "quiet"); err != nil || string(r.GetFrames()[0]) != "404" {
		t.Fatalf("mmi.service quiet after expiry: %v %v", r, err)
	}
}

// TestMajordomoDisconnects: a worker that registers an mmi. service, says
// READY twice, or sends a heartbeat before READY gets DISCONNECT; a
// Majordomo worker that gets DISCONNECT registers again on a new socket.
func TestMajordomoDisconnects(t *testing.T) {
	f := newFixture(t)
	b, owner := f.broker(actors.MajordomoBrokerOptions{})
	disconnected := func(in *actors.Inbox) {
		t.Helper()
		for {
			m := testutil.Expect[*messages.Received](t, in, testutil.Wait)
			if len(m.GetFrames()) == 3 && string(m.GetFrames()[2]) == "\x05" {
				return
			}
		}
	}
	ready := func(service string) [][]byte {
		return [][]byte{{}, []byte(actors.MajordomoWorker), {1}, []byte(service)}
	}
	w1, in1 := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{b.Endpoint()}})
	_ = w1.Send(ready("mmi.service")...)
	disconnected(in1)
	w2, in2 := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{b.Endpoint()}})
	_ = w2.Send(ready("echo")...)
	_ = w2.Send(ready("echo")...)
	disconnected(in2)
	w3, in3 := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{b.Endpoint()}})
	_ = w3.Send([]byte{}, []byte(actors.MajordomoWorker), []byte{4})
	disconnected(in3)
	for range 3 {
		awaitError(t, owner, sockets.ErrBadMessage)
	}
	st := f.waitReliable(b, "three disconnects", func(st *messages.ReliableStats) bool { return st.GetDisconnects() == 3 })
	if st.GetWorkers() != 0 {
		t.Fatalf("broker stats %v", st)
	}

	// A worker told DISCONNECT by a broker written by hand.
	fake, fin := f.rawRouter()
	handler := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	wOwner := f.inbox()
	w := f.mdWorker(fake.Endpoint(), "echo", handler, actors.WithOwner(wOwner.PID()))
	readyFrom := func() []byte {
		for {
			m := testutil.Expect[*messages.Received](t, fin, testutil.Wait)
			if fr := m.GetFrames(); len(fr) == 5 && string(fr[3]) == "\x01" && string(fr[4]) == "echo" {
				return fr[0]
			}
		}
	}
	first := readyFrom()
	_ = fake.Send(first, []byte{}, []byte(actors.MajordomoWorker), []byte{5})
	awaitError(t, wOwner, sockets.ErrHostUnreachable)
	if again := readyFrom(); string(again) == string(first) {
		t.Fatal("the worker registered again from the same socket")
	}
	if ws, err := w.ReliableStats(f.ctx); err != nil || ws.GetDisconnects() != 1 || ws.GetReconnects() != 1 {
		t.Fatalf("worker stats %v, %v", ws, err)
	}
}

// TestMajordomoBadInput sends a broker, a worker and a client what MDP
// does not have: each message is dropped, counted and reported as an
// Error wrapping ErrBadMessage, and all three go on.
func TestMajordomoBadInput(t *testing.T) {
	f := newFixture(t)
	b, owner := f.broker(actors.MajordomoBrokerOptions{})
	bad, _ := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{b.Endpoint()}})
	toBroker := [][][]byte{
		{[]byte("x")},                                                // no delimiter
		{{}, []byte("MDPX01"), []byte("s")},                          // unknown header
		{{}, []byte(actors.MajordomoClient), []byte("echo")},         // no body
		{{}, []byte(actors.MajordomoWorker), []byte{9}},              // unknown command
		{{}, []byte(actors.MajordomoWorker), []byte{3}, []byte("c")}, // short REPLY
	}
	for _, m := range toBroker {
		_ = bad.Send(m...)
	}
	for range toBroker {
		awaitError(t, owner, sockets.ErrBadMessage)
	}
	f.waitReliable(b, "malformed", func(st *messages.ReliableStats) bool { return st.GetMalformed() >= uint64(len(toBroker)) })

	// A worker and a client behind a broker written by hand.
	fake, fin := f.rawRouter()
	handler := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	wOwner, cOwner := f.inbox(), f.inbox()
	f.mdWorker(fake.Endpoint(), "echo", handler, actors.WithOwner(wOwner.PID()))
	wid := testutil.Expect[*messages.Received](t, fin, testutil.Wait).GetFrames()[0]
	for _, m := range [][][]byte{{[]byte("x")}, {{}, []byte("MDPW01"), []byte{9}}, {{}, []byte("MDPW01"), []byte{2}, []byte("c")}} {
		_ = fake.Send(append([][]byte{wid}, m...)...)
	}
	for range 3 {
		awaitError(t, wOwner, sockets.ErrBadMessage)
	}
	cli := f.mdClient(fake.Endpoint(), actors.MajordomoClientOptions{Timeout: testutil.Wait}, actors.WithOwner(cOwner.PID()))
	res := make(chan error, 1)
	go func() {
		r, err := cli.AskService(f.ctx, "echo", [][]byte{[]byte("hi")})
		if err == nil && string(r.GetFrames()[0]) != "ok" {
			err = fmt.Errorf("reply %q", r.GetFrames())
		}
		res <- err
	}()
	var cid []byte
	for cid == nil {
		m := testutil.Expect[*messages.Received](t, fin, testutil.Wait)
		if fr := m.GetFrames(); len(fr) >= 3 && string(fr[2]) == actors.MajordomoClient {
			cid = fr[0]
		}
	}
	_ = fake.Send(cid, []byte{}, []byte(actors.MajordomoClient), []byte("other"), []byte("wrong service"))
	_ = fake.Send(cid, []byte("no delimiter"))
	for range 2 {
		awaitError(t, cOwner, sockets.ErrBadMessage)
	}
	_ = fake.Send(cid, []byte{}, []byte(actors.MajordomoClient), []byte("echo"), []byte("ok"))
	select {
	case err := <-res:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testutil.Wait):
		t.Fatal("no reply")
	}
	// The real broker still serves.
	f.mdWorker(b.Endpoint(), "echo", handler)
	if r, err := f.ask(f.mdClient(b.Endpoint(), actors.MajordomoClientOptions{}), "echo", "still"); err != nil || string(r.GetFrames()[0]) != "still" {
		t.Fatalf("after bad input: %v %v", r, err)
	}
}

// TestMajordomoOptions: the options refuse what cannot work.
func TestMajordomoOptions(t *testing.T) {
	f := newFixture(t)
	h := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	for name, c := range map[string]struct {
		spec sockets.Spec
		opt  actors.SpawnOption
		want error
	}{
		"mmi worker":       {sockets.Spec{Type: sockets.Dealer}, actors.WithMajordomoWorker("mmi.service", h, actors.MajordomoWorkerOptions{}), actors.ErrBadOption},
		"worker on REQ":    {sockets.Spec{Type: sockets.Req}, actors.WithMajordomoWorker("echo", h, actors.MajordomoWorkerOptions{}), actors.ErrUnsupported},
		"broker on DEALER": {sockets.Spec{Type: sockets.Dealer}, actors.WithMajordomoBroker(actors.MajordomoBrokerOptions{}), actors.ErrUnsupported},
		"bad heartbeat":    {sockets.Spec{Type: sockets.Router}, actors.WithMajordomoBroker(actors.MajordomoBrokerOptions{Heartbeat: actors.Heartbeat{Interval: -1}}), actors.ErrBadOption},
		"negative client":  {sockets.Spec{Type: sockets.Dealer}, actors.WithMajordomoClient(actors.MajordomoClientOptions{Timeout: -1}), actors.ErrBadOption},
		"pirate on PUB":    {sockets.Spec{Type: sockets.Pub}, actors.WithPirateWorker(h, actors.PirateWorkerOptions{}), actors.ErrUnsupported},
	} {
		if _, err := f.z.Spawn(f.ctx, c.spec, c.opt); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Dealer}, actors.WithMajordomoClient(actors.MajordomoClientOptions{}),
		actors.WithPirateWorker(h, actors.PirateWorkerOptions{})); !errors.Is(err, actors.ErrBadOption) {
		t.Errorf("two patterns: %v", err)
	}
}
