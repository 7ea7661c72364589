package actors_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The factory on one node, driven from the same node: what it checks and
// answers, and that a refused or failed spawn leaves nothing running. The
// tests across nodes, over protoactor remote, are in internal/acrossnodes.

// startFactory starts a factory on f's Runtime, stopped when the test ends.
func startFactory(t *testing.T, f *fixture, opts ...actors.FactoryOption) *actors.Factory {
	t.Helper()
	factory, err := f.z.StartFactory(f.ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := factory.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return factory
}

// askFactory sends m to the factory as any actor would, and returns its
// answer: Spawned, or the error its Error carries.
func askFactory(t *testing.T, f *fixture, factory *actors.Factory, m *messages.SpawnSocket) (*messages.Spawned, error) {
	t.Helper()
	res, err := f.system.Root.RequestFuture(factory.PID(), m, testutil.Wait).Result()
	if err != nil {
		t.Fatalf("no answer from the factory: %v", err)
	}
	switch v := res.(type) {
	case *messages.Spawned:
		return v, nil
	case *messages.Error:
		return nil, sockets.ErrorFromProto(v)
	}
	t.Fatalf("the factory answered %T", res)
	return nil, nil
}

func TestFactoryRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	factory := startFactory(t, f)
	if factory.Encrypted() {
		t.Fatal("a node without a remote counts as encrypted")
	}
	_, secret, err := sockets.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	owner := f.inbox()
	pull := func(binds ...string) *messages.SocketSpec {
		return sockets.Spec{Type: sockets.Pull, Binds: binds}.Proto()
	}
	tests := []struct {
		name string
		m    *messages.SpawnSocket
		want error
	}{
		{"no spec", &messages.SpawnSocket{}, sockets.ErrUnknownType},
		{"unknown type", &messages.SpawnSocket{Spec: &messages.SocketSpec{Type: 99}}, sockets.ErrUnknownType},
		{"bad transport", &messages.SpawnSocket{Spec: pull("carrier-pigeon://home"), Owner: actors.Ref(owner.PID())}, sockets.ErrBadEndpoint},
		{"unusable address", &messages.SpawnSocket{Spec: pull("tcp://no-such-host.invalid:1"), Owner: actors.Ref(owner.PID())}, sockets.ErrBadEndpoint},
		{"no owner", &messages.SpawnSocket{Spec: pull()}, sockets.ErrNoOwner},
		{"secret key", &messages.SpawnSocket{Spec: sockets.Spec{Type: sockets.Rep, Options: []sockets.Option{sockets.CurveServer(secret)}}.Proto(),
			Serve: &messages.Serve{Target: &messages.Serve_Handler{Handler: actors.Ref(owner.PID())}}}, sockets.ErrInsecureLink},
		{"password", &messages.SpawnSocket{Spec: sockets.Spec{Type: sockets.Req, Options: []sockets.Option{sockets.PlainClient("u", "p")}}.Proto()},
			sockets.ErrInsecureLink},
		{"serve without target", &messages.SpawnSocket{Spec: sockets.Spec{Type: sockets.Router}.Proto(), Serve: &messages.Serve{}}, sockets.ErrBadOption},
		{"grains without cluster", &messages.SpawnSocket{Spec: sockets.Spec{Type: sockets.Router}.Proto(),
			Serve: &messages.Serve{Target: &messages.Serve_Grains{Grains: &messages.GrainHandler{Kind: "echo"}}}}, sockets.ErrUnsupported},
		{"serving PULL", &messages.SpawnSocket{Spec: pull(), Owner: actors.Ref(owner.PID()),
			Serve: &messages.Serve{Target: &messages.Serve_Handler{Handler: actors.Ref(owner.PID())}}}, sockets.ErrUnsupported},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := askFactory(t, f, factory, tt.m)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			st := factory.Stats()
			if st.GetSockets() != 0 || st.GetSpawned() != 0 || st.GetRefused() != uint64(i+1) {
				t.Fatalf("after the refusal: %v, want no socket actor and %d refused", st, i+1)
			}
		})
	}
	if f.z.Len() != 0 {
		t.Fatalf("%d socket actors left running", f.z.Len())
	}
}

func TestFactorySpawnsAndHandleWorks(t *testing.T) {
	f := newFixture(t)
	factory := startFactory(t, f)
	owner := f.inbox()
	pull, err := f.z.SpawnAt(f.ctx, factory.PID(), sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://factory-pull"}},
		actors.WithOwner(owner.PID()), actors.WithName("made-by-factory"))
	if err != nil {
		t.Fatal(err)
	}
	if pull.Name() != "made-by-factory" || pull.Type() != sockets.Pull || pull.Endpoint() != "inproc://factory-pull" {
		t.Fatalf("handle: name %q, type %v, endpoint %q", pull.Name(), pull.Type(), pull.Endpoint())
	}
	testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	push := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Push, Connects: []string{pull.Endpoint()}})
	if err := push.Send([]byte("made")); err != nil {
		t.Fatal(err)
	}
	if got := testutil.Expect[*messages.Received](t, owner, testutil.Wait); string(got.GetFrames()[0]) != "made" {
		t.Fatalf("received %q", got.GetFrames())
	}
	if st := factory.Stats(); st.GetSpawned() != 1 || st.GetRefused() != 0 {
		t.Fatalf("stats %v", st)
	}
	if _, err := pull.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	// A name taken on the node: Spawn's error, through the factory.
	if _, err := f.z.SpawnAt(f.ctx, factory.PID(), sockets.Spec{Type: sockets.Push}, actors.WithName(push.PID().Id)); err == nil {
		t.Fatal("a second actor with a taken name was spawned")
	}
}

func TestFactorySecretsInClearWhenAllowed(t *testing.T) {
	f := newFixture(t)
	factory := startFactory(t, f, actors.WithFactoryName("lenient"), actors.WithFactorySecretsInClear())
	_, secret, err := sockets.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := f.z.SpawnAt(f.ctx, factory.PID(), sockets.Spec{Type: sockets.Rep, Options: []sockets.Option{sockets.CurveServer(secret)}},
		actors.WithHandler(f.inbox().PID(), actors.ServeOptions{}))
	if err != nil {
		t.Fatalf("a factory that allows secrets in clear refused: %v", err)
	}
	if _, err := srv.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	if st := factory.Stats(); !st.GetSecretsInClear() || st.GetSpawned() != 1 {
		t.Fatalf("stats %v", st)
	}
}

func TestSpawnAtRefusesWhatCannotTravel(t *testing.T) {
	f := newFixture(t)
	factory := startFactory(t, f)
	for name, opts := range map[string][]actors.SpawnOption{
		"props":         {actors.WithProps(actor.WithMailbox(actor.Unbounded()))},
		"failure reply": {actors.WithHandler(f.inbox().PID(), actors.ServeOptions{FailureReply: func(string) [][]byte { return nil }})},
		"two targets":   {actors.WithHandler(f.inbox().PID(), actors.ServeOptions{}), actors.WithGrains(actors.Grains{Kind: "echo"}, actors.ServeOptions{})},
	} {
		_, err := f.z.SpawnAt(f.ctx, factory.PID(), sockets.Spec{Type: sockets.Router}, opts...)
		if !errors.Is(err, actors.ErrUnsupported) && !errors.Is(err, actors.ErrBadOption) {
			t.Errorf("%s: %v, want ErrUnsupported or ErrBadOption", name, err)
		}
	}
	if st := factory.Stats(); st.GetSpawned()+st.GetRefused() != 0 {
		t.Fatalf("a command reached the factory: %v", st)
	}
}

func TestStoppedFactory(t *testing.T) {
	f := newFixture(t)
	factory, err := f.z.StartFactory(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.z.StartFactory(f.ctx); !errors.Is(err, actors.ErrExists) {
		t.Fatalf("a second factory of the same name: %v, want ErrExists", err)
	}
	if err := factory.Stop(f.ctx); err != nil {
		t.Fatal(err)
	}
	_, err = f.z.SpawnAt(f.ctx, factory.PID(), sockets.Spec{Type: sockets.Push})
	if !errors.Is(err, actors.ErrNoFactory) {
		t.Fatalf("SpawnAt a stopped factory: %v, want ErrNoFactory", err)
	}
	if f.z.Len() != 0 {
		t.Fatalf("%d socket actors running", f.z.Len())
	}
}

func TestWithGrainsChecks(t *testing.T) {
	f := newFixture(t)
	c := unstartedCluster(f.system)
	for name, tt := range map[string]struct {
		spec sockets.Spec
		opts []actors.SpawnOption
		want error
	}{
		"no cluster":     {sockets.Spec{Type: sockets.Router}, []actors.SpawnOption{actors.WithGrains(actors.Grains{Kind: "echo"}, actors.ServeOptions{})}, actors.ErrBadOption},
		"no kind":        {sockets.Spec{Type: sockets.Router}, []actors.SpawnOption{actors.WithGrains(actors.Grains{Cluster: c}, actors.ServeOptions{})}, actors.ErrBadOption},
		"negative frame": {sockets.Spec{Type: sockets.Router}, []actors.SpawnOption{actors.WithGrains(actors.Grains{Cluster: c, Kind: "echo", IdentityFrame: -1}, actors.ServeOptions{})}, actors.ErrBadOption},
		"not a server":   {sockets.Spec{Type: sockets.Dealer}, []actors.SpawnOption{actors.WithGrains(actors.Grains{Cluster: c, Kind: "echo"}, actors.ServeOptions{})}, actors.ErrUnsupported},
		"two targets": {sockets.Spec{Type: sockets.Router}, []actors.SpawnOption{actors.WithGrains(actors.Grains{Cluster: c, Kind: "echo"}, actors.ServeOptions{}),
			actors.WithHandler(f.inbox().PID(), actors.ServeOptions{})}, actors.ErrBadOption},
	} {
		if _, err := f.z.Spawn(f.ctx, tt.spec, tt.opts...); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", name, err, tt.want)
		}
	}
	if f.z.Len() != 0 {
		t.Fatalf("%d socket actors running", f.z.Len())
	}
}

// unstartedCluster returns a protoactor cluster on system that is never
// started: no member, no remote, only its PID cache, which a test fills
// itself. protoactor's running cluster has data races of its own (see
// internal/acrossnodes), so grains found by a real lookup are tested in
// other processes.
func unstartedCluster(system *actor.ActorSystem) *cluster.Cluster {
	return cluster.New(system, cluster.Configure("unit", nil, disthash.New(), remote.Configure("127.0.0.1", 0)))
}

// TestGrainsFromTheCache: a server with grains sends each request to the
// grain the cluster's PID cache names for the request's first frame, and
// forgets a grain that the answer says is not there.
func TestGrainsFromTheCache(t *testing.T) {
	f := newFixture(t)
	c := unstartedCluster(f.system)
	grain := func(name string) *actor.PID {
		return f.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			if r, ok := ctx.Message().(*messages.Request); ok {
				ctx.Respond(&messages.Reply{Frames: [][]byte{[]byte(name), r.GetFrames()[1]}})
			}
		}))
	}
	alice, bob := grain("alice"), grain("bob")
	c.PidCache.Set("alice", "person", alice)
	c.PidCache.Set("bob", "person", bob)
	owner := f.inbox()
	srv := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Router, Binds: []string{"inproc://grains"}}, actors.WithOwner(owner.PID()),
		actors.WithGrains(actors.Grains{Cluster: c, Kind: "person"}, actors.ServeOptions{Timeout: 5 * time.Second}))
	cli := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Dealer, Connects: []string{srv.Endpoint()}})
	for _, who := range []string{"alice", "bob", "alice"} {
		reply, err := cli.Request(f.ctx, [][]byte{[]byte(who), []byte("hi " + who)}, actors.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(reply.GetFrames()[0]); got != who {
			t.Fatalf("a request for %s was answered by %s", who, got)
		}
	}
	if err := f.system.Root.StopFuture(bob).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Request(f.ctx, [][]byte{[]byte("bob"), []byte("anyone?")}, actors.WithTimeout(200*time.Millisecond)); !errors.Is(err, actors.ErrRequestTimeout) {
		t.Fatalf("a request to a stopped grain: %v, want ErrRequestTimeout", err)
	}
	failure := testutil.Expect[*messages.Error](t, owner, testutil.Wait)
	if !errors.Is(sockets.ErrorFromProto(failure), actors.ErrHandlerFailed) {
		t.Fatalf("owner got %v, want ErrHandlerFailed", failure)
	}
	if !testutil.Poll(func() bool { _, cached := c.PidCache.Get("bob", "person"); return !cached }) {
		t.Fatal("the stopped grain is still in the PID cache")
	}
	if _, cached := c.PidCache.Get("alice", "person"); !cached {
		t.Fatal("the live grain was forgotten too")
	}
	st, err := srv.RequestStats(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.GetHandled() != 4 || st.GetAnswered() != 3 || st.GetHandlerFailures() != 1 {
		t.Fatalf("request stats %v", st)
	}
}

func TestMutualTLSBadFiles(t *testing.T) {
	dir := t.TempDir()
	notPEM := dir + "/not.pem"
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, files := range map[string][3]string{
		"no such files":     {dir + "/cert.pem", dir + "/key.pem", dir + "/ca.pem"},
		"not a certificate": {notPEM, notPEM, notPEM},
	} {
		if _, _, err := actors.MutualTLS(files[0], files[1], files[2]); !errors.Is(err, actors.ErrBadOption) {
			t.Errorf("%s: %v, want ErrBadOption", name, err)
		}
	}
}
