// Package ceiling is the C side of zmqactor's benchmarks (examples/bench):
// the same transfers as the Go paths, written as small C loops over
// libzmq's zmq_msg_send and zmq_msg_recv, called once per run through cgo.
// They show how close a Go path comes to libzmq itself.
//
//	p, err := ceiling.OpenPipe(ceiling.Push, ceiling.Pull, "tcp://127.0.0.1:*", false)
//	if err != nil { ... }
//	defer p.Close()
//	if err := p.Warm(10 * time.Second); err != nil { ... }
//	elapsed, err := p.Transfer(1_000_000, 64) // 1 M messages of 64 bytes
//
// A Pipe is a sending and a receiving socket in a libzmq context of their
// own (one I/O thread, libzmq's default, as the Go paths have): Transfer
// sends from a new POSIX thread and receives on the calling one, each loop
// in C from its first message to its last, with one zmq_msg_t per message
// on the sending side (zmq_msg_init_size, memcpy of the payload,
// zmq_msg_send) and one reused zmq_msg_t on the receiving side. An Echo is
// a REQ socket and a REP socket whose C thread echoes every request;
// RoundTrips times each round trip in C.
//
// This package calls libzmq directly and is meant for benchmarks only: the
// library's sockets go through package sockets.
//
// # Concurrency
//
// A Pipe or an Echo is used by one goroutine at a time; Close ends the C
// threads it started and terminates its context.
package ceiling
