package actors_test

import (
	"testing"
	"time"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// BenchmarkHandshake measures what security costs a new connection: each
// op is one connection of a raw pebbe/zmq4 PUSH (its own context) to a PULL
// socket actor over tcp loopback, from connect to the first message at the
// server's owner, then the client's close. "null" has no security; "plain"
// and "curve" go through the context's ZAP authenticator, which lets the
// client in (PLAIN password, CURVE allowlist). conn/s is the figure.
func BenchmarkHandshake(b *testing.B) {
	serverP, serverS, err := sockets.NewKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	clientP, clientS, err := sockets.NewKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name   string
		server []sockets.Option
		client func(*zmq4.Socket) error
	}{
		{"null", nil, func(*zmq4.Socket) error { return nil }},
		{"plain", []sockets.Option{sockets.PlainServer()}, func(s *zmq4.Socket) error {
			if err := s.SetPlainUsername("bench"); err != nil {
				return err
			}
			return s.SetPlainPassword("secret")
		}},
		{"curve", []sockets.Option{sockets.CurveServer(serverS)}, func(s *zmq4.Socket) error {
			if err := s.SetCurveServerkey(serverP.String()); err != nil {
				return err
			}
			if err := s.SetCurvePublickey(clientP.String()); err != nil {
				return err
			}
			return s.SetCurveSecretkey(clientS.String())
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			system, z := testutil.NewSystem(b)
			ctx := testutil.Ctx(b)
			auth, err := z.StartAuthenticator(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := auth.AllowCurveKeys(ctx, clientP); err != nil {
				b.Fatal(err)
			}
			if _, err := auth.SetPasswords(ctx, map[string]string{"bench": "secret"}); err != nil {
				b.Fatal(err)
			}
			inbox := testutil.NewInbox(b, system, 16)
			srv := testutil.Spawn(b, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}, Options: c.server},
				actors.WithOwner(inbox.PID()))
			zctx, err := zmq4.NewContext()
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = zctx.Term() }()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				push, err := zctx.NewSocket(zmq4.PUSH)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.client(push); err != nil {
					b.Fatal(err)
				}
				if err := push.Connect(srv.Endpoint()); err != nil {
					b.Fatal(err)
				}
				if _, err := push.Send("hello", 0); err != nil {
					b.Fatal(err)
				}
				testutil.Expect[*messages.Received](b, inbox, testutil.Wait)
				_ = push.SetLinger(0)
				if err := push.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "conn/s")
			b.StopTimer()
			if c.name != "null" {
				st, err := auth.Stats(ctx)
				if err != nil || st.GetAllowed() != uint64(b.N) {
					b.Fatalf("authenticator stats %v %v, want %d allowed", st, err, b.N)
				}
			}
		})
	}
}
