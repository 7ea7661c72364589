package examples_test

import (
	"slices"
	"strings"
	"syscall"
	"testing"
)

// clientEvents returns the kinds of the "client: KIND endpoint ..." lines
// of the monitor example's output, with each run of CONNECT_RETRIED as one,
// and checks that every event is on the server's endpoint.
func clientEvents(t *testing.T, out string) []string {
	t.Helper()
	var ep string
	var kinds []string
	for _, line := range strings.Split(out, "\n") {
		if e, ok := strings.CutPrefix(line, "server: listening on "); ok {
			ep = e
		}
		rest, ok := strings.CutPrefix(line, "client: ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 2 || f[1] != ep {
			t.Fatalf("event %q is not on the server's endpoint %q:\n%s", line, ep, out)
		}
		if f[0] == "CONNECT_RETRIED" && len(kinds) > 0 && kinds[len(kinds)-1] == f[0] {
			continue
		}
		kinds = append(kinds, f[0])
	}
	return kinds
}

// TestMonitorExample runs the monitor example: a client whose server stops
// and comes back twice on the same port prints its events in the order of
// the server's life, and the program exits 0.
func TestMonitorExample(t *testing.T) {
	out := program(t, "monitor", "-cycles", "2", "-up", "0", "-down", "0", "-reconnect", "10ms").exit()
	want := []string{"CONNECTED", "HANDSHAKE_SUCCEEDED"}
	for range 2 {
		want = append(want, "DISCONNECTED", "CONNECT_RETRIED", "CONNECTED", "HANDSHAKE_SUCCEEDED")
	}
	if got := clientEvents(t, out); !slices.Equal(got, want) {
		t.Fatalf("client events %v, want %v:\n%s", got, want, out)
	}
	// The server's steps come between the client's events.
	for _, step := range []string{"HANDSHAKE_SUCCEEDED", "server: stopped", "DISCONNECTED", "server: back on", "CONNECTED"} {
		i := strings.Index(out, step)
		if i < 0 {
			t.Fatalf("no %q after the steps before:\n%s", step, out)
		}
		out = out[i:]
	}
	if !strings.Contains(out, "done: the server came back 2 times\n") {
		t.Fatalf("no done line:\n%s", out)
	}
}

// TestMonitorExampleInterrupted: SIGINT while the server is up ends the
// monitor example cleanly, exit 0.
func TestMonitorExampleInterrupted(t *testing.T) {
	checkInterrupted(t, []waiting{{"monitor", []string{"-up", "1h"}, "client: HANDSHAKE_SUCCEEDED", syscall.SIGINT}})
}
