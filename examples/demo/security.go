package main

import (
	"context"
	"fmt"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// securityDemo runs a CURVE PULL server checked by the context's ZAP
// authenticator: a client whose key is on the allowlist gets its message
// through, an intruder is refused, and the intruder's own monitor reports
// the refusal.
func securityDemo(ctx context.Context, p *cli.Program) {
	serverPub, serverSec, err := sockets.NewKeyPair()
	p.Check(err)
	friendPub, friendSec, err := sockets.NewKeyPair()
	p.Check(err)
	intruderPub, intruderSec, err := sockets.NewKeyPair()
	p.Check(err)

	auth, err := p.Z.StartAuthenticator(ctx)
	p.Check(err)
	decisions := actors.NewInbox(p.System, 16)
	defer decisions.Close()
	p.Check(auth.Watch(ctx, decisions.PID()))
	_, err = auth.AllowCurveKeys(ctx, friendPub)
	p.Check(err)

	inbox := actors.NewInbox(p.System, 16)
	defer inbox.Close()
	server, err := p.Z.Spawn(ctx, sockets.Spec{Name: "vault", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"},
		Options: bounded(sockets.CurveServer(serverSec))}, actors.WithOwner(inbox.PID()))
	p.Check(err)
	fmt.Printf("vault: CURVE server on %s, 1 client key allowed\n", server.Endpoint())

	client := func(name string, public, secret sockets.Key) *actors.Socket {
		c, err := p.Z.Spawn(ctx, sockets.Spec{Name: name, Type: sockets.Push,
			Options: []sockets.Option{sockets.CurveClient(serverPub, public, secret)}})
		p.Check(err)
		p.Check(c.Monitor(ctx, inbox.PID(), messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_AUTH))
		p.Check(c.Connect(ctx, server.Endpoint()))
		p.Check(c.Send([]byte("secret from " + name)))
		return c
	}
	client("friend", friendPub, friendSec)
	client("intruder", intruderPub, intruderSec)

	for got, refused, events := false, false, false; !got || !refused || !events; {
		select {
		case m := <-inbox.C():
			switch m := m.(type) {
			case *messages.Received:
				fmt.Printf("vault: received %q (encrypted on the wire)\n", m.GetFrames()[0])
				got = true
			case *messages.SocketEvent:
				fmt.Printf("%s: monitor says %v, ZAP status %d\n", m.GetSocket(), m.GetKind(), m.GetValue())
				events = true
			}
		case m := <-decisions.C():
			if d, ok := m.(*messages.AuthDecision); ok {
				fmt.Printf("authenticator: %s key %.8s... allowed=%v (%s %s)\n", d.GetMechanism(), d.GetClientKey(), d.GetAllowed(), d.GetStatusCode(), d.GetReason())
				refused = refused || !d.GetAllowed()
			}
		case <-ctx.Done():
			p.Check(fmt.Errorf("security demo: %w", ctx.Err()))
		}
	}
}
