package ceiling_test

import (
	"errors"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/ceiling"
)

func TestPipe(t *testing.T) {
	for _, tc := range []struct {
		name             string
		sender, receiver ceiling.Kind
		endpoint         string
		unlimited        bool
	}{
		{"push-pull-tcp", ceiling.Push, ceiling.Pull, "tcp://127.0.0.1:*", false},
		{"push-pull-inproc", ceiling.Push, ceiling.Pull, "inproc://ceiling-test", false},
		{"pub-sub-tcp", ceiling.Pub, ceiling.Sub, "tcp://127.0.0.1:*", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ceiling.OpenPipe(tc.sender, tc.receiver, tc.endpoint, tc.unlimited)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Warm(10 * time.Second); err != nil {
				t.Fatal(err)
			}
			for _, size := range []int{16, 1024, 65536} {
				d, err := p.Transfer(5000, size)
				if err != nil {
					t.Fatalf("%d bytes: %v", size, err)
				}
				if d <= 0 {
					t.Fatalf("%d bytes: elapsed %v", size, d)
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Transfer(1, 16); !errors.Is(err, ceiling.ErrClosed) {
				t.Fatalf("transfer after close: %v, want ErrClosed", err)
			}
		})
	}
}

func TestEcho(t *testing.T) {
	e, err := ceiling.OpenEcho("tcp://127.0.0.1:*")
	if err != nil {
		t.Fatal(err)
	}
	rtt := make([]time.Duration, 500)
	if err := e.RoundTrips(rtt, 64); err != nil {
		t.Fatal(err)
	}
	for i, d := range rtt {
		if d <= 0 {
			t.Fatalf("round trip %d: %v", i, d)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenBadEndpoint(t *testing.T) {
	if _, err := ceiling.OpenPipe(ceiling.Push, ceiling.Pull, "nope://x", false); err == nil {
		t.Fatal("no error for a bad endpoint")
	}
}
