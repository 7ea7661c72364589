// Rtdealer is the zguide's ROUTER-to-DEALER demo (rtdealer): rtreq with
// DEALER workers. A broker, a ROUTER bound to tcp://*:5671, hands out work
// to -workers (10) DEALER workers of the same process, connected to
// tcp://localhost:5671. A DEALER adds no envelope, so each worker sends the
// empty delimiter frame itself, ["", "Hi Boss"], and reads ["", workload]:
// the broker sees [worker, "", "Hi Boss"] as from a REQ worker, and answers
// "Work harder" for -work (5 s), then "Fired!". Each worker prints
//
//	Completed: 23 tasks
//
// once fired, after resting a random 1 to 500 ms (-rest) between tasks.
// The broker prints "bound ENDPOINT" once it listens, and the program ends
// (exit 0) with a summary once the broker has fired every worker:
//
//	Fired 10 workers after 231 work orders; the workers here completed 231 tasks
//
// -remote N makes the broker wait for N workers of other processes too,
// and fire them as well; -workers 0 runs the broker alone.
//
// The broker and each worker are actors that own their socket actors
// (package boss, shared with rtreq); a DEALER worker's socket actor hands
// its owner, the worker, each message it receives.
package main

import (
	"github.com/zmqactor/zmqactor/examples/internal/boss"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() { boss.Run("rtdealer", sockets.Dealer) }
