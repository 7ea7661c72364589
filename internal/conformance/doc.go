// Package conformance is the conformance suite every ZeroMQ socket pattern
// of zmqactor runs, in the manner of testing/slogtest: Run takes the ZeroMQ
// context of an actor system and checks, with real sockets, that socket
// actors keep ZeroMQ's promises.
//
//	func TestConformance(t *testing.T) {
//		_, z := testutil.NewSystem(t)
//		conformance.Run(t, z)
//	}
//
// # What is checked
//
// For every ordered pair of compatible socket types (Pairs: sockets.Types()
// crossed with Type.Compatible, the first type binds, the second connects)
// and every transport (Transports: inproc and tcp://127.0.0.1:* with the
// resolved port), Run spawns both sockets as socket actors owned by one
// actors.Inbox and sends Messages through them: multipart messages, empty
// frames (alone, leading, in the middle, trailing) and 1 MiB frames. Every
// message must arrive whole and in the order sent, and no Error event may
// reach the owner. Each case ends by closing both sockets with linger 0 and
// expecting Closed with nothing unsent.
//
// Each pattern is driven by its own rules:
//
//   - PUSH-PULL, PAIR-PAIR and DEALER-DEALER: the messages go as they are;
//     PAIR and DEALER pairs send both ways at once.
//   - PUB/XPUB to SUB/XSUB: SUB subscribes to everything with
//     sockets.Subscribe, XSUB by sending the frame "\x01". Joining is
//     asynchronous (the slow joiner), so a PUB repeats a probe message until
//     the subscriber receives one, and an XPUB waits for the subscription
//     frame "\x01" it receives; only then are the messages sent, and order
//     is checked from the first one on (left-over probes are skipped).
//   - REQ, DEALER and ROUTER clients of REP and ROUTER servers: REQ sends
//     one request at a time and waits for the reply; DEALER and ROUTER
//     clients pipeline every request first. A DEALER adds the empty
//     delimiter a REP needs. A ROUTER server checks the routing id envelope
//     (and the delimiter of a REQ) and replies through it with the request
//     body plus the frame "reply". ROUTERs use router_mandatory, so a lost
//     reply is an error, not a silent drop.
//   - ROUTER-ROUTER: the binder has routing id "server", the connector
//     "client"; the connector repeats a probe addressed to "server"
//     (refused with ErrHostUnreachable until the handshake is done) until
//     the server receives one.
//
// # Timing
//
// Every wait has a deadline (testutil.Wait); the only repetition is the
// probe of a slow joiner, resent every few milliseconds until the first
// one arrives. Nothing sleeps.
//
// # Concurrency
//
// Run and RunPair must be called from the test goroutine. The cases run one
// after the other on the given context, each with its own inbox, endpoints
// and sockets, which are closed before the case returns; the context may be
// shared with other tests.
package conformance
