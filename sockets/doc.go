// Package sockets owns raw ZeroMQ sockets: one Socket wraps one pebbe/zmq4
// socket and is the only code that touches it. It is the only package of
// zmqactor that imports zmq4; it knows nothing of actors.
//
// A Spec says how to build a socket (type, options, binds, connects); Open
// builds it on a ZMQContext, and the owner then drives it with Send, Bind,
// Connect, SetOption, Close and Handle:
//
//	ctx, _ := sockets.NewZMQContext()
//	s, err := sockets.Open(ctx, sockets.Spec{
//		Type:  sockets.Pull,
//		Binds: []string{"tcp://127.0.0.1:*"},
//	}, sockets.Hooks{
//		Signal:  func(sig *sockets.Signal) { mailbox <- sig }, // any goroutine
//		Deliver: func(frames [][]byte) { ... },              // owner goroutine
//	})
//	// owner loop: for sig := range mailbox { s.Handle(sig) }
//
// # Concurrency
//
// A ZeroMQ socket is not thread-safe, so a Socket is not either: every method
// is called by its owner, one call at a time (a socket actor calls them from
// Receive). The only other goroutine is the Socket's readiness waiter, which
// never calls into ZeroMQ. ZMQContext is safe for concurrent use.
//
// # Readiness
//
// Readiness comes from ZMQ_FD, an eventfd that libzmq signals when a command
// reaches the socket's mailbox and clears inside any call on the socket. The
// waiter parks on a duplicate of it in Go's netpoller (one goroutine, no OS
// thread, no timer) and, when it fires, asks the owner for a turn through
// Hooks.Signal; Handle then receives up to DefaultBatch messages, sends what
// waits in the send queue, and re-arms. Five rules keep the edge-triggered
// loop from losing a wake-up, each with a test; this is the one place they
// are stated, and the code that applies one cites it as "rule N":
//
//  1. Arm only after ZeroMQ said there is nothing to do: a receive returned
//     EAGAIN, or ZMQ_EVENTS showed no POLLIN (and no POLLOUT while messages
//     wait). Open asks for one turn before the first arm, because a socket
//     connected over inproc may hold messages and no signal.
//  2. The waiter checks the fd's level before it parks: RawConn.Read forgets
//     an edge that came before it.
//  3. After sends, re-check before going idle: a send may take the command
//     that made the socket readable and clear ZMQ_FD while the waiter is
//     parked. The first send of a burst queues one re-check signal.
//  4. Act on the POLLOUT that ZMQ_EVENTS itself reports: reading ZMQ_EVENTS
//     may take the activate-write command and leave no edge, so a flush that
//     failed with EAGAIN is retried when POLLOUT shows (a stalled PUSH was
//     observed without this). A ROUTER with router_mandatory shows POLLOUT
//     when any peer can take a message, and an XPUB with xpub_nodrop always
//     shows it, so a queue that makes no progress is retried only a few
//     times in a turn; then a timer (1 ms, doubling to 100 ms, only while
//     the queue stays stuck) asks for another turn, because the last
//     ZMQ_EVENTS read may have taken the activation and the waiter may
//     never fire (an XPUB with xpub_nodrop stalled under load without it).
//  5. Re-check after Bind, Connect, Unbind and Disconnect too: they also
//     process the command mailbox, and an inproc pipe attached that way
//     delivers its messages with no signal.
//
// ZMQ_EVENTS costs a system call, so it is read once per turn, not per
// message; receives and sends use DONTWAIT.
//
// # Monitor
//
// Socket.Monitor (or WithMonitor at Open, before the spec's binds and
// connects) starts zmq_socket_monitor(3) on a unique inproc endpoint of
// the socket's context and reads its events from a PAIR socket connected
// there, the same way as the socket itself: a second waiter parks on the
// PAIR's ZMQ_FD, Hooks.Signal asks the owner for a turn, and Handle drains
// the events until EAGAIN (at most a batch per turn) before it arms the
// waiter again (rule 1, with the socket's own code), passing each to
// Hooks.Event as a messages.SocketEvent. The PAIR has no high-water mark,
// because libzmq sends the events with a blocking send from its I/O thread
// or from the owner's own Bind. Calling
// Monitor with other kinds restarts the monitor; StopMonitor and Close end
// it (zmq_socket_monitor with no endpoint, then the PAIR closed with no
// linger, after its waiter ended).
//
// # Send queue
//
// When ZeroMQ refuses a send at the high-water mark (EAGAIN) the message
// waits in a bounded queue (Spec.SendQueueLimit, DefaultSendQueueLimit) and is
// sent in order when the socket becomes writable, as many messages per cgo
// call as fit in a 64 KiB scratch buffer (a multipart message sent at once
// also goes in one call, not one per frame). Past the bound Send fails
// with ErrQueueFull: nothing is dropped silently. PUB sockets never refuse:
// they drop at the high-water mark, as ZeroMQ documents. Close offers the
// queue to ZeroMQ once more and reports how many messages stayed unsent.
// An owner handed one message per command may open a PUSH, PUB or XPUB
// with CoalesceSends (socket actors do): the sends of a burst after its
// first wait in the queue, at most DefaultBatch of them and never past its
// bound, for the re-check turn of rule 3, which sends them as a batch;
// Settle sends them at once.
//
// # Options
//
// Each option is described once (optiontable.go): its ZeroMQ name, the
// socket types that have it, the values it takes, how it is set and, when
// ZeroMQ reports it, how it is read back. OptionName, OptionNames,
// CheckOption, SetOption and GetOption all work from that description, so
// a new option is one entry and one constructor. Write-only options
// (ZMQ_ROUTER_HANDOVER, ZMQ_PROBE_ROUTER, ZMQ_REQ_CORRELATE and
// ZMQ_REQ_RELAXED, the XPUB ones) and secret keys are not read back:
// GetOption refuses them with ErrUnsupported. A PUB or XPUB takes at most
// DefaultSubscriptionLimit bytes per inbound message unless its spec sets
// MaxMessageSize, since what it receives is subscriptions that libzmq keeps.
// An owner may open a socket with defaults of its own (WithDefaults, which
// the spec's options override) and as another type that speaks the same
// wire protocol (OpenAs: a REP spec served by a ROUTER).
//
// # Raw TCP: STREAM
//
// A Stream socket's messages are [peer id, data]; libzmq gives an empty data
// frame when a peer connects and when it disconnects, and an empty data
// frame sent closes the connection. Send refuses any other shape with
// ErrBadMessage, since libzmq would take a third frame for the next peer id.
//
// # Security
//
// CurveServer, CurveClient, PlainServer, PlainClient, ZAPDomain and
// HandshakeInterval are options like the others. A Key is 32 bytes, parsed
// from its 40 characters of Z85 by ParseKey; keys of the wrong size, the
// zero key and bad Z85 are refused when the spec is checked, and no error
// ever prints a key. NewKeyPair and PublicKeyOf call libzmq. Certificate
// keeps a key pair in CZMQ's ZPL files, the public part and the secret part
// (mode 0600) apart; LoadPublicKeys reads a directory of public ones, for
// an allowlist. A CURVE or PLAIN server fails closed: with no ZAP handler
// bound in its context every peer is refused (ZMQ_ZAP_ENFORCE_DOMAIN, set
// through a small cgo call since pebbe/zmq4 lacks it), and it gets
// DefaultZAPDomain unless a domain is set. The ZAP handler itself is the
// actors package's authenticator.
//
// # Errors
//
// Errors are *Error values wrapping a sentinel (ErrBadEndpoint, ErrQueueFull,
// ...) and, when ZeroMQ reported it, the zmq4.Errno, so errors.Is works on
// both. ErrorToProto and ErrorFromProto carry them across actors and nodes as
// messages.Error.
//
// # Restarts
//
// A Socket does not survive its owner; the owner keeps the Spec and the
// commands applied since, and opens a new Socket from them. Close stops and
// waits for the waiter before it closes the ZeroMQ socket, so the two never
// race, and Signals left over from a closed Socket are ignored by a new one.
package sockets
