// Msreader is the zguide's multiple socket reader (msreader): it reads
// tasks from the ventilator (a PULL connected to tcp://localhost:5557,
// see taskvent) and weather updates from the weather server (a SUB
// connected to tcp://localhost:5556 and subscribed to "10001 ", see
// wuserver), giving the tasks priority. It prints each task it handles as
// "task: WORKLOAD" and each update as "update: 10001 TEMPERATURE
// RELHUMIDITY" (the zguide's reader handles them silently), and runs until
// SIGINT or SIGTERM, or until it handled -tasks tasks and -updates
// updates. -filter subscribes to another prefix.
//
// The zguide's version loops over its two sockets: it receives from the
// PULL without blocking until there is nothing left, then from the SUB
// likewise, then sleeps a millisecond and starts again, a busy loop that
// wakes a thousand times a second even when nothing comes. In the actor
// version each socket still has its own socket actor, and one application
// actor, the reader, is the owner of both (they are its children): each
// socket actor waits for its socket's readiness through the Go runtime
// and delivers every message it receives to the reader, as a message in
// the reader's mailbox. Nothing polls and nothing sleeps; the reader runs
// only when a message is there.
//
// The priority is kept by rounds: the first message of a round makes the
// reader send itself an end-of-round message, which lands behind what the
// sockets have delivered by then. Until it comes the reader only sets the
// messages aside; then it handles every task of the round first, then
// every weather update, as the zguide's loop does with what it finds
// waiting each time round. (mspoller handles each message as it comes.)
//
// A malformed task or update is reported on stderr and the reader goes
// on. It prints "reader ready" once both socket actors have started.
package main

import "github.com/zmqactor/zmqactor/examples/internal/multisocket"

func main() { multisocket.Run("msreader", true) }
