// Rrbroker is the zguide's request-reply broker (rrbroker): a ROUTER
// frontend bound to tcp://*:5559 for the clients (rrclient, or any REQ or
// DEALER) and a DEALER backend bound to tcp://*:5560 for the workers
// (rrworker, or any REP or DEALER). Each request goes from the frontend out
// of the backend, which spreads the requests over the connected workers in
// turn; each reply comes back the other way. Messages pass frame for frame,
// the ROUTER's envelope included: [client id, "", body...] on the backend,
// so a REP worker answers and the frontend sends the reply to the client
// it came from. Neither side can tell the broker from a direct peer.
//
// The zguide's version polls both sockets in a loop (msgqueue calls
// zmq_proxy instead). This one is an actors.Proxy (Runtime.SpawnProxy): a
// proxy actor that owns the two socket actors and forwards between them.
// Requests that arrive while no worker is connected wait in the backend's
// send queue (up to 1,000; more are reported on stderr and dropped).
//
// Both sockets take frames of up to 64 KiB (sockets.MaxMessageSize): a
// broker passes on whatever its clients and workers say, so it allows far
// more than the hello world's words, but a peer that sends a larger frame
// is disconnected instead of making the broker hold it. The limit is the
// same on both sides, so that whatever one side takes the other may send.
//
// It prints "bound FRONTEND BACKEND" once both sockets listen and runs
// until SIGINT or SIGTERM, then stops the proxy and exits 0. Errors of
// single messages are reported on stderr and the broker goes on.
package main

import "github.com/zmqactor/zmqactor/examples/internal/queue"

func main() { queue.Main("rrbroker") }
