package actors

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// DefaultFactoryName is the actor name of a factory started without
// WithFactoryName: FactoryAt finds it on any node.
const DefaultFactoryName = "zmqactor-factory"

// DefaultSpawnTimeout bounds a factory's wait for a socket actor it spawns
// to open its socket, unless WithFactoryTimeout says otherwise.
const DefaultSpawnTimeout = 5 * time.Second

// probeTimeout bounds the TLS handshake that tells whether a remote is
// encrypted.
const probeTimeout = 2 * time.Second

// FactoryAt returns the process id of the factory named DefaultFactoryName
// on the node whose protoactor remote has address (host:port, as the node
// advertises it), for SpawnAt.
func FactoryAt(address string) *actor.PID { return actor.NewPID(address, DefaultFactoryName) }

// FactoryOption configures a factory: WithFactoryName, WithFactoryCluster,
// WithFactoryTimeout, WithFactorySecretsInClear.
type FactoryOption func(*factoryConfig) error

type factoryConfig struct {
	name           string
	cluster        *cluster.Cluster
	timeout        time.Duration
	secretsInClear bool
}

// WithFactoryName names the factory's actor (default DefaultFactoryName);
// names are unique in an actor system.
func WithFactoryName(name string) FactoryOption {
	return func(c *factoryConfig) error {
		if name == "" {
			return fmt.Errorf("%w: WithFactoryName: empty name", ErrBadOption)
		}
		c.name = name
		return nil
	}
}

// WithFactoryCluster gives the factory the cluster of its node, for the
// servers that a SpawnSocket asks to hand their requests to grains
// (messages.GrainHandler). Without it such a spawn is refused with
// ErrUnsupported.
func WithFactoryCluster(c *cluster.Cluster) FactoryOption {
	return func(f *factoryConfig) error {
		if c == nil {
			return fmt.Errorf("%w: WithFactoryCluster: nil cluster", ErrBadOption)
		}
		f.cluster = c
		return nil
	}
}

// WithFactoryTimeout bounds the factory's wait for each socket actor it
// spawns to open its socket (default DefaultSpawnTimeout).
func WithFactoryTimeout(d time.Duration) FactoryOption {
	return func(c *factoryConfig) error {
		c.timeout = d
		return positive("WithFactoryTimeout", d)
	}
}

// WithFactorySecretsInClear makes the factory accept specs with secrets
// (CURVE secret keys, a PLAIN password) although its node's remote is not
// encrypted: they crossed the network in clear text. For networks that are
// private by other means.
func WithFactorySecretsInClear() FactoryOption {
	return func(c *factoryConfig) error {
		c.secretsInClear = true
		return nil
	}
}

// WithSecretsInClear lets SpawnAt send a spec with secrets (CURVE secret
// keys, a PLAIN password) to a factory whose remote is not encrypted. The
// factory must allow it too (WithFactorySecretsInClear). Spawn and Props
// ignore it.
func WithSecretsInClear() SpawnOption {
	return func(c *spawnConfig) error {
		c.secretsInClear = true
		return nil
	}
}

// Factory is a socket-actor factory: a named actor that spawns socket
// actors on its node for the messages.SpawnSocket commands it receives,
// from any node, and answers each with messages.Spawned or a
// messages.Error. SpawnAt sends them; so may any actor. A socket actor it
// spawned is the node's like any other: it runs until it is closed or the
// Runtime shuts down, whatever becomes of the node that asked for it.
//
// Secrets travel only over an encrypted remote: a spec with CURVE secret
// keys or a PLAIN password is refused with sockets.ErrInsecureLink unless
// the node's protoactor remote uses TLS (RemoteTLS), as the factory found
// by a TLS handshake with it when it started, or the factory was started
// WithFactorySecretsInClear. A Factory is safe for concurrent use.
type Factory struct {
	rt  *Runtime
	cfg factoryConfig
	pid *actor.PID
	// encrypted: the node's remote completed a TLS handshake; clear says
	// why not, when it did not.
	encrypted bool
	clear     string

	spawned, refused atomic.Uint64
	spawns           sync.WaitGroup // spawns waiting for their socket to open
	stopOnce         sync.Once
}

// StartFactory starts a socket-actor factory on the Runtime's node. Start
// the node's protoactor remote first: the factory looks at it, once, to
// learn whether it is encrypted (a TLS handshake, bounded by ctx and 2 s).
// It fails with ErrExists when the name is taken.
func (c *Runtime) StartFactory(ctx context.Context, opts ...FactoryOption) (*Factory, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := factoryConfig{name: DefaultFactoryName, timeout: DefaultSpawnTimeout}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	f := &Factory{rt: c, cfg: cfg}
	if err := tlsProbe(ctx, c.system.Address()); err != nil {
		f.clear = err.Error()
	} else {
		f.encrypted = true
	}
	pid, err := c.system.Root.SpawnNamed(actor.PropsFromFunc(f.receive), cfg.name)
	if err != nil {
		return nil, fmt.Errorf("%w: factory %q: %w", ErrExists, cfg.name, err)
	}
	f.pid = pid
	return f, nil
}

// PID returns the factory's process id.
func (f *Factory) PID() *actor.PID { return f.pid }

// Encrypted reports whether the node's remote uses TLS, as the factory
// found it when it started.
func (f *Factory) Encrypted() bool { return f.encrypted }

// Stats returns the factory's counters, as GetFactoryStats answers them.
func (f *Factory) Stats() *messages.FactoryStats {
	return &messages.FactoryStats{Spawned: f.spawned.Load(), Refused: f.refused.Load(), Sockets: uint32(f.rt.Len()),
		Encrypted: f.encrypted, SecretsInClear: f.cfg.secretsInClear}
}

// Stop stops the factory and waits for the spawns it began: SpawnSocket
// commands sent later are not answered by it (SpawnAt fails with
// ErrNoFactory). The socket actors it spawned go on. It returns ctx's error
// if ctx ends first.
func (f *Factory) Stop(ctx context.Context) error {
	f.stopOnce.Do(func() { _ = f.rt.system.Root.StopFuture(f.pid).Wait() })
	done := make(chan struct{})
	go func() {
		f.spawns.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("zmqactor: stop factory %s: %w", f.cfg.name, ctx.Err())
	}
}

func (f *Factory) receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *messages.SpawnSocket:
		f.spawn(m, ctx.Sender())
	case *messages.GetFactoryStats:
		ctx.Respond(f.Stats())
	case actor.SystemMessage, actor.AutoReceiveMessage:
	default:
		if ctx.Sender() != nil {
			ctx.Respond(sockets.ErrorToProto(f.cfg.name, &sockets.Error{Op: sockets.OpSpawn, Socket: f.cfg.name,
				Err: fmt.Errorf("%w: a socket-actor factory does not understand %T", sockets.ErrBadMessage, m)}))
		}
	}
}

// spawn carries out one SpawnSocket: the command is checked here, the
// spawn waits for the socket to open on a goroutine of its own, and the
// answer goes to sender.
func (f *Factory) spawn(m *messages.SpawnSocket, sender *actor.PID) {
	spec, opts, err := f.options(m)
	if err != nil {
		f.refuse(sender, spec.Name, err)
		return
	}
	f.spawns.Add(1)
	go func() {
		defer f.spawns.Done()
		ctx, cancel := context.WithTimeout(context.Background(), f.cfg.timeout)
		defer cancel()
		s, err := f.rt.Spawn(ctx, spec, opts...)
		if err != nil {
			f.refuse(sender, spec.Name, err)
			return
		}
		f.spawned.Add(1)
		if sender != nil {
			f.rt.system.Root.Send(sender, &messages.Spawned{Socket: Ref(s.PID()), Started: s.started})
		}
	}()
}

func (f *Factory) refuse(sender *actor.PID, name string, err error) {
	f.refused.Add(1)
	if sender != nil {
		f.rt.system.Root.Send(sender, sockets.ErrorToProto(name, err))
	}
}

// options returns the spec and spawn options a SpawnSocket asks for, or
// why the factory refuses it.
func (f *Factory) options(m *messages.SpawnSocket) (sockets.Spec, []SpawnOption, error) {
	spec, err := sockets.SpecFromProto(m.GetSpec())
	if err != nil {
		return spec, nil, err
	}
	if name := m.GetName(); spec.Name == "" {
		spec.Name = name
	}
	if what := secretsOf(spec); what != "" && !f.encrypted && !f.cfg.secretsInClear {
		return spec, nil, &sockets.Error{Op: sockets.OpSpawn, Socket: spec.Name, Err: fmt.Errorf(
			"%w: the spec carries %s and this node's remote is not encrypted (%s): give the remote TLS (actors.RemoteTLS), or start the factory WithFactorySecretsInClear",
			sockets.ErrInsecureLink, what, f.clear)}
	}
	var opts []SpawnOption
	if m.GetName() != "" {
		opts = append(opts, WithName(m.GetName()))
	}
	if owner := PIDOf(m.GetOwner()); owner != nil {
		opts = append(opts, WithOwner(owner))
	}
	if m.GetBatchDelivery() {
		opts = append(opts, WithBatchDelivery())
	}
	if m.GetFaultInjection() {
		opts = append(opts, WithFaultInjection())
	}
	if d := m.GetRequestTimeout(); d != nil {
		opts = append(opts, WithRequestTimeout(d.AsDuration()))
	}
	if s := m.GetServe(); s != nil {
		o, err := f.serve(s)
		if err != nil {
			return spec, nil, &sockets.Error{Op: sockets.OpSpawn, Socket: spec.Name, Err: err}
		}
		opts = append(opts, o)
	}
	return spec, opts, nil
}

// serve returns the spawn option of a Serve: WithHandler or WithGrains.
func (f *Factory) serve(s *messages.Serve) (SpawnOption, error) {
	opts := ServeOptions{Timeout: s.GetTimeout().AsDuration(), MaxPending: int(s.GetMaxPending()), Typed: s.GetTyped()}
	switch t := s.GetTarget().(type) {
	case *messages.Serve_Handler:
		return WithHandler(PIDOf(t.Handler), opts), nil
	case *messages.Serve_Grains:
		if f.cfg.cluster == nil {
			return nil, fmt.Errorf("%w: grains: this node's factory has no cluster (WithFactoryCluster)", ErrUnsupported)
		}
		g := Grains{Cluster: f.cfg.cluster, Kind: t.Grains.GetKind(), IdentityFrame: int(t.Grains.GetIdentityFrame())}
		return WithGrains(g, opts), nil
	}
	return nil, fmt.Errorf("%w: serve: no handler and no grains", ErrBadOption)
}

// SpawnAt asks the factory at factory (FactoryAt, or a Factory's PID, on
// any node) to spawn a socket actor for spec with opts, and returns a
// handle on it once its socket is open there. The handle works from here
// as on a local socket actor: its methods travel through protoactor remote
// (start this node's remote first), and Done is closed when the socket
// actor stops or its node is lost.
//
// The options travel too, except those that cannot: WithProps and a
// ServeOptions.FailureReply function are refused with ErrUnsupported;
// WithGrains' Cluster is the factory node's. A spec with secrets is sent
// only to a factory whose remote answers a TLS handshake (else
// sockets.ErrInsecureLink, and nothing is sent), unless WithSecretsInClear.
// It fails with ErrNoFactory when no factory answers there (not running,
// or the node is unreachable), and with the factory's error otherwise
// (sockets.ErrUnknownType, ErrBadEndpoint, ErrInsecureLink, ...). If ctx
// ends first, the socket actor may still start on the factory's node.
func (c *Runtime) SpawnAt(ctx context.Context, factory *actor.PID, spec sockets.Spec, opts ...SpawnOption) (*Socket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if factory == nil {
		return nil, fmt.Errorf("%w: SpawnAt: nil factory", ErrBadOption)
	}
	var cfg spawnConfig
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	cmd, err := spawnCommand(spec, cfg)
	if err != nil {
		return nil, &sockets.Error{Op: sockets.OpSpawn, Socket: spec.Name, Err: err}
	}
	if what := secretsOf(spec); what != "" && !cfg.secretsInClear && c.isRemote(factory) {
		if err := tlsProbe(ctx, factory.GetAddress()); err != nil {
			return nil, &sockets.Error{Op: sockets.OpSpawn, Socket: spec.Name, Err: fmt.Errorf(
				"%w: the spec carries %s, not sent to %s: %v", sockets.ErrInsecureLink, what, factory.GetAddress(), err)}
		}
	}
	wait := c.commandTimeout
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl)
	}
	res, err := c.calls.ask(ctx, c.system, factory, cmd, wait, nil, false)
	switch {
	case err == nil:
	case errors.Is(err, actor.ErrDeadLetter):
		return nil, &sockets.Error{Op: sockets.OpSpawn, Socket: spec.Name, Err: fmt.Errorf("%w: none at %s", ErrNoFactory, factory)}
	case errors.Is(err, actor.ErrTimeout):
		return nil, &sockets.Error{Op: sockets.OpSpawn, Socket: spec.Name, Err: fmt.Errorf("%w: no answer from %s within %v: %w", ErrNoFactory, factory, wait, ErrCommandTimeout)}
	default:
		return nil, &sockets.Error{Op: sockets.OpSpawn, Socket: spec.Name, Err: fmt.Errorf("%w: no answer from %s: %w", ErrNoFactory, factory, err)}
	}
	switch v := res.(type) {
	case *messages.Spawned:
		pid := PIDOf(v.GetSocket())
		if pid == nil {
			return nil, fmt.Errorf("%w to SpawnSocket: Spawned names no socket actor", ErrUnexpectedReply)
		}
		timeout := cfg.requestTimeout
		if timeout == 0 {
			timeout = DefaultRequestTimeout
		}
		return &Socket{rt: c, pid: pid, started: v.GetStarted(), requestTimeout: timeout, done: c.remoteDone(pid)}, nil
	case *messages.Error:
		return nil, sockets.ErrorFromProto(v)
	}
	return nil, fmt.Errorf("%w to SpawnSocket: %T", ErrUnexpectedReply, res)
}

// spawnCommand returns the SpawnSocket for spec and cfg, or why cfg
// cannot travel.
func spawnCommand(spec sockets.Spec, cfg spawnConfig) (*messages.SpawnSocket, error) {
	if len(cfg.props) > 0 {
		return nil, fmt.Errorf("%w: WithProps: props cannot travel to another node", ErrUnsupported)
	}
	if cfg.serve.FailureReply != nil {
		return nil, fmt.Errorf("%w: ServeOptions.FailureReply: a function cannot travel to another node", ErrUnsupported)
	}
	if err := cfg.checkServe(false); err != nil {
		return nil, err
	}
	m := &messages.SpawnSocket{Spec: spec.Proto(), Owner: Ref(cfg.owner), Name: cfg.name,
		BatchDelivery: cfg.batch, FaultInjection: cfg.faults}
	if cfg.requestTimeout > 0 {
		m.RequestTimeout = durationpb.New(cfg.requestTimeout)
	}
	if !cfg.serves() {
		return m, nil
	}
	m.Serve = &messages.Serve{Timeout: durationpb.New(cfg.serve.Timeout), MaxPending: uint32(cfg.serve.MaxPending), Typed: cfg.serve.Typed}
	if cfg.handler != nil {
		m.Serve.Target = &messages.Serve_Handler{Handler: Ref(cfg.handler)}
	} else {
		m.Serve.Target = &messages.Serve_Grains{Grains: &messages.GrainHandler{Kind: cfg.grains.Kind, IdentityFrame: uint32(cfg.grains.IdentityFrame)}}
	}
	return m, nil
}

// secretsOf names the secrets spec carries, or returns "" for none.
func secretsOf(spec sockets.Spec) string {
	for _, o := range spec.Options {
		switch o.GetOption().(type) {
		case *messages.SocketOption_CurveServer:
			return "a CURVE server secret key"
		case *messages.SocketOption_CurveClient:
			return "a CURVE client secret key"
		case *messages.SocketOption_PlainClient:
			return "a PLAIN password"
		}
	}
	return ""
}

// RemoteTLS returns the protoactor remote option that makes a node's
// remote use TLS: its gRPC server with server, its connections to other
// nodes with client, and then dial, if any. It replaces the remote's dial
// options (protoactor's default is the one that turns TLS off), so pass
// every other dial option here, not with remote.WithDialOptions. For
// mutual TLS set server.ClientAuth and client.Certificates. A factory on
// such a node accepts specs with secrets.
//
//	remote.Configure("10.0.0.5", 8090, actors.RemoteTLS(serverTLS, clientTLS))
func RemoteTLS(server, client *tls.Config, dial ...grpc.DialOption) remote.ConfigOption {
	return func(c *remote.Config) {
		c.ServerOptions = append(c.ServerOptions, grpc.Creds(credentials.NewTLS(server)))
		c.DialOptions = append([]grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(client))}, dial...)
	}
}

// MutualTLS returns the TLS configurations of a node's remote for
// RemoteTLS, from PEM files: its server presents certFile (with keyFile)
// and accepts only clients whose certificate caFile signed; its client
// presents certFile and trusts only servers whose certificate caFile
// signed. TLS 1.3.
func MutualTLS(certFile, keyFile, caFile string) (server, client *tls.Config, err error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: MutualTLS: %w", ErrBadOption, err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: MutualTLS: %w", ErrBadOption, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, nil, fmt.Errorf("%w: MutualTLS: no PEM certificate in %s", ErrBadOption, caFile)
	}
	server = &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS13}
	client = &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS13}
	return server, client, nil
}

// tlsProbe returns nil when the protoactor remote at address (host:port)
// speaks TLS, that is when a TLS handshake with it gets as far as its
// certificate, and else why not. The probe trusts nothing and sends
// nothing: it only looks at what the listener answers, within ctx and
// probeTimeout.
func tlsProbe(ctx context.Context, address string) error {
	if address == localAddress {
		return errors.New("the node has no remote")
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	sawCertificate := false
	d := tls.Dialer{Config: &tls.Config{
		// Looking, not trusting: any certificate shows that the link is
		// encrypted, and verifying it is the remote's own dial options' job.
		InsecureSkipVerify: true, //nolint:gosec // see above
		NextProtos:         []string{"h2"},
		VerifyConnection: func(cs tls.ConnectionState) error {
			sawCertificate = len(cs.PeerCertificates) > 0
			return nil
		},
	}}
	conn, err := d.DialContext(ctx, "tcp", address)
	if conn != nil {
		_ = conn.Close()
	}
	switch {
	case sawCertificate:
		return nil
	case err != nil:
		return fmt.Errorf("no TLS handshake at %s: %w", address, err)
	}
	return fmt.Errorf("no certificate from %s", address)
}
