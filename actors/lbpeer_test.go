package actors_test

import (
	"errors"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestLoadBalancerRefusesForgedAnswers: a peer on a load balancer's
// backend gets no more than it is given. Saying READY twice does not make
// it ready twice; an answer for another client, or from a peer that holds
// no request, is reported and never reaches a client; the worker that
// holds a request answers it. The peers are raw DEALER sockets, which
// write the envelope themselves.
func TestLoadBalancerRefusesForgedAnswers(t *testing.T) {
	f := newFixture(t)
	owner := f.inbox()
	broker := f.loadBalancer(owner)
	peer := func() *zmq.Socket {
		t.Helper()
		s, err := zmq.NewSocket(zmq.DEALER)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.SetLinger(0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRcvtimeo(testutil.Wait); err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(broker.Backend().Endpoint()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	send := func(s *zmq.Socket, frames ...string) {
		t.Helper()
		if _, err := s.SendMessage(frames); err != nil {
			t.Fatal(err)
		}
	}
	refused := func(what string) {
		t.Helper()
		ev := testutil.Expect[*messages.Error](t, owner, testutil.Wait)
		if err := sockets.ErrorFromProto(ev); !errors.Is(err, sockets.ErrBadMessage) {
			t.Fatalf("%s: %v, want ErrBadMessage", what, err)
		}
	}

	worker := peer()
	send(worker, "", "READY")
	send(worker, "", "READY")
	refused("a second READY")
	client := f.client(sockets.Req, broker.Frontend().Endpoint())
	replies := make(chan *messages.Reply, 1)
	go func() {
		r, err := client.Request(f.ctx, [][]byte{[]byte("hello")})
		if err != nil {
			t.Error(err)
		}
		replies <- r
	}()
	// The one ready worker gets the request: ["", client, "", "hello"].
	got, err := worker.RecvMessageBytes(0)
	if err != nil || len(got) != 4 || string(got[3]) != "hello" {
		t.Fatalf("worker got %q, %v", got, err)
	}
	clientID := string(got[1])
	send(worker, "", "someone else", "", "forged")
	refused("an answer for another client")
	other := peer()
	send(other, "", clientID, "", "forged")
	refused("an answer from a peer that holds no request")
	send(worker, "", clientID, "", "answered")
	if r := <-replies; r == nil || string(r.GetFrames()[0]) != "answered" {
		t.Fatalf("the client got %v, want the worker's answer", r)
	}
	// A READY from the worker while it holds the next request: it started
	// again; the request is reported lost (the client's own timeout ends
	// it), and the worker is ready for the one after.
	lost := make(chan error, 1)
	go func() {
		_, err := client.Request(f.ctx, [][]byte{[]byte("lost")}, actors.WithTimeout(300*time.Millisecond))
		lost <- err
	}()
	if got, err := worker.RecvMessageBytes(0); err != nil || len(got) != 4 || string(got[3]) != "lost" {
		t.Fatalf("worker got %q, %v", got, err)
	}
	send(worker, "", "READY")
	ev := testutil.Expect[*messages.Error](t, owner, testutil.Wait)
	if err := sockets.ErrorFromProto(ev); !errors.Is(err, actors.ErrHandlerFailed) {
		t.Fatalf("READY while holding a request: %v, want ErrHandlerFailed", err)
	}
	if err := <-lost; !errors.Is(err, actors.ErrRequestTimeout) {
		t.Fatalf("the lost request ended with %v, want ErrRequestTimeout", err)
	}
	go func() {
		r, err := client.Request(f.ctx, [][]byte{[]byte("again")})
		if err != nil {
			t.Error(err)
		}
		replies <- r
	}()
	got, err = worker.RecvMessageBytes(0)
	if err != nil || len(got) != 4 || string(got[3]) != "again" {
		t.Fatalf("worker got %q, %v", got, err)
	}
	send(worker, "", string(got[1]), "", "answered again")
	if r := <-replies; r == nil || string(r.GetFrames()[0]) != "answered again" {
		t.Fatalf("the client got %v", r)
	}
	if err := broker.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
}
