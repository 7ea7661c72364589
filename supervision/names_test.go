package supervision_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// TestRunningNames: sockets and handlers are found by the same names, the
// path of service names and the name, or the bare name when it is unique;
// the path is the actor's id; an unknown name and a bare name two handlers
// share are errors wrapping ErrUnknownName.
func TestRunningNames(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	nop := actor.PropsFromFunc(func(actor.Context) {})
	tree, err := supervision.Start(ctx, z, supervision.Service{
		Name:     "shop",
		Handlers: []supervision.Handler{{Name: "audit", Props: nop}, {Name: "worker", Props: nop}},
		Sockets:  []supervision.Socket{{Spec: sockets.Spec{Name: "front", Type: sockets.Pub, Binds: []string{"inproc://names-front"}}}},
		Services: []supervision.Service{{
			Name:     "broker",
			Handlers: []supervision.Handler{{Name: "worker", Props: nop}},
			Sockets:  []supervision.Socket{{Spec: sockets.Spec{Name: "back", Type: sockets.Push, Binds: []string{"inproc://names-back"}}}},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := tree.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	for name, path := range map[string]string{"front": "shop/front", "shop/front": "shop/front", "back": "shop/broker/back", "shop/broker/back": "shop/broker/back"} {
		s, err := tree.Socket(name)
		if err != nil || s.PID().Id != path {
			t.Errorf("Socket(%q) = %v, %v; want the actor %s", name, s, err, path)
		}
	}
	for name, path := range map[string]string{"audit": "shop/audit", "shop/worker": "shop/worker", "shop/broker/worker": "shop/broker/worker"} {
		pid, err := tree.Handler(name)
		if err != nil || pid.Id != path {
			t.Errorf("Handler(%q) = %v, %v; want %s", name, pid, err, path)
		} else if _, ok := system.ProcessRegistry.GetLocal(pid.Id); !ok {
			t.Errorf("Handler(%q): no actor %s", name, pid.Id)
		}
	}
	for _, c := range []struct {
		name, want string
		lookup     func(string) error
	}{
		{"nobody", "shop/front, shop/broker/back", func(n string) error { _, err := tree.Socket(n); return err }},
		{"broker/back", "no socket", func(n string) error { _, err := tree.Socket(n); return err }},
		{"audit", "no socket", func(n string) error { _, err := tree.Socket(n); return err }},
		{"front", "no handler", func(n string) error { _, err := tree.Handler(n); return err }},
		{"worker", "give the path", func(n string) error { _, err := tree.Handler(n); return err }},
	} {
		err := c.lookup(c.name)
		if !errors.Is(err, supervision.ErrUnknownName) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want ErrUnknownName saying %q", c.name, err, c.want)
		}
	}
}
