package actors_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine running: every
// socket's waiter, every inbox and owner actor, every burst sender and
// every protoactor mailbox must be gone once the tests' actor systems are
// shut down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, protoactorGoroutines()...)
}

// protoactorGoroutines are the goroutines of protoactor that may outlive
// an actor system and are not leaks: the dead-letter log throttle
// (actor.NewThrottle, started from actor.NewDeadLetter) runs one goroutine
// per throttle period, 1 s by default, after the first dead letter of a
// period, such as a readiness signal still on its way to a socket actor
// that has just stopped, and that goroutine ends by itself when the period
// is over.
func protoactorGoroutines() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"),
	}
}
