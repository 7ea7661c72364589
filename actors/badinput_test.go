package actors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Each test here feeds a socket actor something wrong and checks three
// things: the caller gets a clear error (errors.Is with the sentinel) or the
// owner an Error event with the right code; nothing panics (a panic would
// restart the actor, and the owner would see a second Started); and the
// actor keeps working afterwards, or, when the socket never opened, ends
// cleanly with Closed.

type fixture struct {
	t      *testing.T
	system *actor.ActorSystem
	z      *actors.Runtime
	ctx    context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	system, z := testutil.NewSystem(t)
	return &fixture{t: t, system: system, z: z, ctx: testutil.Ctx(t)}
}

// with returns f for a subtest: its helpers must fail t, not the parent.
func (f *fixture) with(t *testing.T) *fixture {
	g := *f
	g.t = t
	return &g
}

func (f *fixture) inbox() *actors.Inbox {
	return testutil.NewInbox(f.t, f.system, 64)
}

// spawn starts a socket owned by a new inbox and consumes its Started.
func (f *fixture) spawn(spec sockets.Spec, opts ...actors.SpawnOption) (*actors.Socket, *actors.Inbox) {
	f.t.Helper()
	in := f.inbox()
	sock := testutil.Spawn(f.t, f.z, spec, append(opts, actors.WithOwner(in.PID()))...)
	if st := testutil.Expect[*messages.Started](f.t, in, testutil.Wait); st.GetRestarts() != 0 {
		f.t.Fatalf("started with %d restarts", st.GetRestarts())
	}
	return sock, in
}

// pipe returns a PUSH connected to a PULL over inproc.
func (f *fixture) pipe(pushOpts ...sockets.Option) (push, pull *actors.Socket, pushIn, pullIn *actors.Inbox) {
	f.t.Helper()
	ep := "inproc://bad-" + f.system.ProcessRegistry.NextId()
	pull, pullIn = f.spawn(sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{ep}})
	push, pushIn = f.spawn(sockets.Spec{Name: "push", Type: sockets.Push, Options: pushOpts, Connects: []string{ep}})
	return push, pull, pushIn, pullIn
}

// works checks that push still delivers to pull, and that neither has
// reported anything or restarted meanwhile.
func (f *fixture) works(push *actors.Socket, pushIn, pullIn *actors.Inbox) {
	f.t.Helper()
	body := []byte("still works " + f.system.ProcessRegistry.NextId())
	if _, err := push.SendWait(f.ctx, body); err != nil {
		f.t.Fatalf("good send after bad input: %v", err)
	}
	expectReceived(f.t, pullIn, body)
	quiet(f.t, pushIn)
}

// event returns the next owner event that is not the first Started; a
// Started of a restart fails the test, since it means the actor panicked.
func event(t *testing.T, in *actors.Inbox) any {
	t.Helper()
	for {
		m := testutil.Next(t, in, testutil.Wait)
		if st, ok := m.(*messages.Started); ok {
			if st.GetRestarts() != 0 {
				t.Fatalf("%s restarted (%d): the actor failed", st.GetSocket(), st.GetRestarts())
			}
			continue
		}
		return m
	}
}

func expectError(t *testing.T, in *actors.Inbox, code messages.ErrorCode) *messages.Error {
	t.Helper()
	m := event(t, in)
	e, ok := m.(*messages.Error)
	if !ok {
		t.Fatalf("got %T %v, want an Error with %v", m, m, code)
	}
	if e.GetCode() != code {
		t.Fatalf("Error code %v (%s), want %v", e.GetCode(), e.GetMessage(), code)
	}
	if e.GetMessage() == "" {
		t.Fatalf("Error %v without a message", code)
	}
	return e
}

func expectReceived(t *testing.T, in *actors.Inbox, want ...[]byte) {
	t.Helper()
	m := event(t, in)
	r, ok := m.(*messages.Received)
	if !ok {
		t.Fatalf("got %T %v, want Received %q", m, m, want)
	}
	if len(r.GetFrames()) != len(want) {
		t.Fatalf("received %q, want %q", r.GetFrames(), want)
	}
	for i := range want {
		if !bytes.Equal(r.GetFrames()[i], want[i]) {
			t.Fatalf("received %q, want %q", r.GetFrames(), want)
		}
	}
}

// quiet checks that the inbox holds no event right now (other than Started).
func quiet(t *testing.T, in *actors.Inbox) {
	t.Helper()
	for {
		select {
		case m := <-in.C():
			if _, ok := m.(*messages.Started); ok {
				continue
			}
			t.Fatalf("unexpected %T: %v", m, m)
		default:
			return
		}
	}
}

func mustIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
	var se *sockets.Error
	if !errors.As(err, &se) && !errors.Is(target, actors.ErrNoOwner) {
		t.Fatalf("%v is not a *sockets.Error", err)
	}
}

// request sends cmd to pid with a sender and returns the answer.
func (f *fixture) request(pid *actor.PID, cmd any) any {
	f.t.Helper()
	res, err := f.system.Root.RequestFuture(pid, cmd, testutil.Wait).Result()
	if err != nil {
		f.t.Fatalf("request %T: %v", cmd, err)
	}
	return res
}

func (f *fixture) requestError(pid *actor.PID, cmd any, code messages.ErrorCode) *messages.Error {
	f.t.Helper()
	res := f.request(pid, cmd)
	e, ok := res.(*messages.Error)
	if !ok {
		f.t.Fatalf("%T answered with %T %v, want Error %v", cmd, res, res, code)
	}
	if e.GetCode() != code {
		f.t.Fatalf("%T answered with %v (%s), want %v", cmd, e.GetCode(), e.GetMessage(), code)
	}
	return e
}

// badEndpoints are refused by Bind: malformed, of an unknown transport, or
// of an address that cannot exist.
func badEndpoints() []string {
	return []string{"tcp://", "nope://x", "tcp://256.0.0.1:1", "", "tcp", "inproc://"}
}

func TestBadEndpointBind(t *testing.T) {
	f := newFixture(t)
	push, _, pushIn, pullIn := f.pipe()
	for _, ep := range badEndpoints() {
		_, err := push.Bind(f.ctx, ep)
		mustIs(t, err, sockets.ErrBadEndpoint)
		if !strings.Contains(err.Error(), "bind") {
			t.Errorf("bind %q: error %q does not say bind", ep, err)
		}
		if sockets.CheckEndpoint(ep) != nil {
			// ZeroMQ connects in the background and takes "256.0.0.1" for a
			// host name: only a malformed endpoint fails at once.
			mustIs(t, push.Connect(f.ctx, ep), sockets.ErrBadEndpoint)
		}
	}
	// The command without a sender: the owner hears of it.
	f.system.Root.Send(push.PID(), &messages.Bind{Endpoint: "nope://x"})
	e := expectError(t, pushIn, messages.ErrorCode_ERROR_CODE_INVALID_ENDPOINT)
	if e.GetOperation() != "bind" || e.GetEndpoint() != "nope://x" || e.GetSocket() != "push" {
		t.Errorf("Error event %v: want operation bind, endpoint nope://x, socket push", e)
	}
	f.requestError(push.PID(), &messages.Connect{Endpoint: "tcp://"}, messages.ErrorCode_ERROR_CODE_INVALID_ENDPOINT)
	f.requestError(push.PID(), &messages.Bind{Endpoint: "tcp://256.0.0.1:1"}, messages.ErrorCode_ERROR_CODE_INVALID_ENDPOINT)

	resolved, err := push.Bind(f.ctx, "tcp://127.0.0.1:*")
	if err != nil || !strings.HasPrefix(resolved, "tcp://127.0.0.1:") {
		t.Fatalf("good bind after bad ones: %q, %v", resolved, err)
	}
	f.works(push, pushIn, pullIn)
}

func TestBadEndpointSpec(t *testing.T) {
	f := newFixture(t)
	for _, ep := range badEndpoints() {
		specs := []sockets.Spec{{Type: sockets.Pull, Binds: []string{ep}}}
		if sockets.CheckEndpoint(ep) != nil { // see TestBadEndpointBind
			specs = append(specs, sockets.Spec{Type: sockets.Push, Connects: []string{ep}})
		}
		for _, spec := range specs {
			in := f.inbox()
			sock, err := f.z.Spawn(f.ctx, spec, actors.WithOwner(in.PID()))
			mustIs(t, err, sockets.ErrBadEndpoint)
			if sock != nil {
				t.Fatalf("spawn with endpoint %q returned a socket", ep)
			}
			if _, err := f.z.Props(spec); !errors.Is(err, sockets.ErrBadEndpoint) && !strings.HasPrefix(ep, "tcp://256") {
				t.Errorf("Props with endpoint %q: %v", ep, err)
			}
			if err := spec.Validate(); err != nil {
				// Refused before any actor was spawned: the owner hears nothing.
				quiet(t, in)
				continue
			}
			// Refused by ZeroMQ when the socket opened: the actor ends
			// cleanly and says why.
			closed := testutil.Expect[*messages.Closed](t, in, testutil.Wait)
			if closed.GetError().GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_ENDPOINT || closed.GetUnsent() != 0 {
				t.Errorf("Closed %v, want error code INVALID_ENDPOINT", closed)
			}
		}
	}
}

func TestUnknownSocketType(t *testing.T) {
	f := newFixture(t)
	in := f.inbox()
	for _, typ := range []sockets.Type{0, 99, -1, sockets.Stream + 1} {
		_, err := f.z.Spawn(f.ctx, sockets.Spec{Type: typ, Binds: []string{"inproc://never"}}, actors.WithOwner(in.PID()))
		mustIs(t, err, sockets.ErrUnknownType)
		if !strings.Contains(err.Error(), typ.String()) {
			t.Errorf("error %q does not name %v", err, typ)
		}
		_, err = f.z.Props(sockets.Spec{Type: typ})
		mustIs(t, err, sockets.ErrUnknownType)
		if typ.CanSend() || typ.CanReceive() || typ.Compatible(sockets.Pair) {
			t.Errorf("%v can send, receive or pair", typ)
		}
	}
	for _, name := range []string{"FOO", "", "push pull", "SOCKET_TYPE_PUSH", "UNSPECIFIED", "SOCKET_TYPE_UNSPECIFIED"} {
		typ, err := sockets.ParseType(name)
		if !errors.Is(err, sockets.ErrUnknownType) || typ != 0 {
			t.Errorf("ParseType(%q) = %v, %v; want 0, ErrUnknownType", name, typ, err)
		}
	}
	quiet(t, in)
	if n := f.z.Len(); n != 0 {
		t.Errorf("%d socket actors after refused spawns", n)
	}
}

func TestBadOptionValues(t *testing.T) {
	f := newFixture(t)
	push, _, pushIn, pullIn := f.pipe()
	for _, tc := range []struct {
		name string
		opt  sockets.Option
	}{
		{"negative send HWM", sockets.SendHWM(-1)},
		{"negative receive HWM", sockets.ReceiveHWM(-5)},
		{"empty routing id", sockets.RoutingID(nil)},
		{"routing id of 0 bytes", sockets.RoutingID([]byte{})},
		{"routing id of 256 bytes", sockets.RoutingID(bytes.Repeat([]byte("x"), 256))},
		{"routing id with leading zero", sockets.RoutingID([]byte{0, 'i', 'd'})},
		{"linger 1.5ms", sockets.Linger(1500 * time.Microsecond)},
		{"reconnect interval 0.5ms", sockets.ReconnectInterval(500 * time.Microsecond)},
		{"negative reconnect interval max", sockets.ReconnectIntervalMax(-time.Second)},
		{"max message size -2", sockets.MaxMessageSize(-2)},
		{"keepalive idle 1.5s", sockets.TCPKeepalive(true, 1500*time.Millisecond, 0, 0)},
		{"keepalive count -1", sockets.TCPKeepalive(true, 0, 0, -1)},
		{"no option", &messages.SocketOption{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			_, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Dealer, Options: []sockets.Option{tc.opt}}, actors.WithOwner(pushIn.PID()))
			mustIs(t, err, sockets.ErrBadOption)
			mustIs(t, push.SetOption(f.ctx, tc.opt), sockets.ErrBadOption)
			f.system.Root.Send(push.PID(), &messages.SetOption{Option: tc.opt})
			e := expectError(t, pushIn, messages.ErrorCode_ERROR_CODE_INVALID_OPTION)
			if e.GetOperation() != "setsockopt" {
				t.Errorf("Error event operation %q, want setsockopt", e.GetOperation())
			}
			f.requestError(push.PID(), &messages.SetOption{Option: tc.opt}, messages.ErrorCode_ERROR_CODE_INVALID_OPTION)
		})
	}
	// Good values of the same options still apply.
	for _, o := range []sockets.Option{sockets.SendHWM(0), sockets.RoutingID(bytes.Repeat([]byte("x"), 255)), sockets.Linger(2 * time.Millisecond)} {
		if err := push.SetOption(f.ctx, o); err != nil {
			t.Fatalf("good option %v: %v", o, err)
		}
	}
	f.works(push, pushIn, pullIn)
}

func TestAddressInUse(t *testing.T) {
	f := newFixture(t)
	first, firstIn := f.spawn(sockets.Spec{Name: "first", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}})
	ep := first.Endpoint()

	// In a spec: Spawn fails, the actor ends and tells its owner.
	in := f.inbox()
	_, err := f.z.Spawn(f.ctx, sockets.Spec{Name: "second", Type: sockets.Pull, Binds: []string{ep}}, actors.WithOwner(in.PID()))
	mustIs(t, err, sockets.ErrAddressInUse)
	closed := testutil.Expect[*messages.Closed](t, in, testutil.Wait)
	if e := closed.GetError(); e.GetCode() != messages.ErrorCode_ERROR_CODE_ADDRESS_IN_USE || e.GetErrno() == 0 || e.GetEndpoint() != ep {
		t.Errorf("Closed error %v, want ADDRESS_IN_USE with an errno and endpoint %s", e, ep)
	}

	// On a live socket: the bind fails, the socket keeps working.
	push, pull, pushIn, pullIn := f.pipe()
	_, err = pull.Bind(f.ctx, ep)
	mustIs(t, err, sockets.ErrAddressInUse)
	f.system.Root.Send(pull.PID(), &messages.Bind{Endpoint: ep})
	if e := expectError(t, pullIn, messages.ErrorCode_ERROR_CODE_ADDRESS_IN_USE); e.GetErrno() == 0 || e.GetEndpoint() != ep {
		t.Errorf("Error event %v: want an errno and endpoint %s", e, ep)
	}
	if e := f.requestError(pull.PID(), &messages.Bind{Endpoint: ep}, messages.ErrorCode_ERROR_CODE_ADDRESS_IN_USE); e.GetErrno() == 0 {
		t.Errorf("answer %v has no errno", e)
	}
	if e := sockets.ErrorFromProto(f.requestError(pull.PID(), &messages.Bind{Endpoint: ep}, messages.ErrorCode_ERROR_CODE_ADDRESS_IN_USE)); !errors.Is(e, sockets.ErrAddressInUse) {
		t.Errorf("ErrorFromProto: %v is not ErrAddressInUse", e)
	}
	f.works(push, pushIn, pullIn)
	quiet(t, firstIn)

	// Closing lets go of the port, but ZeroMQ's I/O thread does that a
	// little later: a rebind right after Close may still find it in use.
	if _, err := first.CloseLinger(f.ctx, 0); err != nil {
		t.Fatal(err)
	}
}

func TestSendAfterClose(t *testing.T) {
	f := newFixture(t)
	push, pull, pushIn, _ := f.pipe()
	if unsent, err := push.Close(f.ctx); err != nil || unsent != 0 {
		t.Fatalf("close: %d unsent, %v", unsent, err)
	}
	closed := testutil.Expect[*messages.Closed](t, pushIn, testutil.Wait)
	if closed.GetReason() == "" || closed.GetError() != nil {
		t.Errorf("Closed %v", closed)
	}
	select {
	case <-push.Done():
	default:
		t.Fatal("Done still open after Close")
	}
	mustIs(t, push.Send([]byte("late")), sockets.ErrClosed)
	_, err := push.SendWait(f.ctx, []byte("late"))
	mustIs(t, err, sockets.ErrClosed)
	_, err = push.Bind(f.ctx, "inproc://late")
	mustIs(t, err, sockets.ErrClosed)
	mustIs(t, push.SetOption(f.ctx, sockets.SendHWM(1)), sockets.ErrClosed)
	_, err = push.Close(f.ctx)
	mustIs(t, err, sockets.ErrClosed)
	if _, err := pull.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	_, err = pull.SendWait(f.ctx, []byte("late"))
	mustIs(t, err, sockets.ErrClosed)
	quiet(t, pushIn)
}

func TestFrameTooLarge(t *testing.T) {
	f := newFixture(t)
	push, _, pushIn, pullIn := f.pipe(sockets.MaxMessageSize(16))
	_, err := push.SendWait(f.ctx, []byte("ok"), make([]byte, 17))
	mustIs(t, err, sockets.ErrTooLarge)
	if err := push.Send(make([]byte, 1<<20)); err != nil {
		t.Fatalf("Send does not wait, so it cannot know: %v", err)
	}
	if e := expectError(t, pushIn, messages.ErrorCode_ERROR_CODE_MESSAGE_TOO_LARGE); e.GetOperation() != "send" {
		t.Errorf("Error event %v, want operation send", e)
	}
	// Frames of the limit still go, and nothing of the refused ones did.
	at := bytes.Repeat([]byte("y"), 16)
	if _, err := push.SendWait(f.ctx, at, at); err != nil {
		t.Fatal(err)
	}
	expectReceived(t, pullIn, at, at)
	// A limit set later applies too.
	if err := push.SetOption(f.ctx, sockets.MaxMessageSize(4)); err != nil {
		t.Fatal(err)
	}
	_, err = push.SendWait(f.ctx, []byte("12345"))
	mustIs(t, err, sockets.ErrTooLarge)
	if err := push.SetOption(f.ctx, sockets.MaxMessageSize(-1)); err != nil {
		t.Fatal(err)
	}
	f.works(push, pushIn, pullIn)
}

func TestSubscribeOnPush(t *testing.T) {
	f := newFixture(t)
	_, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Push, Options: []sockets.Option{sockets.Subscribe([]byte{})}})
	mustIs(t, err, sockets.ErrUnsupported)
	push, _, pushIn, pullIn := f.pipe()
	for _, o := range []sockets.Option{sockets.Subscribe([]byte("topic")), sockets.Unsubscribe(nil), sockets.XPubVerbose(true), sockets.RouterMandatory(true)} {
		mustIs(t, push.SetOption(f.ctx, o), sockets.ErrUnsupported)
	}
	f.system.Root.Send(push.PID(), &messages.SetOption{Option: sockets.Subscribe(nil)})
	expectError(t, pushIn, messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION)
	f.works(push, pushIn, pullIn)
}

func TestSendOnPull(t *testing.T) {
	f := newFixture(t)
	push, pull, pushIn, pullIn := f.pipe()
	_, err := pull.SendWait(f.ctx, []byte("x"))
	mustIs(t, err, sockets.ErrUnsupported)
	// Send refuses it at once; a Send command without a sender is reported
	// to the owner.
	mustIs(t, pull.Send([]byte("x")), sockets.ErrUnsupported)
	f.system.Root.Send(pull.PID(), &messages.Send{Frames: [][]byte{[]byte("x")}})
	if e := expectError(t, pullIn, messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION); e.GetSocket() != "pull" {
		t.Errorf("Error event from %q, want pull", e.GetSocket())
	}
	f.requestError(pull.PID(), &messages.Send{Frames: [][]byte{[]byte("x")}}, messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION)
	f.works(push, pushIn, pullIn)
}

func TestSendNoFrames(t *testing.T) {
	f := newFixture(t)
	push, _, pushIn, pullIn := f.pipe()
	mustIs(t, push.Send(), sockets.ErrBadMessage)
	_, err := push.SendWait(f.ctx)
	mustIs(t, err, sockets.ErrBadMessage)
	f.system.Root.Send(push.PID(), &messages.Send{})
	expectError(t, pushIn, messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE)
	f.requestError(push.PID(), &messages.Send{Frames: [][]byte{}}, messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE)
	// One empty frame is a message.
	if _, err := push.SendWait(f.ctx, nil); err != nil {
		t.Fatalf("send of one empty frame: %v", err)
	}
	expectReceived(t, pullIn, []byte{})
	f.works(push, pushIn, pullIn)
}

func TestUnknownCommand(t *testing.T) {
	f := newFixture(t)
	push, _, pushIn, pullIn := f.pipe()
	for _, cmd := range []any{&messages.Started{}, "hello", 42, &messages.Received{Frames: [][]byte{[]byte("x")}}, struct{}{}, &messages.Closed{}} {
		e := f.requestError(push.PID(), cmd, messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE)
		if !strings.Contains(e.GetMessage(), fmt.Sprintf("%T", cmd)) {
			t.Errorf("answer %q does not name %T", e.GetMessage(), cmd)
		}
		mustIs(t, sockets.ErrorFromProto(e), sockets.ErrBadMessage)
		// Without a sender the owner is told.
		f.system.Root.Send(push.PID(), cmd)
		expectError(t, pushIn, messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE)
	}
	f.works(push, pushIn, pullIn)
}

func TestSendQueueFull(t *testing.T) {
	f := newFixture(t)
	// Port 1, where nothing listens: with Immediate, ZeroMQ makes no pipe,
	// so every send meets EAGAIN. (A tcp port just closed may still listen
	// for a moment: libzmq closes listeners asynchronously.)
	const limit = 2
	push, in := f.spawn(sockets.Spec{
		Name:           "full",
		Type:           sockets.Push,
		Options:        []sockets.Option{sockets.SendHWM(1), sockets.Immediate(true)},
		Connects:       []string{"tcp://127.0.0.1:1"},
		SendQueueLimit: limit,
	})
	for i := range limit {
		queued, err := push.SendWait(f.ctx, []byte(fmt.Sprint("queued ", i)))
		if err != nil || !queued {
			t.Fatalf("send %d: queued %v, %v; want queued", i, queued, err)
		}
	}
	for i := range 3 {
		queued, err := push.SendWait(f.ctx, []byte(fmt.Sprint("refused ", i)))
		mustIs(t, err, sockets.ErrQueueFull)
		if queued {
			t.Fatal("refused message reported queued")
		}
	}
	if err := push.Send([]byte("refused async")); err != nil {
		t.Fatal(err)
	}
	expectError(t, in, messages.ErrorCode_ERROR_CODE_SEND_QUEUE_FULL)
	unsent, err := push.CloseLinger(f.ctx, 0)
	if err != nil || unsent != limit {
		t.Fatalf("close: %d unsent, %v; want %d", unsent, err, limit)
	}
	closed := testutil.Expect[*messages.Closed](t, in, testutil.Wait)
	if closed.GetUnsent() != limit {
		t.Fatalf("Closed reports %d unsent, want %d", closed.GetUnsent(), limit)
	}
}

func TestReqSecondSend(t *testing.T) {
	f := newFixture(t)
	ep := "inproc://req-" + f.system.ProcessRegistry.NextId()
	rep, repIn := f.spawn(sockets.Spec{Name: "rep", Type: sockets.Rep, Binds: []string{ep}})
	req, reqIn := f.spawn(sockets.Spec{Name: "req", Type: sockets.Req, Connects: []string{ep}})
	for round := range 3 {
		ask := []byte(fmt.Sprint("request ", round))
		if _, err := req.SendWait(f.ctx, ask); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		_, err := req.SendWait(f.ctx, []byte("too soon"))
		mustIs(t, err, sockets.ErrUnsupported)
		if err := req.Send([]byte("too soon, async")); err != nil {
			t.Fatal(err)
		}
		expectError(t, reqIn, messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION)
		// REP must answer before it may receive again, and answer only once.
		expectReceived(t, repIn, ask)
		if _, err := rep.SendWait(f.ctx, []byte("reply")); err != nil {
			t.Fatal(err)
		}
		_, err = rep.SendWait(f.ctx, []byte("second reply"))
		mustIs(t, err, sockets.ErrUnsupported)
		expectReceived(t, reqIn, []byte("reply"))
	}
	quiet(t, repIn)
}

func TestReqSecondSendQueued(t *testing.T) {
	f := newFixture(t)
	// No peer yet: the first request waits in the send queue.
	req, reqIn := f.spawn(sockets.Spec{Name: "req", Type: sockets.Req})
	queued, err := req.SendWait(f.ctx, []byte("first"))
	if err != nil || !queued {
		t.Fatalf("first request: queued %v, %v; want queued", queued, err)
	}
	_, err = req.SendWait(f.ctx, []byte("second"))
	mustIs(t, err, sockets.ErrUnsupported)
	// The first request goes once a REP binds, and the reply comes back.
	ep := "inproc://req-" + f.system.ProcessRegistry.NextId()
	rep, repIn := f.spawn(sockets.Spec{Name: "rep", Type: sockets.Rep, Binds: []string{ep}})
	if err := req.Connect(f.ctx, ep); err != nil {
		t.Fatal(err)
	}
	expectReceived(t, repIn, []byte("first"))
	if _, err := rep.SendWait(f.ctx, []byte("reply")); err != nil {
		t.Fatal(err)
	}
	expectReceived(t, reqIn, []byte("reply"))
	quiet(t, repIn)
}

func TestUnbindNeverBound(t *testing.T) {
	f := newFixture(t)
	push, pull, pushIn, pullIn := f.pipe()
	for _, ep := range []string{"tcp://127.0.0.1:1", "inproc://never-bound", "ipc:///tmp/zmqactor-never-bound"} {
		mustIs(t, pull.Unbind(f.ctx, ep), sockets.ErrEndpointNotFound)
		mustIs(t, push.Disconnect(f.ctx, ep), sockets.ErrEndpointNotFound)
	}
	f.system.Root.Send(pull.PID(), &messages.Unbind{Endpoint: "inproc://never-bound"})
	if e := expectError(t, pullIn, messages.ErrorCode_ERROR_CODE_ENDPOINT_NOT_FOUND); e.GetOperation() != "unbind" || e.GetEndpoint() != "inproc://never-bound" {
		t.Errorf("Error event %v, want operation unbind of inproc://never-bound", e)
	}
	// A bound endpoint unbinds once; the second time it is not found.
	ep, err := pull.Bind(f.ctx, "tcp://127.0.0.1:*")
	if err != nil {
		t.Fatal(err)
	}
	if err := pull.Unbind(f.ctx, ep); err != nil {
		t.Fatalf("unbind %s: %v", ep, err)
	}
	mustIs(t, pull.Unbind(f.ctx, ep), sockets.ErrEndpointNotFound)
	f.works(push, pushIn, pullIn)
}

func TestSpawnWithoutOwner(t *testing.T) {
	f := newFixture(t)
	for _, typ := range sockets.Types() {
		sock, err := f.z.Spawn(f.ctx, sockets.Spec{Type: typ})
		if !typ.CanReceive() || typ == sockets.Sub || typ == sockets.XSub || typ == sockets.Dealer || typ == sockets.Req {
			// A SUB or XSUB may serve only the subscribers that ask it, a
			// DEALER or REQ only the actors that send it requests.
			if err != nil {
				t.Errorf("%v without owner: %v", typ, err)
				continue
			}
			if _, err := sock.Close(f.ctx); err != nil {
				t.Errorf("close %v: %v", typ, err)
			}
			continue
		}
		if !errors.Is(err, actors.ErrNoOwner) || sock != nil {
			t.Errorf("%v without owner: %v, want ErrNoOwner", typ, err)
		}
	}
	// A ROUTER or REP with a handler serves it.
	handler := f.inbox()
	for _, typ := range []sockets.Type{sockets.Router, sockets.Rep} {
		sock, err := f.z.Spawn(f.ctx, sockets.Spec{Type: typ}, actors.WithHandler(handler.PID(), actors.ServeOptions{}))
		if err != nil {
			t.Errorf("%v with a handler, without owner: %v", typ, err)
			continue
		}
		if _, err := sock.Close(f.ctx); err != nil {
			t.Errorf("close %v: %v", typ, err)
		}
	}
	// Subscriptions in the spec are the owner's: they need one.
	for _, typ := range []sockets.Type{sockets.Sub, sockets.XSub} {
		sock, err := f.z.Spawn(f.ctx, sockets.Spec{Type: typ, Options: []sockets.Option{sockets.Subscribe(nil)}})
		if !errors.Is(err, actors.ErrNoOwner) || sock != nil {
			t.Errorf("%v subscribing by option without owner: %v, want ErrNoOwner", typ, err)
		}
	}
	if n := f.z.Len(); n != 0 {
		t.Errorf("%d socket actors left", n)
	}
}

// TestBadCommandRightAfterConnect checks that a failing command leaves a
// receiving socket awake. A bind, connect, unbind or disconnect lets ZeroMQ
// process the socket's pending commands, among them the attachment of a
// peer's inproc pipe that just connected, whose messages then arrive with no
// readiness signal; the socket must look again afterwards.
func TestBadCommandRightAfterConnect(t *testing.T) {
	f := newFixture(t)
	for i := range 20 {
		push, pull, pushIn, pullIn := f.pipe()
		switch i % 4 {
		case 0:
			mustIs(t, pull.Unbind(f.ctx, "inproc://never-bound"), sockets.ErrEndpointNotFound)
		case 1:
			_, err := pull.Bind(f.ctx, "tcp://256.0.0.1:1")
			mustIs(t, err, sockets.ErrBadEndpoint)
		case 2:
			mustIs(t, pull.Disconnect(f.ctx, "inproc://never-connected"), sockets.ErrEndpointNotFound)
		case 3:
			if err := pull.Connect(f.ctx, "inproc://nobody-"+f.system.ProcessRegistry.NextId()); err != nil {
				t.Fatal(err)
			}
		}
		f.works(push, pushIn, pullIn)
		for _, s := range []*actors.Socket{push, pull} {
			if _, err := s.CloseLinger(f.ctx, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestPropsSpawnOnce: the props of a socket actor hold its state, so a
// second spawn of them is refused with ErrUnsupported, and the first actor
// keeps working.
func TestPropsSpawnOnce(t *testing.T) {
	f := newFixture(t)
	in := f.inbox()
	ep := "inproc://once-" + f.system.ProcessRegistry.NextId()
	props, err := f.z.Props(sockets.Spec{Name: "once", Type: sockets.Pull, Binds: []string{ep}}, actors.WithOwner(in.PID()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.system.Root.SpawnNamed(props, "once-1"); err != nil {
		t.Fatalf("first spawn: %v", err)
	}
	if _, ok := testutil.Next(t, in, testutil.Wait).(*messages.Started); !ok {
		t.Fatal("no Started from the first spawn")
	}
	_, err = f.system.Root.SpawnNamed(props, "once-2")
	mustIs(t, err, actors.ErrUnsupported)
	if n := f.z.Len(); n != 1 {
		t.Errorf("%d socket actors after a refused second spawn, want 1", n)
	}
	push, pushIn := f.spawn(sockets.Spec{Type: sockets.Push, Connects: []string{ep}})
	body := []byte("to the first")
	if _, err := push.SendWait(f.ctx, body); err != nil {
		t.Fatal(err)
	}
	expectReceived(t, in, body)
	quiet(t, pushIn)
}
