package sockets_test

import (
	"testing"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/sockets"
)

// TestLibzmqVersion checks that LibzmqVersion is libzmq's own answer and
// a version this package supports (ZMQ_EVENTS and ZMQ_FD as it uses them
// came with 4.x).
func TestLibzmqVersion(t *testing.T) {
	major, minor, patch := sockets.LibzmqVersion()
	wantMajor, wantMinor, wantPatch := zmq4.Version()
	if major != wantMajor || minor != wantMinor || patch != wantPatch {
		t.Fatalf("LibzmqVersion() = %d.%d.%d, zmq4.Version() = %d.%d.%d", major, minor, patch, wantMajor, wantMinor, wantPatch)
	}
	if major < 4 {
		t.Fatalf("libzmq %d.%d.%d: want 4.x or later", major, minor, patch)
	}
}
