// Mtrelay is the zguide's multithreaded relay (mtrelay), as actors: three
// steps signal each other in a chain over PAIR sockets on inproc
// endpoints. Step 3 binds inproc://step3 and starts step 2; step 2 binds
// inproc://step2 and starts step 1; step 1 connects to inproc://step2 and
// sends "READY" (one frame); step 2, once it has it, connects to
// inproc://step3 and sends "READY" on; step 3, once it has it, prints
//
//	Test successful!
//
// and the program exits 0. The steps print "Step 1 ready, signaling step
// 2" and "Step 2 ready, signaling step 3" on the way, as the zguide's do.
//
// The zguide's steps are threads that share one ZeroMQ context and block
// in receive; each creates its sockets itself and starts the next thread
// once its socket is bound, so that the connect finds the bind. Here each
// step is an actor that owns its socket actors as its children, and the
// actor system's one ZeroMQ context (actors.Runtime) carries the inproc
// endpoints. A step waits for nothing: it starts the previous step when
// its own socket actor reports that its socket is bound (messages.Started),
// and relays when the socket actor delivers "READY" to it. Each step is a
// child of the next, as each thread is started by the next in the zguide.
//
// A frame other than "READY" ends the program with an error (exit 1);
// SIGINT or SIGTERM end it with exit 0.
package main

import (
	"bytes"
	"flag"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// ready is the one frame each step sends the next.
var ready = []byte("READY")

// step is one step of the relay: step 1 only sends, step 3 only
// receives, step 2 receives and then sends. Its sockets are its children
// and tell it their events.
type step struct {
	n       int
	rt      *actors.Runtime
	bind    string // the endpoint it receives on; "" for step 1
	connect string // the endpoint of the next step; "" for step 3
	prev    *step  // the step it starts once it is bound; nil for step 1

	receiver, xmitter *actor.PID

	done   chan<- struct{}
	failed chan<- error
}

func (s *step) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		if s.bind != "" {
			s.receiver = s.spawn(ctx, sockets.Spec{Name: fmt.Sprintf("step%d-receiver", s.n), Type: sockets.Pair, Binds: []string{s.bind}})
		} else {
			s.xmitter = s.spawn(ctx, sockets.Spec{Name: fmt.Sprintf("step%d-xmitter", s.n), Type: sockets.Pair, Connects: []string{s.connect}})
		}
	case *messages.Started:
		if m.Restarts > 0 {
			return // a socket actor restarted: it restored its bind or connect
		}
		switch {
		case ctx.Sender().Equal(s.receiver) && s.prev != nil:
			// Bound: the previous step may connect now.
			prev := s.prev
			ctx.Spawn(actor.PropsFromProducer(func() actor.Actor { return prev }))
		case ctx.Sender().Equal(s.xmitter):
			fmt.Printf("Step %d ready, signaling step %d\n", s.n, s.n+1)
			ctx.Send(s.xmitter, &messages.Send{Frames: [][]byte{ready}})
		}
	case *messages.Received:
		if len(m.Frames) != 1 || !bytes.Equal(m.Frames[0], ready) {
			cli.Notify(s.failed, fmt.Errorf("step %d: got %q, want [\"READY\"]", s.n, m.Frames))
			return
		}
		if s.connect == "" {
			fmt.Println("Test successful!")
			cli.Notify(s.done, struct{}{})
			return
		}
		s.xmitter = s.spawn(ctx, sockets.Spec{Name: fmt.Sprintf("step%d-xmitter", s.n), Type: sockets.Pair, Connects: []string{s.connect}})
	case *messages.Error:
		cli.Notify(s.failed, fmt.Errorf("step %d: %w", s.n, sockets.ErrorFromProto(m)))
	case *messages.Closed:
		if m.Error != nil {
			cli.Notify(s.failed, fmt.Errorf("step %d: %s closed: %w", s.n, m.Socket, sockets.ErrorFromProto(m.Error)))
		}
	}
}

// spawn starts the socket actor of spec as the step's child, or tells
// main why it cannot.
func (s *step) spawn(ctx actor.Context, spec sockets.Spec) *actor.PID {
	props, err := s.rt.Props(spec)
	if err == nil {
		var pid *actor.PID
		if pid, err = ctx.SpawnNamed(props, spec.Name); err == nil {
			return pid
		}
	}
	cli.Notify(s.failed, fmt.Errorf("step %d: %w", s.n, err))
	return nil
}

func main() {
	flag.Parse()
	cli.UsageIf(flag.NArg() > 0, "mtrelay: no arguments")

	p := cli.Start("mtrelay")
	defer p.Close()

	done := make(chan struct{}, 1)
	failed := make(chan error, 1)
	step1 := &step{n: 1, rt: p.Z, connect: "inproc://step2", done: done, failed: failed}
	step2 := &step{n: 2, rt: p.Z, bind: "inproc://step2", connect: "inproc://step3", prev: step1, done: done, failed: failed}
	step3 := &step{n: 3, rt: p.Z, bind: "inproc://step3", prev: step2, done: done, failed: failed}
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return step3 }))

	select {
	case <-p.Ctx.Done():
	case <-done:
	case err := <-failed:
		p.Check(err)
	}
}
