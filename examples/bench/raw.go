package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/pebbe/zmq4"
)

// The raw paths: pebbe/zmq4 sockets in a context of their own (never zmq4's
// default context), used the ordinary way, one blocking call per message.
// Every socket has send and receive timeouts of runDeadline, so that a
// stalled run fails instead of hanging.

// warmUpDeadline bounds a warm-up: a tcp connection, a subscription.
const warmUpDeadline = 20 * time.Second

// newRawSocket opens a socket of typ on zctx with linger 0 and the
// timeouts; with unlimited, high-water marks 0.
func newRawSocket(zctx *zmq4.Context, typ zmq4.Type, unlimited bool) (*zmq4.Socket, error) {
	s, err := zctx.NewSocket(typ)
	if err != nil {
		return nil, err
	}
	set := []error{s.SetLinger(0), s.SetRcvtimeo(runDeadline), s.SetSndtimeo(runDeadline)}
	if unlimited {
		set = append(set, s.SetSndhwm(0), s.SetRcvhwm(0))
	}
	if typ == zmq4.SUB {
		set = append(set, s.SetSubscribe(""))
	}
	if err := errors.Join(set...); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// rawFanOut is a sender socket bound to an endpoint and receiver sockets
// connected to it: PUSH→PULL, or PUB→SUB with one or more subscribers.
type rawFanOut struct {
	zctx    *zmq4.Context
	snd     *zmq4.Socket
	rcvs    []*zmq4.Socket
	payload []byte
}

func openRawFanOut(sndType, rcvType zmq4.Type, endpoint string, receivers, size int, unlimited bool) (runner, error) {
	zctx, err := zmq4.NewContext()
	if err != nil {
		return nil, err
	}
	r := &rawFanOut{zctx: zctx, payload: payload(size)}
	if r.snd, err = newRawSocket(zctx, sndType, unlimited); err != nil {
		return nil, errors.Join(err, r.close())
	}
	if err := r.snd.Bind(endpoint); err != nil {
		return nil, errors.Join(err, r.close())
	}
	ep, err := r.snd.GetLastEndpoint()
	if err != nil {
		return nil, errors.Join(err, r.close())
	}
	for range receivers {
		s, err := newRawSocket(zctx, rcvType, unlimited)
		if err != nil {
			return nil, errors.Join(err, r.close())
		}
		r.rcvs = append(r.rcvs, s)
		if err := s.Connect(ep); err != nil {
			return nil, errors.Join(err, r.close())
		}
	}
	if err := r.warm(); err != nil {
		return nil, errors.Join(err, r.close())
	}
	return r, nil
}

// payload returns size bytes starting with 'm'.
func payload(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = 'm'
	}
	return b
}

// warm sends 1-byte messages until every receiver has one: connections are
// up and subscriptions have reached the sender. Between sends it polls the
// receivers that have none yet for 1 ms.
func (r *rawFanOut) warm() error {
	poller := zmq4.NewPoller()
	for _, s := range r.rcvs {
		poller.Add(s, zmq4.POLLIN)
	}
	joined := make([]bool, len(r.rcvs))
	left := len(r.rcvs)
	deadline := time.Now().Add(warmUpDeadline)
	for left > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("warm-up: %d of %d receivers never got a message", left, len(r.rcvs))
		}
		if _, err := r.snd.SendBytes([]byte("w"), zmq4.DONTWAIT); err != nil && zmq4.AsErrno(err) != zmq4.Errno(syscall.EAGAIN) {
			return err
		}
		polled, err := poller.PollAll(time.Millisecond)
		if err != nil {
			return err
		}
		for i, p := range polled {
			if p.Events&zmq4.POLLIN == 0 {
				continue
			}
			if _, err := r.rcvs[i].RecvBytes(zmq4.DONTWAIT); err != nil {
				return err
			}
			if !joined[i] {
				joined[i] = true
				left--
			}
		}
	}
	return nil
}

// run sends n messages from a goroutine and receives them on one goroutine
// per receiver, counting only messages of the payload's size.
func (r *rawFanOut) run(n int) ([]float64, error) {
	errs := make([]error, len(r.rcvs)+1)
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		for range n {
			if _, err := r.snd.SendBytes(r.payload, 0); err != nil {
				errs[0] = fmt.Errorf("send: %w", err)
				return
			}
		}
	})
	for i, s := range r.rcvs {
		wg.Go(func() {
			for got := 0; got < n; {
				m, err := s.RecvBytes(0)
				if err != nil {
					errs[i+1] = fmt.Errorf("receive: %w", err)
					return
				}
				if len(m) == len(r.payload) {
					got++
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return throughput(n, took), nil
}

func (r *rawFanOut) close() error {
	var errs []error
	for _, s := range append([]*zmq4.Socket{r.snd}, r.rcvs...) {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	errs = append(errs, r.zctx.Term())
	return errors.Join(errs...)
}

// rawEchoServer is a REP or ROUTER socket bound to a tcp port whose
// goroutine sends back every message until the context is terminated.
type rawEchoServer struct {
	zctx *zmq4.Context
	ep   string
	done chan error
}

func startRawEcho(typ zmq4.Type) (*rawEchoServer, error) {
	zctx, err := zmq4.NewContext()
	if err != nil {
		return nil, err
	}
	srv, err := zctx.NewSocket(typ)
	if err != nil {
		return nil, errors.Join(err, zctx.Term())
	}
	ep, err := func() (string, error) {
		if err := srv.SetLinger(0); err != nil {
			return "", err
		}
		if err := srv.Bind("tcp://127.0.0.1:*"); err != nil {
			return "", err
		}
		return srv.GetLastEndpoint()
	}()
	if err != nil {
		return nil, errors.Join(err, srv.Close(), zctx.Term())
	}
	e := &rawEchoServer{zctx: zctx, ep: ep, done: make(chan error, 1)}
	go func() { e.done <- rawEcho(srv, typ) }()
	return e, nil
}

// rawEcho echoes until the context is terminated, then closes srv. A REP
// uses the single-frame calls, a ROUTER the multipart ones (the envelope).
func rawEcho(srv *zmq4.Socket, typ zmq4.Type) error {
	for {
		var err error
		if typ == zmq4.REP {
			var msg []byte
			if msg, err = srv.RecvBytes(0); err == nil {
				_, err = srv.SendBytes(msg, 0)
			}
		} else {
			var msg [][]byte
			if msg, err = srv.RecvMessageBytes(0); err == nil {
				_, err = srv.SendMessage(msg)
			}
		}
		if err != nil {
			cerr := srv.Close()
			if zmq4.AsErrno(err) == zmq4.ETERM {
				return cerr
			}
			return errors.Join(err, cerr)
		}
	}
}

// stop terminates the context, once the client sockets are closed, and
// waits for the echo goroutine.
func (e *rawEchoServer) stop() error {
	err := e.zctx.Term()
	return errors.Join(err, <-e.done)
}

// rawClient is a REQ or DEALER client of a raw echo server.
type rawClient struct {
	srv  *rawEchoServer
	cli  *zmq4.Socket
	typ  zmq4.Type
	body []byte
	id   []byte // a DEALER's request id frame
	seq  uint64
	rtt  []time.Duration
}

func openRawClient(client, server zmq4.Type, size int) (*rawClient, error) {
	srv, err := startRawEcho(server)
	if err != nil {
		return nil, err
	}
	cli, err := newRawSocket(srv.zctx, client, false)
	if err != nil {
		return nil, errors.Join(err, srv.stop())
	}
	c := &rawClient{srv: srv, cli: cli, typ: client, body: payload(size), id: make([]byte, 8)}
	if err := cli.Connect(srv.ep); err != nil {
		return nil, errors.Join(err, c.close())
	}
	return c, nil
}

func (c *rawClient) close() error {
	err := c.cli.Close()
	return errors.Join(err, c.srv.stop())
}

// roundTrip sends one request and waits for its reply: a REQ sends the
// body, a DEALER [id, "", body] as a REQ would.
func (c *rawClient) roundTrip() error {
	if c.typ == zmq4.REQ {
		if _, err := c.cli.SendBytes(c.body, 0); err != nil {
			return err
		}
		reply, err := c.cli.RecvBytes(0)
		if err != nil {
			return err
		}
		if len(reply) != len(c.body) {
			return fmt.Errorf("reply of %d bytes, want %d", len(reply), len(c.body))
		}
		return nil
	}
	c.seq++
	binary.BigEndian.PutUint64(c.id, c.seq)
	if err := c.sendRequest(c.id); err != nil {
		return err
	}
	reply, err := c.cli.RecvMessageBytes(0)
	if err != nil {
		return err
	}
	return checkRawReply(reply, c.id, len(c.body))
}

func (c *rawClient) sendRequest(id []byte) error {
	if _, err := c.cli.SendBytes(id, zmq4.SNDMORE); err != nil {
		return err
	}
	if _, err := c.cli.SendBytes(nil, zmq4.SNDMORE); err != nil {
		return err
	}
	_, err := c.cli.SendBytes(c.body, 0)
	return err
}

func checkRawReply(frames [][]byte, id []byte, size int) error {
	if len(frames) != 3 || string(frames[0]) != string(id) || len(frames[1]) != 0 || len(frames[2]) != size {
		return fmt.Errorf("reply %d frames to request %x", len(frames), id)
	}
	return nil
}

// rawLatency times n round trips, one at a time.
type rawLatency struct{ *rawClient }

func (r rawLatency) run(n int) ([]float64, error) {
	if cap(r.rtt) < n {
		r.rtt = make([]time.Duration, n)
	}
	rtt := r.rtt[:n]
	for i := range rtt {
		start := time.Now()
		if err := r.roundTrip(); err != nil {
			return nil, err
		}
		rtt[i] = time.Since(start)
	}
	return latencyFigures(rtt), nil
}

// rawInFlight keeps inFlight requests on the wire from one goroutine: each
// reply, in the order sent, makes room for the next request.
type rawInFlight struct{ *rawClient }

func (r rawInFlight) run(n int) ([]float64, error) {
	start := time.Now()
	sent, id, want := 0, make([]byte, 8), make([]byte, 8)
	base := r.seq
	send := func() error {
		binary.BigEndian.PutUint64(id, base+uint64(sent))
		sent++
		return r.sendRequest(id)
	}
	for sent < min(inFlight, n) {
		if err := send(); err != nil {
			return nil, err
		}
	}
	for got := range n {
		reply, err := r.cli.RecvMessageBytes(0)
		if err != nil {
			return nil, err
		}
		binary.BigEndian.PutUint64(want, base+uint64(got))
		if err := checkRawReply(reply, want, len(r.body)); err != nil {
			return nil, err
		}
		if sent < n {
			if err := send(); err != nil {
				return nil, err
			}
		}
	}
	r.seq += uint64(n)
	return throughput(n, time.Since(start)), nil
}
