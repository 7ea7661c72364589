package actors_test

import (
	"testing"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func TestSmokePushPull(t *testing.T) {
	system, z := testutil.NewSystem(t)
	inbox := testutil.NewInbox(t, system, 16)
	ctx := testutil.Ctx(t)
	pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(inbox.PID()))
	testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: pull.Bound()})
	if err := push.Send([]byte("hello"), []byte{}, []byte("world")); err != nil {
		t.Fatal(err)
	}
	got := testutil.Expect[*messages.Received](t, inbox, testutil.Wait)
	if len(got.Frames) != 3 || string(got.Frames[0]) != "hello" || len(got.Frames[1]) != 0 || string(got.Frames[2]) != "world" {
		t.Fatalf("got %q", got.Frames)
	}
	if _, err := push.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := push.Send([]byte("x")); err == nil {
		t.Fatal("send after close: no error")
	}
}
