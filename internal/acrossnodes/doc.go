// Package acrossnodes holds the tests of socket actors across nodes: over
// protoactor remote, with nodes that are other processes, and in protoactor
// clusters whose members are examples/clusternode processes. It has no
// code of its own but this file; everything is in its _test.go files.
//
// # Why a package of its own, and other processes
//
// These tests run with -race, and two things of protoactor-go (at the
// version go.mod pins) decide their shape:
//
//   - Remote.Start calls grpclog.SetLoggerV2, which gRPC documents as not
//     safe once gRPC runs: a second remote in one process is a data race
//     with the first one's logging. So a test process has one remote node
//     of its own, started once (TestMain) and shut down after the tests,
//     before the leak check; the other nodes are processes: the test
//     binary itself, started again as a node (node_test.go), which can be
//     killed with SIGKILL like any node.
//   - Its cluster (gossip, member list, block list, the disthash partition
//     manager) has data races of its own, which -race reports in any
//     process that runs a member. So cluster members only run in
//     clusternode processes. They are built with -race when the tests are,
//     with the race reports written to files: a test fails on a report in
//     which zmqactor code made one of the two racing accesses, and logs
//     the others as protoactor's (race_test.go).
//
// # What is tested
//
//   - handles_test.go: a factory on another node spawns socket actors for
//     this one; their handles work from here (Request, Subscribe, Monitor,
//     Stats, Close, Done); the owner, subscriber and handler are actors of
//     this node; bad input to a remote factory; a factory that is not
//     running.
//   - killed_test.go: the owner, a subscriber, a monitor watcher, a
//     server's handler and a client's asker live on a node that is killed:
//     the socket actors here go on as for local actors that stopped.
//   - tls_test.go: remote over mutual TLS with a certificate made by the
//     test; a spec with secret keys is refused over a remote without TLS.
//   - cluster_test.go: three clusternode processes and a pyzmq Lazy Pirate
//     client, with one member killed and started again, with automanaged
//     and with etcd membership; the figures of the failover.
//   - bench_test.go: a request's round trip through a front node to a grain
//     in the front's process and on another node, side by side.
package acrossnodes
