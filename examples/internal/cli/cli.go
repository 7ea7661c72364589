// Package cli holds what every example program does the same way: a
// command line checked once parsed, an actor system with its ZeroMQ
// context, stopped cleanly on SIGINT or SIGTERM, every error checked, and
// the events of the program's sockets handled in one of two ways.
//
// An interrupted program is a clean end, not a failure: once SIGINT or
// SIGTERM arrived, Check treats the context's cancellation as a normal stop
// and the program exits 0 after shutting down. Any other error is printed
// to stderr and the program exits 1.
//
// A socket's events come to the program's inbox, Events, when the socket
// was spawned with it as owner. A program that serves on its own (a server,
// a broker) reports an Error, one request or message that failed, and goes
// on (Event, Serve); for any other program every message matters, and an
// Error ends it (CheckEvent, Await, Next, Receive). Closed ends both.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
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

// eventsSize is the buffer of a program's inbox. It only spares the inbox
// actor waits: a full inbox loses nothing, later messages wait in its
// mailbox.
const eventsSize = 256

// UsageIf ends the program when bad, a command line it cannot take: it
// prints msg and the usage to stderr and exits 2.
func UsageIf(bad bool, msg string) {
	if !bad {
		return
	}
	fmt.Fprintln(os.Stderr, msg)
	flag.Usage()
	os.Exit(2)
}

// Program is a running example: its actor system, ZeroMQ context, inbox,
// and a context that ends on SIGINT or SIGTERM. Its methods are meant for
// the main goroutine.
type Program struct {
	Name   string
	System *actor.ActorSystem
	Z      *actors.Runtime
	// Ctx ends when SIGINT or SIGTERM arrives, or at Close.
	Ctx context.Context
	// Events is the owner of the program's sockets that have one
	// (actors.WithOwner(p.Events.PID())): it gets their events, and what
	// they receive that no subscriber or handler takes.
	Events  *actors.Inbox
	inboxes []*actors.Inbox // Inbox's, closed by Close after the sockets
	stop    context.CancelFunc
}

// LogEnv names the environment variable that shows protoactor's own log
// (dead letters, "[ACTOR] Recovering" for each failure it supervises):
// ZMQACTOR_LOG=info (or debug, warn, error) writes it to stderr from that
// level up. Unset or empty, it is discarded (actors.QuietLogger), so a
// program's output is its own.
const LogEnv = "ZMQACTOR_LOG"

// logger returns the protoactor logger factory LogEnv asks for; a value
// that is no slog level ends the program (exit 2).
func logger(name string) func(*actor.ActorSystem) *slog.Logger {
	v := os.Getenv(LogEnv)
	if v == "" {
		return actors.QuietLogger
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(v)); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s=%q: %v\n", name, LogEnv, v, err)
		os.Exit(2)
	}
	return actors.LoggerFactory(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
}

// Start creates the actor system (protoactor's own log discarded unless
// LogEnv says otherwise), its ZeroMQ context with opts, the program's inbox
// and the signal context. It exits 1 if the ZeroMQ context cannot be
// created.
func Start(name string, opts ...actors.RuntimeOption) *Program {
	system := actor.NewActorSystem(actor.WithLoggerFactory(logger(name)))
	z, err := actors.NewRuntime(system, opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		system.Shutdown()
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	return &Program{Name: name, System: system, Z: z, Ctx: ctx, Events: actors.NewInbox(system, eventsSize), stop: stop}
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

// Slow reports whether err says that a socket actor did not answer in
// time: actors.ErrCommandTimeout, or the deadline of the wait's context.
// Such an actor is busy, not broken (a storm of peers may keep it so),
// and what it was asked is still in its mailbox.
func Slow(err error) bool {
	return errors.Is(err, actors.ErrCommandTimeout) || errors.Is(err, context.DeadlineExceeded)
}

// CheckWait handles the error of a wait for a socket actor (PublishWait,
// SendWait, Flush, CloseLinger): nil does nothing and returns true; a
// socket actor slow to answer (Slow) is reported on stderr and the
// program goes on, with false; any other error ends the program through
// Check. A program never exits because one of its socket actors was
// slow.
func (p *Program) CheckWait(err error) (answered bool) {
	if err == nil {
		return true
	}
	if Slow(err) {
		fmt.Fprintf(os.Stderr, "%s: going on: %v\n", p.Name, err)
		return false
	}
	p.Check(err)
	return true
}

// CatchUp handles the error of a wait for socket actor s that bounds its
// mailbox (PublishWait or SendWait at the end of a batch): nil returns at
// once; if s was slow to answer, CheckWait reports it and CatchUp waits
// for s again (Stats, which s answers after what it was asked before),
// reporting each wait that is slow too, until s has caught up; so the
// program neither exits nor piles more on a busy actor. Any other error
// ends the program through Check.
func (p *Program) CatchUp(s *actors.Socket, err error) {
	for !p.CheckWait(err) {
		_, err = s.Stats(p.Ctx)
	}
}

// Spawn starts the socket actor of spec with opts and returns it, once its
// socket is open; a failure ends the program through Check.
func (p *Program) Spawn(spec sockets.Spec, opts ...actors.SpawnOption) *actors.Socket {
	s, err := p.Z.Spawn(p.Ctx, spec, opts...)
	p.Check(err)
	return s
}

// Close stops every socket actor, terminates the ZeroMQ context (waiting up
// to the sockets' linger for what they still have to deliver), closes the
// inbox and shuts the actor system down. The inbox closes after the
// sockets: a socket tells its owner Closed when it stops, and a message to
// an inbox that has stopped would be a dead letter. It exits 1 if the
// shutdown fails.
func (p *Program) Close() {
	p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := p.Z.Shutdown(ctx)
	p.Events.Close()
	for _, in := range p.inboxes {
		in.Close()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: shutdown: %v\n", p.Name, err)
		os.Exit(1)
	}
	p.System.Shutdown()
}

// Inbox returns a new inbox of size messages that lives as long as the
// program: Close closes it once the socket actors have stopped. An inbox
// that owns or watches sockets must outlive them, or their last events
// (Closed, among others) go to a stopped actor as dead letters; a deferred
// Close of an inbox made after the program's runs first, too early.
func (p *Program) Inbox(size int) *actors.Inbox {
	in := actors.NewInbox(p.System, size)
	p.inboxes = append(p.inboxes, in)
	return in
}

// CloseProxy stops proxy, its actor and its two sockets, within
// ShutdownTimeout; a failure ends the program (exit 1). A program calls it
// before Close, which shuts down the rest.
func (p *Program) CloseProxy(proxy *actors.Proxy) {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := proxy.Close(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		p.Close()
		os.Exit(1)
	}
}

// Event handles an event of a socket that serves on its own, such as a
// server or a broker: an Error (one request or message that failed) is
// printed to stderr and the program goes on; Closed ends it through Check.
// Other messages are ignored.
func (p *Program) Event(m any) {
	if e, ok := m.(*messages.Error); ok {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, sockets.ErrorFromProto(e))
		return
	}
	p.CheckEvent(m)
}

// CheckEvent handles an event of a socket whose every message matters,
// such as a client's or a publisher's: an Error or Closed ends the program
// through Check. An Error that reports a peer's malformed message (it was
// dropped) is printed to stderr, and the program goes on: what a peer on
// the network sends does not end it. Other messages are ignored.
func (p *Program) CheckEvent(m any) {
	switch m := m.(type) {
	case *messages.Error:
		err := sockets.ErrorFromProto(m)
		if m.GetOperation() == string(sockets.OpReceive) && errors.Is(err, sockets.ErrBadMessage) {
			fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
			return
		}
		p.Check(err)
	case *messages.Closed:
		err := sockets.ErrorFromProto(m.Error)
		if err == nil {
			err = fmt.Errorf("%s closed: %s", m.Socket, m.Reason)
		}
		p.Check(err)
	}
}

// Serve handles the events in the inbox of a program that serves on its
// own (a server, a broker) with Event until SIGINT or SIGTERM, or until
// done is ready (a nil done: never). Close (deferred) then shuts down
// cleanly.
func (p *Program) Serve(done <-chan struct{}) {
	for {
		select {
		case <-p.Ctx.Done():
			return
		case <-done:
			return
		case m := <-p.Events.C():
			p.Event(m) // a failed request is reported and the program goes on
		}
	}
}

// AwaitEnter prints prompt and returns true once a line (or the end of
// the input) is read from stdin, meanwhile handling the events in the
// program's inbox as a server does (Event); it returns false if SIGINT or
// SIGTERM came first. An error reading stdin ends the program through
// Check. The goroutine that reads stdin ends with the program.
func (p *Program) AwaitEnter(prompt string) bool {
	fmt.Print(prompt)
	read := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
		read <- err
	}()
	for {
		select {
		case <-p.Ctx.Done():
			return false
		case err := <-read:
			p.Check(err)
			return true
		case m := <-p.Events.C():
			p.Event(m)
		}
	}
}

// Await returns the first value c gives, meanwhile ending the program on
// an Error or Closed in its inbox (CheckEvent); ok is false if SIGINT or
// SIGTERM came first.
func Await[T any](p *Program, c <-chan T) (v T, ok bool) {
	for {
		select {
		case <-p.Ctx.Done():
			return v, false
		case v := <-c:
			return v, true
		case m := <-p.Events.C():
			p.CheckEvent(m)
		}
	}
}

// Next returns the next message in the program's inbox, ending the
// program on an Error or Closed instead (CheckEvent); ok is false if
// SIGINT or SIGTERM came first.
func (p *Program) Next() (m any, ok bool) {
	for {
		select {
		case <-p.Ctx.Done():
			return nil, false
		case m := <-p.Events.C():
			switch m.(type) {
			case *messages.Error, *messages.Closed:
				p.CheckEvent(m)
			default:
				return m, true
			}
		}
	}
}

// Receive returns the next message a socket received, as Next does, with
// the sockets' other events skipped.
func (p *Program) Receive() (m *messages.Received, ok bool) {
	for {
		next, ok := p.Next()
		if !ok {
			return nil, false
		}
		if m, ok := next.(*messages.Received); ok {
			return m, true
		}
	}
}

// Notify sends v on c unless c is full: for an actor that tells main
// something, where the first report wins and the actor never waits.
func Notify[T any](c chan<- T, v T) {
	select {
	case c <- v:
	default:
	}
}

// NotifyFailure sends on c, as Notify does, the error a socket actor's
// event reports: an Error, or a Closed that ended the socket on an error.
// Other events, and a Closed without an error, send nothing.
func NotifyFailure(c chan<- error, event any) {
	switch m := event.(type) {
	case *messages.Error:
		Notify(c, sockets.ErrorFromProto(m))
	case *messages.Closed:
		if m.Error != nil {
			Notify(c, fmt.Errorf("%s closed: %w", m.Socket, sockets.ErrorFromProto(m.Error)))
		}
	}
}
