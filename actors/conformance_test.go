package actors_test

import (
	"testing"

	"github.com/zmqactor/zmqactor/internal/conformance"
	"github.com/zmqactor/zmqactor/internal/testutil"
)

// TestConformance runs the conformance suite: every ordered pair of
// compatible socket types over inproc and tcp.
func TestConformance(t *testing.T) {
	_, z := testutil.NewSystem(t)
	conformance.Run(t, z)
	if n := z.Len(); n != 0 {
		t.Errorf("%d socket actors left running", n)
	}
}
