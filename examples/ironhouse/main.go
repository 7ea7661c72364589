// Ironhouse is the zguide's "ironhouse" pattern, strong security for a
// request/reply pair: the server is a CURVE server, so the traffic is
// encrypted and the client authenticates the server by its public key; the
// server's ZAP authenticator lets in only the client keys of an allowlist,
// loaded from a directory of public certificates. As in the zguide the
// server binds tcp://*:9000 and the client connects to
// tcp://127.0.0.1:9000, in one process.
//
// Certificates are kept as CZMQ keeps them: NAME.key with the public key,
// which may be shared, and NAME.key_secret with both keys, mode 0600. With
// -certs DIR the program uses server.key and client.key from DIR, making
// them the first time; the allowlist is DIR/clients, where the client's
// public certificate is copied. Without -certs it works in a temporary
// directory, removed at exit.
//
// It prints the certificates it uses, sends -n requests "Hello" from the
// allowed client (the REP server's handler prints "Received request:
// [Hello]" and answers "World"; the client prints "Received reply N
// [World]"), then tries with an intruder, a client whose key is not on the
// allowlist, and prints the authenticator's refusal. It ends with the
// zguide's "Ironhouse test OK" and exits 0; any failure exits 1, SIGINT or
// SIGTERM exit 0.
//
// The server prints "bound ENDPOINT" once it listens. With -wait the
// program then waits for Enter before its client starts, and the server
// serves whoever else connects meanwhile (a client in another language, a
// test). The server takes frames of up to a kilobyte (hello.MaxRequest,
// sockets.MaxMessageSize): a request is one word, and a CURVE handshake
// needs a few hundred bytes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/examples/internal/hello"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	bind := flag.String("bind", "tcp://*:9000", "endpoint the server binds")
	connect := flag.String("connect", "tcp://127.0.0.1:9000", "endpoint the clients connect to")
	certs := flag.String("certs", "", "directory of the certificates (default: a temporary one)")
	n := flag.Int("n", 3, "number of requests of the allowed client")
	wait := flag.Bool("wait", false, "wait for Enter, serving, before the client starts")
	flag.Parse()
	cli.UsageIf(*n < 0 || flag.NArg() > 0, "ironhouse: -n must be >= 0, and no arguments")

	p := cli.Start("ironhouse")
	defer p.Close()
	dir := *certs
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ironhouse-")
		p.Check(err)
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	server, err := certificate(filepath.Join(dir, "server.key"))
	p.Check(err)
	client, err := certificate(filepath.Join(dir, "client.key"))
	p.Check(err)
	allowed := filepath.Join(dir, "clients")
	p.Check(os.MkdirAll(allowed, 0o755))
	p.Check(sockets.Certificate{Public: client.Public}.Save(filepath.Join(allowed, "client.key")))
	fmt.Printf("server key %s (secret in %s)\n", server.Public, filepath.Join(dir, "server.key_secret"))
	fmt.Printf("client key %s, allowed by %s\n", client.Public, allowed)

	// The authenticator first: a CURVE server refuses every client until it
	// runs. Then the allowlist, from the certificates.
	auth, err := p.Z.StartAuthenticator(p.Ctx)
	p.Check(err)
	decisions := p.Inbox(16)
	p.Check(auth.Watch(p.Ctx, decisions.PID()))
	policy, err := auth.LoadCurveCertificates(p.Ctx, allowed)
	p.Check(err)
	fmt.Printf("authenticator: %d client key(s) on the allowlist\n", policy.GetCurveKeys())

	srv := p.Spawn(sockets.Spec{Name: "server", Type: sockets.Rep, Binds: []string{*bind},
		Options: []sockets.Option{sockets.CurveServer(server.Secret), sockets.MaxMessageSize(hello.MaxRequest)}},
		actors.WithHandler(p.System.Root.Spawn(hello.Props(0)), actors.ServeOptions{}), actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", srv.Endpoint())
	if *wait && !p.AwaitEnter("Press Enter to start the client: ") {
		return // Close (deferred) shuts down cleanly.
	}

	req := p.Spawn(sockets.Spec{Name: "client", Type: sockets.Req, Connects: []string{*connect},
		Options: []sockets.Option{sockets.CurveClient(server.Public, client.Public, client.Secret)}})
	for i := range *n {
		reply, err := req.Request(p.Ctx, [][]byte{[]byte("Hello")})
		p.Check(err)
		fmt.Printf("Received reply %d [%s]\n", i, reply.GetFrames()[0])
	}

	// An intruder: right server key, its own key pair, not on the allowlist.
	intruderP, intruderS, err := sockets.NewKeyPair()
	p.Check(err)
	intruder := p.Spawn(sockets.Spec{Name: "intruder", Type: sockets.Req, Connects: []string{*connect},
		Options: []sockets.Option{sockets.CurveClient(server.Public, intruderP, intruderS)}},
		actors.WithRequestTimeout(time.Second))
	asked := make(chan error, 1)
	go func() {
		_, err := intruder.Request(p.Ctx, [][]byte{[]byte("Hello")})
		asked <- err
	}()
	for refused := false; !refused; {
		select {
		case <-p.Ctx.Done():
			p.Check(p.Ctx.Err())
		case m := <-p.Events.C():
			p.Event(m)
		case m := <-decisions.C():
			if d, ok := m.(*messages.AuthDecision); ok && d.GetClientKey() == intruderP.String() {
				if d.GetAllowed() {
					p.Check(errors.New("the intruder was let in"))
				}
				fmt.Printf("intruder %s refused: %s %s\n", d.GetClientKey(), d.GetStatusCode(), d.GetReason())
				refused = true
			}
		}
	}
	if err := <-asked; !errors.Is(err, actors.ErrRequestTimeout) {
		p.Check(fmt.Errorf("the intruder's request: %v, want a timeout", err))
	}
	fmt.Println("Ironhouse test OK")
}

// certificate loads the certificate at path, or makes and saves a new one.
func certificate(path string) (sockets.Certificate, error) {
	c, err := sockets.LoadCertificate(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return c, err
	}
	if c, err = sockets.NewCertificate(); err != nil {
		return c, err
	}
	return c, c.Save(path)
}
