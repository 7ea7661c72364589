package actors

import (
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
)

// LoggerFactory returns a protoactor logger factory that logs through l,
// for actor.NewActorSystem(actor.WithLoggerFactory(...)):
//
//	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.LoggerFactory(logger)))
//
// protoactor's own records (its "actor system started", every dead letter,
// "[ACTOR] Recovering" for each failure its supervision handles) then go
// to l, with the attributes lib=Proto.Actor and system=<the system's id>
// added as protoactor's default logger adds them, at l's level. Without a
// factory protoactor writes them at Info level to stderr, in color. A nil
// l discards them, as QuietLogger does. zmqactor itself never logs: its
// failures are errors and events (see the package docs), so this logger
// only ever carries protoactor's records.
//
// The factory is called once, by NewActorSystem, and the logger lives as
// long as the system; l must be safe for concurrent use, as every
// *slog.Logger is.
func LoggerFactory(l *slog.Logger) func(*actor.ActorSystem) *slog.Logger {
	if l == nil {
		return QuietLogger
	}
	return func(system *actor.ActorSystem) *slog.Logger {
		return l.With("lib", "Proto.Actor", "system", system.ID)
	}
}

// QuietLogger is a protoactor logger factory that discards every record:
// pass it as actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
// for a program whose output should be its own. Dead letters then pass
// unseen; to watch for them without a log, subscribe to the system's event
// stream for *actor.DeadLetterEvent. Any number of actor systems may use
// it, and the logger it returns is safe for concurrent use.
func QuietLogger(*actor.ActorSystem) *slog.Logger {
	return slog.New(slog.DiscardHandler)
}
