package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The actor paths: zmqactor's public API only, as a user would drive it.

// Flow control of the sender actors. A PUSH socket actor keeps what ZeroMQ
// refuses at its high-water mark in a bounded send queue, and Sent (the
// answer to a Send sent with ctx.Request) comes as soon as a message is
// queued, so a sender that only waited for Sent would overflow that queue.
// A PUSH sender therefore works on credits: it starts with credits
// messages, and the receiving actor gives back window credits every window
// messages it has; the send queue limit is above credits. A PUB with
// high-water mark 0 never queues, so a PUB sender only waits for the Sent
// that answers the last command of each window, two windows in flight:
// that keeps the PUB socket actor's mailbox bounded.
const (
	window  = 1024
	credits = 8 * window
)

// setupTimeout bounds a spawn, a subscription and a shutdown.
const setupTimeout = 30 * time.Second

// actorEnv is an actor system with its ZeroMQ context, and the plain actors
// a path spawned on it.
type actorEnv struct {
	system *actor.ActorSystem
	z      *actors.Runtime
	pids   []*actor.PID
	errs   chan error // failures reported by the actors
}

func newActorEnv(opts ...actors.RuntimeOption) (*actorEnv, error) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
	z, err := actors.NewRuntime(system, opts...)
	if err != nil {
		system.Shutdown()
		return nil, err
	}
	return &actorEnv{system: system, z: z, errs: make(chan error, 64)}, nil
}

// spawn spawns a plain actor, stopped at close.
func (e *actorEnv) spawn(a actor.Actor) *actor.PID {
	pid := e.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return a }, actor.WithDispatcher(e.z.Dispatcher())))
	e.pids = append(e.pids, pid)
	return pid
}

// report hands an actor's failure to the run that waits, without blocking.
func report(errs chan<- error, err error) {
	select {
	case errs <- err:
	default:
	}
}

// close stops every socket actor and terminates the ZeroMQ context, then
// stops the plain actors and the actor system.
func (e *actorEnv) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	err := e.z.Shutdown(ctx)
	for _, pid := range e.pids {
		if werr := e.system.Root.StopFuture(pid).Wait(); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	e.system.Shutdown()
	return err
}

// wait waits for every channel in chans to close, for a failure on errs,
// or for runDeadline.
func (e *actorEnv) wait(chans []chan struct{}) error {
	deadline := time.NewTimer(runDeadline)
	defer deadline.Stop()
	for i, c := range chans {
		select {
		case <-c:
		case err := <-e.errs:
			return err
		case <-deadline.C:
			return fmt.Errorf("timed out after %v: %d of %d receivers done", runDeadline, i, len(chans))
		}
	}
	return nil
}

// expect starts a counter's run: n messages, then close done; with
// creditTo, give it window credits every window messages.
type expect struct {
	n        int
	done     chan struct{}
	creditTo *actor.PID
}

// credit lets a sender send n more messages.
type credit struct{ n int }

// warmUp asks a counter to close seen at the first message that is not of
// the run's size.
type warmUp struct{ seen chan struct{} }

// counter is a receiving actor: it counts the messages of its size that it
// receives as messages.Received, from a PULL socket actor (its owner) or a
// SUB socket actor (its subscription).
type counter struct {
	size     int
	n, got   int
	done     chan struct{}
	creditTo *actor.PID
	seen     chan struct{}
	errs     chan<- error
}

func (c *counter) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *messages.Received:
		c.one(ctx, m.GetFrames())
	case *messages.ReceivedBatch: // from a PULL spawned WithBatchDelivery
		for _, f := range m.GetMessages() {
			c.one(ctx, f.GetFrames())
		}
	case expect:
		c.n, c.got, c.done, c.creditTo = m.n, 0, m.done, m.creditTo
	case warmUp:
		c.seen = m.seen
	case *messages.Error:
		report(c.errs, sockets.ErrorFromProto(m))
	}
}

// one counts a message, or notes the warm-up's.
func (c *counter) one(ctx actor.Context, frames [][]byte) {
	if len(frames) == 1 && len(frames[0]) == c.size {
		c.got++
		if c.creditTo != nil && c.got%window == 0 {
			ctx.Send(c.creditTo, credit{n: window})
		}
		if c.got == c.n && c.done != nil {
			close(c.done)
			c.done = nil
		}
		return
	}
	if c.seen != nil {
		close(c.seen)
		c.seen = nil
	}
}

// burst starts a sender's run: n commands to the socket actor to.
type burst struct {
	n  int
	to *actor.PID
}

// sender is a sending actor: it sends cmd() to a socket actor n times,
// under flow control (see credits). It is the owner of its socket actor,
// so it also gets the failures of the commands sent without a sender.
type sender struct {
	cmd      func() any
	batch    func(k int) any // with credits: one command for k messages
	credited bool            // a PUSH sender: credits; else Sent per window
	to       *actor.PID
	left     int
	credit   int
	errs     chan<- error
}

func (s *sender) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case burst:
		s.to, s.left = m.to, m.n
		if s.credited {
			s.credit = credits
			s.sendCredited(ctx)
			return
		}
		s.window(ctx)
		s.window(ctx)
	case credit:
		s.credit += m.n
		s.sendCredited(ctx)
	case *messages.Sent:
		s.window(ctx)
	case *messages.Error:
		report(s.errs, sockets.ErrorFromProto(m))
	}
}

func (s *sender) sendCredited(ctx actor.Context) {
	k := min(s.credit, s.left)
	s.credit -= k
	s.left -= k
	if s.batch != nil {
		for k > 0 {
			n := min(k, batchMessages)
			ctx.Send(s.to, s.batch(n))
			k -= n
		}
		return
	}
	for range k {
		ctx.Send(s.to, s.cmd())
	}
}

// window sends the next window of commands, the last with ctx.Request.
func (s *sender) window(ctx actor.Context) {
	k := min(window, s.left)
	if k == 0 {
		return
	}
	s.left -= k
	if s.batch != nil {
		for k > batchMessages {
			ctx.Send(s.to, s.batch(batchMessages))
			k -= batchMessages
		}
		ctx.Request(s.to, s.batch(k))
		return
	}
	for range k - 1 {
		ctx.Send(s.to, s.cmd())
	}
	ctx.Request(s.to, s.cmd())
}

// actorFanOut is a sender actor, a sending socket actor, a receiving socket
// actor, and counting actors: PUSH→PULL with the counter as the PULL's
// owner, or PUB→SUB with counters subscribed.
type actorFanOut struct {
	*actorEnv
	snd, rcv *actors.Socket
	sender   *actor.PID
	credited bool // the counter gives the sender credits
	counters []*actor.PID
}

var endpointSeq atomic.Uint64

// inprocEndpoint returns a fresh inproc endpoint.
func inprocEndpoint(name string) string {
	return "inproc://bench-" + name + "-" + strconv.FormatUint(endpointSeq.Add(1), 10)
}

// batchMessages is the most messages a batched sender puts in one
// SendBatch.
const batchMessages = 256

// newActorFanOut starts the actor system of a fan-out case.
func newActorFanOut() (*actorFanOut, error) {
	env, err := newActorEnv()
	if err != nil {
		return nil, err
	}
	return &actorFanOut{actorEnv: env}, nil
}

// batchOf returns a sender's batch for the message frames: a SendBatch of
// k copies, up to batchMessages, built once.
func batchOf(frames [][]byte) func(k int) any {
	msgs := make([]*messages.Frames, batchMessages)
	for i := range msgs {
		msgs[i] = &messages.Frames{Frames: frames}
	}
	return func(k int) any { return &messages.SendBatch{Messages: msgs[:k]} }
}

// openActorPushPull opens a PULL socket actor bound on transport ("tcp":
// a loopback port, or "inproc") and a PUSH socket actor connected to it,
// with their sender and counting actors. batched: the sender hands the
// PUSH socket actor SendBatch commands of up to batchMessages messages,
// and the PULL socket actor hands the counter a ReceivedBatch per turn
// (actors.WithBatchDelivery); else one Send and one Received per message.
func openActorPushPull(transport string, size int, batched bool) (runner, error) {
	r, err := newActorFanOut()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	endpoint := "tcp://127.0.0.1:*"
	if transport == "inproc" {
		endpoint = inprocEndpoint("pushpull")
	}
	cnt := r.spawn(&counter{size: size, errs: r.errs})
	r.counters = []*actor.PID{cnt}
	pullOpts := []actors.SpawnOption{actors.WithOwner(cnt)}
	if batched {
		pullOpts = append(pullOpts, actors.WithBatchDelivery())
	}
	pull, err := r.z.Spawn(ctx, sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{endpoint}}, pullOpts...)
	if err != nil {
		return nil, errors.Join(err, r.close())
	}
	r.rcv = pull
	frames := [][]byte{payload(size)} // the same bytes each time, never modified
	snd := &sender{cmd: func() any { return &messages.Send{Frames: frames} }, credited: true, errs: r.errs}
	if batched {
		snd.batch = batchOf(frames)
	}
	r.sender = r.spawn(snd)
	r.credited = true
	r.snd, err = r.z.Spawn(ctx, sockets.Spec{Name: "push", Type: sockets.Push, Connects: pull.Bound(), SendQueueLimit: credits + window},
		actors.WithOwner(r.sender))
	if err != nil {
		return nil, errors.Join(err, r.close())
	}
	if err := r.warm(func() error { return r.snd.Send([]byte("w")) }); err != nil {
		return nil, errors.Join(err, r.close())
	}
	return r, nil
}

// openActorPubSub opens a PUB socket actor bound to a tcp port and a SUB
// socket actor connected to it, with subscribers counting actors
// subscribed to everything; high-water marks 0. batched: the sender hands
// the PUB socket actor SendBatch commands and the counters subscribe with
// SubscribeBatched; else one Publish and one Received per message.
func openActorPubSub(subscribers, size int, batched bool) (runner, error) {
	r, err := newActorFanOut()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	topic := payload(size)
	snd := &sender{cmd: func() any { return &messages.Publish{Topic: topic} }, errs: r.errs}
	if batched {
		snd.batch = batchOf([][]byte{topic})
	}
	r.sender = r.spawn(snd)
	r.snd, err = r.z.Spawn(ctx, sockets.Spec{Name: "pub", Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []sockets.Option{sockets.SendHWM(0)}}, actors.WithOwner(r.sender))
	if err != nil {
		return nil, errors.Join(err, r.close())
	}
	sub, err := r.z.Spawn(ctx, sockets.Spec{Name: "sub", Type: sockets.Sub, Connects: r.snd.Bound(),
		Options: []sockets.Option{sockets.ReceiveHWM(0)}})
	if err != nil {
		return nil, errors.Join(err, r.close())
	}
	r.rcv = sub
	for range subscribers {
		cnt := r.spawn(&counter{size: size, errs: r.errs})
		r.counters = append(r.counters, cnt)
		subscribe := sub.Subscribe
		if batched {
			subscribe = sub.SubscribeBatched
		}
		if err := subscribe(ctx, cnt, ""); err != nil {
			return nil, errors.Join(err, r.close())
		}
	}
	if err := r.warm(func() error { return r.snd.Publish("w") }); err != nil {
		return nil, errors.Join(err, r.close())
	}
	return r, nil
}

// warm sends 1-byte messages with send, one a millisecond, until every
// counter has one.
func (r *actorFanOut) warm(send func() error) error {
	seen := make([]chan struct{}, len(r.counters))
	for i, c := range r.counters {
		seen[i] = make(chan struct{})
		r.system.Root.Send(c, warmUp{seen: seen[i]})
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(warmUpDeadline)
	defer deadline.Stop()
	for i := 0; i < len(seen); {
		if err := send(); err != nil {
			return err
		}
		select {
		case <-seen[i]:
			i++
		case err := <-r.errs:
			return err
		case <-tick.C:
		case <-deadline.C:
			return fmt.Errorf("warm-up: %d of %d receivers never got a message", len(seen)-i, len(seen))
		}
	}
	return nil
}

// run tells the counters to expect n messages, the sender to send them,
// and waits until every counter has them all.
func (r *actorFanOut) run(n int) ([]float64, error) {
	dones := make([]chan struct{}, len(r.counters))
	for i, c := range r.counters {
		dones[i] = make(chan struct{})
		e := expect{n: n, done: dones[i]}
		if r.credited {
			e.creditTo = r.sender
		}
		r.system.Root.Send(c, e)
	}
	start := time.Now()
	r.system.Root.Send(r.sender, burst{n: n, to: r.snd.PID()})
	if err := r.wait(dones); err != nil {
		return nil, err
	}
	return throughput(n, time.Since(start)), nil
}

// diagnose says how the socket actors worked: messages per turn (a
// readiness wake-up, a re-check after sends, or a batch that filled up) of
// each, and how often a send met the high-water mark and waited in the send
// queue. For the progress log, to help tuning.
func (r *actorFanOut) diagnose() string {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	snd, err := r.snd.Stats(ctx)
	if err != nil {
		return err.Error()
	}
	rcv, err := r.rcv.Stats(ctx)
	if err != nil {
		return err.Error()
	}
	per := func(n, turns uint64) float64 { return float64(n) / float64(max(turns, 1)) }
	return fmt.Sprintf("%s: %.0f messages sent per turn, %.1f%% of them queued at the high-water mark first; %s: %.0f messages received per turn",
		snd.GetSocket(), per(snd.GetSent(), snd.GetWakeups()), 100*per(snd.GetQueued(), snd.GetSent()),
		rcv.GetSocket(), per(rcv.GetReceived(), rcv.GetWakeups()))
}

// echo is a server's handler actor: it answers each request with its body.
func echo(ctx actor.Context) {
	if r, ok := ctx.Message().(*messages.Request); ok {
		ctx.Respond(&messages.Reply{Frames: r.GetFrames()})
	}
}

// actorClient is a client socket actor (REQ or DEALER) connected to a
// server socket actor (REP or ROUTER) whose handler actor echoes.
type actorClient struct {
	*actorEnv
	cli    *actors.Socket
	frames [][]byte
	size   int
	rtt    []time.Duration
}

func openActorClient(client, server sockets.Type, size int) (*actorClient, error) {
	env, err := newActorEnv()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	h := env.system.Root.Spawn(actor.PropsFromFunc(echo, actor.WithDispatcher(env.z.Dispatcher())))
	env.pids = append(env.pids, h)
	srv, err := env.z.Spawn(ctx, sockets.Spec{Name: "server", Type: server, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithHandler(h, actors.ServeOptions{}))
	if err != nil {
		return nil, errors.Join(err, env.close())
	}
	cli, err := env.z.Spawn(ctx, sockets.Spec{Name: "client", Type: client, Connects: srv.Bound()})
	if err != nil {
		return nil, errors.Join(err, env.close())
	}
	return &actorClient{actorEnv: env, cli: cli, frames: [][]byte{payload(size)}, size: size}, nil
}

func (c *actorClient) checkReply(frames [][]byte) error {
	if len(frames) != 1 || len(frames[0]) != c.size {
		return fmt.Errorf("reply of %d frames, want 1 of %d bytes", len(frames), c.size)
	}
	return nil
}

// actorLatency times n round trips through Socket.Request, one at a time.
type actorLatency struct{ *actorClient }

func (a actorLatency) run(n int) ([]float64, error) {
	if cap(a.rtt) < n {
		a.rtt = make([]time.Duration, n)
	}
	rtt := a.rtt[:n]
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	for i := range rtt {
		start := time.Now()
		reply, err := a.cli.Request(ctx, a.frames)
		if err != nil {
			return nil, err
		}
		rtt[i] = time.Since(start)
		if err := a.checkReply(reply.GetFrames()); err != nil {
			return nil, err
		}
	}
	return latencyFigures(rtt), nil
}

// inFlight is the number of requests outstanding in the in-flight case.
const inFlight = 16

// ask starts an asker's run: it takes tickets until they pass n, then
// reports to done.
type ask struct {
	tickets *atomic.Int64
	n       int64
	done    chan<- error
}

// asker sends one request at a time to a client socket actor with
// ctx.Request, the next when the reply comes.
type asker struct {
	*actorClient
	run ask
}

func (a *asker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case ask:
		a.run = m
		a.next(ctx)
	case *messages.Reply:
		if err := a.checkReply(m.GetFrames()); err != nil {
			a.run.done <- err
			return
		}
		a.next(ctx)
	case *messages.Error:
		a.run.done <- sockets.ErrorFromProto(m)
	}
}

func (a *asker) next(ctx actor.Context) {
	if a.run.tickets.Add(1) > a.run.n {
		a.run.done <- nil
		return
	}
	ctx.Request(a.cli.PID(), &messages.Request{Frames: a.frames})
}

// actorInFlight runs inFlight askers through one DEALER client socket
// actor.
type actorInFlight struct {
	*actorClient
	askers []*actor.PID
}

func openActorInFlight(size int) (runner, error) {
	c, err := openActorClient(sockets.Dealer, sockets.Router, size)
	if err != nil {
		return nil, err
	}
	r := &actorInFlight{actorClient: c}
	for range inFlight {
		r.askers = append(r.askers, c.spawn(&asker{actorClient: c}))
	}
	return r, nil
}

func (r *actorInFlight) run(n int) ([]float64, error) {
	var tickets atomic.Int64
	done := make(chan error, len(r.askers))
	start := time.Now()
	for _, pid := range r.askers {
		r.system.Root.Send(pid, ask{tickets: &tickets, n: int64(n), done: done})
	}
	deadline := time.NewTimer(runDeadline)
	defer deadline.Stop()
	for range r.askers {
		select {
		case err := <-done:
			if err != nil {
				return nil, err
			}
		case <-deadline.C:
			return nil, fmt.Errorf("timed out after %v", runDeadline)
		}
	}
	return throughput(n, time.Since(start)), nil
}
