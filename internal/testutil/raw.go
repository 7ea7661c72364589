package testutil

import (
	"testing"

	"github.com/pebbe/zmq4"
)

// RawSocket returns a socket of typ made with pebbe/zmq4 in its default
// context, a peer outside zmqactor, closed with linger 0 when the test
// ends.
func RawSocket(t testing.TB, typ zmq4.Type) *zmq4.Socket {
	t.Helper()
	s, err := zmq4.NewSocket(typ)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.SetLinger(0)
		_ = s.Close()
	})
	return s
}
