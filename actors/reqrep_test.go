package actors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// echo is a handler that answers each request with its own body.
func echo(ctx actor.Context) {
	if r, ok := ctx.Message().(*messages.Request); ok {
		ctx.Respond(&messages.Reply{Frames: r.GetFrames()})
	}
}

// server spawns a ROUTER server bound to a tcp port with handler.
func (f *fixture) server(typ sockets.Type, handler *actor.PID, opts actors.ServeOptions, spawn ...actors.SpawnOption) *actors.Socket {
	f.t.Helper()
	return testutil.Spawn(f.t, f.z, sockets.Spec{Type: typ, Binds: []string{"tcp://127.0.0.1:*"}},
		append(spawn, actors.WithHandler(handler, opts))...)
}

// client spawns a DEALER or REQ client connected to endpoint.
func (f *fixture) client(typ sockets.Type, endpoint string, opts ...actors.SpawnOption) *actors.Socket {
	f.t.Helper()
	return testutil.Spawn(f.t, f.z, sockets.Spec{Type: typ, Connects: []string{endpoint}}, opts...)
}

func (f *fixture) rrStats(s *actors.Socket) *messages.RequestStats {
	f.t.Helper()
	st, err := s.RequestStats(f.ctx)
	if err != nil {
		f.t.Fatalf("request stats: %v", err)
	}
	return st
}

// waitStats polls s's request stats until ok accepts them.
func (f *fixture) waitRRStats(s *actors.Socket, what string, ok func(*messages.RequestStats) bool) *messages.RequestStats {
	f.t.Helper()
	var st *messages.RequestStats
	if !testutil.Poll(func() bool { st = f.rrStats(s); return ok(st) }) {
		f.t.Fatalf("%s: stats never got there: %v", what, st)
	}
	return st
}

func TestRequestReply(t *testing.T) {
	for _, c := range []struct{ client, server sockets.Type }{
		{sockets.Dealer, sockets.Router},
		{sockets.Dealer, sockets.Rep},
		{sockets.Req, sockets.Router},
		{sockets.Req, sockets.Rep},
	} {
		t.Run(c.client.String()+"-"+c.server.String(), func(t *testing.T) {
			f := newFixture(t)
			h := f.system.Root.Spawn(actor.PropsFromFunc(echo))
			srv := f.server(c.server, h, actors.ServeOptions{})
			cli := f.client(c.client, srv.Endpoint())
			for i := range 20 {
				body := [][]byte{[]byte("hello"), []byte(strconv.Itoa(i))}
				reply, err := cli.Request(f.ctx, body)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if len(reply.GetFrames()) != 2 || !bytes.Equal(reply.GetFrames()[1], body[1]) || reply.GetAttempts() != 1 {
					t.Fatalf("request %d: reply %q after %d attempts", i, reply.GetFrames(), reply.GetAttempts())
				}
			}
			if st := f.rrStats(cli); st.GetRequests() != 20 || st.GetReplies() != 20 || st.GetInFlight() != 0 {
				t.Errorf("client stats %v", st)
			}
			if st := f.rrStats(srv); st.GetHandled() != 20 || st.GetAnswered() != 20 || st.GetPending() != 0 {
				t.Errorf("server stats %v", st)
			}
		})
	}
}

// asker is an actor that sends n requests at once through a client and
// checks that each reply is its own.
type asker struct {
	id     string
	client *actor.PID
	n      int
	got    map[string]bool
	done   chan<- error
}

func (a *asker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.got = map[string]bool{}
		for i := range a.n {
			ctx.Request(a.client, &messages.Request{Frames: [][]byte{[]byte(a.id), []byte(strconv.Itoa(i))}})
		}
	case *messages.Reply:
		f := m.GetFrames()
		switch {
		case len(f) != 2 || string(f[0]) != a.id:
			a.done <- fmt.Errorf("asker %s got a reply for someone else: %q", a.id, f)
		case a.got[string(f[1])]:
			a.done <- fmt.Errorf("asker %s got reply %s twice", a.id, f[1])
		default:
			a.got[string(f[1])] = true
			if len(a.got) == a.n {
				a.done <- nil
			}
		}
	case *messages.Error:
		a.done <- fmt.Errorf("asker %s: %s", a.id, m.GetMessage())
	}
}

// TestConcurrentRequests sends 10,000 requests from 100 asking actors
// through one DEALER client to a ROUTER server whose pool of handlers
// answers each after a random pause, so that replies come back in random
// order: every asker must get exactly its own replies.
func TestConcurrentRequests(t *testing.T) {
	f := newFixture(t)
	const askers, each, handlers = 100, 100, 8
	var pauses sync.WaitGroup
	t.Cleanup(pauses.Wait)
	slow := func(ctx actor.Context) {
		r, ok := ctx.Message().(*messages.Request)
		if !ok {
			return
		}
		to, root := ctx.Sender(), ctx.ActorSystem().Root
		pauses.Add(1)
		time.AfterFunc(time.Duration(rand.IntN(2000))*time.Microsecond, func() {
			defer pauses.Done()
			root.Send(to, &messages.Reply{Frames: r.GetFrames()})
		})
	}
	pool := f.system.Root.Spawn(router.NewRoundRobinPool(handlers).Configure(actor.WithFunc(slow)))
	srv := f.server(sockets.Router, pool, actors.ServeOptions{})
	// 10,000 requests at once: above ZeroMQ's default high-water mark of
	// 1,000, and the send queue's as many, the client would refuse them.
	cli := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Dealer, Connects: []string{srv.Endpoint()},
		Options: []sockets.Option{sockets.SendHWM(askers * each)}}, actors.WithRequestTimeout(testutil.Wait))
	done := make(chan error, askers*2)
	for i := range askers {
		f.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
			return &asker{id: "asker-" + strconv.Itoa(i), client: cli.PID(), n: each, done: done}
		}))
	}
	for range askers {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-f.ctx.Done():
			g := *f
			g.ctx = context.Background()
			cs, _ := cli.Stats(g.ctx)
			ss, _ := srv.Stats(g.ctx)
			t.Fatalf("askers not done: %v\nclient %v\n%v\nserver %v\n%v", f.ctx.Err(), g.rrStats(cli), cs, g.rrStats(srv), ss)
		}
	}
	st := f.rrStats(cli)
	if st.GetRequests() != askers*each || st.GetReplies() != askers*each || st.GetLateReplies() != 0 || st.GetInFlight() != 0 {
		t.Errorf("client stats %v", st)
	}
	if st := f.rrStats(srv); st.GetHandled() != askers*each || st.GetAnswered() != askers*each || st.GetHandlerFailures() != 0 {
		t.Errorf("server stats %v", st)
	}
}

// rawRouter is a plain ROUTER socket actor owned by an inbox: a server the
// test answers by hand, or not at all.
func (f *fixture) rawRouter() (*actors.Socket, *actors.Inbox) {
	return f.spawn(sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}})
}

// requestAsync starts cli.Request in a goroutine and returns where its
// outcome arrives.
func requestAsync(ctx context.Context, cli *actors.Socket, body [][]byte, opts ...actors.RequestOption) <-chan reqResult {
	c := make(chan reqResult, 1)
	go func() {
		reply, err := cli.Request(ctx, body, opts...)
		c <- reqResult{reply, err}
	}()
	return c
}

type reqResult struct {
	reply *messages.Reply
	err   error
}

func (f *fixture) result(c <-chan reqResult) reqResult {
	f.t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(testutil.Wait):
		f.t.Fatal("no outcome of the request")
		return reqResult{}
	}
}

func TestRequestTimeouts(t *testing.T) {
	t.Run("never answered", func(t *testing.T) {
		f := newFixture(t)
		srv, in := f.rawRouter()
		cli := f.client(sockets.Dealer, srv.Endpoint())
		_, err := cli.Request(f.ctx, [][]byte{[]byte("ping")}, actors.WithTimeout(50*time.Millisecond))
		if !errors.Is(err, actors.ErrRequestTimeout) {
			t.Fatalf("got %v, want ErrRequestTimeout", err)
		}
		testutil.Expect[*messages.Received](t, in, testutil.Wait) // it did arrive
		if st := f.rrStats(cli); st.GetTimeouts() != 1 || st.GetInFlight() != 0 {
			t.Errorf("stats %v", st)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		f := newFixture(t)
		srv, in := f.rawRouter()
		cli := f.client(sockets.Dealer, srv.Endpoint())
		ctx, cancel := context.WithCancel(f.ctx)
		c := requestAsync(ctx, cli, [][]byte{[]byte("ping")}, actors.WithTimeout(time.Hour))
		testutil.Expect[*messages.Received](t, in, testutil.Wait)
		cancel()
		if r := f.result(c); !errors.Is(r.err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", r.err)
		}
		// The ended call cancels its request in the socket actor: it is
		// no longer in flight.
		f.waitRRStats(cli, "cancelled", func(st *messages.RequestStats) bool {
			return st.GetInFlight() == 0 && st.GetCancelled() == 1
		})
	})
	t.Run("answered late", func(t *testing.T) {
		f := newFixture(t)
		srv, in := f.rawRouter()
		cli := f.client(sockets.Dealer, srv.Endpoint())
		_, err := cli.Request(f.ctx, [][]byte{[]byte("first")}, actors.WithTimeout(50*time.Millisecond))
		if !errors.Is(err, actors.ErrRequestTimeout) {
			t.Fatalf("got %v, want ErrRequestTimeout", err)
		}
		first := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames()
		// The second request waits while the first one's answer comes late.
		second := requestAsync(f.ctx, cli, [][]byte{[]byte("second")})
		late := append(append([][]byte{}, first[:3]...), []byte("late answer"))
		if err := srv.Send(late...); err != nil {
			t.Fatal(err)
		}
		f.waitRRStats(cli, "late reply", func(st *messages.RequestStats) bool { return st.GetLateReplies() == 1 })
		req := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames()
		if err := srv.Send(req[0], req[1], req[2], []byte("second answer")); err != nil {
			t.Fatal(err)
		}
		r := f.result(second)
		if r.err != nil || string(r.reply.GetFrames()[0]) != "second answer" {
			t.Fatalf("second request: %v %q", r.err, r.reply.GetFrames())
		}
	})
	t.Run("retry answered", func(t *testing.T) {
		f := newFixture(t)
		srv, in := f.rawRouter()
		cli := f.client(sockets.Dealer, srv.Endpoint())
		c := requestAsync(f.ctx, cli, [][]byte{[]byte("ping")}, actors.WithTimeout(400*time.Millisecond), actors.WithRetries(2))
		first := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames() // ignored
		again := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames()
		if !bytes.Equal(first[1], again[1]) {
			t.Fatalf("the retry has id %x, the first attempt %x", again[1], first[1])
		}
		if err := srv.Send(again[0], again[1], again[2], []byte("pong")); err != nil {
			t.Fatal(err)
		}
		r := f.result(c)
		if r.err != nil || string(r.reply.GetFrames()[0]) != "pong" || r.reply.GetAttempts() != 2 {
			t.Fatalf("got %v %v", r.err, r.reply)
		}
		if st := f.rrStats(cli); st.GetRetries() != 1 || st.GetReplies() != 1 || st.GetTimeouts() != 0 {
			t.Errorf("stats %v", st)
		}
	})
	t.Run("retries exhausted", func(t *testing.T) {
		f := newFixture(t)
		srv, in := f.rawRouter()
		cli := f.client(sockets.Dealer, srv.Endpoint())
		_, err := cli.Request(f.ctx, [][]byte{[]byte("ping")}, actors.WithTimeout(30*time.Millisecond), actors.WithRetries(2))
		if !errors.Is(err, actors.ErrRequestTimeout) {
			t.Fatalf("got %v, want ErrRequestTimeout", err)
		}
		for i := range 3 {
			if m := testutil.Expect[*messages.Received](t, in, testutil.Wait); string(m.GetFrames()[3]) != "ping" {
				t.Fatalf("attempt %d: %q", i+1, m.GetFrames())
			}
		}
		if st := f.rrStats(cli); st.GetRetries() != 2 || st.GetTimeouts() != 1 {
			t.Errorf("stats %v", st)
		}
	})
	t.Run("REQ usable after timeout", func(t *testing.T) {
		f := newFixture(t)
		srv, in := f.rawRouter()
		cli := f.client(sockets.Req, srv.Endpoint())
		_, err := cli.Request(f.ctx, [][]byte{[]byte("lost")}, actors.WithTimeout(50*time.Millisecond))
		if !errors.Is(err, actors.ErrRequestTimeout) {
			t.Fatalf("got %v, want ErrRequestTimeout", err)
		}
		testutil.Expect[*messages.Received](t, in, testutil.Wait)
		c := requestAsync(f.ctx, cli, [][]byte{[]byte("again")})
		req := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames()
		if len(req) != 3 || string(req[2]) != "again" {
			t.Fatalf("second request arrived as %q", req)
		}
		if err := srv.Send(req[0], req[1], []byte("answer")); err != nil {
			t.Fatal(err)
		}
		if r := f.result(c); r.err != nil || string(r.reply.GetFrames()[0]) != "answer" {
			t.Fatalf("after the reset: %v %v", r.err, r.reply)
		}
		if st := f.rrStats(cli); st.GetResets() != 1 || st.GetTimeouts() != 1 || st.GetReplies() != 1 {
			t.Errorf("stats %v", st)
		}
	})
	t.Run("REQ lazy pirate", func(t *testing.T) {
		f := newFixture(t)
		srv, in := f.rawRouter()
		cli := f.client(sockets.Req, srv.Endpoint())
		c := requestAsync(f.ctx, cli, [][]byte{[]byte("ping")}, actors.WithTimeout(400*time.Millisecond), actors.WithRetries(3))
		testutil.Expect[*messages.Received](t, in, testutil.Wait) // not answered
		again := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames()
		if err := srv.Send(again[0], again[1], []byte("pong")); err != nil {
			t.Fatal(err)
		}
		r := f.result(c)
		if r.err != nil || string(r.reply.GetFrames()[0]) != "pong" || r.reply.GetAttempts() != 2 {
			t.Fatalf("got %v %v", r.err, r.reply)
		}
	})
}
