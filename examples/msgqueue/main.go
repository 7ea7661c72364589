// Msgqueue is the zguide's message queue broker (msgqueue): a ROUTER
// frontend bound to tcp://*:5559 for the clients (rrclient, or any REQ or
// DEALER) and a DEALER backend bound to tcp://*:5560 for the workers
// (rrworker, or any REP or DEALER), with every message passed from one to
// the other as it came, frame for frame: a request [client id, "", body...]
// goes out of the backend to the next worker in turn, and its reply comes
// back the same way to the client it came from.
//
// The zguide's version builds the two sockets and hands them to
// zmq_proxy, which blocks its thread forever. The library's counterpart
// is actors.Proxy (Runtime.SpawnProxy): a proxy actor that owns the two
// socket actors and forwards what one receives out of the other, so the
// program only declares the two sockets. It is rrbroker's broker; rrbroker
// is the zguide's hand-written poll loop, msgqueue its zmq_proxy version,
// and as actors both come to the same proxy.
//
// Both sockets take frames of up to 64 KiB (sockets.MaxMessageSize): a
// peer that sends a larger one is disconnected instead of making the
// broker hold it. Requests that arrive while no worker is connected wait
// in the backend's send queue (up to 1,000; more are reported on stderr
// and dropped).
//
// It prints "bound FRONTEND BACKEND" once both sockets listen and runs
// until SIGINT or SIGTERM, then stops the proxy and exits 0.
package main

import "github.com/zmqactor/zmqactor/examples/internal/queue"

func main() { queue.Main("msgqueue") }
