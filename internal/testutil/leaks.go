package testutil

import (
	"testing"

	"go.uber.org/goleak"
)

// LeakOptions are the goroutines of protoactor that may outlive an actor
// system and are not leaks, for goleak: the dead-letter log throttle
// (actor.NewThrottle, started from actor.NewDeadLetter) runs one goroutine
// per throttle period, 1 s by default, after the first dead letter of a
// period, such as a readiness signal still on its way to a socket actor
// that has just stopped, and that goroutine ends by itself when the period
// is over.
func LeakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"),
	}
}

// VerifyNoLeaks is a TestMain that runs the tests of m and fails the
// package if any goroutine is left running once they are done, but for
// LeakOptions: every socket's waiter, every inbox and owner actor and every
// protoactor mailbox must be gone once the tests' actor systems are shut
// down.
func VerifyNoLeaks(m *testing.M) {
	goleak.VerifyTestMain(m, LeakOptions()...)
}
