package acrossnodes_test

import (
	"fmt"
	"testing"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// BenchmarkGrainRoundTrip: one request's round trip from a REQ socket
// through a clusternode front (a ROUTER server socket actor with grains)
// to an echo grain and back, with the grain in the front's process and on
// another node, side by side. The keys cycle over 30 grains, all active
// before the timing starts.
func BenchmarkGrainRoundTrip(b *testing.B) {
	for _, place := range []struct {
		name   string
		others int // members beside the front
	}{
		{"grain-in-front-process", 0},
		{"grain-on-other-node", 1},
	} {
		front, nodes := frontCluster(b, place.others)
		req := testutil.RawSocket(b, zmq4.REQ)
		if err := req.Connect(front); err != nil {
			b.Fatal(err)
		}
		roundTrip := func(key string) {
			if _, err := req.SendMessage(key, "ping"); err != nil {
				b.Fatal(err)
			}
			if reply, err := req.RecvMessage(0); err != nil || len(reply) != 2 || reply[0] != "ping" {
				b.Fatalf("reply %q, %v", reply, err)
			}
		}
		for i := range 30 { // activate the grains and fill the front's PID cache
			roundTrip(fmt.Sprintf("k%d", i))
		}
		b.Run(place.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				roundTrip(fmt.Sprintf("k%d", i%30))
			}
		})
		for _, p := range nodes { // not to share the CPUs with the next
			p.kill()
		}
	}
}

// frontCluster starts a cluster of a front node (automanaged membership)
// and others members hosting the echo grains, the front hosting them only
// when it is alone, and returns the front's endpoint and the nodes once
// every member sees all the others.
func frontCluster(b *testing.B, others int) (string, []*proc) {
	b.Helper()
	m := automanaged(b, 1+others)
	front := testutil.FreeEndpoint(b)
	hosting := fmt.Sprint(others == 0)
	nodes := []*proc{launch(b, "front", clusternode, nil,
		append([]string{"-name", "front", "-front", front, "-hosting=" + hosting}, m(0)...)...)}
	for i := 1; i <= others; i++ {
		name := fmt.Sprintf("member%d", i)
		nodes = append(nodes, launch(b, name, clusternode, nil, append([]string{"-name", name}, m(i)...)...))
	}
	for _, p := range nodes {
		p.expect("node ")
		members(p, 1+others)
	}
	nodes[0].expect("front ")
	return front, nodes
}
