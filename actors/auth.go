package actors

import (
	"context"
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Authenticator is a handle on the ZAP authenticator actor of a Runtime:
// the actor that decides, for each security handshake of the context's
// server sockets, whether the peer is let in. Its methods send the
// commands of messages/auth.proto; any actor may send them to PID() too.
//
// The policy starts empty, which refuses every CURVE and PLAIN client:
// allow keys, users or any key before clients connect. Changes take effect
// for the next handshake; connections already made stay.
type Authenticator struct {
	rt  *Runtime
	pid *actor.PID
}

// AuthOption configures the authenticator.
type AuthOption func(*authConfig)

type authConfig struct{ faults bool }

// AuthFaultInjection lets the authenticator accept messages.InjectFault, for
// tests and demos of its supervision.
func AuthFaultInjection() AuthOption { return func(c *authConfig) { c.faults = true } }

// StartAuthenticator starts the runtime's ZAP authenticator and waits until
// its handler socket is bound at ZAPEndpoint. A runtime has at most one:
// a second call fails. Start it before the secured server sockets take
// clients: until it runs, a CURVE or PLAIN server refuses every client.
//
// The authenticator is a socket actor (a ROUTER serving ZAP), supervised by
// protoactor's default strategy (restart); a restarted authenticator keeps
// its policies and watchers and binds ZAPEndpoint again. A handshake whose
// ZAP request was in flight at the failure gets no answer: the client's
// connection times out after the server's handshake interval
// (HandshakeInterval, 30 s by default) and reconnects. Its events
// (Started, Restarting, Closed, Error) go to the actor system's event
// stream.
func (c *Runtime) StartAuthenticator(ctx context.Context, opts ...AuthOption) (*Authenticator, error) {
	var cfg authConfig
	for _, o := range opts {
		o(&cfg)
	}
	st := newCoreState(zapSpec(), nil, newZAPRole(c.metrics.authRefused), &monitorRole{})
	started := make(chan startResult, 1)
	// A stopped authenticator's inproc name may still be taken for a
	// moment: retried at the first start too.
	st.started, st.faults, st.retryAtStart = started, cfg.faults, true
	pid, _, err := c.spawnAndWait(ctx, c.props(st), authName, started)
	if errors.Is(err, actor.ErrNameExists) {
		return nil, fmt.Errorf("%w: the runtime already has an authenticator: %w", ErrExists, err)
	}
	if err != nil {
		return nil, err
	}
	return &Authenticator{rt: c, pid: pid}, nil
}

// PID returns the authenticator actor's process id.
func (a *Authenticator) PID() *actor.PID { return a.pid }

// SetAddressPolicy replaces the address lists: when allow is not empty only
// those addresses are let in; deny is always refused. An entry is an IP
// address ("127.0.0.1", "::1") or a prefix ("10.0.0.0/8").
func (a *Authenticator) SetAddressPolicy(ctx context.Context, allow, deny []string) (*messages.AuthPolicy, error) {
	return a.ask(ctx, &messages.SetAddressPolicy{Allow: allow, Deny: deny})
}

// SetPasswords replaces the PLAIN user names and their passwords.
func (a *Authenticator) SetPasswords(ctx context.Context, passwords map[string]string) (*messages.AuthPolicy, error) {
	return a.ask(ctx, &messages.SetPasswords{Passwords: passwords})
}

// AllowCurveKeys adds CURVE client public keys to the allowlist.
func (a *Authenticator) AllowCurveKeys(ctx context.Context, keys ...sockets.Key) (*messages.AuthPolicy, error) {
	return a.ask(ctx, &messages.AllowCurveKeys{Keys: keyBytes(keys)})
}

// RevokeCurveKeys removes CURVE client public keys from the allowlist.
func (a *Authenticator) RevokeCurveKeys(ctx context.Context, keys ...sockets.Key) (*messages.AuthPolicy, error) {
	return a.ask(ctx, &messages.RevokeCurveKeys{Keys: keyBytes(keys)})
}

// LoadCurveCertificates adds the public keys of the certificates in dir
// (sockets.LoadPublicKeys) to the allowlist.
func (a *Authenticator) LoadCurveCertificates(ctx context.Context, dir string) (*messages.AuthPolicy, error) {
	return a.ask(ctx, &messages.LoadCurveCertificates{Directory: dir})
}

// SetCurveAllowAny lets in every CURVE client key (true) or only the
// allowlist's (false, the default).
func (a *Authenticator) SetCurveAllowAny(ctx context.Context, allow bool) (*messages.AuthPolicy, error) {
	return a.ask(ctx, &messages.SetCurveAllowAny{Any: allow})
}

// Policy returns the policy in force.
func (a *Authenticator) Policy(ctx context.Context) (*messages.AuthPolicy, error) {
	return a.ask(ctx, &messages.GetAuthPolicy{})
}

// Watch makes watcher receive an AuthDecision for each ZAP request from
// now on.
func (a *Authenticator) Watch(ctx context.Context, watcher *actor.PID) error {
	return a.tell(ctx, watcher, &messages.WatchAuth{})
}

// Unwatch stops the decisions to watcher.
func (a *Authenticator) Unwatch(ctx context.Context, watcher *actor.PID) error {
	return a.tell(ctx, watcher, &messages.UnwatchAuth{})
}

// Stats returns the authenticator's counters.
func (a *Authenticator) Stats(ctx context.Context) (*messages.AuthStats, error) {
	return askActor[*messages.AuthStats](ctx, a.rt, a.pid, authName, sockets.OpAuth, &messages.GetAuthStats{}, a.rt.commandTimeout)
}

// Stop stops the authenticator and waits until its socket is closed, or ctx
// ends. Secured servers then refuse new clients.
func (a *Authenticator) Stop(ctx context.Context) error {
	done := a.rt.done(a.pid.Id)
	a.rt.system.Root.Stop(a.pid)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("zmqactor: stop authenticator: %w", ctx.Err())
	}
}

func (a *Authenticator) ask(ctx context.Context, cmd any) (*messages.AuthPolicy, error) {
	return askActor[*messages.AuthPolicy](ctx, a.rt, a.pid, authName, sockets.OpAuth, cmd, a.rt.commandTimeout)
}

// tell sends a watch command on behalf of watcher, which becomes its
// sender, and waits until the authenticator has taken it.
func (a *Authenticator) tell(ctx context.Context, watcher *actor.PID, cmd any) error {
	if watcher == nil {
		return fmt.Errorf("%w: authenticator: nil watcher", sockets.ErrBadMessage)
	}
	a.rt.system.Root.RequestWithCustomSender(a.pid, cmd, watcher)
	_, err := a.Policy(ctx) // commands are taken in order: this one follows
	return err
}

func keyBytes(keys []sockets.Key) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = append([]byte(nil), k[:]...)
	}
	return out
}
