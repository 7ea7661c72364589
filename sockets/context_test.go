package sockets

import "testing"

// testContext returns a new ZMQContext that is terminated when the test
// ends, after the cleanups registered later (cleanups run last first), such
// as owners closing their sockets.
func testContext(t *testing.T) *ZMQContext {
	t.Helper()
	ctx, err := NewZMQContext()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ctx.Term(); err != nil {
			t.Errorf("term: %v", err)
		}
	})
	return ctx
}
