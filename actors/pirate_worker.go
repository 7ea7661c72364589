package actors

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Paranoid Pirate's commands (ZeroMQ RFC 6): a worker's first message is
// READY, and both sides send HEARTBEAT every interval. Each is one frame
// of one byte.
const (
	PirateReady     = "\x01"
	PirateHeartbeat = "\x02"
)

// PirateWorkerOptions configure a Paranoid Pirate worker (WithPirateWorker).
type PirateWorkerOptions struct {
	// Heartbeat is the worker's heartbeating; zero fields take
	// the Paranoid Pirate defaults (Heartbeat).
	Heartbeat Heartbeat
	// Timeout is how long the handler has to answer each request; zero
	// means DefaultHandlerTimeout. A request it fails or misses is not
	// answered (the client retries) and the worker tells the queue it is
	// READY again.
	Timeout time.Duration
}

// WithPirateWorker makes a DEALER socket actor a Paranoid Pirate worker
// (ZeroMQ RFC 6), connected to a queue's backend (the spec's connects):
// it sends READY, then heartbeats every interval, and hands each request
// [client envelope..., "", body...] to handler, an actor or a pool, as a
// messages.Request with the body (several frames are carried) and the
// client's routing id as Peer. The handler answers with
// ctx.Respond(&messages.Reply{...}) and the reply goes back through the
// queue to the client. One request is with the handler at a time, as the
// protocol has it; run several workers for more.
//
// When the queue stays silent for Liveness intervals, the worker closes its
// socket and opens a new one (a new identity for the queue), waits
// ReconnectMin (doubling at each failure in a row, up to ReconnectMax),
// and sends READY again. Each reconnection is reported to the owner as an
// Error wrapping sockets.ErrHostUnreachable, and counted
// (ReliableStats.reconnects). A request with the handler meanwhile is
// answered on the new socket. A handler that stops stops the worker.
// Malformed messages are dropped, counted and reported
// (ErrBadMessage). What survives a restart: the handler, the request with
// it, the backoff and the counters; a restarted worker sends READY at once.
func WithPirateWorker(handler *actor.PID, opts PirateWorkerOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if err := checkHandler("WithPirateWorker", handler, opts.Timeout); err != nil {
			return err
		}
		hb, err := opts.Heartbeat.orDefaults("WithPirateWorker", pirateHeartbeat())
		if err != nil {
			return err
		}
		return pattern(c, &patternRole{option: "WithPirateWorker", types: []sockets.Type{sockets.Dealer},
			make: func(*sockets.Spec) role { return newPirateWorkerRole(handler, hb, opts.Timeout) }})
	}
}

// pirateWorkerRole is the delivery role of a Paranoid Pirate worker.
type pirateWorkerRole struct {
	handlerBase
	hb *heartbeat
}

func newPirateWorkerRole(handler *actor.PID, hb Heartbeat, timeout time.Duration) *pirateWorkerRole {
	return &pirateWorkerRole{handlerBase: handlerBase{work: newHanding(handler, timeout)}, hb: newHeartbeat(hb)}
}

func (w *pirateWorkerRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	w.open(h, hooks, w.deliver)
	return nil, nil
}

// opened greets the queue on the new socket, unless it waits out a
// reconnection's backoff first.
func (w *pirateWorkerRole) opened(bool) error {
	w.handlerBase.opened()
	w.hb.start(w.h)
	if !w.hb.waiting {
		w.send([]byte(PirateReady))
	}
	return nil
}

func (w *pirateWorkerRole) closing(final bool) {
	w.hb.stop()
	w.close(final)
}

// terminated stops the worker when its handler stopped: it cannot work.
func (w *pirateWorkerRole) terminated(who *actor.PID) {
	if w.work.terminated(who, w.failed) {
		stopSelf(w.h)
	}
}

func (w *pirateWorkerRole) command(msg any, _ *actor.PID) (any, bool, error) {
	if answer, ok := reliableCommand(msg, w.stats); ok {
		return answer, true, nil
	}
	if w.hb.take(msg, w.beat) {
		return nil, true, nil
	}
	return nil, w.handCommand(msg, w.failed), nil
}

func (w *pirateWorkerRole) stats() *messages.ReliableStats {
	st := w.counts.stats(w.h.name(), "pirate worker")
	st.Waiting = uint32(len(w.work.pending))
	return st
}

// beat does what a tick of the heartbeat says.
func (w *pirateWorkerRole) beat(what beat) {
	switch what {
	case beatSend:
		w.counts.heartbeatsSent++
		w.send([]byte(PirateHeartbeat))
	case beatGreet:
		w.send([]byte(PirateReady))
	case beatLost:
		w.counts.reconnects++
		wait := w.hb.lost()
		w.h.errorTo(nil, &sockets.Error{Op: sockets.OpConnect, Socket: w.h.name(),
			Err: fmt.Errorf("%w: heartbeat failure, the queue was silent for %v; reconnecting in %v",
				sockets.ErrHostUnreachable, w.hb.expiry(), wait)})
		w.h.reset()
	}
}

// deliver takes a message from the queue: a heartbeat, or a request.
func (w *pirateWorkerRole) deliver(frames [][]byte) {
	w.hb.heard()
	if len(frames) == 1 {
		if string(frames[0]) == PirateHeartbeat {
			w.counts.heartbeatsReceived++
			return
		}
		w.counts.malformed++
		protocolError(w.h, sockets.OpReceive, frames, "not a heartbeat nor a request [client, \"\", body...]")
		return
	}
	envelope, body, ok := splitEnvelope(frames, 1)
	if !ok || len(frames[0]) == 0 {
		w.counts.malformed++
		protocolError(w.h, sockets.OpReceive, frames, "a request is [client, \"\", body...]")
		return
	}
	w.counts.requests++
	if err := w.work.hand(w.h, body, frames[0], envelope); err != nil {
		w.failed(nil, err.Error())
	}
}

// failed reports a request the handler failed, and tells the queue the
// worker is ready for the next one: the client will ask again.
func (w *pirateWorkerRole) failed(_ *handed, reason string) {
	w.reportFailure(reason)
	w.send([]byte(PirateReady))
}
