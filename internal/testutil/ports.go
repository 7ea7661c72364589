package testutil

import (
	"net"
	"testing"
)

// FreeEndpoints returns n different tcp endpoints on 127.0.0.1 whose ports
// were free a moment ago, for a socket or program that must bind a port the
// test chose: a peer that binds it again after a restart, a zguide program
// that takes fixed endpoints, a port where no one listens. All n listeners
// are open together, so the ports differ; all are closed on return.
func FreeEndpoints(t testing.TB, n int) []string {
	t.Helper()
	eps := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		eps = append(eps, "tcp://"+l.Addr().String())
	}
	return eps
}

// FreeEndpoint returns one tcp endpoint on 127.0.0.1 whose port was free a
// moment ago, as FreeEndpoints does.
func FreeEndpoint(t testing.TB) string {
	t.Helper()
	return FreeEndpoints(t, 1)[0]
}
