package actors_test

import (
	"bytes"
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

// fastBeat is a heartbeat for tests: every 50 ms, dead after 3 silent
// intervals, reconnecting after 100 ms, doubling up to 200 ms.
var fastBeat = actors.Heartbeat{Interval: 50 * time.Millisecond, Liveness: 3,
	ReconnectMin: 100 * time.Millisecond, ReconnectMax: 200 * time.Millisecond}

// fromPeer is a message a ROUTER socket actor received, and when.
type fromPeer struct {
	frames [][]byte
	at     time.Time
}

// receiveCommand returns the next message of in whose second frame is
// command, a ROUTER's message from a Paranoid Pirate worker, skipping the
// others, within testutil.Wait.
func receiveCommand(t *testing.T, in *actors.Inbox, command string) fromPeer {
	t.Helper()
	deadline := time.After(testutil.Wait)
	for {
		select {
		case m := <-in.C():
			if r, ok := m.(*messages.Received); ok && len(r.GetFrames()) >= 2 && string(r.GetFrames()[1]) == command {
				return fromPeer{frames: r.GetFrames(), at: time.Now()}
			}
		case <-deadline:
			t.Fatalf("no %q within %v", command, testutil.Wait)
		}
	}
}

// awaitError returns the next Error of in that matches sentinel, skipping
// other messages, and when it came.
func awaitError(t *testing.T, in *actors.Inbox, sentinel error) (time.Time, error) {
	t.Helper()
	deadline := time.After(testutil.Wait)
	for {
		select {
		case m := <-in.C():
			if e, ok := m.(*messages.Error); ok {
				if err := sockets.ErrorFromProto(e); errors.Is(err, sentinel) {
					return time.Now(), err
				}
			}
		case <-deadline:
			t.Fatalf("no error %v within %v", sentinel, testutil.Wait)
		}
	}
}

// TestPirateWorkerHeartbeat checks the heartbeat helper through a Paranoid
// Pirate worker whose queue (a plain ROUTER) never speaks: the worker
// sends READY and heartbeats every interval; after Liveness silent
// intervals it reports the failure, takes a new socket (a new identity)
// and greets the queue again after the backoff, which doubles up to its
// cap. Once the queue heartbeats back, the worker stays, and serves a
// multi-frame request.
func TestPirateWorkerHeartbeat(t *testing.T) {
	f := newFixture(t)
	queue, in := f.rawRouter()
	handler := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	owner := f.inbox()
	begin := time.Now()
	w := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Dealer, Connects: []string{queue.Endpoint()}},
		actors.WithPirateWorker(handler, actors.PirateWorkerOptions{Heartbeat: fastBeat}), actors.WithOwner(owner.PID()))

	ready := receiveCommand(t, in, actors.PirateReady)
	beat := receiveCommand(t, in, actors.PirateHeartbeat)
	if !bytes.Equal(beat.frames[0], ready.frames[0]) {
		t.Fatalf("a heartbeat from %q, READY came from %q", beat.frames[0], ready.frames[0])
	}
	ids := map[string]bool{string(ready.frames[0]): true}
	// Three losses in a row: the backoff is 100 ms, then 200 ms, then
	// still 200 ms (the cap).
	last := begin
	for i, pause := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond} {
		lostAt, err := awaitError(t, owner, sockets.ErrHostUnreachable)
		// (less a margin: last is when READY arrived here, after it left)
		if silent := lostAt.Sub(last); silent < fastBeat.Interval*time.Duration(fastBeat.Liveness)-10*time.Millisecond {
			t.Fatalf("loss %d after %v of silence, before 3 intervals: %v", i+1, silent, err)
		}
		again := receiveCommand(t, in, actors.PirateReady)
		if ids[string(again.frames[0])] {
			t.Fatalf("loss %d: READY from identity %q again, not from a new socket", i+1, again.frames[0])
		}
		ids[string(again.frames[0])] = true
		if waited := again.at.Sub(lostAt); waited < pause-10*time.Millisecond {
			t.Fatalf("loss %d: READY %v after the failure, before the backoff of %v", i+1, waited, pause)
		}
		last = again.at
		t.Logf("loss %d: %v", i+1, err)
	}

	// The queue now heartbeats back, with the identity of the last READY.
	var id []byte
	for id == nil {
		m := testutil.Expect[*messages.Received](t, in, testutil.Wait)
		if string(m.GetFrames()[1]) == actors.PirateReady || string(m.GetFrames()[1]) == actors.PirateHeartbeat {
			if ids[string(m.GetFrames()[0])] {
				id = m.GetFrames()[0]
			}
		}
	}
	st, err := w.ReliableStats(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	reconnects := st.GetReconnects()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(fastBeat.Interval / 2)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = queue.Send(id, []byte(actors.PirateHeartbeat))
			}
		}
	}()
	defer func() { close(stop); <-done }()
	_ = queue.Send(id, []byte("client"), []byte{}, []byte("a"), []byte("b"))
	deadline := time.After(testutil.Wait)
	for {
		var m any
		select {
		case m = <-in.C():
		case <-deadline:
			t.Fatal("no reply to the request")
		}
		r, ok := m.(*messages.Received)
		if !ok || len(r.GetFrames()) < 3 {
			continue
		}
		if got := fmt.Sprintf("%q", r.GetFrames()[1:]); got != `["client" "" "a" "b"]` {
			t.Fatalf("reply %s, want the envelope and both frames", got)
		}
		break
	}
	// Ten intervals with the queue alive: no reconnection.
	quiet := time.After(10 * fastBeat.Interval)
	<-quiet
	if st, err = w.ReliableStats(f.ctx); err != nil {
		t.Fatal(err)
	}
	if st.GetReconnects() != reconnects || st.GetReplies() != 1 || st.GetHeartbeatsReceived() == 0 {
		t.Fatalf("with the queue alive: %v (reconnects were %d)", st, reconnects)
	}
}

// pirateQueue spawns a Paranoid Pirate queue on free tcp ports, with an
// inbox as owner.
func (f *fixture) pirateQueue(opts actors.PirateQueueOptions) (*actors.PirateQueue, *actors.Inbox) {
	f.t.Helper()
	owner := f.inbox()
	q, err := f.z.SpawnPirateQueue(f.ctx, actors.PirateQueueSpec{
		Frontend: sockets.Spec{Binds: []string{"tcp://127.0.0.1:*"}},
		Backend:  sockets.Spec{Binds: []string{"tcp://127.0.0.1:*"}},
		Options:  opts, Owner: owner.PID()})
	if err != nil {
		f.t.Fatal(err)
	}
	return q, owner
}

// pirateWorker spawns a Paranoid Pirate worker connected to endpoint,
// answering with handler.
func (f *fixture) pirateWorker(endpoint string, handler *actor.PID, opts ...actors.SpawnOption) *actors.Socket {
	f.t.Helper()
	return testutil.Spawn(f.t, f.z, sockets.Spec{Type: sockets.Dealer, Connects: []string{endpoint}},
		append(opts, actors.WithPirateWorker(handler, actors.PirateWorkerOptions{Heartbeat: fastBeat}))...)
}

// waitReliable polls s's reliable stats until ok accepts them.
func (f *fixture) waitReliable(s *actors.Socket, what string, ok func(*messages.ReliableStats) bool) *messages.ReliableStats {
	f.t.Helper()
	var st *messages.ReliableStats
	if !testutil.Poll(func() bool {
		var err error
		if st, err = s.ReliableStats(f.ctx); err != nil {
			f.t.Fatal(err)
		}
		return ok(st)
	}) {
		f.t.Fatalf("%s: stats never got there: %v", what, st)
	}
	return st
}

// TestPirateQueue runs requests from two clients, a REQ and a DEALER,
// through a queue to three workers: every multi-frame request is
// answered, each by one of the workers, and the queue counts them.
func TestPirateQueue(t *testing.T) {
	f := newFixture(t)
	q, owner := f.pirateQueue(actors.PirateQueueOptions{Heartbeat: fastBeat})
	handler := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	var workers []*actors.Socket
	for range 3 {
		workers = append(workers, f.pirateWorker(q.Backend().Endpoint(), handler))
	}
	f.waitReliable(q.Backend(), "three workers ready", func(st *messages.ReliableStats) bool { return st.GetIdleWorkers() == 3 })
	const n = 30
	for _, typ := range []sockets.Type{sockets.Req, sockets.Dealer} {
		cli := f.client(typ, q.Frontend().Endpoint())
		results := make([]<-chan reqResult, n)
		for i := range n {
			results[i] = requestAsync(f.ctx, cli, [][]byte{[]byte(fmt.Sprint(i)), []byte("second")}, actors.WithTimeout(testutil.Wait))
		}
		for i := range n {
			r := f.result(results[i])
			if r.err != nil {
				t.Fatalf("%v request %d: %v", typ, i, r.err)
			}
			if got := fmt.Sprintf("%s", r.reply.GetFrames()); got != fmt.Sprintf("[%d second]", i) {
				t.Fatalf("%v request %d answered %s", typ, i, got)
			}
		}
	}
	st := f.waitReliable(q.Backend(), "replies counted", func(st *messages.ReliableStats) bool { return st.GetReplies() == 2*n })
	if st.GetRequests() != 2*n || st.GetWorkers() != 3 || st.GetMalformed() != 0 || st.GetRole() != "pirate queue" {
		t.Fatalf("queue stats %v", st)
	}
	var served uint64
	for _, w := range workers {
		ws, err := w.ReliableStats(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		served += ws.GetReplies()
	}
	if served != 2*n {
		t.Fatalf("the workers answered %d requests, want %d", served, 2*n)
	}
	// The queue's owner heard of both sockets' start, and of no error.
	started := 0
	for len(owner.C()) > 0 {
		switch m := (<-owner.C()).(type) {
		case *messages.Error:
			t.Fatalf("the queue reported %v", sockets.ErrorFromProto(m))
		case *messages.Started:
			started++
		}
	}
	if started != 2 {
		t.Fatalf("the owner got %d Started, want 2 (frontend and backend)", started)
	}
}

// TestPirateQueueWorkers checks the queue's side of the workers: one
// whose first message is a heartbeat is taken (lenient, as the zguide's
// queue), gets requests, and is heartbeated; one that goes silent is
// forgotten after Liveness intervals, with the request it held dropped.
func TestPirateQueueWorkers(t *testing.T) {
	f := newFixture(t)
	q, _ := f.pirateQueue(actors.PirateQueueOptions{Heartbeat: fastBeat})
	worker, in := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{q.Backend().Endpoint()}})
	if err := worker.Send([]byte(actors.PirateHeartbeat)); err != nil {
		t.Fatal(err)
	}
	f.waitReliable(q.Backend(), "the worker taken", func(st *messages.ReliableStats) bool { return st.GetIdleWorkers() == 1 })
	cli := f.client(sockets.Dealer, q.Frontend().Endpoint())
	res := requestAsync(f.ctx, cli, [][]byte{[]byte("hello")}, actors.WithTimeout(testutil.Wait))
	var req [][]byte
	for req == nil {
		m := testutil.Expect[*messages.Received](t, in, testutil.Wait)
		if len(m.GetFrames()) > 1 {
			req = m.GetFrames()
		}
	}
	if string(req[len(req)-1]) != "hello" || len(req[len(req)-2]) != 0 {
		t.Fatalf("the worker got %q", req)
	}
	if err := worker.Send(append(req[:len(req)-1:len(req)-1], []byte("world"))...); err != nil {
		t.Fatal(err)
	}
	if r := f.result(res); r.err != nil || string(r.reply.GetFrames()[0]) != "world" {
		t.Fatalf("reply %v, %v", r.reply, r.err)
	}
	// The queue heartbeats its worker.
	for {
		m := testutil.Expect[*messages.Received](t, in, testutil.Wait)
		if len(m.GetFrames()) == 1 && string(m.GetFrames()[0]) == actors.PirateHeartbeat {
			break
		}
	}
	// The worker takes a request and goes silent: forgotten, the request
	// dropped; the client's request times out.
	res = requestAsync(f.ctx, cli, [][]byte{[]byte("lost")}, actors.WithTimeout(time.Second))
	st := f.waitReliable(q.Backend(), "the silent worker forgotten", func(st *messages.ReliableStats) bool { return st.GetExpired() == 1 })
	if st.GetWorkers() != 0 || st.GetDropped() != 1 || st.GetHeartbeatsReceived() != 1 {
		t.Fatalf("queue stats %v", st)
	}
	if r := f.result(res); !errors.Is(r.err, actors.ErrRequestTimeout) {
		t.Fatalf("the lost request: %v, %v", r.reply, r.err)
	}
}

// TestPirateBadInput sends a queue and a worker what the protocol does
// not have: each message is dropped, counted and reported as an Error
// wrapping ErrBadMessage, and both go on serving.
func TestPirateBadInput(t *testing.T) {
	f := newFixture(t)
	q, owner := f.pirateQueue(actors.PirateQueueOptions{Heartbeat: fastBeat})
	bad, _ := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{q.Backend().Endpoint()}})
	badWorker := [][][]byte{{[]byte("\x07")}, {{}}, {[]byte("client"), []byte("no delimiter"), []byte("x")}, {[]byte("c"), []byte("x"), {}}}
	for _, m := range badWorker {
		_ = bad.Send(m...)
	}
	badClient, _ := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{q.Frontend().Endpoint()}})
	_ = badClient.Send([]byte("no delimiter"))
	_ = badClient.Send([]byte{})
	for range len(badWorker) + 2 {
		awaitError(t, owner, sockets.ErrBadMessage)
	}
	f.waitReliable(q.Backend(), "malformed counted", func(st *messages.ReliableStats) bool { return st.GetMalformed() == uint64(len(badWorker)+2) })

	// A worker's bad input: a queue that sends it nonsense.
	fakeQueue, fin := f.rawRouter()
	handler := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	wOwner := f.inbox()
	f.pirateWorker(fakeQueue.Endpoint(), handler, actors.WithOwner(wOwner.PID()))
	fq := receiveCommand(t, fin, actors.PirateReady).frames[0] // the worker's identity
	for _, m := range [][][]byte{{[]byte("\x09")}, {[]byte("client"), []byte("x")}, {{}, {}, []byte("x")}} {
		_ = fakeQueue.Send(append([][]byte{fq}, m...)...)
	}
	for range 3 {
		awaitError(t, wOwner, sockets.ErrBadMessage)
	}
	// Both still serve.
	f.pirateWorker(q.Backend().Endpoint(), handler)
	cli := f.client(sockets.Req, q.Frontend().Endpoint())
	if r, err := cli.Request(f.ctx, [][]byte{[]byte("still")}, actors.WithTimeout(testutil.Wait)); err != nil || string(r.GetFrames()[0]) != "still" {
		t.Fatalf("after bad input: %v, %v", r, err)
	}
}
