// Tasksink2 is the zguide's task sink with kill signalling (tasksink2):
// tasksink, plus a PUB socket bound to tcp://*:5559, the controller. It
// binds a PULL socket to tcp://*:5558, waits for the ventilator's start of
// batch (its "0"), collects 100 results (-tasks) from the workers,
// printing ":" for every tenth and "." for the others, prints the elapsed
// time, then publishes one frame "KILL" on the controller, which ends the
// workers (taskwork2, subscribed to everything), and prints "sent KILL".
//
// The zguide's sink sleeps a second after sending KILL so that it goes
// out before the socket closes. This one closes the PUB socket actor with
// a linger of 5 seconds: ZeroMQ keeps delivering until every connected
// worker has it, and no longer. A worker that subscribed after KILL went
// out misses it, as in the zguide (PUB sends only to the subscriptions it
// has).
//
// The results are empty frames and the subscriptions one byte: the PULL
// takes frames of up to a kilobyte and the PUB of up to 64 bytes
// (sockets.MaxMessageSize), and a peer that sends larger ones is
// disconnected. It prints "bound ENDPOINT CONTROLLER" once both sockets
// listen, and exits 0 after the batch or on SIGINT or SIGTERM.
package main

import "github.com/zmqactor/zmqactor/examples/internal/pipeline"

func main() { pipeline.Collect("tasksink2", true) }
