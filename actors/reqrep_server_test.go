package actors_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// moody is a handler whose answer depends on the request: "fail" gets an
// Error, "ignore" nothing, "panic" makes it fail (its supervisor restarts
// it), "wrong" a message that is not a Reply, "empty" a Reply without
// frames; anything else is echoed.
func moody(ctx actor.Context) {
	r, ok := ctx.Message().(*messages.Request)
	if !ok {
		return
	}
	switch string(r.GetFrames()[0]) {
	case "fail":
		ctx.Respond(&messages.Error{Message: "no can do"})
	case "ignore":
	case "panic":
		panic("handler fault")
	case "wrong":
		ctx.Respond(&messages.Started{})
	case "empty":
		ctx.Respond(&messages.Reply{})
	default:
		ctx.Respond(&messages.Reply{Frames: r.GetFrames()})
	}
}

// TestHandlerFailures: a handler that answers with an error, answers
// nonsense, never answers or fails does not wedge the server. With a
// failure reply the peer hears of it at once; without one the request is
// dropped and the client times out, and a REP server is reset so that it
// serves the next request.
func TestHandlerFailures(t *testing.T) {
	cases := []string{"fail", "ignore", "panic", "wrong", "empty"}
	t.Run("error reply", func(t *testing.T) {
		f := newFixture(t)
		h := f.system.Root.Spawn(actor.PropsFromFunc(moody))
		owner := f.inbox()
		srv := f.server(sockets.Router, h, actors.ServeOptions{Timeout: 100 * time.Millisecond,
			FailureReply: func(reason string) [][]byte { return [][]byte{[]byte("ERROR"), []byte(reason)} }},
			actors.WithOwner(owner.PID()))
		testutil.Expect[*messages.Started](t, owner, testutil.Wait)
		cli := f.client(sockets.Dealer, srv.Endpoint())
		for _, c := range cases {
			reply, err := cli.Request(f.ctx, [][]byte{[]byte(c)})
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			if fr := reply.GetFrames(); len(fr) != 2 || string(fr[0]) != "ERROR" {
				t.Fatalf("%s: reply %q, want the error reply", c, fr)
			}
			ev := testutil.Expect[*messages.Error](t, owner, testutil.Wait)
			if ev.GetCode() != messages.ErrorCode_ERROR_CODE_HANDLER_FAILED {
				t.Errorf("%s: event %v", c, ev)
			}
			if ok, err := cli.Request(f.ctx, [][]byte{[]byte("still there?")}); err != nil || string(ok.GetFrames()[0]) != "still there?" {
				t.Fatalf("after %s: %v %v", c, ok, err)
			}
		}
		st := f.rrStats(srv)
		if n := uint64(len(cases)); st.GetHandlerFailures() != n || st.GetErrorReplies() != n || st.GetAnswered() != 2*n || st.GetPending() != 0 {
			t.Errorf("stats %v", st)
		}
	})
	for _, typ := range []sockets.Type{sockets.Router, sockets.Rep} {
		t.Run("drop "+typ.String(), func(t *testing.T) {
			f := newFixture(t)
			h := f.system.Root.Spawn(actor.PropsFromFunc(moody))
			srv := f.server(typ, h, actors.ServeOptions{Timeout: 100 * time.Millisecond})
			cli := f.client(sockets.Req, srv.Endpoint())
			for _, c := range cases {
				_, err := cli.Request(f.ctx, [][]byte{[]byte(c)}, actors.WithTimeout(300*time.Millisecond))
				if !errors.Is(err, actors.ErrRequestTimeout) {
					t.Fatalf("%s: %v, want ErrRequestTimeout", c, err)
				}
				if ok, err := cli.Request(f.ctx, [][]byte{[]byte("next")}); err != nil || string(ok.GetFrames()[0]) != "next" {
					t.Fatalf("after %s: %v %v", c, ok, err)
				}
			}
			st := f.rrStats(srv)
			n := uint64(len(cases))
			if st.GetHandlerFailures() != n || st.GetDropped() != n || st.GetAnswered() != n {
				t.Errorf("stats %v", st)
			}
			// A REP server is a ROUTER underneath: a request it drops
			// leaves no lockstep to reset.
			if st.GetResets() != 0 {
				t.Errorf("%v server reset %d times, want none", typ, st.GetResets())
			}
		})
	}
}

// TestHandlerLateAndGone: an answer after the deadline is dropped and
// counted; once the handler stops, requests fail at once.
func TestHandlerLateAndGone(t *testing.T) {
	f := newFixture(t)
	release := make(chan *actor.PID, 1)
	slow := func(ctx actor.Context) {
		if _, ok := ctx.Message().(*messages.Request); ok {
			release <- ctx.Sender()
		}
	}
	h := f.system.Root.Spawn(actor.PropsFromFunc(slow))
	srv := f.server(sockets.Router, h, actors.ServeOptions{Timeout: 50 * time.Millisecond,
		FailureReply: func(reason string) [][]byte { return [][]byte{[]byte(reason)} }})
	cli := f.client(sockets.Dealer, srv.Endpoint())
	reply, err := cli.Request(f.ctx, [][]byte{[]byte("slow")})
	if err != nil || !strings.Contains(string(reply.GetFrames()[0]), "timeout") {
		t.Fatalf("got %v %v, want the timeout's error reply", reply, err)
	}
	answerTo := <-release
	f.system.Root.Send(answerTo, &messages.Reply{Frames: [][]byte{[]byte("too late")}})
	f.waitRRStats(srv, "late answer", func(st *messages.RequestStats) bool { return st.GetLateAnswers() == 1 })

	if err := f.system.Root.StopFuture(h).Wait(); err != nil {
		t.Fatal(err)
	}
	f.waitRRStats(srv, "handler gone", func(*messages.RequestStats) bool {
		r, err := cli.Request(f.ctx, [][]byte{[]byte("anyone?")})
		return err == nil && strings.Contains(string(r.GetFrames()[0]), "handler stopped")
	})
}

// TestServerBadInput: messages that are no request are counted and
// dropped, and the server keeps serving.
func TestServerBadInput(t *testing.T) {
	f := newFixture(t)
	h := f.system.Root.Spawn(actor.PropsFromFunc(echo))
	owner := f.inbox()
	srv := f.server(sockets.Router, h, actors.ServeOptions{}, actors.WithOwner(owner.PID()))
	testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	peer, peerIn := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{srv.Endpoint()}})
	bad := [][][]byte{
		{[]byte("no delimiter")},
		{[]byte("still"), []byte("no delimiter")},
		{{}},                       // a delimiter and no body: empty
		{[]byte("env"), {}},        // the same after an envelope frame
		{{}, []byte("good")},       // a good one
		{[]byte("id"), {}, {}, {}}, // a body of two empty frames is a body
	}
	for _, m := range bad {
		if err := peer.Send(m...); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		if ev := testutil.Expect[*messages.Error](t, owner, testutil.Wait); ev.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE {
			t.Errorf("event %v", ev)
		}
	}
	if r := testutil.Expect[*messages.Received](t, peerIn, testutil.Wait).GetFrames(); len(r) != 2 || string(r[1]) != "good" {
		t.Errorf("reply %q", r)
	}
	if r := testutil.Expect[*messages.Received](t, peerIn, testutil.Wait).GetFrames(); len(r) != 4 || string(r[0]) != "id" {
		t.Errorf("reply %q", r)
	}
	if st := f.rrStats(srv); st.GetMalformed() != 4 || st.GetHandled() != 2 || st.GetAnswered() != 2 {
		t.Errorf("stats %v", st)
	}
}

// TestClientBadInput: replies with ids never used, frames without the
// delimiter and requests that cannot be sent are errors, counted; the
// client keeps working.
func TestClientBadInput(t *testing.T) {
	f := newFixture(t)
	srv, in := f.rawRouter()
	cli := f.client(sockets.Dealer, srv.Endpoint())
	c := requestAsync(f.ctx, cli, [][]byte{[]byte("first")})
	req := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames()
	peer := req[0]
	never := []byte{0, 0, 0, 0, 0, 0, 0x10, 0}
	for _, m := range [][][]byte{
		{peer, never, {}, []byte("unknown id")},
		{peer, []byte("no delimiter")},
		{peer, []byte("short"), {}, []byte("not an id")},
		{peer, {}},
	} {
		if err := srv.Send(m...); err != nil {
			t.Fatal(err)
		}
	}
	f.waitRRStats(cli, "malformed replies", func(st *messages.RequestStats) bool { return st.GetMalformed() == 4 })
	if err := srv.Send(req[0], req[1], req[2], []byte("answer")); err != nil {
		t.Fatal(err)
	}
	if r := f.result(c); r.err != nil || string(r.reply.GetFrames()[0]) != "answer" {
		t.Fatalf("got %v", r)
	}
	// Requests the client refuses at once.
	if _, err := cli.Request(f.ctx, nil); !errors.Is(err, sockets.ErrBadMessage) {
		t.Errorf("no frames: %v", err)
	}
	if _, err := cli.Request(f.ctx, [][]byte{{1}}, actors.WithTimeout(-time.Second)); !errors.Is(err, sockets.ErrBadMessage) {
		t.Errorf("negative timeout: %v", err)
	}
	push, _ := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Push})
	if _, err := push.Request(f.ctx, [][]byte{{1}}); !errors.Is(err, actors.ErrUnsupported) {
		t.Errorf("request on a PUSH: %v", err)
	}
	if _, err := push.RequestStats(f.ctx); !errors.Is(err, actors.ErrUnsupported) {
		t.Errorf("request stats of a PUSH: %v", err)
	}
	// A Request sent without a sender cannot be answered: the error goes to
	// the owner.
	owned, ownerIn := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{srv.Endpoint()}})
	f.system.Root.Send(owned.PID(), &messages.Request{Frames: [][]byte{{1}}})
	if ev := testutil.Expect[*messages.Error](t, ownerIn, testutil.Wait); ev.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE {
		t.Errorf("event %v", ev)
	}
	// Closing answers what is in flight.
	c = requestAsync(f.ctx, cli, [][]byte{[]byte("never answered")})
	testutil.Expect[*messages.Received](t, in, testutil.Wait)
	if _, err := cli.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	if r := f.result(c); !errors.Is(r.err, actors.ErrClosed) {
		t.Errorf("in flight at close: %v, want ErrClosed", r.err)
	}
	if _, err := cli.Request(f.ctx, [][]byte{{1}}); !errors.Is(err, actors.ErrClosed) {
		t.Errorf("request after close: %v", err)
	}
	// Bad options.
	if _, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Pull}, actors.WithHandler(in.PID(), actors.ServeOptions{})); !errors.Is(err, actors.ErrUnsupported) {
		t.Errorf("handler on a PULL: %v", err)
	}
	if _, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Router}, actors.WithRequestTimeout(time.Second)); !errors.Is(err, actors.ErrUnsupported) {
		t.Errorf("request timeout on a ROUTER: %v", err)
	}
	if _, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Router}, actors.WithHandler(in.PID(), actors.ServeOptions{Timeout: -1})); !errors.Is(err, actors.ErrBadOption) {
		t.Errorf("negative deadline: %v", err)
	}
}

// upper is a typed handler: it answers a StringValue with its upper case.
func upper(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *wrapperspb.StringValue:
		if m.GetValue() == "fail" {
			ctx.Respond(&messages.Error{Message: "refused"})
			return
		}
		ctx.Respond(wrapperspb.String(strings.ToUpper(m.GetValue())))
	}
}

func TestTypedRequests(t *testing.T) {
	f := newFixture(t)
	h := f.system.Root.Spawn(actor.PropsFromFunc(upper))
	owner := f.inbox()
	srv := f.server(sockets.Router, h, actors.ServeOptions{Typed: true,
		FailureReply: func(reason string) [][]byte { return [][]byte{[]byte("ERROR"), []byte(reason)} }},
		actors.WithOwner(owner.PID()))
	testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	cli := f.client(sockets.Dealer, srv.Endpoint())
	for i := range 10 {
		in := "hello " + strconv.Itoa(i)
		out, err := cli.RequestProto(f.ctx, wrapperspb.String(in))
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := out.(*wrapperspb.StringValue); !ok || s.GetValue() != strings.ToUpper(in) {
			t.Fatalf("got %v", out)
		}
	}
	// The handler's error comes back as the failure reply, which is no
	// typed message: the asker gets a decode error, counted.
	if _, err := cli.RequestProto(f.ctx, wrapperspb.String("fail")); !errors.Is(err, sockets.ErrBadMessage) {
		t.Errorf("failure reply decoded: %v", err)
	}
	testutil.Expect[*messages.Error](t, owner, testutil.Wait)
	// A body of an unknown type: DecodeError to the server's owner.
	raw, err := cli.Request(f.ctx, [][]byte{[]byte("no.such.Type"), {1, 2}})
	if err != nil || string(raw.GetFrames()[0]) != "ERROR" {
		t.Fatalf("unknown type: %v %v", raw, err)
	}
	if de := testutil.Expect[*messages.DecodeError](t, owner, testutil.Wait); de.GetTypeName() != "no.such.Type" {
		t.Errorf("decode error %v", de)
	}
	testutil.Expect[*messages.Error](t, owner, testutil.Wait)
	if st := f.rrStats(srv); st.GetDecodeErrors() != 1 || st.GetHandlerFailures() != 2 {
		t.Errorf("server stats %v", st)
	}
	if st := f.rrStats(cli); st.GetDecodeErrors() != 1 {
		t.Errorf("client stats %v", st)
	}
	// An actor asks with NewRequest and gets a TypedReply: the message,
	// with the request's tag and attempts.
	req, err := actors.NewRequest(wrapperspb.String("from an actor"), actors.WithTimeout(time.Second), actors.WithTag("mine"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.system.Root.RequestFuture(cli.PID(), req, testutil.Wait).Result()
	reply, ok := res.(*messages.TypedReply)
	if err != nil || !ok || reply.GetTag() != "mine" || reply.GetAttempts() != 1 {
		t.Fatalf("got %v %v", res, err)
	}
	if s, err := actors.Unpack[*wrapperspb.StringValue](reply.GetBody()); err != nil || s.GetValue() != "FROM AN ACTOR" {
		t.Errorf("unpacked %v %v", s, err)
	}
	if _, err := actors.Unpack[*messages.Stats](reply.GetBody()); !errors.Is(err, sockets.ErrBadMessage) {
		t.Errorf("unpacked as the wrong type: %v, want ErrBadMessage", err)
	}
	// Ask returns the reply as the type the caller expects.
	if s, err := actors.Ask[*wrapperspb.StringValue](f.ctx, cli, wrapperspb.String("asked")); err != nil || s.GetValue() != "ASKED" {
		t.Errorf("Ask: %v %v", s, err)
	}
	if _, err := actors.Ask[*messages.Stats](f.ctx, cli, wrapperspb.String("asked")); !errors.Is(err, sockets.ErrBadMessage) {
		t.Errorf("Ask for the wrong type: %v, want ErrBadMessage", err)
	}
	if _, err := actors.NewRequest(nil); !errors.Is(err, sockets.ErrBadMessage) {
		t.Errorf("nil message: %v", err)
	}
}

// TestClientRestartResendsRequests: a DEALER client that fails with
// requests in flight sends them again once restarted, and each asker gets
// its reply.
func TestClientRestartResendsRequests(t *testing.T) {
	f := newFixture(t)
	srv, in := f.rawRouter()
	cli := f.client(sockets.Dealer, srv.Endpoint(), actors.WithFaultInjection())
	var results []<-chan reqResult
	for i := range 3 {
		results = append(results, requestAsync(f.ctx, cli, [][]byte{[]byte(strconv.Itoa(i))}))
	}
	first := map[string][][]byte{}
	for range 3 {
		m := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames()
		first[string(m[3])] = m
	}
	f.system.Root.Send(cli.PID(), &messages.InjectFault{Reason: "test"})
	// The new socket has a new routing id: answer what arrives from it.
	for range 3 {
		m := testutil.Expect[*messages.Received](t, in, testutil.Wait).GetFrames()
		if old := first[string(m[3])]; old == nil || string(old[1]) != string(m[1]) {
			t.Fatalf("resent %q, first sent as %q", m, old)
		}
		if string(m[0]) == string(first[string(m[3])][0]) {
			t.Fatalf("resent from the same peer %q: no restart?", m[0])
		}
		if err := srv.Send(m[0], m[1], m[2], append([]byte("re:"), m[3]...)); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range results {
		r := f.result(c)
		if r.err != nil || string(r.reply.GetFrames()[0]) != "re:"+strconv.Itoa(i) {
			t.Errorf("request %d: %v", i, r)
		}
	}
}
