// Mspoller is the zguide's multiple socket poller (mspoller): it reads
// tasks from the ventilator (a PULL connected to tcp://localhost:5557,
// see taskvent) and weather updates from the weather server (a SUB
// connected to tcp://localhost:5556 and subscribed to "10001 ", see
// wuserver), handling both fairly, each message in turn as it comes. It
// prints each task it handles as "task: WORKLOAD" and each update as
// "update: 10001 TEMPERATURE RELHUMIDITY" (the zguide's poller handles
// them silently), and runs until SIGINT or SIGTERM, or until it handled
// -tasks tasks and -updates updates. -filter subscribes to another prefix.
//
// The zguide's version calls zmq_poll on the two sockets and receives one
// message from each that is readable, then polls again. In the actor
// version each socket still has its own socket actor, and one application
// actor, the reader, is the owner of both (they are its children): each
// socket actor waits for its socket's readiness through the Go runtime
// (the poll is there, one per socket, parked in the netpoller) and
// delivers every message it receives to the reader's mailbox. The reader
// has no loop and no poll of its own: its mailbox is the poll set, and
// it handles the messages in the order they arrived. It is fair because the
// two socket actors run side by side, each handing over at most a batch
// (sockets.DefaultBatch) per turn, so a busy socket cannot keep the
// other's messages out of the mailbox. (msreader gives the tasks priority.)
//
// A malformed task or update is reported on stderr and the reader goes
// on. It prints "reader ready" once both socket actors have started.
package main

import "github.com/zmqactor/zmqactor/examples/internal/multisocket"

func main() { multisocket.Run("mspoller", false) }
