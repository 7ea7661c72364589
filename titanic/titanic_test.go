package titanic_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/titanic"
)

func TestMain(m *testing.M) { testutil.VerifyNoLeaks(m) }

var fast = actors.Heartbeat{Interval: 100 * time.Millisecond, ReconnectMin: 100 * time.Millisecond}

func echo(ctx actor.Context) {
	if r, ok := ctx.Message().(*messages.Request); ok {
		ctx.Respond(&messages.Reply{Frames: r.GetFrames()})
	}
}

// ask asks service through the client and returns the answer's frames as
// strings.
func ask(t *testing.T, cli *actors.Socket, service string, body ...string) []string {
	t.Helper()
	frames := make([][]byte, len(body))
	for i, b := range body {
		frames[i] = []byte(b)
	}
	r, err := cli.AskService(testutil.Ctx(t), service, frames, actors.WithTimeout(5*time.Second), actors.WithRetries(2))
	if err != nil {
		t.Fatalf("%s %q: %v", service, body, err)
	}
	out := make([]string, len(r.GetFrames()))
	for i, f := range r.GetFrames() {
		out[i] = string(f)
	}
	return out
}

// TestTitanic hands Titanic requests for a service that has no worker,
// restarts the service (a new one on the same store), then starts a
// worker: every request is answered, its reply kept until titanic.close.
func TestTitanic(t *testing.T) {
	system, z := testutil.NewSystem(t)
	broker := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithMajordomoBroker(actors.MajordomoBrokerOptions{Heartbeat: fast}))
	cfg := titanic.Config{Broker: broker.Endpoint(), Path: filepath.Join(t.TempDir(), "titanic.db"), Heartbeat: fast,
		Timeout: time.Second, Poll: 100 * time.Millisecond}
	svc, err := titanic.Start(testutil.Ctx(t), z, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cli := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Dealer, Connects: []string{broker.Endpoint()}},
		actors.WithMajordomoClient(actors.MajordomoClientOptions{}))
	const n = 5
	ids := make([]string, n)
	for i := range n {
		r := ask(t, cli, titanic.RequestService, "echo", fmt.Sprint(i), "tail")
		if len(r) != 2 || r[0] != titanic.StatusOK || len(r[1]) != 32 {
			t.Fatalf("titanic.request: %q", r)
		}
		ids[i] = r[1]
	}
	if r := ask(t, cli, titanic.ReplyService, ids[0]); len(r) != 1 || r[0] != titanic.StatusPending {
		t.Fatalf("titanic.reply before a worker: %q", r)
	}
	if n, err := svc.Waiting(); err != nil || n != 5 {
		t.Fatalf("waiting: %d, %v", n, err)
	}
	// A second service on the same store cannot open it while the first
	// has it.
	if _, err := titanic.Start(testutil.Ctx(t), z, cfg); !errors.Is(err, titanic.ErrStore) {
		t.Fatalf("a second service on the store: %v", err)
	}
	if err := svc.Close(testutil.Ctx(t)); err != nil {
		t.Fatal(err)
	}
	svc, err = titanic.Start(testutil.Ctx(t), z, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := svc.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	testutil.Spawn(t, z, sockets.Spec{Type: sockets.Dealer, Connects: []string{broker.Endpoint()}},
		actors.WithMajordomoWorker("echo", system.Root.Spawn(actor.PropsFromFunc(echo)), actors.MajordomoWorkerOptions{Heartbeat: fast}))
	for i, id := range ids {
		var r []string
		if !testutil.Poll(func() bool {
			r = ask(t, cli, titanic.ReplyService, id)
			return r[0] != titanic.StatusPending
		}) {
			t.Fatalf("request %d never answered", i)
		}
		if want := fmt.Sprintf("%q", []string{"200", fmt.Sprint(i), "tail"}); fmt.Sprintf("%q", r) != want {
			t.Fatalf("titanic.reply %d: %q, want %s", i, r, want)
		}
		if r := ask(t, cli, titanic.CloseService, id); r[0] != titanic.StatusOK {
			t.Fatalf("titanic.close: %q", r)
		}
		if r := ask(t, cli, titanic.ReplyService, id); r[0] != titanic.StatusUnknown {
			t.Fatalf("titanic.reply after close: %q", r)
		}
	}
	if n, err := svc.Waiting(); err != nil || n != 0 {
		t.Fatalf("waiting: %d, %v", n, err)
	}
	for _, bad := range [][]string{{"only a service"}, {"a", "b"}} {
		svcName := titanic.RequestService
		if len(bad) == 2 {
			svcName = titanic.ReplyService
		}
		if r := ask(t, cli, svcName, bad...); r[0] != titanic.StatusUnknown {
			t.Fatalf("%s %q: %q, want 400", svcName, bad, r)
		}
	}
}
