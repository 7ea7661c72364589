// Rtreq is the zguide's ROUTER-to-REQ demo (rtreq): a broker, a ROUTER
// bound to tcp://*:5671, hands out work to -workers (10) REQ workers of the
// same process, connected to tcp://localhost:5671, which the ROUTER serves
// in whatever order they ask: the least recently used worker is the one
// that asks first. Each worker sends "Hi Boss" and gets "Work harder"
// for -work (5 s), then "Fired!", and prints
//
//	Completed: 23 tasks
//
// Between tasks a worker rests a random 1 to 500 ms (-rest), so the tasks
// spread unevenly. The broker prints "bound ENDPOINT" once it listens, and
// the program ends (exit 0) with a summary once the broker has fired every
// worker:
//
//	Fired 10 workers after 231 work orders; the workers here completed 231 tasks
//
// -remote N makes the broker wait for N workers of other processes too (a
// zguide REQ worker in any language), and fire them as well; -workers 0
// runs the broker alone.
//
// The broker and each worker are actors that own their socket actors
// (package boss, shared with rtdealer); a REQ worker's "Hi Boss" is a
// request (messages.Request) whose reply is its workload.
package main

import (
	"github.com/zmqactor/zmqactor/examples/internal/boss"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() { boss.Run("rtreq", sockets.Req) }
