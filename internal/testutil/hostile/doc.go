// Package hostile throws at one ZeroMQ endpoint what a hostile or broken
// peer may send, so that a test can check that the server behind it is
// still alive and still serves its next well-formed peer.
//
//	thrown, err := hostile.Storm{
//		Endpoint: ep,
//		Peers:    []zmq4.Type{zmq4.REQ, zmq4.DEALER},
//		Wrong:    []zmq4.Type{zmq4.PUSH, zmq4.SUB, zmq4.PAIR},
//	}.Run(ctx)
//	reply, took, err := hostile.Ask(ctx, ep, nil, []byte("Hello"))
//
// # What a storm throws
//
// A Storm has four classes of input, run at the same time:
//
//   - Malformed messages (Messages per peer type) from raw pebbe/zmq4
//     sockets of the types that may talk to the endpoint (Peers): 0 to 8
//     frames (0 is one empty frame, the least ZMTP carries), empty frames,
//     frames up to MaxFrame (70,000 bytes by default), envelopes with and
//     without the empty delimiter, only empty frames. A REQ peer is relaxed
//     (it sends again without waiting for a reply) and now and then
//     correlated; an XSUB peer also sends (un)subscription frames; a PULL or
//     SUB peer, which cannot send, connects and leaves (Quiet), or, for a
//     SUB, subscribes (below). A new socket every few messages; each closes
//     with a linger (peerLinger says why never 0).
//   - Junk subscriptions (Subscriptions), for a PUB or XPUB endpoint: SUB
//     peers subscribe and unsubscribe to random topics, most of them short,
//     some up to a kilobyte; a quarter of the sockets end with one larger,
//     up to MaxFrame.
//   - Wrong socket types (Wrong): a socket of each type connects WrongEach
//     times, all at once, sends junk if it can, and waits a few seconds
//     for its handshake to fail (a monitor event); a wrong type whose
//     handshake succeeds is an error, one with no outcome yet is counted
//     as pending.
//   - Raw TCP (Connections connections with net.Dial): random bytes, part
//     of a ZMTP greeting, the ZMTP/1.0 fallback (04 00 'abc' 04 00 'xyz'
//     and other 1.0 frames), bad mechanism names and versions, absurd
//     declared frame, command and property lengths, bad socket types,
//     unknown commands, READY twice, reserved flags, a whole handshake
//     sent before the server's greeting, a valid handshake as a peer type
//     followed by junk frames (and a frame announced but never finished),
//     connections that say nothing; most end with a FIN and
//     wait for the server to close, some with a reset (linger 0). The
//     last one, after all the rest, is the ZMTP/1.0 fallback: libzmq
//     4.3.4's REP loses the reply to the next request after it, and the
//     next request is the test's.
//
// Every input is counted in Thrown once it was handed to ZeroMQ or
// written to the connection; what the server did with it is the test's
// business. Hold keeps half-open connections (a greeting cut short) open
// while the test talks to the server, as a slow or stuck peer would.
//
// Setup, when set, is applied to every zmq4 peer before it connects: the
// keys of a CURVE client, for instance. Raw TCP peers always speak NULL.
//
// # Well-formed peers and figures
//
// Ask, Dial, DialReady and Listen make the well-formed peers a test checks the
// server with, on their own ZeroMQ context, waiting with a deadline (ctx)
// and no sleep. RSS reads a process's resident set size from /proc, and
// Figures is the one-line summary a test logs: inputs thrown, whether the
// server survived, the time to its first well-formed answer after the
// storm, and its RSS before and after.
//
// # Resources
//
// A storm has its own ZeroMQ context, terminated before Run returns; every
// goroutine it starts has ended by then, and every connection is closed.
// Randomness comes from Seed (a fixed one gives the same storm, up to the
// scheduling), or from the clock when it is zero: Run returns the seed
// used in Thrown.
package hostile
