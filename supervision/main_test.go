package supervision_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine running: every
// socket's waiter, every inbox and every protoactor mailbox must be gone
// once the tests' actor systems are shut down. The one exception is
// protoactor's dead-letter log throttle, a goroutine that ends by itself one
// throttle interval (1 s) after a dead letter: a message to an actor that
// has stopped, such as a readiness signal still on its way to a closed
// socket actor.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
}
