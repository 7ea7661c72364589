package actors

import (
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// MajordomoWorkerOptions configure a Majordomo worker
// (WithMajordomoWorker).
type MajordomoWorkerOptions struct {
	// Heartbeat is the worker's heartbeating; zero fields take the
	// Majordomo defaults (Heartbeat).
	Heartbeat Heartbeat
	// Timeout is how long the handler has to answer each request; zero
	// means DefaultHandlerTimeout.
	Timeout time.Duration
}

// WithMajordomoWorker makes a DEALER socket actor a Majordomo worker
// (MDP/0.1, ZeroMQ RFC 7) for service, connected to a broker (the spec's
// connects): it registers with READY, heartbeats every interval, and hands
// each REQUEST to handler, an actor or a pool, as a messages.Request with
// the body (several frames are carried) and the client's address as Peer.
// The handler answers with ctx.Respond(&messages.Reply{...}) and the
// worker sends it back as REPLY. One request is with the handler at a
// time, as the protocol has it: run several workers for more.
//
// When the broker stays silent for Liveness intervals, or sends
// DISCONNECT, the worker closes its socket, opens a new one, waits
// ReconnectMin (doubling at each failure in a row, up to ReconnectMax) and
// registers again; each time is reported to the owner as an Error wrapping
// sockets.ErrHostUnreachable and counted (ReliableStats.reconnects). A
// request the handler fails or misses is not answered: the worker starts
// again on a new socket at once, so that the broker forgets the request's
// worker, and the client retries. A request with the handler when the
// worker starts again is dropped: the broker would refuse its reply from
// the new socket. Malformed messages are dropped, counted and reported
// (ErrBadMessage). A handler that stops stops the worker. service may not
// be empty nor start with "mmi.", which the broker keeps for itself.
func WithMajordomoWorker(service string, handler *actor.PID, opts MajordomoWorkerOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if err := checkHandler("WithMajordomoWorker", handler, opts.Timeout); err != nil {
			return err
		}
		if service == "" || strings.HasPrefix(service, "mmi.") {
			return fmt.Errorf("%w: WithMajordomoWorker: service %q: empty, or an mmi. service, which only the broker offers", ErrBadOption, service)
		}
		hb, err := opts.Heartbeat.orDefaults("WithMajordomoWorker", majordomoHeartbeat())
		if err != nil {
			return err
		}
		return pattern(c, &patternRole{option: "WithMajordomoWorker", types: []sockets.Type{sockets.Dealer},
			make: func(*sockets.Spec) role {
				return &mdpWorkerRole{handlerBase: handlerBase{work: newHanding(handler, opts.Timeout)}, service: service, hb: newHeartbeat(hb)}
			}})
	}
}

// mdpWorkerRole is the delivery role of a Majordomo worker.
type mdpWorkerRole struct {
	handlerBase
	service string
	hb      *heartbeat
}

func (w *mdpWorkerRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	w.open(h, hooks, w.deliver)
	return nil, nil
}

// opened registers with the broker on the new socket, unless it waits out
// a reconnection's backoff first.
func (w *mdpWorkerRole) opened(bool) error {
	w.handlerBase.opened()
	w.hb.start(w.h)
	if !w.hb.waiting {
		w.ready()
	}
	return nil
}

func (w *mdpWorkerRole) closing(final bool) {
	w.hb.stop()
	w.close(final)
}

func (w *mdpWorkerRole) terminated(who *actor.PID) {
	if w.work.terminated(who, func(*handed, string) {}) {
		w.command0(mdpDisconnect)
		stopSelf(w.h)
	}
}

func (w *mdpWorkerRole) command(msg any, _ *actor.PID) (any, bool, error) {
	if answer, ok := reliableCommand(msg, w.stats); ok {
		return answer, true, nil
	}
	if w.hb.take(msg, w.beat) {
		return nil, true, nil
	}
	return nil, w.handCommand(msg, w.failed), nil
}

func (w *mdpWorkerRole) stats() *messages.ReliableStats {
	st := w.counts.stats(w.h.name(), "majordomo worker")
	st.Waiting = uint32(len(w.work.pending))
	return st
}

func (w *mdpWorkerRole) ready() {
	w.send([]byte{}, []byte(MajordomoWorker), []byte(mdpReady), []byte(w.service))
}

// command0 sends a worker command without arguments.
func (w *mdpWorkerRole) command0(cmd string) {
	w.send([]byte{}, []byte(MajordomoWorker), []byte(cmd))
}

func (w *mdpWorkerRole) beat(what beat) {
	switch what {
	case beatSend:
		w.counts.heartbeatsSent++
		w.command0(mdpHeartbeat)
	case beatGreet:
		w.ready()
	case beatLost:
		w.reconnect(fmt.Sprintf("heartbeat failure, the broker was silent for %v", w.hb.expiry()), true)
	}
}

// reconnect starts again on a new socket: after the backoff if wait, else
// at once.
func (w *mdpWorkerRole) reconnect(why string, wait bool) {
	w.counts.reconnects++
	w.work.forget()
	if wait {
		why = fmt.Sprintf("%s; reconnecting in %v", why, w.hb.lost())
	}
	w.h.errorTo(nil, &sockets.Error{Op: sockets.OpConnect, Socket: w.h.name(),
		Err: fmt.Errorf("%w: %s", sockets.ErrHostUnreachable, why)})
	w.h.reset()
}

// deliver takes a command from the broker.
func (w *mdpWorkerRole) deliver(frames [][]byte) {
	w.hb.heard()
	if len(frames) < 3 || len(frames[0]) != 0 || string(frames[1]) != MajordomoWorker {
		w.malformed(frames, "a broker's command is [\"\", \"MDPW01\", command, ...]")
		return
	}
	switch cmd := string(frames[2]); {
	case cmd == mdpRequest && len(frames) >= 6 && len(frames[4]) == 0:
		w.counts.requests++
		client := frames[3]
		reply := [][]byte{{}, []byte(MajordomoWorker), []byte(mdpReply), client, {}}
		if err := w.work.hand(w.h, frames[5:], client, reply); err != nil {
			w.failed(nil, err.Error())
		}
	case cmd == mdpHeartbeat && len(frames) == 3:
		w.counts.heartbeatsReceived++
	case cmd == mdpDisconnect && len(frames) == 3:
		w.counts.disconnects++
		w.reconnect("the broker sent DISCONNECT", true)
	default:
		w.malformed(frames, "not a REQUEST, HEARTBEAT or DISCONNECT of the right frames")
	}
}

func (w *mdpWorkerRole) malformed(frames [][]byte, why string) {
	w.counts.malformed++
	protocolError(w.h, sockets.OpReceive, frames, "%s", why)
}

// failed reports a request the handler failed, and starts again on a new
// socket: the broker forgets the worker that held it.
func (w *mdpWorkerRole) failed(_ *handed, reason string) {
	w.reportFailure(reason)
	if w.sock != nil {
		w.command0(mdpDisconnect)
		w.reconnect("after a failed request", false)
	}
}
