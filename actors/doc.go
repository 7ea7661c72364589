// Package actors puts ZeroMQ sockets inside protoactor-go: each socket is
// owned by one socket actor, the only code that touches it.
//
//	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
//	z, err := actors.NewRuntime(system) // the system's ZeroMQ context
//	defer z.Shutdown(ctx)               // stops every socket actor, then terms
//
//	inbox := actors.NewInbox(system, 64)
//	pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull,
//		Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(inbox.PID()))
//	push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push,
//		Connects: pull.Bound()})
//	err = push.Send([]byte("hello"))
//	for m := range inbox.C() { // Started comes first, then Received
//		if r, ok := m.(*messages.Received); ok { ... }
//	}
//
// # Messages
//
// Socket actors are driven by the protobuf commands of package messages
// (Bind, Connect, Unbind, Disconnect, Send, SetOption, Close, Subscribe,
// Unsubscribe, Publish, Request, GetStats, GetRequestStats), so any actor,
// also on another node through protoactor remote, can use them. A command
// sent with a sender (Request, RequestFuture) is answered with its result
// event (Bound, Connected, ..., Sent) or an Error; one sent without a sender
// reports only failures, to the owner (a socket actor without an owner
// publishes its events on the actor system's event stream). The owner
// receives Started when the
// socket is open, a Received per inbound multipart message, Error events and
// finally Closed. The owner sees the socket actor as the Sender of each, so it
// can answer through ctx.Sender(). Readiness signals from the sockets layer,
// the actor's own reopen and deadline timers, and a handler's answers on
// their way into the server socket actor are the only messages that are
// not protobuf: they never leave the process.
//
// Inside, a socket actor is a core and its roles. The core owns the
// socket's lifecycle and the commands every socket takes (Bind, Connect,
// Unbind, Disconnect, SetOption, Send, SendBatch, Publish, GetStats,
// Close); each behaviour beyond that is a role with its own state: exactly
// one delivery role, chosen at spawn from the spec and the spawn options
// (the owner's deliveries, a SUB's subscribers, an XPUB's peer
// subscriptions, a request client, a request server, the ZAP handler), and
// the monitor beside it. What a role keeps across restarts (subscribers,
// requests, watchers, policies) belongs to it, not to the actor instance.
//
// The Socket handle returned by Runtime.Spawn wraps these commands in Go
// methods that wait for the answer (Bind, Connect, SendWait, Close, ...)
// and turn Error answers into error values that match the sentinels of
// package sockets with errors.Is.
//
// # Publish/subscribe between actors
//
// A SUB or XSUB socket actor routes what it receives to local subscribers.
// Any actor subscribes to a topic prefix with messages.Subscribe (or
// Socket.Subscribe), and from then on receives every message whose first
// frame starts with that prefix as a Received, with the socket actor as
// sender, until it sends messages.Unsubscribe or stops: the socket actor
// watches its subscribers. The socket's ZeroMQ subscriptions are the union
// of the local ones: the first subscriber of a prefix subscribes on the
// wire, the last one to leave unsubscribes. A subscriber that matches
// through several prefixes (say "a" and "ab") gets each message once. The
// empty prefix matches everything, as in ZeroMQ. Subscriptions made by
// option, in the spec or with SetOption, and subscription messages sent on
// an XSUB, are the owner's, reference counted as ZeroMQ counts them; a SUB
// or XSUB without subscriptions in its spec needs no owner. Messages that
// arrive after their last subscriber left (they were in flight) are counted
// as Stats.unrouted, and Stats.delivered counts deliveries.
//
//	sub, _ := z.Spawn(ctx, sockets.Spec{Type: sockets.Sub, Connects: []string{"tcp://localhost:5556"}})
//	_ = sub.Subscribe(ctx, weatherActor, "10001 ")
//
// Publishing is a command to a PUB or XPUB socket actor: messages.Publish
// (topic frame, then the other frames), or Socket.Publish. An XPUB tells
// its owner about its peers' subscriptions as PeerSubscription events
// (every one of them with sockets.XPubVerbose).
//
// A SUB's subscription reaches each publisher some time after Subscribe
// returns, once the connection is up, and what is published meanwhile is
// lost for it (ZeroMQ's "slow joiner"). WaitSubscribed waits until a SUB's
// subscriptions have reached a PUB or XPUB, by probing, and its doc is the
// recipe for a publisher that is not a Socket of this process.
//
// Typed messages carry a protobuf message as three frames [topic, full type
// name, payload] (NewPublish, Socket.PublishProto, EncodeTyped). A
// subscriber that subscribed with typed set (Socket.SubscribeTyped)
// receives a messages.TypedMessage, with the socket actor as sender: the
// topic, and the message as a google.protobuf.Any that Unpack[T] (or
// UnpackAny, through the registry) decodes. The socket actor checks that
// each message decodes, once, for all its typed subscribers, which share
// the envelope: treat it as read-only. A message that does not decode (not
// three frames, a type this program does not link, bytes that are not that
// type) becomes a DecodeError to the owner, counted in
// Stats.decode_errors, and the socket goes on.
//
// # Slow subscribers
//
// A PUB never waits for a subscriber: when a subscriber's queue is at its
// high-water mark (sockets.SendHWM on the publisher plus
// sockets.ReceiveHWM on the subscriber, 1,000 each by default, plus what the
// kernel buffers for tcp) ZeroMQ drops the message for that subscriber, and
// the publisher cannot see it: sends succeed and Stats.sent counts them. A
// subscriber sees drops only as gaps, if the publisher numbers its
// messages. To keep every message instead, publish through an XPUB with
// sockets.XPubNoDrop(true): at the high-water mark the message waits, in
// order, in the socket actor's send queue (Sent.queued, Stats.queued,
// Stats.send_queue_length) up to Spec.SendQueueLimit, past which a publish
// is refused with ERROR_CODE_SEND_QUEUE_FULL; the slowest subscriber then
// holds back all of them. Raising the high-water marks (0 is no limit)
// trades memory for fewer drops.
//
// Inside the process a SUB socket actor never drops: it hands each message
// to its subscribers' mailboxes, which are unbounded. A subscriber actor
// that cannot keep up should be spawned with a dropping bounded mailbox
// (actor.WithMailbox(actor.BoundedDropping(n))), which drops its oldest
// message when full, much as a PUB drops. A blocking bounded mailbox would
// stall the socket actor and with it every other subscriber.
//
// # Request/reply between actors
//
// Client side: a DEALER or REQ socket actor takes messages.Request from any
// actor, sent with ctx.Request or RequestFuture, and answers the asker with
// messages.Reply (the reply's body, and how many attempts it took) or an
// Error. Socket.Request and Socket.RequestProto do the same from Go code.
//
//	cli, _ := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: []string{"tcp://localhost:5555"}})
//	reply, err := cli.Request(ctx, [][]byte{[]byte("Hello")}, actors.WithTimeout(time.Second), actors.WithRetries(2))
//
// A DEALER client sends [request id, "", body...]: a REP peer echoes the
// envelope and a ROUTER server keeps it, so the reply comes back with the
// id and goes to the actor that asked, whatever the order of replies. The
// id is 8 bytes, big-endian, counting from 1 for the life of the socket
// actor. Many requests are in flight at once, each with its own timeout
// (Request.timeout, else WithRequestTimeout, else DefaultRequestTimeout)
// kept in one deadline heap with one timer per socket actor. On a timeout
// the request is sent again with the same id while Request.retries lasts
// (the zguide's Lazy Pirate), so a late reply to an earlier attempt still
// answers it; after the last attempt the asker gets
// ERROR_CODE_REQUEST_TIMEOUT. A reply that comes after its request was
// answered is dropped and counted (RequestStats.late_replies), never
// delivered to anyone. A REQ client keeps plain REQ semantics: one request
// on the wire at a time, the others wait in order in the socket actor; after
// a timeout the REQ socket is closed and opened again (RequestStats.resets),
// the zguide's way to make it usable, and the next request goes out on it.
// A client needs no owner; messages it receives that answer no request go to
// the owner as Received when it has one, and are otherwise counted as
// malformed and reported on the event stream. Requests beyond ZeroMQ's
// high-water mark wait in the send queue; past its limit a request is
// refused at once with ERROR_CODE_SEND_QUEUE_FULL (raise sockets.SendHWM for
// more in flight).
//
// A request can wait without a timeout (WithoutTimeout, Request.no_timeout)
// and carry the asker's tag (WithTag), echoed in its Reply. CancelRequest
// (Socket.CancelRequests) frees an asker's requests at once, all or those of
// a tag; the asker gets no answer and a reply that comes later is counted
// as late. Socket.Request cancels its own request when its ctx ends. A REQ
// whose request on the wire is cancelled is reset, as after a timeout.
//
// Server side: a ROUTER or REP socket actor spawned WithHandler hands each
// request to the handler, one actor or a protoactor router over a pool
// (router.NewRoundRobinPool(n)...), as messages.Request with the body and,
// from a ROUTER, the peer's routing id. The handler answers with
// ctx.Respond(&messages.Reply{Frames: ...}), in any order and from any node;
// the socket actor puts the envelope back and sends the reply to the right
// peer. The sender the handler sees stands for that one request: one
// process registered per socket actor takes the answers, and the request's
// number rides in the PID's RequestId, so there is no future, registration
// or timer per request. A handler that answers with messages.Error or with
// something that is not a Reply, that misses ServeOptions.Timeout, or that
// stops, fails the request: ERROR_CODE_HANDLER_FAILED to the owner, counted,
// and the peer gets ServeOptions.FailureReply if set; otherwise nothing (its
// client times out and may retry). A REP socket actor is a ROUTER
// underneath, with the same envelopes on the wire, so its REQ and DEALER
// peers are served as by a REP (in the ZMTP greeting it is a ROUTER, which
// they accept alike, and which a ROUTER peer may join): libzmq 4.3.4's REP
// loses the reply to the next well-formed request after a peer sent a
// message without a delimiter, and needs a reset after every request it
// does not answer. A REP served by its owner rather than a handler keeps
// REP's contract: the owner gets one request at a time, without its
// envelope, and its next Send is the answer (a Send with no request to
// answer is refused with ERROR_CODE_UNSUPPORTED_OPERATION). A
// server's ROUTER gets router_mandatory and router_handover unless the spec
// says otherwise: a plain ROUTER drops a reply to a peer at its high-water
// mark without a word, and ignores a client with a fixed routing id that
// reconnects (after a restart) while it holds the old connection. A server
// bounds the requests in progress
// (ServeOptions.MaxPending): at the bound it stops receiving and ZeroMQ's
// high-water marks push back on the clients. Malformed requests (no empty
// delimiter after the routing id, no body) are dropped, counted as
// RequestStats.malformed and reported as ERROR_CODE_INVALID_MESSAGE.
//
// Typed requests carry a protobuf message as the body [full type name,
// payload] (NewRequest, RequestProto, Ask, EncodeBody): the asker receives a
// messages.TypedReply, the reply with the request's tag and attempts
// (Socket.RequestProto and Ask[T] unpack it), and a handler of a server
// with ServeOptions.Typed receives the decoded request and answers with any
// protobuf message. A body that does not decode is counted in
// RequestStats.decode_errors: the asker gets ERROR_CODE_INVALID_MESSAGE, a
// server's owner a DecodeError. Every Error that answers a request carries
// its tag.
//
// Code that is not an actor reads an Inbox's channel (Inbox.C), or waits
// for one kind of message with Receive[T], which returns an Error event as
// the error it carries.
//
// GetRequestStats (Socket.RequestStats) answers with the counters, which
// outlive restarts. A restarted client sends its requests in flight again on
// the new socket; a restarted REP server forgets the requests it was
// handling.
//
// # Raw TCP peers: STREAM
//
// A STREAM socket actor talks to peers that are not ZeroMQ: its owner gets
// a StreamPeer event when a TCP peer connects and when it disconnects (also
// when the owner closed it), and the peer's bytes as Received [peer id,
// data]; it sends with Send [peer id, data], and an empty data frame closes
// the connection. examples/httpserver is an HTTP hello server.
//
// # Options
//
// sockets lists the options (sockets.OptionNames); they are checked against
// the socket's type at spawn and by SetOption, and applied again to a
// restarted socket. GetOption (Socket.GetOption) reads one back as ZeroMQ
// reports it; a write-only one is refused with ERROR_CODE_UNSUPPORTED_OPERATION.
//
// # Proxies and brokers
//
// Runtime.SpawnProxy starts a proxy actor with two child socket actors and
// forwards every message from one to the other, as zmq_proxy(3): XSUB to
// XPUB is a forwarder (the zguide's wuproxy), passing subscriptions
// upstream; ROUTER to DEALER a request-reply broker (rrbroker); PULL to PUSH
// a streamer. ProxySpec.Capture receives a copy of every message. With
// ProxySpec.LoadBalance, ROUTER to ROUTER is the zguide's load-balancing
// broker (lbbroker): REQ workers announce READY and each client request goes
// to the worker ready the longest. A peer on its backend gets no more than
// it is given: READY makes a worker ready once, and only the worker that
// holds a client's request can answer that client; anything else is
// reported (ErrBadMessage) and dropped. It has no heartbeats:
// WithPirateQueue is the queue that forgets a silent worker.
//
// # Reliable request/reply across processes
//
// The zguide's chapter 4 patterns are delivery roles chosen by a spawn
// option, so they go into service trees and restart like any socket actor;
// what they know (workers, services, waiting requests, backoff, counters)
// outlives a restart.
//
//   - Paranoid Pirate (ZeroMQ RFC 6): WithPirateQueue on a ROUTER backend
//     whose frontend ROUTER it owns (Runtime.SpawnPirateQueue spawns both),
//     and WithPirateWorker on a DEALER. Workers say READY ("\x01") and both
//     sides heartbeat ("\x02") every second, liveness 3; the queue takes a
//     worker whose first message is a heartbeat. Clients are Lazy Pirates:
//     a DEALER or REQ client with WithRetries.
//   - Majordomo (MDP/0.1, ZeroMQ RFC 7): WithMajordomoBroker on a ROUTER,
//     WithMajordomoWorker(service, handler, ...) and WithMajordomoClient on
//     DEALERs. The client takes messages.ServiceRequest (Socket.AskService)
//     and answers messages.ServiceReply; the broker answers mmi.service
//     (RFC 8) itself. Heartbeats every 2.5 s, liveness 3.
//   - Titanic (RFC 9) is package titanic, built on the Majordomo roles.
//   - Freelance (the zguide's model 3): WithFreelanceServer and
//     WithFreelanceClient on ROUTERs; the client pings each server, sends
//     each request to the first one alive and fails over to the next.
//   - Binary Star: WithBinaryStar on a ROUTER frontend that owns a PUB and
//     a SUB for the peer's state (Runtime.SpawnBinaryStar spawns the three);
//     the zguide's state machine decides who answers.
//
// Heartbeat configures every role's heartbeating: Interval, Liveness, and
// for workers the reconnect backoff (ReconnectMin doubling up to
// ReconnectMax). Any message from a peer is a sign of life. A worker whose
// peer is silent for Liveness intervals closes its socket, opens a new one
// (the socket actor's reset: no Started event), waits out the backoff and
// greets the peer again; the owner gets an Error wrapping
// sockets.ErrHostUnreachable each time. A queue or broker forgets a
// worker silent for Liveness intervals, idle or busy; the request it held
// is lost and its client retries. Workers hand requests to a handler actor
// or pool as messages.Request and send back its messages.Reply, as a
// server does (WithHandler), one request at a time as the protocols have
// it. Input that is not the protocol's is dropped, counted
// (ReliableStats.malformed) and reported as an Error wrapping
// sockets.ErrBadMessage; a Majordomo worker that breaks the protocol gets
// DISCONNECT. GetReliableStats (Socket.ReliableStats) answers each role's
// counters and state.
//
// # Security: the ZAP authenticator
//
// A socket is a CURVE or PLAIN server or client through the security
// options of its spec (sockets.CurveServer, sockets.CurveClient,
// sockets.PlainServer, sockets.PlainClient, sockets.ZAPDomain). A server's
// peers are checked by the authenticator of its Runtime, which
// Runtime.StartAuthenticator starts: a socket actor whose socket is the
// ZAP handler, a ROUTER bound at ZAPEndpoint (ZeroMQ RFC 27), and answers each
// request at once from its policy: address allow and deny lists (IP
// addresses or prefixes), PLAIN user names and passwords, and the CURVE
// client keys allowed, or any key. The policy starts empty, which refuses
// every CURVE and PLAIN client; it is changed by the messages of
// messages/auth.proto (the Authenticator's methods send them), each
// answered with the policy in force, for the next handshake. Watchers
// receive an AuthDecision for every request. Malformed requests are
// answered with status 500 when they carry a request id and dropped
// otherwise, and counted (AuthStats.malformed).
//
// The server side fails closed: a CURVE or PLAIN server refuses every peer
// while no authenticator is bound (ZMQ_ZAP_ENFORCE_DOMAIN, which libzmq
// 4.3 has but leaves off), and gets the ZAP domain sockets.DefaultZAPDomain
// unless its spec sets one, because libzmq asks ZAP only for sockets with
// a domain. libzmq 4.3 does not reconnect a client that was refused: its
// next connection is a new Connect, or a new socket.
//
// The authenticator is supervised by protoactor's default strategy. A
// restarted one keeps its policy, watchers and counters, closes its
// handler socket and binds it again; commands sent meanwhile wait, so an
// answer means the handler is bound. Being a socket actor, it reports its
// lifecycle (Started, Restarting, Closed) on the actor system's event
// stream, and can be monitored. A handshake that asks during the
// restart is refused, and a ZAP request in flight at the failure is not
// answered: that client's handshake ends at the server's
// sockets.HandshakeInterval.
//
// # Monitor events
//
// A socket actor reports its socket's connection lifecycle, as
// zmq_socket_monitor(3) sees it, to the actors that ask: messages.Monitor
// (Socket.Monitor) registers a watcher (the one named, else the sender, else
// the owner) with the kinds it wants, every kind by default, and answers
// Monitoring. From then on the watcher receives each event of those kinds
// as a messages.SocketEvent, with the socket actor as sender: CONNECTED,
// CONNECT_DELAYED, CONNECT_RETRIED, LISTENING, BIND_FAILED, ACCEPTED,
// ACCEPT_FAILED, CLOSED, CLOSE_FAILED, DISCONNECTED, HANDSHAKE_SUCCEEDED
// and the HANDSHAKE_FAILED variants (no detail, protocol, auth), each with
// the endpoint as libzmq names it and a value (a file descriptor, an error
// number, the reconnect wait in milliseconds, a ZMTP protocol error or a ZAP
// status code). libzmq reports tcp and ipc endpoints, not inproc.
//
//	_ = client.Monitor(ctx, watcherPID) // every kind
//	// watcherPID receives: CONNECTED, HANDSHAKE_SUCCEEDED; when the server
//	// goes: DISCONNECTED, CONNECT_RETRIED...; when it is back: CONNECTED, ...
//
// Each watcher has one list of kinds (a second Monitor replaces it), and
// the socket's monitor reports their union; changing it restarts libzmq's
// monitor, and an event emitted during that switch may be lost.
// messages.Unmonitor (Socket.Unmonitor) stops the events to a watcher, and
// a watcher that stops is forgotten: the socket actor watches it. A kind
// that is no SocketEventKind, SOCKET_EVENT_KIND_UNSPECIFIED included, is
// refused with ERROR_CODE_INVALID_OPTION. The watchers live in the state
// that outlives the actor instance: a restarted socket is monitored again
// before its binds and connects, so its watchers see LISTENING for its
// binds and its connections made again. The monitor costs one inproc PAIR
// socket and one waiter goroutine parked in the netpoller per monitored
// socket, no OS thread, and is closed with the socket. Events wait in
// memory until the socket actor reads them: libzmq writes them with a
// blocking send, which must never block it. libzmq 4.3 ends a connection
// whose peer has an incompatible socket type (a DEALER that reached a PUSH)
// with DISCONNECTED and does not reconnect.
//
// # Metrics
//
// A Runtime made WithMeterProvider reports the metrics of its socket
// actors through that OpenTelemetry meter provider, under the meter (the
// instrumentation scope) "github.com/zmqactor/zmqactor/actors":
//
//	reader := sdkmetric.NewManualReader() // or a periodic reader and an exporter
//	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
//	z, err := actors.NewRuntime(system, actors.WithMeterProvider(mp))
//
// The instruments are asynchronous. Each socket actor counts in atomic
// counters that it alone writes, an atomic add per count, whatever the
// provider; one callback per Runtime reads them when the provider collects
// and is unregistered at Shutdown. No goroutine is started. The counts
// cover a socket actor's whole life, restarts included; once it has
// stopped it is no longer reported. Without a provider, or with nil or
// otel's noop provider, nothing is registered and counting costs a socket a
// nil check.
//
// Every socket metric has two attributes: zmqactor.socket.name, the spec's
// Name (else the actor's id, as in Started), and zmqactor.socket.type, such
// as "PUSH". Sockets of the same name and type (the "backend" DEALERs of
// two proxies) are one series, their counts added. A socket reports only
// what its type can do: a PUSH no received messages, a PULL nothing about
// sends. All are cumulative counters but the queue depth:
//
//	zmqactor.socket.messages.received  {message}  messages received
//	zmqactor.socket.messages.sent      {message}  messages handed to ZeroMQ
//	zmqactor.socket.bytes.received     By         the sum of their frames' lengths
//	zmqactor.socket.bytes.sent         By         the sum of their frames' lengths
//	zmqactor.socket.sends.queued       {message}  sends that met the high-water mark and waited in the send queue
//	zmqactor.socket.sends.refused      {message}  sends refused because the send queue was full
//	zmqactor.socket.sends.dropped      {message}  queued messages never sent
//	zmqactor.socket.queue.depth        {message}  messages in the send queue now
//	zmqactor.socket.restarts           {restart}  restarts of the socket actor
//
// and, with the attribute zmqactor.auth.mechanism ("NULL", "PLAIN",
// "CURVE", "GSSAPI", always reported, and "other" once not zero), for the
// ZAP authenticator of the Runtime:
//
//	zmqactor.auth.refusals             {refusal}  ZAP requests refused (any status but 200)
//
// Sent, queued and refused count as Stats does (sent, queued, refused),
// but across restarts. A message is sent when ZeroMQ took it, which for a
// queued one is when it left the queue. Dropped counts what the socket
// actor saw lost: a queued message that ZeroMQ refused for good when its
// turn came (also reported as an Error, such as a ROUTER's unroutable
// reply), and the messages still queued when the socket closed (Closed's
// unsent), failed, restarted, or (a REQ client's) was reset. What ZeroMQ drops by itself cannot
// be seen and is not counted: a PUB, or an XPUB without XPubNoDrop, at a
// subscriber's high-water mark drops the message for that subscriber while
// the send succeeds and counts as sent; messages in ZeroMQ's own queues are
// lost uncounted when a socket fails or its linger runs out. A SUB counts
// what it receives also when no local subscriber wants it (Stats.unrouted).
// The queue depth is an asynchronous UpDownCounter, OpenTelemetry's
// instrument for a size that adds up across series (a gauge would not
// sum); it is zero while the socket is being reopened.
//
// # Throughput: batches
//
// A socket actor receives in batches: each readiness turn drains ZeroMQ
// until EAGAIN or 256 messages, and each cgo call takes up to that many
// frames at once into a pooled scratch buffer, copied out into one
// allocation per batch (pebbe/zmq4's per-frame RecvBytes and GetRcvmore
// were the largest cost of a PUSH→PULL actor path in a profile). No timer
// is set per message. Between actors and sockets, one actor message per
// message is the default and the cost that remains, made smaller where it
// can be without changing what actors see: the Receiveds of a batch and
// their envelopes come from one allocation each, and a PUSH, PUB or XPUB
// socket actor sends the Sends and Publishes that reach it in a burst a
// batch per cgo call (sockets.CoalesceSends). For many small
// messages, send them with SendBatch (messages.SendBatch, sent by one cgo
// call for as many as ZeroMQ takes) and spawn the receiving socket actor
// WithBatchDelivery (one messages.ReceivedBatch per turn), or subscribe with
// SubscribeBatched (Subscribe.batched) to a SUB. Socket actors' mailboxes
// run on pooled goroutines that keep their grown stacks (protoactor starts
// a goroutine per mailbox turn, whose stack growth was a large part of a
// busy client's CPU), with turns queued for at most GOMAXPROCS running
// workers, so that a worker that finishes a turn takes the next without a
// wake-up; actors that talk to them a lot may share those goroutines with
// actor.WithDispatcher(z.Dispatcher()), if their turns do not block.
// A request/reply round trip allocates 16 objects, client, server and an
// echo handler together (raw pebbe/zmq4: 5): socket actors run on a mailbox
// of their own, which schedules its turns without an allocation each;
// without WithProps they catch their failures in Receive rather than in a
// receiver middleware, for which protoactor would wrap every message in an
// envelope; and a Request's wait (its channel, asker PID and timer) is used
// again once its reply came.
// Latency is another matter: each hop wakes a goroutine (the readiness
// waiter, then the mailbox), so an actor round trip costs more than a raw
// REQ/REP loop's, most on a virtual machine where waking a thread on
// another CPU is slow. BENCHMARKS.md has the figures of every path,
// batched or not, against raw pebbe/zmq4 and a C loop, and the profiles
// behind these choices; `make bench` measures them again.
//
// # Across nodes
//
// Distribution is protoactor-go's remote and cluster. Every command, event
// and spawn request is a protobuf message, so a socket actor can be
// spawned on another node and driven from any: start the node's remote
// before its socket actors, so that their PIDs (and a server's answer
// addresses) carry the node's address.
//
// A node runs a socket-actor factory with Runtime.StartFactory: an actor
// named DefaultFactoryName that spawns socket actors on its node for the
// messages.SpawnSocket it receives (spec, owner, name, a server's handler
// or grains and ServeOptions, batch delivery, fault injection, request
// timeout) and answers messages.Spawned or an Error. Runtime.SpawnAt sends
// one to the factory at FactoryAt(address) and returns a Socket that works
// from the asking node like a local one; SocketOf also takes a socket
// actor of another node. Done of such a handle is closed when protoactor
// remote reports the actor stopped or its node lost. A failed spawn leaves
// nothing running; a factory that is not running is ErrNoFactory.
//
// The owner, a subscriber, a monitor watcher, a server's handler and a
// client's asker may be actors of other nodes. A socket actor watches the
// subscribers, watchers and handler it has, and protoactor remote reports
// each of them on a node whose connection breaks (a node killed, or cut
// off) as Terminated, as it does a local actor that stops. So a dead
// node's subscribers are dropped (unsubscribed on the wire when they were
// the last of a prefix), its watchers forgotten, a handler there reported
// gone with the requests it held failed; an owner there, which no socket
// actor watches, gets its deliveries no more, and an asker there is
// answered into the void, as a local one that stopped.
//
// WithGrains makes a ROUTER or REP server hand each request to a cluster
// grain (the identity one frame of the request names) instead of a handler
// actor: the cluster places the grain on a member, and places it anew when
// that member dies; a client that retries loses nothing.
//
// Secrets travel only over an encrypted remote: a factory refuses a spec
// with CURVE secret keys or a PLAIN password with sockets.ErrInsecureLink
// unless its node's remote answers a TLS handshake (RemoteTLS configures
// it, with MutualTLS's configurations from PEM files), or it was started
// WithFactorySecretsInClear; SpawnAt does not send
// such a spec to a remote without TLS unless WithSecretsInClear.
//
// examples/clusternode runs one cluster member per process, with
// protoactor's automanaged membership or etcd; internal/acrossnodes tests
// all of this with nodes in other processes, some killed with SIGKILL.
//
// # Logging
//
// zmqactor logs nothing: what goes wrong is an error or an event. protoactor
// logs, by default at Info level to stderr: "actor system started", every
// dead letter (a message to an actor that has stopped) and "[ACTOR]
// Recovering" for every failure its supervision handles, an injected fault
// included. Give it a logger of yours with
// actor.WithLoggerFactory(LoggerFactory(logger)), or none with
// actor.WithLoggerFactory(QuietLogger). A program that stops its actors in
// order (an owner after its sockets, a handler before its server, see
// supervision's Running.Stop) leaves protoactor no dead letter to log.
//
// # Concurrency
//
// A socket actor handles one message at a time and never blocks in Receive:
// ZeroMQ calls use DONTWAIT, and readiness comes from a waiter parked in Go's
// netpoller. Runtime, Socket and Inbox are safe for concurrent use.
//
// # Lifecycle and restarts
//
// Spawn returns once the socket is open with its spec's options, binds and
// connects done, or with the error that stopped it. A socket actor keeps its
// spec outside the actor instance, with every bind (resolved, so a restarted
// socket listens on the same port), connect, unbind, disconnect and option
// applied since: a restarted instance (protoactor supervision) tells its
// owner Restarting (attempt and reason, and the backoff when package
// supervision decided it), rebuilds the same socket and sends Started again
// with Restarts counted. Messages still in the old socket's ZeroMQ queues
// are lost on a restart; messages in the socket actor's mailbox are not.
// The command a socket actor fails on is answered with an Error
// (ERROR_CODE_SOCKET_FAILED) and not carried out: protoactor would drop it.
// Socket.InjectFault makes a socket actor spawned WithFaultInjection fail on
// purpose and waits until it is back, for tests and demos.
// Package supervision has the deciders, strategies and service trees, and
// says exactly what survives. What a socket actor is restored to belongs to
// it, so the props from Runtime.Props spawn one actor: a second spawn of the
// same props fails with ErrUnsupported. Close, a failure that makes the socket
// unusable (such as ETERM) and Shutdown send Closed with the number of
// queued messages left unsent.
package actors
