package actors_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// sentinel is one sentinel error a caller may test, and how to provoke it
// through the public API: through a socket actor wherever one is involved,
// so that the error crossed the actor boundary as a messages.Error.
type sentinel struct {
	name string // as declared: "sockets.ErrClosed"
	err  error
	// wire: the sentinel has a wire code, so it must also survive
	// ErrorToProto and ErrorFromProto on its own, as it does between nodes.
	wire    bool
	provoke func(t *testing.T, f *fixture) error
}

// TestSentinels provokes every sentinel of packages sockets, actors and
// supervision and checks errors.Is on what the public method returned. The
// table must name every exported Err variable those packages declare, read
// from their source, so that a new sentinel without a case fails here.
func TestSentinels(t *testing.T) {
	table := sentinels()
	named := map[string]bool{}
	for _, s := range table {
		named[s.name] = true
	}
	for _, name := range declaredSentinels(t, "../sockets", "../actors", "../supervision") {
		if !named[name] {
			t.Errorf("%s has no case in the sentinel table", name)
		}
	}
	for _, s := range table {
		t.Run(s.name, func(t *testing.T) {
			if s.provoke == nil {
				if alias := aliasOf(s, table); alias == "" {
					t.Fatalf("%s: no way to provoke it and no sentinel it re-exports", s.name)
				}
				return // the same value as the case it re-exports
			}
			f := newFixture(t)
			err := s.provoke(t, f)
			if !errors.Is(err, s.err) {
				t.Fatalf("got %v (%T), want an error that is %s", err, err, s.name)
			}
			if s.wire {
				back := sockets.ErrorFromProto(sockets.ErrorToProto("socket", err))
				if !errors.Is(back, s.err) {
					t.Errorf("after ErrorToProto and ErrorFromProto: %v is no longer %s", back, s.name)
				}
			}
		})
	}
}

// aliasOf returns the name of another case with the same error value.
func aliasOf(s sentinel, table []sentinel) string {
	for _, o := range table {
		if o.err == s.err && o.provoke != nil {
			return o.name
		}
	}
	return ""
}

// declaredSentinels lists "pkg.ErrX" for every exported package-level
// variable named Err... in the non-test files of dirs.
func declaredSentinels(t *testing.T, dirs ...string) []string {
	t.Helper()
	var names []string
	fset := token.NewFileSet()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(fset, path, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range file.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, spec := range g.Specs {
					for _, n := range spec.(*ast.ValueSpec).Names {
						if strings.HasPrefix(n.Name, "Err") && n.IsExported() {
							names = append(names, file.Name.Name+"."+n.Name)
						}
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

func sentinels() []sentinel {
	return []sentinel{
		{"sockets.ErrUnknownType", sockets.ErrUnknownType, true, func(t *testing.T, f *fixture) error {
			_, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Type(99)})
			return err
		}},
		{"sockets.ErrBadEndpoint", sockets.ErrBadEndpoint, true, func(t *testing.T, f *fixture) error {
			pull, _ := f.spawn(sockets.Spec{Type: sockets.Pull})
			_, err := pull.Bind(f.ctx, "nope://x")
			return err
		}},
		{"sockets.ErrAddressInUse", sockets.ErrAddressInUse, true, func(t *testing.T, f *fixture) error {
			a, _ := f.spawn(sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}})
			b, _ := f.spawn(sockets.Spec{Type: sockets.Pull})
			_, err := b.Bind(f.ctx, a.Endpoint())
			return err
		}},
		{"sockets.ErrEndpointNotFound", sockets.ErrEndpointNotFound, true, func(t *testing.T, f *fixture) error {
			pull, _ := f.spawn(sockets.Spec{Type: sockets.Pull})
			return pull.Unbind(f.ctx, "inproc://never-bound")
		}},
		{"sockets.ErrBadOption", sockets.ErrBadOption, true, func(t *testing.T, f *fixture) error {
			pull, _ := f.spawn(sockets.Spec{Type: sockets.Pull})
			return pull.SetOption(f.ctx, sockets.SendHWM(-1))
		}},
		{"sockets.ErrUnsupported", sockets.ErrUnsupported, true, func(t *testing.T, f *fixture) error {
			pull, _ := f.spawn(sockets.Spec{Type: sockets.Pull})
			_, err := pull.SendWait(f.ctx, []byte("a PULL does not send"))
			return err
		}},
		{"sockets.ErrBadMessage", sockets.ErrBadMessage, true, func(t *testing.T, f *fixture) error {
			push, _ := f.spawn(sockets.Spec{Type: sockets.Push})
			_, err := push.SendWait(f.ctx) // no frames
			return err
		}},
		{"sockets.ErrTooLarge", sockets.ErrTooLarge, true, func(t *testing.T, f *fixture) error {
			push, _ := f.spawn(sockets.Spec{Type: sockets.Push, Options: []sockets.Option{sockets.MaxMessageSize(4)}})
			_, err := push.SendWait(f.ctx, []byte("longer than four"))
			return err
		}},
		{"sockets.ErrQueueFull", sockets.ErrQueueFull, true, func(t *testing.T, f *fixture) error {
			// A PUSH with no peer refuses every send with EAGAIN: the first
			// waits in the queue of one, the second finds it full.
			push, _ := f.spawn(sockets.Spec{Type: sockets.Push, SendQueueLimit: 1})
			if queued, err := push.SendWait(f.ctx, []byte("1")); err != nil || !queued {
				t.Fatalf("first send: queued %v, %v", queued, err)
			}
			_, err := push.SendWait(f.ctx, []byte("2"))
			return err
		}},
		{"sockets.ErrHostUnreachable", sockets.ErrHostUnreachable, true, func(t *testing.T, f *fixture) error {
			router, _ := f.spawn(sockets.Spec{Type: sockets.Router, Options: []sockets.Option{sockets.RouterMandatory(true)}})
			_, err := router.SendWait(f.ctx, []byte("nobody"), []byte("hello"))
			return err
		}},
		{"sockets.ErrClosed", sockets.ErrClosed, true, func(t *testing.T, f *fixture) error {
			pull, _ := f.spawn(sockets.Spec{Type: sockets.Pull})
			if _, err := pull.Close(f.ctx); err != nil {
				t.Fatal(err)
			}
			_, err := pull.Bind(f.ctx, "inproc://after-close")
			return err
		}},
		{"sockets.ErrTerminated", sockets.ErrTerminated, true, func(t *testing.T, f *fixture) error {
			system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
			defer system.Shutdown()
			z, err := actors.NewRuntime(system)
			if err != nil {
				t.Fatal(err)
			}
			if err := z.Shutdown(f.ctx); err != nil {
				t.Fatal(err)
			}
			_, err = z.Spawn(f.ctx, sockets.Spec{Type: sockets.Push})
			return err
		}},
		{"sockets.ErrRequestTimeout", sockets.ErrRequestTimeout, true, func(t *testing.T, f *fixture) error {
			dealer, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Dealer, Connects: []string{"inproc://nobody-serves"}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = dealer.Request(f.ctx, [][]byte{[]byte("anyone?")}, actors.WithTimeout(20*time.Millisecond))
			return err
		}},
		{"sockets.ErrHandlerFailed", sockets.ErrHandlerFailed, true, func(t *testing.T, f *fixture) error {
			// The server's owner hears of it, as an Error event.
			refuse := f.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
				if _, ok := ctx.Message().(*messages.Request); ok {
					ctx.Respond(&messages.Error{Message: "no"})
				}
			}))
			owner := f.inbox()
			srv, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Router, Binds: []string{"inproc://refusing"}},
				actors.WithHandler(refuse, actors.ServeOptions{}), actors.WithOwner(owner.PID()))
			if err != nil {
				t.Fatal(err)
			}
			cli, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Dealer, Connects: []string{srv.Endpoint()}})
			if err != nil {
				t.Fatal(err)
			}
			go func() { _, _ = cli.Request(f.ctx, [][]byte{[]byte("please")}, actors.WithTimeout(time.Second)) }()
			return sockets.ErrorFromProto(testutil.Expect[*messages.Error](t, owner, testutil.Wait))
		}},
		{"sockets.ErrSocket", sockets.ErrSocket, true, func(t *testing.T, f *fixture) error {
			// A socket actor that fails on a command answers it with ErrSocket.
			failing := actor.WithReceiverMiddleware(testutil.FailOn(isGetStats, testutil.ErrBoom))
			pull, _ := f.spawn(sockets.Spec{Type: sockets.Pull}, actors.WithProps(failing))
			_, err := pull.Stats(f.ctx)
			return err
		}},
		{"sockets.ErrBadKey", sockets.ErrBadKey, true, func(t *testing.T, f *fixture) error {
			pull, _ := f.spawn(sockets.Spec{Type: sockets.Pull})
			short := &messages.SocketOption{Option: &messages.SocketOption_CurveServer{
				CurveServer: &messages.CurveServer{SecretKey: make([]byte, sockets.KeySize-1)}}}
			return pull.SetOption(f.ctx, short)
		}},
		{"sockets.ErrBadCertificate", sockets.ErrBadCertificate, true, func(t *testing.T, f *fixture) error {
			auth, err := f.z.StartAuthenticator(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "broken.key"), []byte("not a certificate\x00"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = auth.LoadCurveCertificates(f.ctx, dir)
			return err
		}},
		{"sockets.ErrNoOwner", sockets.ErrNoOwner, true, func(t *testing.T, f *fixture) error {
			sub, err := f.z.Spawn(f.ctx, sockets.Spec{Type: sockets.Sub})
			if err != nil {
				t.Fatal(err)
			}
			return sub.SetOption(f.ctx, sockets.Subscribe([]byte("the owner's")))
		}},
		{"actors.ErrCommandTimeout", actors.ErrCommandTimeout, false, func(t *testing.T, f *fixture) error {
			system, z := testutil.NewSystem(t, actors.WithCommandTimeout(50*time.Millisecond))
			pull, err := z.Spawn(f.ctx, sockets.Spec{Type: sockets.Pull}, actors.WithOwner(f.inbox().PID()))
			if err != nil {
				t.Fatal(err)
			}
			mailbox := func(m actor.MailboxMessage) {
				proc, _ := system.ProcessRegistry.Get(pull.PID())
				proc.SendSystemMessage(pull.PID(), m)
			}
			mailbox(&actor.SuspendMailbox{})
			defer mailbox(&actor.ResumeMailbox{})
			_, err = pull.Stats(context.Background()) // no deadline: the command timeout bounds the wait
			return err
		}},
		{"actors.ErrUnexpectedReply", actors.ErrUnexpectedReply, false, func(t *testing.T, f *fixture) error {
			// A socket actor whose own middleware (WithProps) answers
			// GetStats with the wrong message.
			wrong := actor.WithReceiverMiddleware(func(next actor.ReceiverFunc) actor.ReceiverFunc {
				return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
					if isGetStats(env.Message) {
						ctx.ActorSystem().Root.Send(env.Sender, &messages.Bound{})
						return
					}
					next(ctx, env)
				}
			})
			pull, _ := f.spawn(sockets.Spec{Type: sockets.Pull}, actors.WithProps(wrong))
			_, err := pull.Stats(f.ctx)
			return err
		}},
		{"actors.ErrExists", actors.ErrExists, false, func(t *testing.T, f *fixture) error {
			_, err := actors.NewRuntime(f.system)
			return err
		}},
		{"supervision.ErrBadPolicy", supervision.ErrBadPolicy, false, func(t *testing.T, f *fixture) error {
			_, err := supervision.Start(f.ctx, f.z, supervision.Service{Name: "tree",
				Sockets: []supervision.Socket{{Spec: sockets.Spec{Type: sockets.Pull}}}}, nil) // a socket with no name
			return err
		}},
		{"supervision.ErrUnknownName", supervision.ErrUnknownName, false, func(t *testing.T, f *fixture) error {
			tree, err := supervision.Start(f.ctx, f.z, supervision.Service{Name: "names"}, nil)
			if err != nil {
				return err
			}
			defer func() { _ = tree.Stop(f.ctx) }()
			_, err = tree.Socket("nobody")
			return err
		}},
		{"supervision.ErrEscalate", supervision.ErrEscalate, false, func(t *testing.T, f *fixture) error {
			// A socket actor that fails with it: its supervisor's decider
			// finds the sentinel in the reason.
			return escalated(t, f)
		}},
		{"actors.ErrNoFactory", actors.ErrNoFactory, false, func(t *testing.T, f *fixture) error {
			// No factory runs on this node under the default name.
			_, err := f.z.SpawnAt(f.ctx, actors.FactoryAt(f.system.Address()), sockets.Spec{Type: sockets.Push})
			return err
		}},
		{"sockets.ErrInsecureLink", sockets.ErrInsecureLink, true, func(t *testing.T, f *fixture) error {
			// A node without a remote is no encrypted one: its factory
			// refuses a secret key, and the Error carries the sentinel.
			factory, err := f.z.StartFactory(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = factory.Stop(context.Background()) })
			_, secret, err := sockets.NewKeyPair()
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.z.SpawnAt(f.ctx, factory.PID(), sockets.Spec{Type: sockets.Rep, Options: []sockets.Option{sockets.CurveServer(secret)}},
				actors.WithHandler(f.inbox().PID(), actors.ServeOptions{}))
			return err
		}},
		{name: "actors.ErrInsecureLink", err: actors.ErrInsecureLink},
		{name: "actors.ErrNoOwner", err: actors.ErrNoOwner},
		{name: "actors.ErrClosed", err: actors.ErrClosed},
		{name: "actors.ErrTerminated", err: actors.ErrTerminated},
		{name: "actors.ErrBadEndpoint", err: actors.ErrBadEndpoint},
		{name: "actors.ErrBadOption", err: actors.ErrBadOption},
		{name: "actors.ErrUnsupported", err: actors.ErrUnsupported},
		{name: "actors.ErrQueueFull", err: actors.ErrQueueFull},
		{name: "actors.ErrTooLarge", err: actors.ErrTooLarge},
		{name: "actors.ErrRequestTimeout", err: actors.ErrRequestTimeout},
		{name: "actors.ErrHandlerFailed", err: actors.ErrHandlerFailed},
	}
}

// escalated fails a child socket actor with an error wrapping
// supervision.ErrEscalate and returns the reason its supervisor's decider
// saw.
func escalated(t *testing.T, f *fixture) error {
	reasons := make(chan error, 1)
	strategy, err := supervision.OneForOne(supervision.WithDecider(func(reason any) actor.Directive {
		if err, ok := reason.(error); ok {
			select {
			case reasons <- err:
			default:
			}
		}
		return actor.StopDirective
	}))
	if err != nil {
		t.Fatal(err)
	}
	escalate := actor.WithReceiverMiddleware(testutil.FailOn(isGetStats,
		errors.Join(supervision.ErrEscalate, errors.New("configuration gone"))))
	props, err := f.z.Props(sockets.Spec{Type: sockets.Push}, actors.WithProps(escalate))
	if err != nil {
		t.Fatal(err)
	}
	children := make(chan *actor.PID, 1)
	f.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started:
			children <- ctx.Spawn(props)
		case *messages.Started:
			ctx.Request(ctx.Sender(), &messages.GetStats{})
		}
	}, actor.WithSupervisor(strategy)))
	<-children
	select {
	case err := <-reasons:
		return err
	case <-time.After(testutil.Wait):
		t.Fatal("the supervisor saw no failure")
		return nil
	}
}

func isGetStats(msg any) bool { _, ok := msg.(*messages.GetStats); return ok }
