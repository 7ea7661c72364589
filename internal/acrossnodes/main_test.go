package acrossnodes_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"go.uber.org/goleak"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
)

// nodeEnv, set in the environment of the test binary, makes it a node
// (node_test.go) instead of running the tests.
const nodeEnv = "ZMQACTOR_ACROSSNODES_NODE"

// TestMain runs the tests, or a node when the test binary was started as
// one. It builds examples/clusternode first, and after the tests shuts
// this process's node down and checks that no goroutine is left.
func TestMain(m *testing.M) {
	if os.Getenv(nodeEnv) != "" {
		os.Exit(nodeMain(os.Args[1:]))
	}
	bin, err := os.MkdirTemp("", "zmqactor-acrossnodes-")
	if err == nil {
		clusternode, err = build(bin, "../../examples/clusternode")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(bin)
	if err := here.shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "shutting down this process's node:", err)
		code = 1
	}
	if code == 0 {
		if err := goleak.Find(testutil.LeakOptions()...); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// raceBuild reports whether this binary was built with -race; the nodes
// it starts then run with -race too.
func raceBuild() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// clusternode is the path of examples/clusternode, built by TestMain, with
// -race when the tests have it.
var clusternode string

// build builds the program of package dir (relative to this one) into
// bin, with -race when the tests have it, and returns its path.
func build(bin, dir string) (string, error) {
	path := filepath.Join(bin, filepath.Base(dir))
	args := []string{"build", "-o", path}
	if raceBuild() {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, dir)...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s %s: %w\n%s", strings.Join(args, " "), dir, err, out)
	}
	return path, nil
}

// localNode is this process's node: its one protoactor remote, started
// by the first test that needs it and shut down after all of them.
type localNode struct {
	once   sync.Once
	system *actor.ActorSystem
	z      *actors.Runtime
	remote *remote.Remote
	err    error
}

var here localNode

// thisNode returns this process's node, started on 127.0.0.1 with a free
// port.
func thisNode(t *testing.T) (*actor.ActorSystem, *actors.Runtime) {
	t.Helper()
	here.once.Do(func() {
		here.system = actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
		here.z, here.err = actors.NewRuntime(here.system)
		if here.err != nil {
			return
		}
		here.remote = remote.NewRemote(here.system, remoteConfig())
		here.remote.Start()
	})
	if here.err != nil {
		t.Fatal(here.err)
	}
	return here.system, here.z
}

// remoteConfig is the remote of every node of the tests, on 127.0.0.1
// with a free port. A connection to a node that is gone is tried once:
// protoactor's writer sleeps 2 s after each failed try, in its actor, and
// would otherwise hold messages and shutdowns for 10 s.
func remoteConfig(opts ...remote.ConfigOption) *remote.Config {
	cfg := remote.Configure("127.0.0.1", 0, opts...)
	cfg.MaxRetryCount = 1
	return cfg
}

// shutdown stops every socket actor of this node, then its remote and its
// actor system.
func (h *localNode) shutdown() error {
	if h.system == nil || h.err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Wait)
	defer cancel()
	err := h.z.Shutdown(ctx)
	h.remote.Shutdown(true)
	h.system.Shutdown()
	return err
}
