package actors_test

import (
	"testing"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// TestMain fails the package if any test leaves a goroutine running: every
// socket's waiter, every inbox and owner actor, every burst sender and
// every protoactor mailbox must be gone once the tests' actor systems are
// shut down.
func TestMain(m *testing.M) {
	testutil.VerifyNoLeaks(m)
}
