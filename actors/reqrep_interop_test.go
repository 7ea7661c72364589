package actors_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestInteropActorClientPyzmqRep: DEALER and REQ client socket actors ask a
// pyzmq REP server, which answers each request with its body reversed
// and prefixed "py:"; the REP echoes the DEALER's id envelope itself.
func TestInteropActorClientPyzmqRep(t *testing.T) {
	f := newFixture(t)
	_, lines := python(t, `
import zmq
ctx = zmq.Context()
rep = ctx.socket(zmq.REP)
rep.bind("tcp://127.0.0.1:*")
print(rep.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
while True:
    frames = rep.recv_multipart()
    rep.send_multipart([b"py:" + f[::-1] for f in frames])
`)
	if !lines.Scan() {
		t.Fatal("python printed no endpoint")
	}
	ep := lines.Text()
	for _, typ := range []sockets.Type{sockets.Dealer, sockets.Req} {
		cli := f.client(typ, ep)
		for i := range 50 {
			body := "req-" + strconv.Itoa(i)
			reply, err := cli.Request(f.ctx, [][]byte{[]byte(body), []byte("x")})
			if err != nil {
				t.Fatalf("%v request %d: %v", typ, i, err)
			}
			fr := reply.GetFrames()
			if len(fr) != 2 || string(fr[0]) != "py:"+reverse(body) || string(fr[1]) != "py:x" {
				t.Fatalf("%v request %d: reply %q", typ, i, fr)
			}
		}
		if st := f.rrStats(cli); st.GetReplies() != 50 || st.GetMalformed() != 0 {
			t.Errorf("%v stats %v", typ, st)
		}
	}
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// TestInteropPyzmqReqActorServer: pyzmq REQ clients ask ROUTER and REP
// server socket actors; each prints the replies, which the handler made
// from the request.
func TestInteropPyzmqReqActorServer(t *testing.T) {
	shout := func(ctx actor.Context) {
		if r, ok := ctx.Message().(*messages.Request); ok {
			ctx.Respond(&messages.Reply{Frames: [][]byte{[]byte(strings.ToUpper(string(r.GetFrames()[0])))}})
		}
	}
	for _, typ := range []sockets.Type{sockets.Router, sockets.Rep} {
		t.Run(typ.String(), func(t *testing.T) {
			f := newFixture(t)
			h := f.system.Root.Spawn(actor.PropsFromFunc(shout))
			srv := f.server(typ, h, actors.ServeOptions{})
			_, lines := python(t, `
import sys, zmq
ctx = zmq.Context()
req = ctx.socket(zmq.REQ)
req.connect(sys.argv[1])
for i in range(100):
    req.send(b"hello %d" % i)
    print(req.recv().decode(), flush=True)
print("done", flush=True)
`, srv.Endpoint())
			for i := range 100 {
				if !lines.Scan() {
					t.Fatalf("python stopped after %d replies", i)
				}
				if want := "HELLO " + strconv.Itoa(i); lines.Text() != want {
					t.Fatalf("reply %d: %q, want %q", i, lines.Text(), want)
				}
			}
			if !lines.Scan() || lines.Text() != "done" {
				t.Fatalf("python did not finish: %q", lines.Text())
			}
			if st := f.rrStats(srv); st.GetAnswered() != 100 || st.GetMalformed() != 0 {
				t.Errorf("stats %v", st)
			}
		})
	}
}
