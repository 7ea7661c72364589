package main

import (
	"context"
	"fmt"
	"strings"

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
	friend := client("friend", friendPub, friendSec)
	intruder := client("intruder", intruderPub, intruderSec)
	// The authenticator names a client by its public key; the demo knows
	// whose each is.
	owners := map[string]string{friendPub.String(): "friend", intruderPub.String(): "intruder"}

	for got, refused, events := false, false, false; !got || !refused || !events; {
		select {
		case m := <-inbox.C():
			switch m := m.(type) {
			case *messages.Received:
				fmt.Printf("vault: received %q (encrypted on the wire)\n", m.GetFrames()[0])
				got = true
			case *messages.SocketEvent:
				fmt.Printf("%s: its monitor reports %q, ZAP status %d\n", m.GetSocket(), eventName(m.GetKind()), m.GetValue())
				events = true
			}
		case m := <-decisions.C():
			if d, ok := m.(*messages.AuthDecision); ok {
				verdict := "let in"
				if !d.GetAllowed() {
					verdict = "refused"
				}
				fmt.Printf("authenticator: %s client %s %s (%s %s)\n", d.GetMechanism(), owners[d.GetClientKey()], verdict, d.GetStatusCode(), d.GetReason())
				refused = refused || !d.GetAllowed()
			}
		case <-ctx.Done():
			p.Check(fmt.Errorf("security demo: %w", ctx.Err()))
		}
	}
	// The clients watch the inbox for their monitors: they let go of it,
	// and the sockets close before it, the vault's owner; the decisions
	// inbox stops before the authenticator, which watches it.
	for _, c := range []*actors.Socket{friend, intruder} {
		p.Check(c.Unmonitor(ctx, inbox.PID()))
	}
	for _, s := range []*actors.Socket{friend, intruder, server} {
		closeSocket(ctx, p, s)
	}
	decisions.Close()
	p.Check(auth.Stop(ctx))
}

// eventName is a monitor event's kind in words: "handshake failed auth"
// for SOCKET_EVENT_KIND_HANDSHAKE_FAILED_AUTH.
func eventName(k messages.SocketEventKind) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k.String(), "SOCKET_EVENT_KIND_"), "_", " "))
}
