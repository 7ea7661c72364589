// Package cli holds what every example program does the same way: an actor
// system with its ZeroMQ context, stopped cleanly on SIGINT or SIGTERM.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
)

// Program is a running example: its actor system, ZeroMQ context, and a
// context that ends on SIGINT or SIGTERM.
type Program struct {
	Name   string
	System *actor.ActorSystem
	Z      *actors.Context
	Ctx    context.Context
	stop   context.CancelFunc
}

// Start creates the actor system (with protoactor's own logging off) and
// its ZeroMQ context.
func Start(name string) *Program {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
	z, err := actors.NewContext(system)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	return &Program{Name: name, System: system, Z: z, Ctx: ctx, stop: stop}
}

// Check ends the program with status 1 if err is not nil.
func (p *Program) Check(err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		p.Close()
		os.Exit(1)
	}
}

// Close stops every socket actor, terminates the ZeroMQ context and the
// actor system.
func (p *Program) Close() {
	p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Z.Shutdown(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: shutdown: %v\n", p.Name, err)
		os.Exit(1)
	}
	p.System.Shutdown()
}
