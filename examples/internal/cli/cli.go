// Package cli holds what every example program does the same way: an actor
// system with its ZeroMQ context, stopped cleanly on SIGINT or SIGTERM, and
// every error checked.
//
// An interrupted program is a clean end, not a failure: once SIGINT or
// SIGTERM arrived, Check treats the context's cancellation as a normal stop
// and the program exits 0 after shutting down. Any other error is printed
// to stderr and the program exits 1.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// ShutdownTimeout bounds Close: stopping the socket actors and terminating
// the ZeroMQ context, which waits up to each socket's linger for messages
// already handed to ZeroMQ.
const ShutdownTimeout = 15 * time.Second

// Program is a running example: its actor system, ZeroMQ context, and a
// context that ends on SIGINT or SIGTERM. Its methods are meant for the
// main goroutine.
type Program struct {
	Name   string
	System *actor.ActorSystem
	Z      *actors.Runtime
	// Ctx ends when SIGINT or SIGTERM arrives, or at Close.
	Ctx  context.Context
	stop context.CancelFunc
}

// Start creates the actor system (with protoactor's own logging off), its
// ZeroMQ context with opts, and the signal context. It exits 1 if the
// ZeroMQ context cannot be created.
func Start(name string, opts ...actors.RuntimeOption) *Program {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
	z, err := actors.NewRuntime(system, opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		system.Shutdown()
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	return &Program{Name: name, System: system, Z: z, Ctx: ctx, stop: stop}
}

// Interrupted reports whether SIGINT or SIGTERM arrived (or Close ran).
func (p *Program) Interrupted() bool { return p.Ctx.Err() != nil }

// Check does nothing if err is nil. If the program was interrupted and err
// comes from that (context.Canceled), it shuts down and exits 0. Otherwise
// it prints err to stderr, shuts down and exits 1.
func (p *Program) Check(err error) {
	if err == nil {
		return
	}
	if p.Interrupted() && errors.Is(err, context.Canceled) {
		p.Close()
		os.Exit(0)
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
	p.Close()
	os.Exit(1)
}

// Close stops every socket actor, terminates the ZeroMQ context (waiting up
// to the sockets' linger for what they still have to deliver) and shuts the
// actor system down. It exits 1 if the shutdown fails.
func (p *Program) Close() {
	p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := p.Z.Shutdown(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: shutdown: %v\n", p.Name, err)
		os.Exit(1)
	}
	p.System.Shutdown()
}

// Event handles an event of a socket that serves on its own, such as a
// server or a broker: an Error (one request or message that failed) is
// printed to stderr and the program goes on; Closed ends it through Check.
// Other messages are ignored.
func (p *Program) Event(m any) {
	switch m := m.(type) {
	case *messages.Error:
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, sockets.ErrorFromProto(m))
	case *messages.Closed:
		err := sockets.ErrorFromProto(m.Error)
		if err == nil {
			err = fmt.Errorf("%s closed: %s", m.Socket, m.Reason)
		}
		p.Check(err)
	}
}
