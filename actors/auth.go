package actors

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// ZAPEndpoint is where libzmq looks for the ZAP handler of a context
// (ZeroMQ RFC 27).
const ZAPEndpoint = "inproc://zeromq.zap.01"

// authName names the authenticator in errors and its actor in the system.
const authName = "zmq-zap-authenticator"

// ZAP status codes (RFC 27).
const (
	zapAllowed  = "200"
	zapDenied   = "400"
	zapInternal = "500"
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
type AuthOption func(*authState)

// AuthFaultInjection lets the authenticator accept messages.InjectFault, for
// tests and demos of its supervision.
func AuthFaultInjection() AuthOption { return func(s *authState) { s.faults = true } }

// StartAuthenticator starts the context's ZAP authenticator and waits until
// its handler socket is bound at ZAPEndpoint. A context has at most one:
// a second call fails. Start it before the secured server sockets take
// clients: until it runs, a CURVE or PLAIN server refuses every client.
//
// The authenticator actor is supervised by protoactor's default strategy
// (restart); a restarted authenticator keeps its policies and watchers and
// binds ZAPEndpoint again. A handshake whose ZAP request was in flight at
// the failure gets no answer: the client's connection times out after the
// server's handshake interval (HandshakeInterval, 30 s by default) and
// reconnects.
func (c *Runtime) StartAuthenticator(ctx context.Context, opts ...AuthOption) (*Authenticator, error) {
	st := &authState{
		allow:     map[string]netip.Prefix{},
		deny:      map[string]netip.Prefix{},
		passwords: map[string]string{},
		keys:      map[sockets.Key]bool{},
		watchers:  map[string]*actor.PID{},
	}
	for _, o := range opts {
		o(st)
	}
	started := make(chan error, 1)
	st.started = started
	props := actor.PropsFromProducer(func() actor.Actor { return &authActor{rt: c, st: st} },
		actor.WithSpawnFunc(c.spawnFunc))
	pid, err := c.system.Root.SpawnNamed(props, authName)
	if errors.Is(err, actor.ErrNameExists) {
		return nil, fmt.Errorf("zmqactor: the ZeroMQ context already has an authenticator")
	}
	if err != nil {
		return nil, err
	}
	select {
	case err := <-started:
		if err != nil {
			return nil, err
		}
		return &Authenticator{rt: c, pid: pid}, nil
	case <-ctx.Done():
		c.system.Root.Stop(pid)
		return nil, fmt.Errorf("zmqactor: start authenticator: %w", ctx.Err())
	}
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
	return askActor[*messages.AuthStats](ctx, a.rt, a.pid, authName, "auth", &messages.GetAuthStats{})
}

// Stop stops the authenticator and waits until its socket is closed, or ctx
// ends. Secured servers then refuse new clients.
func (a *Authenticator) Stop(ctx context.Context) error {
	a.rt.mu.Lock()
	done, ok := a.rt.live[a.pid.Id]
	a.rt.mu.Unlock()
	if !ok {
		return nil
	}
	a.rt.system.Root.Stop(a.pid)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("zmqactor: stop authenticator: %w", ctx.Err())
	}
}

func (a *Authenticator) ask(ctx context.Context, cmd any) (*messages.AuthPolicy, error) {
	return askActor[*messages.AuthPolicy](ctx, a.rt, a.pid, authName, "auth", cmd)
}

// tell sends a watch command on behalf of watcher, which becomes its
// sender, and waits until the authenticator has taken it.
func (a *Authenticator) tell(ctx context.Context, watcher *actor.PID, cmd any) error {
	if watcher == nil {
		return fmt.Errorf("zmqactor: authenticator: nil watcher")
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

// authState is what a restarted authenticator keeps: its policies, its
// watchers and its counters.
type authState struct {
	allow, deny map[string]netip.Prefix // entry as given -> what it matches
	passwords   map[string]string
	keys        map[sockets.Key]bool
	anyKey      bool
	watchers    map[string]*actor.PID
	stats       authCounters
	faults      bool
	starts      int
	started     chan<- error // first start only
	// Commands wait here, with their senders, while the socket is being
	// bound again after a restart: an answer means the handler is bound.
	pending []pendingCommand
}

type authCounters struct {
	requests, allowed, denied, malformed uint64
	restarts                             uint32
}

// authActor owns the ZAP handler socket, a ROUTER bound at ZAPEndpoint, and
// answers each request at once: a decision is a few map lookups.
type authActor struct {
	rt      *Runtime
	st      *authState
	sock    *sockets.Socket
	self    *actor.PID
	root    *actor.RootContext
	replies [][][]byte // answers to the requests of the current turn
	tries   int
	retry   *time.Timer
}

// authReopen is the authenticator's own timer message: bind again.
type authReopen struct{ a *authActor }

func (a *authActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *sockets.Signal:
		if a.sock == nil {
			return
		}
		if err := a.sock.Handle(m); err != nil {
			panic(fmt.Errorf("zmqactor: ZAP handler socket failed: %w", err)) // the supervisor restarts it
		}
		a.sendReplies()
	case *actor.Started:
		a.self, a.root = ctx.Self(), ctx.ActorSystem().Root
		a.open(ctx)
	case authReopen:
		if m.a == a {
			a.open(ctx)
		}
	case *actor.Restarting:
		a.close()
		a.st.stats.restarts++
	case *actor.Stopping:
		a.close()
		for _, p := range a.st.pending {
			a.respond(p.sender, sockets.ErrorToProto(authName, &sockets.Error{Op: "auth", Socket: authName, Err: sockets.ErrClosed}))
		}
		a.st.pending = nil
	case *actor.Stopped:
		a.rt.unregister(ctx.Self().Id)
	case *actor.Terminated:
		delete(a.st.watchers, m.Who.String())
	case actor.SystemMessage, actor.AutoReceiveMessage:
	default:
		if a.sock == nil {
			a.st.pending = append(a.st.pending, pendingCommand{msg: m, sender: ctx.Sender()})
			return
		}
		a.command(ctx, m, ctx.Sender())
	}
}

// open binds the ZAP handler socket. libzmq releases an inproc name in its
// reaper thread after close, so a bind after a restart, or after a Stop and
// a new start, may briefly find it taken: retried as a socket actor's
// reopen is (about 8 s in all before the start fails).
func (a *authActor) open(ctx actor.Context) {
	spec := sockets.Spec{Name: authName, Type: sockets.Router, Binds: []string{ZAPEndpoint},
		Options: []sockets.Option{sockets.Linger(0)}}
	sock, err := sockets.Open(a.rt.zctx, spec, sockets.Hooks{
		Signal:  func(sig *sockets.Signal) { a.root.Send(a.self, sig) },
		Deliver: a.serve,
	})
	if err != nil {
		if errors.Is(err, sockets.ErrAddressInUse) && a.tries < reopenTries {
			delay := reopenFirstDelay << a.tries
			a.tries++
			self, root, msg := a.self, a.root, authReopen{a: a}
			a.retry = time.AfterFunc(delay, func() { root.Send(self, msg) })
			return
		}
		if a.st.started != nil {
			a.st.started <- err
			a.st.started = nil
		}
		for _, p := range a.st.pending {
			a.respond(p.sender, sockets.ErrorToProto(authName, &sockets.Error{Op: "auth", Socket: authName, Err: sockets.ErrClosed}))
		}
		a.st.pending = nil
		ctx.Stop(a.self)
		return
	}
	a.sock, a.tries = sock, 0
	a.st.starts++
	if a.st.started != nil {
		a.st.started <- nil
		a.st.started = nil
	}
	pending := a.st.pending
	a.st.pending = nil
	for _, p := range pending {
		a.command(ctx, p.msg, p.sender)
	}
}

func (a *authActor) close() {
	if a.retry != nil {
		a.retry.Stop()
		a.retry = nil
	}
	if a.sock != nil {
		zero := time.Duration(0)
		_, _ = a.sock.Close(&zero)
		a.sock = nil
	}
	a.replies = nil
}

// sendReplies sends the answers of this turn. A ZAP reply is never refused
// for long: the peer is libzmq's own session, which reads it at once.
func (a *authActor) sendReplies() {
	for _, r := range a.replies {
		if _, err := a.sock.Send(r); err != nil {
			break // the socket is closing; the handshakes time out
		}
	}
	a.replies = a.replies[:0]
}

// serve decides one ZAP request: [routing id, "", version, request id,
// domain, address, identity, mechanism, credentials...]. A request with no
// envelope or no request id cannot be answered and is dropped; any other
// malformed one is answered 500. Both are counted as malformed.
func (a *authActor) serve(frames [][]byte) {
	st := a.st
	if len(frames) < 4 || len(frames[1]) != 0 {
		st.stats.malformed++
		return
	}
	envelope, body := frames[:2], frames[2:]
	reqID := body[1]
	reply := func(code, text, user string) {
		r := make([][]byte, 0, 8)
		r = append(r, envelope...)
		r = append(r, []byte("1.0"), reqID, []byte(code), []byte(text), []byte(user), nil)
		a.replies = append(a.replies, r)
	}
	d := a.decide(body)
	if !d.GetAllowed() {
		a.rt.countAuthRefusal(d.GetMechanism())
	}
	switch {
	case d.GetStatusCode() == zapInternal:
		st.stats.malformed++
	case d.GetAllowed():
		st.stats.requests++
		st.stats.allowed++
	default:
		st.stats.requests++
		st.stats.denied++
	}
	reply(d.GetStatusCode(), d.GetReason(), d.GetUserId())
	for _, w := range st.watchers {
		a.root.Send(w, d)
	}
}

// decide applies the policy to a request body [version, request id,
// domain, address, identity, mechanism, credentials...].
func (a *authActor) decide(body [][]byte) *messages.AuthDecision {
	d := &messages.AuthDecision{StatusCode: zapInternal}
	if len(body) < 6 {
		d.Reason = fmt.Sprintf("malformed ZAP request: %d frames, want at least 6", len(body))
		return d
	}
	if string(body[0]) != "1.0" {
		d.Reason = "unsupported ZAP version"
		return d
	}
	d.Domain, d.Address, d.Mechanism = string(body[2]), string(body[3]), string(body[5])
	creds := body[6:]
	switch d.Mechanism {
	case "NULL":
		if len(creds) != 0 {
			d.Reason = "malformed ZAP request: NULL with credentials"
			return d
		}
	case "PLAIN":
		if len(creds) != 2 {
			d.Reason = "malformed ZAP request: PLAIN needs a user name and a password"
			return d
		}
		d.Username = string(creds[0])
	case "CURVE":
		if len(creds) != 1 || len(creds[0]) != sockets.KeySize {
			d.Reason = "malformed ZAP request: CURVE needs one 32-byte key"
			return d
		}
		d.ClientKey = sockets.Key(creds[0]).String()
	default:
		d.StatusCode, d.Reason = zapDenied, "mechanism "+d.Mechanism+" is not supported"
		return d
	}
	d.StatusCode = zapDenied
	if reason := a.st.checkAddress(d.Address); reason != "" {
		d.Reason = reason
		return d
	}
	switch d.Mechanism {
	case "PLAIN":
		if pw, ok := a.st.passwords[d.Username]; !ok || pw != string(creds[1]) {
			d.Reason = "wrong user name or password"
			return d
		}
		d.UserId = d.Username
	case "CURVE":
		if !a.st.anyKey && !a.st.keys[sockets.Key(creds[0])] {
			d.Reason = "client key not on the allowlist"
			return d
		}
		d.UserId = d.ClientKey
	}
	d.StatusCode, d.Allowed, d.Reason = zapAllowed, true, "OK"
	return d
}

// checkAddress returns why addr is refused, or "".
func (st *authState) checkAddress(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if len(st.allow) > 0 || len(st.deny) > 0 {
			return "peer address " + addr + " is not an IP address"
		}
		return ""
	}
	ip = ip.Unmap()
	for _, p := range st.deny {
		if p.Contains(ip) {
			return "address " + addr + " is denied"
		}
	}
	if len(st.allow) == 0 {
		return ""
	}
	for _, p := range st.allow {
		if p.Contains(ip) {
			return ""
		}
	}
	return "address " + addr + " is not on the allow list"
}

// command carries out one policy command, answered with the policy in
// force after it, or an Error.
func (a *authActor) command(ctx actor.Context, msg any, sender *actor.PID) {
	st := a.st
	var err error
	switch m := msg.(type) {
	case *messages.SetAddressPolicy:
		var allow, deny map[string]netip.Prefix
		if allow, err = parseAddresses(m.GetAllow()); err == nil {
			if deny, err = parseAddresses(m.GetDeny()); err == nil {
				st.allow, st.deny = allow, deny
			}
		}
	case *messages.SetPasswords:
		st.passwords = make(map[string]string, len(m.GetPasswords()))
		for u, p := range m.GetPasswords() {
			st.passwords[u] = p
		}
	case *messages.AllowCurveKeys:
		var keys []sockets.Key
		if keys, err = parseKeys(m.GetKeys()); err == nil {
			for _, k := range keys {
				st.keys[k] = true
			}
		}
	case *messages.RevokeCurveKeys:
		var keys []sockets.Key
		if keys, err = parseKeys(m.GetKeys()); err == nil {
			for _, k := range keys {
				delete(st.keys, k)
			}
		}
	case *messages.LoadCurveCertificates:
		var keys []sockets.Key
		if keys, err = sockets.LoadPublicKeys(m.GetDirectory()); err == nil {
			for _, k := range keys {
				st.keys[k] = true
			}
		} else {
			err = fmt.Errorf("%w: %w", sockets.ErrBadOption, err)
		}
	case *messages.SetCurveAllowAny:
		st.anyKey = m.GetAny()
	case *messages.GetAuthPolicy:
	case *messages.WatchAuth:
		if err = watchable("watch", authName, sender); err != nil {
			break
		}
		if w := sender; w != nil {
			if _, ok := st.watchers[w.String()]; !ok {
				st.watchers[w.String()] = w
				ctx.Watch(w)
			}
		}
	case *messages.UnwatchAuth:
		if w := sender; w != nil {
			if _, ok := st.watchers[w.String()]; ok {
				delete(st.watchers, w.String())
				ctx.Unwatch(w)
			}
		}
	case *messages.GetAuthStats:
		c := st.stats
		a.respond(sender, &messages.AuthStats{Requests: c.requests, Allowed: c.allowed, Denied: c.denied,
			Malformed: c.malformed, Restarts: c.restarts})
		return
	case *messages.InjectFault:
		if !st.faults {
			err = fmt.Errorf("%w: fault injection is not enabled for the authenticator", sockets.ErrUnsupported)
			break
		}
		panic(&InjectedFault{Reason: m.GetReason()})
	default:
		err = fmt.Errorf("%w: the authenticator does not understand %T", sockets.ErrBadMessage, msg)
	}
	if err != nil {
		a.respond(sender, sockets.ErrorToProto(authName, &sockets.Error{Op: "auth", Socket: authName, Err: err}))
		return
	}
	a.respond(sender, st.policy())
}

// respond answers the sender; without one, an Error goes to the event
// stream, so that a failed command is never silent.
func (a *authActor) respond(sender *actor.PID, msg any) {
	if sender != nil {
		a.root.Send(sender, msg)
		return
	}
	if e, ok := msg.(*messages.Error); ok {
		a.rt.system.EventStream.Publish(e)
	}
}

func (st *authState) policy() *messages.AuthPolicy {
	p := &messages.AuthPolicy{CurveKeys: uint32(len(st.keys)), CurveAllowAny: st.anyKey}
	for e := range st.allow {
		p.Allow = append(p.Allow, e)
	}
	for e := range st.deny {
		p.Deny = append(p.Deny, e)
	}
	for u := range st.passwords {
		p.Users = append(p.Users, u)
	}
	slices.Sort(p.Allow)
	slices.Sort(p.Deny)
	slices.Sort(p.Users)
	return p
}

// parseAddresses reads address list entries: IP addresses or prefixes.
func parseAddresses(entries []string) (map[string]netip.Prefix, error) {
	out := make(map[string]netip.Prefix, len(entries))
	for _, e := range entries {
		var p netip.Prefix
		var err error
		if strings.Contains(e, "/") {
			if p, err = netip.ParsePrefix(e); err == nil && p.Addr().Is4In6() {
				if p.Bits() < 96 {
					err = fmt.Errorf("an IPv4-mapped prefix shorter than /96")
				} else {
					p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
				}
			}
		} else {
			var ip netip.Addr
			if ip, err = netip.ParseAddr(e); err == nil {
				ip = ip.Unmap()
				p = netip.PrefixFrom(ip, ip.BitLen())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: address %q is not an IP address or prefix", sockets.ErrBadOption, e)
		}
		out[e] = p.Masked()
	}
	return out, nil
}

func parseKeys(raw [][]byte) ([]sockets.Key, error) {
	keys := make([]sockets.Key, len(raw))
	for i, b := range raw {
		k, err := sockets.KeyFromBytes(b)
		if err != nil {
			return nil, fmt.Errorf("%w: key %d: %w", sockets.ErrBadOption, i, err)
		}
		keys[i] = k
	}
	return keys, nil
}
