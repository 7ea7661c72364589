package actors

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Majordomo's frames (MDP/0.1, ZeroMQ RFC 7). A client sends ["",
// MajordomoClient, service, body...] and gets ["", MajordomoClient,
// service, body...]; a worker's commands are ["", MajordomoWorker,
// command, ...], the command one byte.
const (
	MajordomoClient = "MDPC01"
	MajordomoWorker = "MDPW01"

	mdpReady      = "\x01"
	mdpRequest    = "\x02"
	mdpReply      = "\x03"
	mdpHeartbeat  = "\x04"
	mdpDisconnect = "\x05"
)

// DefaultRequestExpiry is how long a Majordomo broker keeps a request that
// waits for a worker, when MajordomoBrokerOptions does not say.
const DefaultRequestExpiry = 10 * time.Second

// MajordomoBrokerOptions configure a Majordomo broker
// (WithMajordomoBroker).
type MajordomoBrokerOptions struct {
	// Heartbeat is the broker's heartbeating; zero fields take the
	// Majordomo defaults (Heartbeat). Only Interval and Liveness apply.
	Heartbeat Heartbeat
	// RequestExpiry is how long a request waits for a worker of its
	// service before it is dropped, unanswered (its client times out and
	// may retry); zero means DefaultRequestExpiry. A request for a service
	// no worker offers waits so too.
	RequestExpiry time.Duration
	// MaxWaiting bounds the requests waiting, all services together; zero
	// means DefaultMaxWaiting. Past it a request is dropped, counted and
	// reported (ErrQueueFull).
	MaxWaiting int
}

// WithMajordomoBroker makes a ROUTER socket actor a Majordomo broker
// (MDP/0.1, ZeroMQ RFC 7, as the zguide's mdbroker): clients and workers
// connect to the same socket. A worker registers a service with READY;
// each client request ["", "MDPC01", service, body...] goes to the worker
// of that service that has waited the longest as REQUEST, and the worker's
// REPLY goes back to the client as ["", "MDPC01", service, body...];
// bodies of several frames pass whole. Requests wait in their service's
// queue while no worker of it is free, at most RequestExpiry, also for a
// service that no worker offers (yet): they are then dropped, unanswered.
//
// The broker heartbeats every worker it knows every Interval; a worker
// silent for Liveness intervals expires, idle or busy, and a request it
// held is dropped (the client retries). Any message from a worker counts
// as a sign of life. A worker that sends anything but READY before it is
// known, READY twice, or READY for an "mmi." service, gets DISCONNECT and
// is forgotten.
//
// The broker answers the Majordomo Management Interface (RFC 8) itself:
// "mmi.service" with the body a service name answers "200" while at least
// one live worker offers that service and "404" otherwise; any other
// "mmi." service answers "501". Malformed messages are dropped, counted
// and reported (ErrBadMessage), never a crash. The socket has
// router_mandatory unless its spec says: a request for a worker that is
// gone goes to the next one. Services, workers and requests survive a
// restart of the socket actor (the workers' heartbeats and replies reach
// the rebound socket).
func WithMajordomoBroker(opts MajordomoBrokerOptions) SpawnOption {
	return func(c *spawnConfig) error {
		if opts.RequestExpiry < 0 || opts.MaxWaiting < 0 {
			return fmt.Errorf("%w: WithMajordomoBroker: negative RequestExpiry %v or MaxWaiting %d", ErrBadOption, opts.RequestExpiry, opts.MaxWaiting)
		}
		if opts.RequestExpiry == 0 {
			opts.RequestExpiry = DefaultRequestExpiry
		}
		if opts.MaxWaiting == 0 {
			opts.MaxWaiting = DefaultMaxWaiting
		}
		hb, err := opts.Heartbeat.orDefaults("WithMajordomoBroker", majordomoHeartbeat())
		if err != nil {
			return err
		}
		opts.Heartbeat = hb
		return pattern(c, &patternRole{option: "WithMajordomoBroker", types: []sockets.Type{sockets.Router},
			make: func(spec *sockets.Spec) role {
				mandatory(spec)
				return &mdpBrokerRole{opts: opts, tick: newTicker(hb), services: map[string]*mdService{}, workers: map[string]*mdWorker{}}
			}})
	}
}

// mdpBrokerRole is the delivery role of a Majordomo broker.
type mdpBrokerRole struct {
	opts     MajordomoBrokerOptions
	tick     *heartbeat
	services map[string]*mdService
	workers  map[string]*mdWorker // by routing id
	waiting  int                  // requests, all services
	counts   reliableCounts

	attachment
}

// mdService is a service the broker knows: its waiting requests, oldest
// first, and its idle workers, waiting the longest first.
type mdService struct {
	name     string
	requests []*mdRequest
	idle     []*mdWorker
	workers  int
}

type mdWorker struct {
	id      []byte
	service *mdService
	expires time.Time
	idle    bool
}

type mdRequest struct {
	client  []byte
	body    [][]byte
	expires time.Time
}

func (b *mdpBrokerRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	b.attach(h)
	hooks.Deliver = b.deliver
	return nil, nil
}

func (b *mdpBrokerRole) opened(bool) error {
	b.sock = b.h.socket()
	b.tick.start(b.h)
	for _, s := range b.services {
		b.dispatch(s)
	}
	return nil
}

func (b *mdpBrokerRole) closing(bool) {
	b.tick.stop()
	b.sock = nil
}

func (b *mdpBrokerRole) terminated(*actor.PID) {}

func (b *mdpBrokerRole) command(msg any, _ *actor.PID) (any, bool, error) {
	if answer, ok := reliableCommand(msg, b.stats); ok {
		return answer, true, nil
	}
	if b.tick.take(msg, func(beat) { b.beat() }) {
		return nil, true, nil
	}
	return nil, false, nil
}

func (b *mdpBrokerRole) stats() *messages.ReliableStats {
	st := b.counts.stats(b.h.name(), "majordomo broker")
	st.Workers, st.Waiting, st.Services = uint32(len(b.workers)), uint32(b.waiting), uint32(len(b.services))
	for _, s := range b.services {
		st.IdleWorkers += uint32(len(s.idle))
	}
	return st
}

// deliver takes a message from a client or a worker.
func (b *mdpBrokerRole) deliver(frames [][]byte) {
	if len(frames) < 4 || len(frames[0]) == 0 || len(frames[1]) != 0 {
		b.malformed(frames, "a message is [sender, \"\", header, ...]")
		return
	}
	switch string(frames[2]) {
	case MajordomoClient:
		if len(frames) < 5 {
			b.malformed(frames, "a client's request is [\"\", \"MDPC01\", service, body...]")
			return
		}
		b.request(frames[0], string(frames[3]), frames[4:])
	case MajordomoWorker:
		b.fromWorker(frames)
	default:
		b.malformed(frames, "the header is neither MDPC01 nor MDPW01")
	}
}

func (b *mdpBrokerRole) malformed(frames [][]byte, why string) {
	b.counts.malformed++
	protocolError(b.h, sockets.OpReceive, frames, "%s", why)
}

// request takes a client's request for service.
func (b *mdpBrokerRole) request(client []byte, service string, body [][]byte) {
	b.counts.requests++
	if strings.HasPrefix(service, "mmi.") {
		b.mmi(client, service, body)
		return
	}
	if b.waiting >= b.opts.MaxWaiting {
		b.counts.dropped++
		b.h.errorTo(nil, &sockets.Error{Op: sockets.OpForward, Socket: b.h.name(),
			Err: fmt.Errorf("%w: %d requests wait for workers; this one for %q is dropped", ErrQueueFull, b.waiting, service)})
		return
	}
	s := b.service(service)
	s.requests = append(s.requests, &mdRequest{client: client, body: body, expires: time.Now().Add(b.opts.RequestExpiry)})
	b.waiting++
	b.dispatch(s)
}

// mmi answers the Majordomo Management Interface (RFC 8).
func (b *mdpBrokerRole) mmi(client []byte, service string, body [][]byte) {
	code := "501"
	if service == "mmi.service" {
		code = "404"
		if s := b.services[string(body[0])]; s != nil && s.workers > 0 {
			code = "200"
		}
	}
	b.counts.replies++
	b.send(client, []byte{}, []byte(MajordomoClient), []byte(service), []byte(code))
}

// service returns the service of name, known from now on.
func (b *mdpBrokerRole) service(name string) *mdService {
	s := b.services[name]
	if s == nil {
		s = &mdService{name: name}
		b.services[name] = s
	}
	return s
}

// fromWorker takes a worker's command [worker, "", "MDPW01", command, ...].
func (b *mdpBrokerRole) fromWorker(frames [][]byte) {
	id, command := frames[0], string(frames[3])
	w := b.workers[string(id)]
	if w != nil {
		w.expires = time.Now().Add(b.tick.expiry())
	}
	switch {
	case command == mdpReady && len(frames) == 5:
		service := string(frames[4])
		if w != nil {
			b.protocolViolation(id, w, fmt.Sprintf("READY for %q from a worker already registered", service))
			return
		}
		if strings.HasPrefix(service, "mmi.") || service == "" {
			b.protocolViolation(id, nil, fmt.Sprintf("READY for %q, which no worker may offer", service))
			return
		}
		s := b.service(service)
		w = &mdWorker{id: id, service: s, expires: time.Now().Add(b.tick.expiry())}
		b.workers[string(id)] = w
		s.workers++
		b.idle(w)
	case command == mdpReply && len(frames) >= 7 && len(frames[4]) > 0 && len(frames[5]) == 0:
		if w == nil {
			b.protocolViolation(id, nil, "REPLY from an unknown worker")
			return
		}
		b.counts.replies++
		b.send(join([][]byte{frames[4], {}, []byte(MajordomoClient), []byte(w.service.name)}, frames[6:])...)
		b.idle(w)
	case command == mdpHeartbeat && len(frames) == 4:
		b.counts.heartbeatsReceived++
		if w == nil {
			b.protocolViolation(id, nil, "HEARTBEAT from an unknown worker")
		}
	case command == mdpDisconnect && len(frames) == 4:
		if w != nil {
			b.forget(w, false)
		}
	default:
		b.malformed(frames, "not a worker command READY, REPLY, HEARTBEAT or DISCONNECT of the right frames")
	}
}

// protocolViolation disconnects a worker that broke the protocol.
func (b *mdpBrokerRole) protocolViolation(id []byte, w *mdWorker, why string) {
	b.malformed(nil, why+"; the worker gets DISCONNECT")
	if w != nil {
		b.forget(w, true)
		return
	}
	b.counts.disconnects++
	b.send(id, []byte{}, []byte(MajordomoWorker), []byte(mdpDisconnect))
}

// idle makes w wait for a request of its service, and dispatches.
func (b *mdpBrokerRole) idle(w *mdWorker) {
	if !w.idle {
		w.idle = true
		w.service.idle = append(w.service.idle, w)
	}
	b.dispatch(w.service)
}

// forget drops a worker, with DISCONNECT if disconnect.
func (b *mdpBrokerRole) forget(w *mdWorker, disconnect bool) {
	if disconnect {
		b.counts.disconnects++
		b.send(w.id, []byte{}, []byte(MajordomoWorker), []byte(mdpDisconnect))
	}
	delete(b.workers, string(w.id))
	s := w.service
	s.workers--
	if w.idle {
		w.idle = false
		s.idle = slices.DeleteFunc(s.idle, func(x *mdWorker) bool { return x == w })
	}
	b.tidy(s)
}

// tidy forgets a service with no workers and no requests.
func (b *mdpBrokerRole) tidy(s *mdService) {
	if s.workers == 0 && len(s.requests) == 0 {
		delete(b.services, s.name)
	}
}

// dispatch gives the service's waiting requests to its idle workers.
func (b *mdpBrokerRole) dispatch(s *mdService) {
	for b.sock != nil && len(s.idle) > 0 && len(s.requests) > 0 {
		w, r := s.idle[0], s.requests[0]
		s.idle, w.idle = s.idle[1:], false
		_, err := b.sock.Send(join([][]byte{w.id, {}, []byte(MajordomoWorker), []byte(mdpRequest), r.client, {}}, r.body))
		if errors.Is(err, sockets.ErrHostUnreachable) {
			b.forget(w, false) // gone: the request goes to the next
			continue
		}
		if err != nil {
			b.counts.dropped++
			b.h.errorTo(nil, err)
		}
		s.requests[0] = nil
		s.requests = s.requests[1:]
		b.waiting--
	}
	b.tidy(s)
}

// beat expires silent workers and old requests, and heartbeats the
// workers left.
func (b *mdpBrokerRole) beat() {
	now := time.Now()
	for _, w := range b.workers {
		if now.After(w.expires) {
			b.counts.expired++
			if !w.idle {
				b.counts.dropped++ // the request it held, if any
			}
			b.forget(w, false)
			continue
		}
		b.counts.heartbeatsSent++
		b.send(w.id, []byte{}, []byte(MajordomoWorker), []byte(mdpHeartbeat))
	}
	for _, s := range b.services {
		n := len(s.requests)
		s.requests = slices.DeleteFunc(s.requests, func(r *mdRequest) bool { return now.After(r.expires) })
		b.counts.dropped += uint64(n - len(s.requests))
		b.waiting -= n - len(s.requests)
		b.tidy(s)
	}
}

// send sends frames, if the socket is open. A peer that is gone is no
// failure: a worker's is forgotten at its expiry, a client's reply is
// lost as its request would be.
func (b *mdpBrokerRole) send(frames ...[]byte) {
	if b.sock == nil {
		return
	}
	if _, err := b.sock.Send(frames); err != nil && !errors.Is(err, sockets.ErrHostUnreachable) {
		b.h.errorTo(nil, err)
	}
}
