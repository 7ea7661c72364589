package actors_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// authFixture is an actor system with its authenticator, a watcher of its
// decisions and an inbox for what secured servers receive.
type authFixture struct {
	t       *testing.T
	system  *actor.ActorSystem
	z       *actors.Runtime
	auth    *actors.Authenticator
	watch   *actors.Inbox // AuthDecision events
	inbox   *actors.Inbox // Received of the servers
	serverK sockets.Key   // a CURVE server's secret key
	serverP sockets.Key   // and its public key
}

func newAuthFixture(t *testing.T, opts ...actors.AuthOption) *authFixture {
	t.Helper()
	system, z := testutil.NewSystem(t)
	auth, err := z.StartAuthenticator(testutil.Ctx(t), opts...)
	if err != nil {
		t.Fatalf("StartAuthenticator: %v", err)
	}
	f := &authFixture{t: t, system: system, z: z, auth: auth,
		watch: testutil.NewInbox(t, system, 64), inbox: testutil.NewInbox(t, system, 64)}
	if err := auth.Watch(testutil.Ctx(t), f.watch.PID()); err != nil {
		t.Fatalf("Watch: %v", err)
	}
	f.serverP, f.serverK = keyPair(t)
	return f
}

func keyPair(t *testing.T) (public, secret sockets.Key) {
	t.Helper()
	public, secret, err := sockets.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return public, secret
}

// server spawns a PULL bound on tcp with the given security options.
func (f *authFixture) server(opts ...sockets.Option) *actors.Socket {
	f.t.Helper()
	return testutil.Spawn(f.t, f.z, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}, Options: opts},
		actors.WithOwner(f.inbox.PID()))
}

// client spawns a PUSH connected to ep that reconnects quickly, and sends
// body on it.
func (f *authFixture) client(ep, body string, opts ...sockets.Option) *actors.Socket {
	f.t.Helper()
	opts = append(opts, sockets.ReconnectInterval(10*time.Millisecond))
	s := testutil.Spawn(f.t, f.z, sockets.Spec{Type: sockets.Push, Connects: []string{ep}, Options: opts})
	if err := s.Send([]byte(body)); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// received waits for the next message of the servers and checks its body.
func (f *authFixture) received(body string) {
	f.t.Helper()
	r := testutil.Expect[*messages.Received](f.t, f.inbox, testutil.Wait)
	if len(r.GetFrames()) != 1 || string(r.GetFrames()[0]) != body {
		f.t.Fatalf("server received %q, want %q", r.GetFrames(), body)
	}
}

// decision waits for the next decision and checks whether it let the peer in.
func (f *authFixture) decision(allowed bool) *messages.AuthDecision {
	f.t.Helper()
	d := testutil.Expect[*messages.AuthDecision](f.t, f.watch, testutil.Wait)
	if d.GetAllowed() != allowed {
		f.t.Fatalf("decision %v, want allowed=%v", d, allowed)
	}
	return d
}

// noMessage checks that the servers received nothing so far.
func (f *authFixture) noMessage() {
	f.t.Helper()
	select {
	case m := <-f.inbox.C():
		if r, ok := m.(*messages.Received); ok {
			f.t.Fatalf("a refused client's message crossed: %q", r.GetFrames())
		}
	default:
	}
}

// TestCurveAllowlist: a client with the right server key and an allowed key
// gets through; one whose key is not on the allowlist is refused with 400,
// and let in by its next connection once its key is added by message.
func TestCurveAllowlist(t *testing.T) {
	f := newAuthFixture(t)
	ctx := testutil.Ctx(t)
	srv := f.server(sockets.CurveServer(f.serverK), sockets.ZAPDomain("test"))
	goodP, goodS := keyPair(t)
	if _, err := f.auth.AllowCurveKeys(ctx, goodP); err != nil {
		t.Fatal(err)
	}
	f.client(srv.Endpoint(), "from good", sockets.CurveClient(f.serverP, goodP, goodS))
	d := f.decision(true)
	if d.GetMechanism() != "CURVE" || d.GetClientKey() != goodP.String() || d.GetUserId() != goodP.String() ||
		d.GetDomain() != "test" || d.GetAddress() != "127.0.0.1" || d.GetStatusCode() != "200" {
		t.Errorf("decision %v", d)
	}
	f.received("from good")

	otherP, otherS := keyPair(t)
	f.client(srv.Endpoint(), "from other", sockets.CurveClient(f.serverP, otherP, otherS))
	d = f.decision(false)
	if d.GetStatusCode() != "400" || d.GetClientKey() != otherP.String() || d.GetReason() != "client key not on the allowlist" {
		t.Errorf("refusal %v", d)
	}
	f.noMessage()
	policy, err := f.auth.AllowCurveKeys(ctx, otherP)
	if err != nil || policy.GetCurveKeys() != 2 {
		t.Fatalf("AllowCurveKeys: %v %v", policy, err)
	}
	// libzmq 4.3 does not reconnect after a refusal: the next connection
	// of that key, a new client's, is let in.
	f.client(srv.Endpoint(), "from other again", sockets.CurveClient(f.serverP, otherP, otherS))
	waitAllowed(f, otherP.String())
	f.received("from other again")
	st, err := f.auth.Stats(ctx)
	if err != nil || st.GetAllowed() < 2 || st.GetDenied() < 1 || st.GetMalformed() != 0 {
		t.Errorf("stats %v %v", st, err)
	}

	// Revoked: the next connection of a new client with that key is refused.
	if _, err := f.auth.RevokeCurveKeys(ctx, otherP); err != nil {
		t.Fatal(err)
	}
	f.client(srv.Endpoint(), "revoked", sockets.CurveClient(f.serverP, otherP, otherS))
	drainAllowed(f)
	f.noMessage()
}

// drainAllowed waits for a refusal, skipping decisions that let a client in.
func drainAllowed(f *authFixture) {
	f.t.Helper()
	for {
		if d := testutil.Expect[*messages.AuthDecision](f.t, f.watch, testutil.Wait); !d.GetAllowed() {
			return
		}
	}
}

// TestCurveAllowAny: the stonehouse pattern: any client key is let in, and
// traffic is still encrypted to the server's key.
func TestCurveAllowAny(t *testing.T) {
	f := newAuthFixture(t)
	srv := f.server(sockets.CurveServer(f.serverK))
	if p, err := f.auth.SetCurveAllowAny(testutil.Ctx(t), true); err != nil || !p.GetCurveAllowAny() {
		t.Fatalf("SetCurveAllowAny: %v %v", p, err)
	}
	p, s := keyPair(t)
	f.client(srv.Endpoint(), "anyone", sockets.CurveClient(f.serverP, p, s))
	f.decision(true)
	f.received("anyone")
}

// TestPlainPasswords: PLAIN with the right password gets through, with the
// wrong one is refused.
func TestPlainPasswords(t *testing.T) {
	f := newAuthFixture(t)
	ctx := testutil.Ctx(t)
	srv := f.server(sockets.PlainServer())
	p, err := f.auth.SetPasswords(ctx, map[string]string{"admin": "secret", "guest": "guest"})
	if err != nil || len(p.GetUsers()) != 2 || p.GetUsers()[0] != "admin" {
		t.Fatalf("SetPasswords: %v %v", p, err)
	}
	f.client(srv.Endpoint(), "wrong", sockets.PlainClient("admin", "guess"))
	d := f.decision(false)
	if d.GetMechanism() != "PLAIN" || d.GetUsername() != "admin" || d.GetStatusCode() != "400" || d.GetUserId() != "" {
		t.Errorf("refusal %v", d)
	}
	f.noMessage()
	f.client(srv.Endpoint(), "right", sockets.PlainClient("admin", "secret"))
	waitAllowed(f, "admin")
	f.received("right")
}

// waitAllowed waits for a decision letting user in; the wrong client's
// retries may be refused meanwhile.
func waitAllowed(f *authFixture, user string) {
	f.t.Helper()
	for {
		d := testutil.Expect[*messages.AuthDecision](f.t, f.watch, testutil.Wait)
		if d.GetAllowed() {
			if d.GetUserId() != user {
				f.t.Fatalf("let in as %q, want %q", d.GetUserId(), user)
			}
			return
		}
	}
}

// TestAddressDenyList: with 127.0.0.1 denied, a PLAIN client with the right
// password and a NULL client of a server with a ZAP domain are refused; an
// allow list without it refuses too; with the lists cleared both pass.
func TestAddressDenyList(t *testing.T) {
	f := newAuthFixture(t)
	ctx := testutil.Ctx(t)
	if _, err := f.auth.SetPasswords(ctx, map[string]string{"admin": "secret"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.auth.SetAddressPolicy(ctx, nil, []string{"127.0.0.1"})
	if err != nil || len(p.GetDeny()) != 1 {
		t.Fatalf("SetAddressPolicy: %v %v", p, err)
	}
	plain := f.server(sockets.PlainServer())
	null := f.server(sockets.ZAPDomain("global"))
	f.client(plain.Endpoint(), "plain", sockets.PlainClient("admin", "secret"))
	if d := f.decision(false); d.GetReason() != "address 127.0.0.1 is denied" {
		t.Errorf("refusal %v", d)
	}
	f.client(null.Endpoint(), "null")
	waitReason(f, "NULL", "address 127.0.0.1 is denied")
	f.noMessage()
	if _, err := f.auth.SetAddressPolicy(ctx, []string{"10.0.0.0/8", "::2"}, nil); err != nil {
		t.Fatal(err)
	}
	f.client(plain.Endpoint(), "plain", sockets.PlainClient("admin", "secret"))
	waitReason(f, "PLAIN", "address 127.0.0.1 is not on the allow list")
	f.noMessage()
	if _, err := f.auth.SetAddressPolicy(ctx, []string{"127.0.0.0/8", "::ffff:10.1.0.0/112"}, nil); err != nil {
		t.Fatal(err)
	}
	f.client(plain.Endpoint(), "plain", sockets.PlainClient("admin", "secret"))
	f.client(null.Endpoint(), "null")
	got := map[string]bool{}
	for len(got) < 2 {
		r := testutil.Expect[*messages.Received](t, f.inbox, testutil.Wait)
		got[string(r.GetFrames()[0])] = true
	}
	if !got["plain"] || !got["null"] {
		t.Errorf("received %v", got)
	}
	if _, err := f.auth.SetAddressPolicy(ctx, []string{"not an address"}, nil); !isBadOption(err) {
		t.Errorf("bad address: %v, want ErrBadOption", err)
	}
}

func isBadOption(err error) bool { return errors.Is(err, sockets.ErrBadOption) }

// waitReason waits for a refusal of mechanism for reason; the refused
// clients retry every few milliseconds, so earlier refusals come first.
func waitReason(f *authFixture, mechanism, reason string) {
	f.t.Helper()
	for {
		d := f.decision(false)
		if d.GetMechanism() == mechanism && d.GetReason() == reason {
			return
		}
	}
}

// TestAuthenticatorRestart: the authenticator killed on purpose is
// restarted with its policies and watchers; handshakes work after it.
func TestAuthenticatorRestart(t *testing.T) {
	f := newAuthFixture(t, actors.AuthFaultInjection())
	ctx := testutil.Ctx(t)
	srv := f.server(sockets.CurveServer(f.serverK))
	cp, cs := keyPair(t)
	if _, err := f.auth.AllowCurveKeys(ctx, cp); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		f.system.Root.Send(f.auth.PID(), &messages.InjectFault{Reason: "on purpose"})
		p, err := f.auth.Policy(ctx)
		if err != nil || p.GetCurveKeys() != 1 {
			t.Fatalf("round %d: policy after restart %v %v", round, p, err)
		}
		body := "after restart " + string(rune('0'+round))
		cli := f.client(srv.Endpoint(), body, sockets.CurveClient(f.serverP, cp, cs))
		f.decision(true)
		f.received(body)
		if _, err := cli.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st, err := f.auth.Stats(ctx)
	if err != nil || st.GetRestarts() != 3 || st.GetAllowed() != 3 {
		t.Errorf("stats %v %v", st, err)
	}
	// Without fault injection, InjectFault is refused.
	g := newAuthFixture(t)
	res, err := g.system.Root.RequestFuture(g.auth.PID(), &messages.InjectFault{}, testutil.Wait).Result()
	if e, ok := res.(*messages.Error); err != nil || !ok || e.GetCode() != messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION {
		t.Errorf("InjectFault without the option: %v %v", res, err)
	}
}

// TestZAPBadInput: malformed ZAP requests, sent by a DEALER connected to the
// handler in the same context, get status 500 when they carry a request id
// and are dropped otherwise; all are counted, and the authenticator keeps
// serving.
func TestZAPBadInput(t *testing.T) {
	f := newAuthFixture(t)
	ctx := testutil.Ctx(t)
	replies := testutil.NewInbox(t, f.system, 16)
	zap := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Dealer, Connects: []string{actors.ZAPEndpoint}}, actors.WithOwner(replies.PID()))
	key, _ := keyPair(t)
	if _, err := f.auth.AllowCurveKeys(ctx, key); err != nil {
		t.Fatal(err)
	}
	b := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, x := range s {
			out[i] = []byte(x)
		}
		return out
	}
	send := func(frames ...[]byte) {
		t.Helper()
		if err := zap.Send(frames...); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(reqID, code string) {
		t.Helper()
		r := testutil.Expect[*messages.Received](t, replies, testutil.Wait)
		fr := r.GetFrames()
		if len(fr) != 7 || len(fr[0]) != 0 || string(fr[1]) != "1.0" || string(fr[2]) != reqID || string(fr[3]) != code {
			t.Fatalf("reply %q, want request %s status %s", fr, reqID, code)
		}
	}
	send(b("no delimiter", "1.0", "1")...)                                              // dropped
	send(b("", "1.0")...)                                                               // no request id: dropped
	send(b("", "2.0", "2", "d", "127.0.0.1", "", "NULL")...)                            // wrong version
	send(b("", "1.0", "3", "d")...)                                                     // missing frames
	send(b("", "1.0", "4", "d", "127.0.0.1", "", "CURVE", "short key")...)              // bad key
	send(b("", "1.0", "5", "d", "127.0.0.1", "", "PLAIN", "only a user")...)            // missing password
	send(b("", "1.0", "6", "d", "127.0.0.1", "", "GSSAPI", "token")...)                 // unsupported: 400
	send(append(b("", "1.0", "7", "d", "127.0.0.1", "", "CURVE"), key[:])...)           // well formed: 200
	send(append(b("", "1.0", "8", "d", "127.0.0.1", "", "CURVE"), make([]byte, 32))...) // unknown key: 400
	expect("2", "500")
	expect("3", "500")
	expect("4", "500")
	expect("5", "500")
	expect("6", "400")
	expect("7", "200")
	expect("8", "400")
	st, err := f.auth.Stats(ctx)
	if err != nil || st.GetMalformed() != 6 || st.GetAllowed() != 1 || st.GetDenied() != 2 || st.GetRequests() != 3 {
		t.Errorf("stats %v %v", st, err)
	}
	// Bad commands are clear errors, not crashes.
	if _, err := f.auth.AllowCurveKeys(ctx); err != nil {
		t.Errorf("no keys: %v", err)
	}
	res, err := f.system.Root.RequestFuture(f.auth.PID(), &messages.AllowCurveKeys{Keys: [][]byte{[]byte("short")}}, testutil.Wait).Result()
	if e, ok := res.(*messages.Error); err != nil || !ok || e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_OPTION || bytes.Contains([]byte(e.GetMessage()), []byte("short")) {
		t.Errorf("short key: %v %v", res, err)
	}
	if _, err := f.auth.LoadCurveCertificates(ctx, t.TempDir()+"/missing"); err == nil {
		t.Error("LoadCurveCertificates of a missing directory: no error")
	}
	if _, err := f.z.StartAuthenticator(ctx); err == nil {
		t.Error("a second authenticator started")
	}
}

// TestInteropPyzmqCurveClient: pyzmq CURVE clients against an actor CURVE
// server with the authenticator: the allowed key's message arrives, the
// other key is refused with its key reported.
func TestInteropPyzmqCurveClient(t *testing.T) {
	f := newAuthFixture(t)
	srv := f.server(sockets.CurveServer(f.serverK), sockets.ZAPDomain("interop"))
	allowedP, allowedS := keyPair(t)
	if _, err := f.auth.AllowCurveKeys(testutil.Ctx(t), allowedP); err != nil {
		t.Fatal(err)
	}
	const script = `
import sys, zmq
ep, server_key, public, secret, body = sys.argv[1:]
ctx = zmq.Context()
push = ctx.socket(zmq.PUSH)
push.curve_serverkey = server_key.encode()
push.curve_publickey = public.encode()
push.curve_secretkey = secret.encode()
push.connect(ep)
push.send(body.encode())
print("sent", flush=True)
push.close(linger=-1)
ctx.term()  # waits for the message: exiting without it resets the connection
`
	_, lines := python(t, script, srv.Endpoint(), f.serverP.String(), allowedP.String(), allowedS.String(), "hello from pyzmq")
	d := f.decision(true)
	if d.GetClientKey() != allowedP.String() || d.GetDomain() != "interop" {
		t.Errorf("decision %v", d)
	}
	f.received("hello from pyzmq")
	if !lines.Scan() || lines.Text() != "sent" {
		t.Errorf("python: %q", lines.Text())
	}

	otherP, otherS := keyPair(t)
	python(t, script, srv.Endpoint(), f.serverP.String(), otherP.String(), otherS.String(), "refused")
	d = f.decision(false)
	if d.GetClientKey() != otherP.String() || d.GetStatusCode() != "400" {
		t.Errorf("refusal %v", d)
	}
	f.noMessage()
}

// TestAuthenticatorStopStart: an authenticator stopped and started again
// many times serves each time, and leaves no file descriptor behind.
func TestAuthenticatorStopStart(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	inbox := testutil.NewInbox(t, system, 16)
	serverP, serverS := keyPair(t)
	srv := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []sockets.Option{sockets.CurveServer(serverS)}}, actors.WithOwner(inbox.PID()))
	clientP, clientS := keyPair(t)
	cycle := func(i int) {
		auth, err := z.StartAuthenticator(ctx)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		if _, err := auth.AllowCurveKeys(ctx, clientP); err != nil {
			t.Fatal(err)
		}
		cli := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{srv.Endpoint()},
			Options: []sockets.Option{sockets.CurveClient(serverP, clientP, clientS)}})
		if err := cli.Send([]byte("cycle")); err != nil {
			t.Fatal(err)
		}
		testutil.Expect[*messages.Received](t, inbox, testutil.Wait)
		if _, err := cli.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := auth.Stop(ctx); err != nil {
			t.Fatalf("cycle %d: stop: %v", i, err)
		}
		if _, err := auth.Stats(ctx); !errors.Is(err, actors.ErrClosed) {
			t.Fatalf("cycle %d: stats of a stopped authenticator: %v, want ErrClosed", i, err)
		}
	}
	cycle(0)
	before := testutil.OpenFDs(t)
	for i := 1; i <= 20; i++ {
		cycle(i)
	}
	if !testutil.Poll(func() bool { return testutil.OpenFDs(t) <= before }) {
		t.Errorf("open file descriptors: %d before 20 cycles, %d after", before, testutil.OpenFDs(t))
	}
}

// TestCurveWrongServerKey: a CURVE client with the wrong server key never
// completes the handshake, the authenticator is never asked, no message
// crosses, and both sockets' monitors report the failure; a refused key is
// reported as a ZAP 400 by the client's monitor.
func TestCurveWrongServerKey(t *testing.T) {
	f := newAuthFixture(t)
	ctx := testutil.Ctx(t)
	events := testutil.NewInbox(t, f.system, 64)
	srv := f.server(sockets.CurveServer(f.serverK))
	if err := srv.Monitor(ctx, events.PID(), messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_PROTOCOL); err != nil {
		t.Fatal(err)
	}
	wrongP, _ := keyPair(t)
	cp, cs := keyPair(t)
	if _, err := f.auth.AllowCurveKeys(ctx, cp); err != nil {
		t.Fatal(err)
	}
	failures := []messages.SocketEventKind{
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_NO_DETAIL,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_PROTOCOL,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_AUTH,
	}
	client := func(serverKey sockets.Key, p, s sockets.Key) *actors.Socket {
		t.Helper()
		c := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Push, Options: []sockets.Option{sockets.CurveClient(serverKey, p, s)}})
		if err := c.Monitor(ctx, events.PID(), failures...); err != nil {
			t.Fatal(err)
		}
		if err := c.Connect(ctx, srv.Endpoint()); err != nil {
			t.Fatal(err)
		}
		if err := c.Send([]byte("secret")); err != nil {
			t.Fatal(err)
		}
		return c
	}
	bad := client(wrongP, cp, cs)
	seen := map[string]*messages.SocketEvent{}
	for len(seen) < 2 {
		ev := testutil.Expect[*messages.SocketEvent](t, events, testutil.Wait)
		seen[ev.GetSocket()] = ev
	}
	if ev := seen[srv.Name()]; ev.GetKind() != messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_PROTOCOL {
		t.Errorf("server event %v", ev)
	}
	if ev := seen[bad.Name()]; ev == nil || ev.GetKind() != messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_NO_DETAIL {
		t.Errorf("client event %v", ev)
	}
	f.noMessage()
	if st, err := f.auth.Stats(ctx); err != nil || st.GetRequests() != 0 {
		t.Errorf("the authenticator was asked: %v %v", st, err)
	}

	// The right server key but a key not on the allowlist: ZAP 400.
	otherP, otherS := keyPair(t)
	refused := client(f.serverP, otherP, otherS)
	for {
		ev := testutil.Expect[*messages.SocketEvent](t, events, testutil.Wait)
		if ev.GetSocket() != refused.Name() {
			continue
		}
		if ev.GetKind() != messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_AUTH || ev.GetValue() != 400 {
			t.Fatalf("refused client event %v, want HANDSHAKE_FAILED_AUTH 400", ev)
		}
		break
	}
	f.decision(false)
	f.noMessage()
}

// TestFutureIsNoWatcher: a RequestFuture that would become a subscriber
// or watcher is refused with a clear error, since a watched future takes
// protoactor's Watch as its result.
func TestFutureIsNoWatcher(t *testing.T) {
	f := newAuthFixture(t)
	sub := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Sub, Connects: []string{"tcp://127.0.0.1:9"}})
	for _, c := range []struct {
		to  *actor.PID
		cmd any
	}{
		{sub.PID(), &messages.Subscribe{Prefix: []byte("a")}},
		{sub.PID(), &messages.Monitor{}},
		{f.auth.PID(), &messages.WatchAuth{}},
	} {
		res, err := f.system.Root.RequestFuture(c.to, c.cmd, testutil.Wait).Result()
		e, ok := res.(*messages.Error)
		if err != nil || !ok || e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE {
			t.Errorf("%T from a future: %v %v, want ERROR_CODE_INVALID_MESSAGE", c.cmd, res, err)
		}
	}
}
