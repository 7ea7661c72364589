package actors

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// DefaultMaxWaiting bounds the requests a Paranoid Pirate queue or a
// Majordomo broker keeps while they wait for a worker, when the options do
// not say.
const DefaultMaxWaiting = 10000

// PirateQueueOptions configure a Paranoid Pirate queue (WithPirateQueue,
// SpawnPirateQueue).
type PirateQueueOptions struct {
	// Heartbeat is the queue's heartbeating; zero fields take the Paranoid
	// Pirate defaults (Heartbeat). Only Interval and Liveness apply.
	Heartbeat Heartbeat
	// MaxWaiting bounds the requests waiting for a worker; zero means
	// DefaultMaxWaiting. Past it a request is dropped, counted and
	// reported (ErrQueueFull); its client retries.
	MaxWaiting int
}

// WithPirateQueue makes a ROUTER socket actor the backend of a Paranoid
// Pirate queue (ZeroMQ RFC 6), with frontend the ROUTER socket actor whose
// owner it is: the frontend's events come to it and it passes them on to
// its own owner (or the event stream), and what the frontend receives is a
// client's request. SpawnPirateQueue spawns the pair.
//
// Workers connect to the backend and send READY (a worker whose first
// message is a HEARTBEAT is taken too, as the zguide's queue takes it);
// each request [client envelope..., "", body...] goes to the worker that
// has been ready the longest, and its reply back to the client. Requests
// wait while no worker is ready, up to MaxWaiting. The queue heartbeats
// every worker it knows, idle or busy, every Interval, and forgets a
// worker silent for Liveness intervals (a request it held is lost: the
// client retries). Any message from a worker counts as a sign of life.
// Malformed messages are dropped, counted and reported (ErrBadMessage).
// The backend has router_mandatory unless its spec says: a request for a
// worker that is gone goes to the next worker. The workers and waiting
// requests survive a restart of the backend socket actor. A queue whose
// frontend stops stops too.
func WithPirateQueue(frontend *actor.PID, opts PirateQueueOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if frontend == nil {
			return fmt.Errorf("%w: WithPirateQueue: nil frontend", ErrBadOption)
		}
		if opts.MaxWaiting < 0 {
			return fmt.Errorf("%w: WithPirateQueue: negative MaxWaiting %d", ErrBadOption, opts.MaxWaiting)
		}
		if opts.MaxWaiting == 0 {
			opts.MaxWaiting = DefaultMaxWaiting
		}
		hb, err := opts.Heartbeat.orDefaults("WithPirateQueue", pirateHeartbeat())
		if err != nil {
			return err
		}
		return pattern(c, &patternRole{option: "WithPirateQueue", types: []sockets.Type{sockets.Router},
			make: func(spec *sockets.Spec) role {
				mandatory(spec)
				return &pirateQueueRole{frontend: frontend, maxWaiting: opts.MaxWaiting, hb: hb,
					tick: newTicker(hb), workers: map[string]*queueWorker{}}
			}})
	}
}

// mandatory sets router_mandatory on a ROUTER's spec unless it says: a
// send to a peer that is gone then fails at once, instead of vanishing.
func mandatory(spec *sockets.Spec) {
	if !slices.ContainsFunc(spec.Options, func(o sockets.Option) bool {
		_, ok := o.GetOption().(*messages.SocketOption_RouterMandatory)
		return ok
	}) {
		spec.Options = append(spec.Options, sockets.RouterMandatory(true))
	}
}

// pirateQueueRole is the delivery role of a Paranoid Pirate queue's
// backend.
type pirateQueueRole struct {
	frontend   *actor.PID
	seen       bool // the frontend has started: watched from then on
	maxWaiting int
	hb         Heartbeat
	tick       *heartbeat
	workers    map[string]*queueWorker
	idle       []*queueWorker // ready the longest first
	waiting    [][][]byte     // [client envelope..., "", body...], oldest first
	counts     reliableCounts

	attachment
}

// queueWorker is a worker the queue knows.
type queueWorker struct {
	id      []byte
	expires time.Time
	idle    bool
}

func (q *pirateQueueRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	q.attach(h)
	hooks.Deliver = q.deliver
	return nil, nil
}

func (q *pirateQueueRole) opened(bool) error {
	q.sock = q.h.socket()
	if q.seen {
		q.h.watch(q.frontend)
	}
	q.tick.start(q.h)
	q.dispatch()
	return nil
}

func (q *pirateQueueRole) closing(bool) {
	q.tick.stop()
	q.sock = nil
}

// terminated stops the queue when its frontend stopped.
func (q *pirateQueueRole) terminated(who *actor.PID) {
	if who.Equal(q.frontend) {
		q.h.errorTo(nil, &sockets.Error{Op: sockets.OpForward, Socket: q.h.name(),
			Err: fmt.Errorf("%w: the queue's frontend stopped; the queue stops", ErrClosed)})
		stopSelf(q.h)
	}
}

func (q *pirateQueueRole) command(msg any, sender *actor.PID) (any, bool, error) {
	if answer, ok := reliableCommand(msg, q.stats); ok {
		return answer, true, nil
	}
	if q.tick.take(msg, func(beat) { q.beat() }) {
		return nil, true, nil
	}
	if sender == nil || !sender.Equal(q.frontend) {
		return nil, false, nil
	}
	// The frontend's: a request, or an event for the queue's owner. The
	// frontend is spawned after the queue, and watched once it speaks.
	if !q.seen {
		q.seen = true
		q.h.watch(q.frontend)
	}
	if m, ok := msg.(*messages.Received); ok {
		q.request(m.GetFrames())
		return nil, true, nil
	}
	q.h.event(msg)
	return nil, true, nil
}

func (q *pirateQueueRole) stats() *messages.ReliableStats {
	st := q.counts.stats(q.h.name(), "pirate queue")
	st.Workers, st.IdleWorkers, st.Waiting = uint32(len(q.workers)), uint32(len(q.idle)), uint32(len(q.waiting))
	return st
}

// request takes a client's request from the frontend.
func (q *pirateQueueRole) request(frames [][]byte) {
	if _, _, ok := splitEnvelope(frames, 1); !ok || len(frames[0]) == 0 {
		q.counts.malformed++
		protocolError(q.h, sockets.OpForward, frames, "a client's request is [client, \"\", body...]")
		return
	}
	q.counts.requests++
	if len(q.waiting) >= q.maxWaiting {
		q.counts.dropped++
		q.h.errorTo(nil, &sockets.Error{Op: sockets.OpForward, Socket: q.h.name(),
			Err: fmt.Errorf("%w: %d requests wait for a worker; this one is dropped", ErrQueueFull, len(q.waiting))})
		return
	}
	q.waiting = append(q.waiting, frames)
	q.dispatch()
}

// deliver takes a worker's message from the backend: READY, HEARTBEAT or
// a reply [worker, client envelope..., "", body...].
func (q *pirateQueueRole) deliver(frames [][]byte) {
	switch {
	case len(frames) == 2 && string(frames[1]) == PirateReady:
		q.ready(q.heard(frames[0]))
	case len(frames) == 2 && string(frames[1]) == PirateHeartbeat:
		q.counts.heartbeatsReceived++
		q.heard(frames[0]) // a busy worker stays busy
	case len(frames) >= 4 && len(frames[1]) > 0:
		if _, _, ok := splitEnvelope(frames, 2); !ok {
			q.malformed(frames)
			return
		}
		q.counts.replies++
		q.h.root().Send(q.frontend, &messages.Send{Frames: frames[1:]})
		q.ready(q.heard(frames[0]))
	default:
		q.malformed(frames)
		return
	}
	q.dispatch()
}

func (q *pirateQueueRole) malformed(frames [][]byte) {
	q.counts.malformed++
	protocolError(q.h, sockets.OpReceive, frames, "a worker sends READY, HEARTBEAT or [worker, client, \"\", reply...]")
}

// heard returns the worker of routing id, known from now on if it was
// not (the first heartbeat of a worker the queue forgot registers it), and
// notes a sign of life.
func (q *pirateQueueRole) heard(id []byte) *queueWorker {
	w := q.workers[string(id)]
	if w == nil {
		w = &queueWorker{id: id}
		q.workers[string(id)] = w
		q.ready(w)
	}
	w.expires = time.Now().Add(q.hb.expiry())
	return w
}

// ready puts a worker at the end of the idle list, if not there.
func (q *pirateQueueRole) ready(w *queueWorker) {
	if !w.idle {
		w.idle = true
		q.idle = append(q.idle, w)
	}
}

// forget drops a worker.
func (q *pirateQueueRole) forget(w *queueWorker) {
	delete(q.workers, string(w.id))
	if w.idle {
		w.idle = false
		q.idle = slices.DeleteFunc(q.idle, func(x *queueWorker) bool { return x == w })
	}
}

// dispatch gives the waiting requests to the idle workers, the oldest
// request to the worker ready the longest. A worker that is gone is
// forgotten and the request goes to the next.
func (q *pirateQueueRole) dispatch() {
	for q.sock != nil && len(q.idle) > 0 && len(q.waiting) > 0 {
		w := q.idle[0]
		q.idle, w.idle = q.idle[1:], false
		_, err := q.sock.Send(join([][]byte{w.id}, q.waiting[0]))
		switch {
		case errors.Is(err, sockets.ErrHostUnreachable):
			delete(q.workers, string(w.id))
			continue
		case err != nil:
			q.counts.dropped++
			q.h.errorTo(nil, err)
		}
		q.waiting[0] = nil
		q.waiting = q.waiting[1:]
	}
}

// beat heartbeats every worker and forgets those that expired.
func (q *pirateQueueRole) beat() {
	now := time.Now()
	for _, w := range q.workers {
		if now.After(w.expires) {
			q.counts.expired++
			if !w.idle {
				q.counts.dropped++ // the request it held, if it held one
			}
			q.forget(w)
			continue
		}
		if q.sock == nil {
			continue
		}
		q.counts.heartbeatsSent++
		if _, err := q.sock.Send([][]byte{w.id, []byte(PirateHeartbeat)}); errors.Is(err, sockets.ErrHostUnreachable) {
			q.forget(w)
		}
	}
}

// PirateQueueSpec describes a Paranoid Pirate queue: two ROUTER socket
// actors, the frontend for clients and the backend for workers.
type PirateQueueSpec struct {
	// Name names the queue: its socket actors are NAME-frontend and
	// NAME-backend. Empty picks one.
	Name string
	// Frontend and Backend are the sockets; Type may be left zero (ROUTER,
	// the only type they may have). Their names default to "frontend" and
	// "backend". The zguide's ppqueue binds tcp://*:5555 and tcp://*:5556.
	Frontend, Backend sockets.Spec
	// Options configure the queue.
	Options PirateQueueOptions
	// Owner, when set, receives both sockets' events; else they go to the
	// actor system's event stream.
	Owner *actor.PID
}

// PirateQueue is a handle on a running Paranoid Pirate queue.
type PirateQueue struct {
	frontend, backend *Socket
}

// Frontend returns the frontend socket actor, where clients connect.
func (q *PirateQueue) Frontend() *Socket { return q.frontend }

// Backend returns the backend socket actor, where workers connect; it
// answers GetReliableStats (Stats).
func (q *PirateQueue) Backend() *Socket { return q.backend }

// Stats returns the queue's counters and state.
func (q *PirateQueue) Stats(ctx context.Context) (*messages.ReliableStats, error) {
	return q.backend.ReliableStats(ctx)
}

// Close stops both sockets and waits for them.
func (q *PirateQueue) Close(ctx context.Context) error {
	_, err := q.backend.Close(ctx)
	if _, ferr := q.frontend.Close(ctx); err == nil && !errors.Is(ferr, ErrClosed) {
		err = ferr
	}
	return err
}

// SpawnPirateQueue starts a Paranoid Pirate queue (WithPirateQueue) and
// waits until both its sockets are open.
func (c *Runtime) SpawnPirateQueue(ctx context.Context, spec PirateQueueSpec) (*PirateQueue, error) {
	name := spec.Name
	if name == "" {
		name = "zmq-ppqueue" + c.system.ProcessRegistry.NextId()
	}
	front, back := spec.Frontend.Clone(), spec.Backend.Clone()
	for _, s := range []*sockets.Spec{&front, &back} {
		if s.Type == 0 {
			s.Type = sockets.Router
		}
		if s.Type != sockets.Router {
			return nil, fmt.Errorf("%w: a Paranoid Pirate queue's sockets are ROUTERs, not %v", ErrUnsupported, s.Type)
		}
	}
	if front.Name == "" {
		front.Name = "frontend"
	}
	if back.Name == "" {
		back.Name = "backend"
	}
	frontendPID := actor.NewPID(c.system.Address(), name+"-frontend")
	opts := []SpawnOption{WithName(name + "-backend"), WithPirateQueue(frontendPID, spec.Options)}
	if spec.Owner != nil {
		opts = append(opts, WithOwner(spec.Owner))
	}
	backend, err := c.Spawn(ctx, back, opts...)
	if err != nil {
		return nil, err
	}
	frontend, err := c.Spawn(ctx, front, WithName(frontendPID.Id), WithOwner(backend.PID()))
	if err != nil {
		_, _ = backend.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return &PirateQueue{frontend: frontend, backend: backend}, nil
}

// ReliableStats returns the counters and state of a socket actor with a
// reliable pattern's role (a Paranoid Pirate queue or worker, a Majordomo
// broker, worker or client).
func (s *Socket) ReliableStats(ctx context.Context) (*messages.ReliableStats, error) {
	return ask[*messages.ReliableStats](ctx, s, sockets.OpStats, &messages.GetReliableStats{})
}
