package actors_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// holder is a handler that answers nothing until told: it hands each
// request's Respond address and body to the test.
type held struct {
	to   *actor.PID
	body string
}

func (f *fixture) holder() (*actor.PID, <-chan held) {
	c := make(chan held, 16)
	pid := f.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*messages.Request); ok {
			c <- held{to: ctx.Sender(), body: string(r.GetFrames()[0])}
		}
	}))
	return pid, c
}

// tagged starts a client of type typ to a holder server, and sends it a
// request per tag from an inbox, each with the tag as its body.
func (f *fixture) tagged(typ sockets.Type, tags ...string) (*actors.Socket, *actors.Inbox, <-chan held) {
	f.t.Helper()
	h, requests := f.holder()
	srv := f.server(sockets.Router, h, actors.ServeOptions{Timeout: time.Minute})
	cli := f.client(typ, srv.Endpoint())
	asker := f.inbox()
	for _, tag := range tags {
		f.system.Root.RequestWithCustomSender(cli.PID(), &messages.Request{Frames: [][]byte{[]byte(tag)}, Tag: tag}, asker.PID())
	}
	return cli, asker, requests
}

func (f *fixture) next(c <-chan held) held {
	f.t.Helper()
	select {
	case h := <-c:
		return h
	case <-time.After(testutil.Wait):
		f.t.Fatal("the handler got no request")
		return held{}
	}
}

// TestRequestCancelledWithContext: a Request whose ctx ends is freed in
// the socket actor at once, not at its timeout, and its reply, when it
// comes, is counted as late.
func TestRequestCancelledWithContext(t *testing.T) {
	f := newFixture(t)
	h, requests := f.holder()
	srv := f.server(sockets.Router, h, actors.ServeOptions{Timeout: time.Minute})
	cli := f.client(sockets.Dealer, srv.Endpoint())
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() {
		_, err := cli.Request(ctx, [][]byte{[]byte("never mind")}, actors.WithTimeout(time.Minute))
		done <- err
	}()
	req := f.next(requests)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Request: %v, want context.Canceled", err)
	}
	f.waitRRStats(cli, "cancelled", func(st *messages.RequestStats) bool {
		return st.GetCancelled() == 1 && st.GetInFlight() == 0
	})
	f.system.Root.Send(req.to, &messages.Reply{Frames: [][]byte{[]byte("too late")}})
	f.waitRRStats(cli, "the late reply", func(st *messages.RequestStats) bool { return st.GetLateReplies() == 1 })
}

// TestCancelRequestsByTag: an actor cancels one of its requests by tag;
// the other is answered, with its tag.
func TestCancelRequestsByTag(t *testing.T) {
	f := newFixture(t)
	cli, asker, requests := f.tagged(sockets.Dealer, "keep", "drop")
	got := map[string]held{}
	for range 2 {
		r := f.next(requests)
		got[r.body] = r
	}
	if n, err := cli.CancelRequests(f.ctx, asker.PID(), "drop"); err != nil || n != 1 {
		t.Fatalf("CancelRequests: %d, %v; want 1", n, err)
	}
	for _, body := range []string{"drop", "keep"} {
		f.system.Root.Send(got[body].to, &messages.Reply{Frames: [][]byte{[]byte("re: " + body)}})
	}
	reply := testutil.Expect[*messages.Reply](t, asker, testutil.Wait)
	if string(reply.GetFrames()[0]) != "re: keep" || reply.GetTag() != "keep" {
		t.Fatalf("the asker got %v, want the kept request's reply with its tag", reply)
	}
	f.waitRRStats(cli, "the cancelled one's late reply", func(st *messages.RequestStats) bool {
		return st.GetLateReplies() == 1 && st.GetCancelled() == 1 && st.GetReplies() == 1
	})
}

// TestCancelOnReq: a REQ whose request on the wire is cancelled is reset,
// and the request waiting behind it goes out.
func TestCancelOnReq(t *testing.T) {
	f := newFixture(t)
	cli, asker, requests := f.tagged(sockets.Req, "first", "second")
	if first := f.next(requests); first.body != "first" {
		t.Fatalf("the REQ sent %q first", first.body)
	}
	if n, err := cli.CancelRequests(f.ctx, asker.PID(), "first"); err != nil || n != 1 {
		t.Fatalf("CancelRequests: %d, %v", n, err)
	}
	second := f.next(requests)
	if second.body != "second" {
		t.Fatalf("after the cancel the REQ sent %q", second.body)
	}
	f.system.Root.Send(second.to, &messages.Reply{Frames: [][]byte{[]byte("re: second")}})
	if reply := testutil.Expect[*messages.Reply](t, asker, testutil.Wait); reply.GetTag() != "second" {
		t.Fatalf("the asker got %v", reply)
	}
	if st := f.rrStats(cli); st.GetResets() != 1 || st.GetCancelled() != 1 {
		t.Errorf("stats %v, want 1 reset and 1 cancelled", st)
	}
}

// TestRequestWithoutTimeout: a request without a timeout outlives the
// client's default timeout and is answered when the handler answers.
func TestRequestWithoutTimeout(t *testing.T) {
	f := newFixture(t)
	h, requests := f.holder()
	srv := f.server(sockets.Router, h, actors.ServeOptions{Timeout: time.Minute})
	cli := f.client(sockets.Dealer, srv.Endpoint(), actors.WithRequestTimeout(30*time.Millisecond))
	patient := make(chan reqResult, 1)
	go func() {
		reply, err := cli.Request(f.ctx, [][]byte{[]byte("patient")}, actors.WithoutTimeout())
		patient <- reqResult{reply, err}
	}()
	waiting := f.next(requests)
	// A request with the default timeout times out meanwhile.
	if _, err := cli.Request(f.ctx, [][]byte{[]byte("hasty")}); !errors.Is(err, actors.ErrRequestTimeout) {
		t.Fatalf("the hasty request: %v, want ErrRequestTimeout", err)
	}
	f.next(requests) // the hasty one, never answered
	f.system.Root.Send(waiting.to, &messages.Reply{Frames: [][]byte{[]byte("at last")}})
	if r := <-patient; r.err != nil || string(r.reply.GetFrames()[0]) != "at last" {
		t.Fatalf("the patient request: %v %v", r.reply, r.err)
	}
}

// TestRequestBadOptions: contradictory or oversize request settings are
// refused with ErrBadMessage, as is a CancelRequest naming no asker.
func TestRequestBadOptions(t *testing.T) {
	f := newFixture(t)
	cli := f.client(sockets.Dealer, "inproc://nobody")
	for _, opts := range [][]actors.RequestOption{
		{actors.WithoutTimeout(), actors.WithRetries(2)},
		{actors.WithoutTimeout(), actors.WithTimeout(time.Second)},
		{actors.WithTag(strings.Repeat("t", 257))},
	} {
		if _, err := cli.Request(f.ctx, [][]byte{[]byte("x")}, opts...); !errors.Is(err, sockets.ErrBadMessage) {
			t.Errorf("%d options: %v, want ErrBadMessage", len(opts), err)
		}
	}
	if _, err := cli.CancelRequests(f.ctx, nil, ""); !errors.Is(err, sockets.ErrBadMessage) {
		t.Errorf("CancelRequests without an asker: %v", err)
	}
	res, err := f.system.Root.RequestFuture(cli.PID(), &messages.CancelRequest{}, testutil.Wait).Result()
	if e, ok := res.(*messages.Error); err != nil || !ok || e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE {
		t.Errorf("a CancelRequest naming no asker: %v %v", res, err)
	}
}

// TestErrorCarriesTag: the Error that answers a tagged request names its
// tag; Receive hands it back as an error, and the next Reply as a value.
func TestErrorCarriesTag(t *testing.T) {
	f := newFixture(t)
	cli := f.client(sockets.Dealer, "inproc://nobody-answers")
	asker := f.inbox()
	f.system.Root.RequestWithCustomSender(cli.PID(), &messages.Request{Frames: [][]byte{[]byte("x")}, Tag: "lost",
		Timeout: durationpb.New(10 * time.Millisecond)}, asker.PID())
	e := testutil.Expect[*messages.Error](t, asker, testutil.Wait)
	if e.GetTag() != "lost" || e.GetCode() != messages.ErrorCode_ERROR_CODE_REQUEST_TIMEOUT {
		t.Fatalf("error %v, want a request timeout tagged \"lost\"", e)
	}
	f.system.Root.RequestWithCustomSender(cli.PID(), &messages.Request{Frames: [][]byte{[]byte("x")},
		Timeout: durationpb.New(10 * time.Millisecond)}, asker.PID())
	if _, err := actors.Receive[*messages.Reply](f.ctx, asker); !errors.Is(err, actors.ErrRequestTimeout) {
		t.Fatalf("Receive: %v, want ErrRequestTimeout", err)
	}
}

// TestRequestAfterAbandonedOne: a Request that gave up does not lend its
// wait to the next one (Socket.Request uses a wait again only once its
// reply came), so the abandoned request's late reply never reaches a later
// Request, which gets its own.
func TestRequestAfterAbandonedOne(t *testing.T) {
	f := newFixture(t)
	h, requests := f.holder()
	srv := f.server(sockets.Router, h, actors.ServeOptions{Timeout: time.Minute})
	cli := f.client(sockets.Dealer, srv.Endpoint())
	ask := func(ctx context.Context, body string) <-chan error {
		done := make(chan error, 1)
		go func() {
			reply, err := cli.Request(ctx, [][]byte{[]byte(body)}, actors.WithTimeout(time.Minute))
			if err == nil && string(reply.GetFrames()[0]) != "re: "+body {
				err = fmt.Errorf("the request %q got the reply %q", body, reply.GetFrames()[0])
			}
			done <- err
		}()
		return done
	}
	ctx, cancel := context.WithCancel(f.ctx)
	first := ask(ctx, "first")
	abandoned := f.next(requests)
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("Request: %v, want context.Canceled", err)
	}
	for _, body := range []string{"second", "third"} {
		done := ask(f.ctx, body)
		r := f.next(requests)
		if body == "second" {
			// The abandoned request's reply first: late, and dropped.
			f.system.Root.Send(abandoned.to, &messages.Reply{Frames: [][]byte{[]byte("re: first")}})
		}
		f.system.Root.Send(r.to, &messages.Reply{Frames: [][]byte{[]byte("re: " + r.body)}})
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	f.waitRRStats(cli, "the late reply", func(st *messages.RequestStats) bool {
		return st.GetLateReplies() == 1 && st.GetReplies() == 2
	})
}

// TestConcurrentRequestsGetTheirReplies: goroutines asking one client
// socket actor at once, each many times, get each its own reply, while the
// waits of answered Requests are used again.
func TestConcurrentRequestsGetTheirReplies(t *testing.T) {
	for _, typ := range []sockets.Type{sockets.Dealer, sockets.Req} {
		t.Run(typ.String(), func(t *testing.T) {
			f := newFixture(t)
			h := f.system.Root.Spawn(actor.PropsFromFunc(echo))
			srv := f.server(sockets.Router, h, actors.ServeOptions{})
			cli := f.client(typ, srv.Endpoint())
			const askers, each = 8, 50
			errs := make(chan error, askers)
			for a := range askers {
				go func() {
					for i := range each {
						body := fmt.Sprintf("%d/%d", a, i)
						reply, err := cli.Request(f.ctx, [][]byte{[]byte(body)})
						if err == nil && string(reply.GetFrames()[0]) != body {
							err = fmt.Errorf("the request %q got the reply %q", body, reply.GetFrames()[0])
						}
						if err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
			}
			for range askers {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if st := f.rrStats(cli); st.GetReplies() != askers*each {
				t.Fatalf("%d replies, want %d", st.GetReplies(), askers*each)
			}
		})
	}
}
