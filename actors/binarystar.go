package actors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Binary Star's states, as the servers publish them to each other: one
// frame, the state's number in decimal (the zguide's bstarsrv).
const (
	BinaryStarPrimary = 1
	BinaryStarBackup  = 2
	BinaryStarActive  = 3
	BinaryStarPassive = 4
)

// bstarName names a state; "" for a number that is none.
func bstarName(state int) string {
	switch state {
	case BinaryStarPrimary:
		return "PRIMARY"
	case BinaryStarBackup:
		return "BACKUP"
	case BinaryStarActive:
		return "ACTIVE"
	case BinaryStarPassive:
		return "PASSIVE"
	}
	return ""
}

// BinaryStarOptions configure a Binary Star server (WithBinaryStar).
type BinaryStarOptions struct {
	// Primary makes the server the primary of the pair; else the backup.
	Primary bool
	// Publisher is the PUB socket actor that publishes this server's state
	// to its peer. Required.
	Publisher *actor.PID
	// Subscriber is the SUB socket actor, subscribed to everything and
	// owned by this server's socket actor, that receives the peer's
	// state. Required.
	Subscriber *actor.PID
	// Handler answers the clients' requests, as a server's handler does
	// (WithHandler). Required.
	Handler *actor.PID
	// Heartbeat is how often the state is published; the peer is taken for
	// dead after two intervals without its state (the zguide's). Zero
	// means one second.
	Heartbeat time.Duration
	// Timeout is how long the handler has to answer; zero means
	// DefaultHandlerTimeout.
	Timeout time.Duration
}

// WithBinaryStar makes a ROUTER socket actor the frontend of a Binary
// Star server (the zguide's bstarsrv): one of a primary and a backup that
// tell each other their state every Heartbeat (over Publisher and
// Subscriber) and run the zguide's state machine. The primary starts
// PRIMARY and becomes ACTIVE when it hears a passive backup (or PASSIVE
// when it hears an active one); the backup starts BACKUP and becomes
// PASSIVE when it hears an active primary. Only the active server answers
// clients: each request [client, "", body...] goes to Handler and its
// reply back. A passive server takes over (failover) when a client asks
// it after its peer has been silent for two heartbeats: the clients vote.
// Requests it may not answer are dropped and counted
// (ReliableStats.dropped); the client times out and asks the other
// server. Each change of state goes to the owner as a
// messages.BinaryStarState; two actives or two passives are fatal: the
// server stops.
func WithBinaryStar(opts BinaryStarOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if opts.Publisher == nil || opts.Subscriber == nil || opts.Handler == nil {
			return fmt.Errorf("%w: WithBinaryStar: Publisher, Subscriber and Handler are required", ErrBadOption)
		}
		if opts.Heartbeat < 0 || opts.Timeout < 0 {
			return fmt.Errorf("%w: WithBinaryStar: negative Heartbeat or Timeout", ErrBadOption)
		}
		if opts.Heartbeat == 0 {
			opts.Heartbeat = time.Second
		}
		return pattern(c, &patternRole{option: "WithBinaryStar", types: []sockets.Type{sockets.Router},
			make: func(*sockets.Spec) role {
				state := BinaryStarBackup
				if opts.Primary {
					state = BinaryStarPrimary
				}
				return &bstarRole{handlerBase: handlerBase{work: newHanding(opts.Handler, opts.Timeout)},
					opts: opts, state: state, tick: newTicker(Heartbeat{Interval: opts.Heartbeat, Liveness: 2})}
			}})
	}
}

// bstarRole is the delivery role of a Binary Star server's frontend.
type bstarRole struct {
	handlerBase
	opts       BinaryStarOptions
	state      int
	peerExpiry time.Time
	tick       *heartbeat
}

func (b *bstarRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	b.open(h, hooks, b.deliver)
	return nil, nil
}

func (b *bstarRole) opened(bool) error {
	b.handlerBase.opened()
	b.tick.start(b.h)
	return nil
}

func (b *bstarRole) closing(final bool) {
	b.tick.stop()
	b.close(final)
}

func (b *bstarRole) terminated(who *actor.PID) {
	if b.work.terminated(who, b.failed) {
		stopSelf(b.h)
	}
}

func (b *bstarRole) command(msg any, sender *actor.PID) (any, bool, error) {
	if answer, ok := reliableCommand(msg, b.stats); ok {
		return answer, true, nil
	}
	if b.tick.take(msg, func(beat) {
		b.counts.heartbeatsSent++
		b.h.root().Send(b.opts.Publisher, &messages.Send{Frames: [][]byte{[]byte(strconv.Itoa(b.state))}})
	}) {
		return nil, true, nil
	}
	if sender != nil && (sender.Equal(b.opts.Subscriber) || sender.Equal(b.opts.Publisher)) {
		if m, ok := msg.(*messages.Received); ok && sender.Equal(b.opts.Subscriber) {
			b.peer(m.GetFrames())
			return nil, true, nil
		}
		b.h.event(msg) // the state sockets' events, for the owner
		return nil, true, nil
	}
	return nil, b.handCommand(msg, b.failed), nil
}

func (b *bstarRole) stats() *messages.ReliableStats {
	st := b.counts.stats(b.h.name(), "binary star "+bstarName(b.state))
	st.Waiting = uint32(len(b.work.pending))
	return st
}

// peer takes the peer's state.
func (b *bstarRole) peer(frames [][]byte) {
	state := 0
	if len(frames) == 1 {
		state, _ = strconv.Atoi(string(frames[0]))
	}
	if bstarName(state) == "" {
		b.counts.malformed++
		protocolError(b.h, sockets.OpReceive, frames, "a peer's state is one frame, 1 to 4")
		return
	}
	b.counts.heartbeatsReceived++
	b.peerExpiry = time.Now().Add(2 * b.opts.Heartbeat)
	b.fsm(state, false)
}

// fsm runs the zguide's state machine on the peer's state, or a client's
// request (request true), and reports whether the request may be
// answered.
func (b *bstarRole) fsm(peer int, request bool) bool {
	to, why, fatal := 0, "", false
	switch {
	case b.state == BinaryStarPrimary && peer == BinaryStarBackup:
		to, why = BinaryStarActive, "connected to backup (passive), ready as active"
	case b.state == BinaryStarPrimary && peer == BinaryStarActive:
		to, why = BinaryStarPassive, "connected to backup (active), ready as passive"
	case b.state == BinaryStarPrimary && request && !time.Now().Before(b.peerExpiry):
		to, why = BinaryStarActive, "request from client, ready as active"
	case b.state == BinaryStarBackup && peer == BinaryStarActive:
		to, why = BinaryStarPassive, "connected to primary (active), ready as passive"
	case b.state == BinaryStarActive && peer == BinaryStarActive:
		why, fatal = "fatal error - dual actives, aborting", true
	case b.state == BinaryStarPassive && peer == BinaryStarPrimary:
		to, why = BinaryStarActive, "primary (passive) is restarting, ready as active"
	case b.state == BinaryStarPassive && peer == BinaryStarBackup:
		to, why = BinaryStarActive, "backup (passive) is restarting, ready as active"
	case b.state == BinaryStarPassive && peer == BinaryStarPassive:
		why, fatal = "fatal error - dual passives, aborting", true
	case b.state == BinaryStarPassive && request && !time.Now().Before(b.peerExpiry):
		to, why = BinaryStarActive, "failover successful, ready as active"
	}
	if to != 0 {
		b.state = to
	}
	if why != "" {
		b.h.event(&messages.BinaryStarState{Socket: b.h.name(), State: bstarName(b.state), Reason: why, Fatal: fatal})
	}
	if fatal {
		stopSelf(b.h)
		return false
	}
	return b.state == BinaryStarActive
}

// deliver takes a client's request.
func (b *bstarRole) deliver(frames [][]byte) {
	envelope, body, ok := splitEnvelope(frames, 1)
	if !ok || len(frames[0]) == 0 {
		b.counts.malformed++
		protocolError(b.h, sockets.OpReceive, frames, "a client's request is [client, \"\", body...]")
		return
	}
	b.counts.requests++
	if !b.fsm(0, true) {
		b.counts.dropped++ // the client asks the other server
		return
	}
	if err := b.work.hand(b.h, body, frames[0], envelope); err != nil {
		b.failed(nil, err.Error())
	}
}

func (b *bstarRole) failed(_ *handed, reason string) { b.reportFailure(reason) }

// BinaryStarSpec describes a Binary Star server: its frontend ROUTER for
// clients, and the PUB and SUB sockets over which it and its peer tell
// each other their state. The zguide's primary binds tcp://*:5001 and
// tcp://*:5003 and connects tcp://localhost:5004; its backup binds
// tcp://*:5002 and tcp://*:5004 and connects tcp://localhost:5003.
type BinaryStarSpec struct {
	// Name names the server: its socket actors are NAME-frontend,
	// NAME-statepub and NAME-statesub. Empty picks one.
	Name string
	// Frontend, StatePub and StateSub are the sockets; their types may be
	// left zero (ROUTER, PUB, SUB).
	Frontend, StatePub, StateSub sockets.Spec
	// Primary, Handler, Heartbeat and Timeout are as in BinaryStarOptions.
	Primary   bool
	Handler   *actor.PID
	Heartbeat time.Duration
	Timeout   time.Duration
	// Owner, when set, receives the sockets' events and the
	// BinaryStarState changes; else they go to the event stream.
	Owner *actor.PID
}

// BinaryStar is a handle on a running Binary Star server.
type BinaryStar struct {
	frontend, pub, sub *Socket
}

// Frontend returns the frontend socket actor.
func (s *BinaryStar) Frontend() *Socket { return s.frontend }

// Close stops the three sockets and waits for them.
func (s *BinaryStar) Close(ctx context.Context) error {
	var errs []error
	for _, sock := range []*Socket{s.frontend, s.sub, s.pub} {
		if _, err := sock.Close(ctx); err != nil && !errors.Is(err, ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SpawnBinaryStar starts a Binary Star server (WithBinaryStar) and waits
// until its sockets are open.
func (c *Runtime) SpawnBinaryStar(ctx context.Context, spec BinaryStarSpec) (*BinaryStar, error) {
	name := spec.Name
	if name == "" {
		name = "zmq-bstar" + c.system.ProcessRegistry.NextId()
	}
	front, pub, sub := spec.Frontend.Clone(), spec.StatePub.Clone(), spec.StateSub.Clone()
	for _, s := range []struct {
		spec *sockets.Spec
		t    sockets.Type
		name string
	}{{&front, sockets.Router, "frontend"}, {&pub, sockets.Pub, "statepub"}, {&sub, sockets.Sub, "statesub"}} {
		if s.spec.Type == 0 {
			s.spec.Type = s.t
		}
		if s.spec.Type != s.t {
			return nil, fmt.Errorf("%w: a Binary Star's %s is a %v, not %v", ErrUnsupported, s.name, s.t, s.spec.Type)
		}
		if s.spec.Name == "" {
			s.spec.Name = s.name
		}
	}
	sub.Options = append(sub.Options, sockets.Subscribe(nil))
	pubPID := actor.NewPID(c.system.Address(), name+"-statepub")
	subPID := actor.NewPID(c.system.Address(), name+"-statesub")
	opts := []SpawnOption{WithName(name + "-frontend"), WithBinaryStar(BinaryStarOptions{Primary: spec.Primary,
		Publisher: pubPID, Subscriber: subPID, Handler: spec.Handler, Heartbeat: spec.Heartbeat, Timeout: spec.Timeout})}
	if spec.Owner != nil {
		opts = append(opts, WithOwner(spec.Owner))
	}
	s := &BinaryStar{}
	var err error
	if s.frontend, err = c.Spawn(ctx, front, opts...); err != nil {
		return nil, err
	}
	fail := func(err error) (*BinaryStar, error) {
		for _, sock := range []*Socket{s.frontend, s.pub} {
			if sock != nil {
				_, _ = sock.Close(context.WithoutCancel(ctx))
			}
		}
		return nil, err
	}
	if s.pub, err = c.Spawn(ctx, pub, WithName(pubPID.Id), WithOwner(s.frontend.PID())); err != nil {
		return fail(err)
	}
	if s.sub, err = c.Spawn(ctx, sub, WithName(subPID.Id), WithOwner(s.frontend.PID())); err != nil {
		return fail(err)
	}
	return s, nil
}
