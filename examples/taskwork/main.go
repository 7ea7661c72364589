// Taskwork is the zguide's task worker (taskwork): it pulls workloads from
// the ventilator at tcp://localhost:5557, does each one (sleeps that many
// milliseconds, one task at a time), prints "." and pushes an empty result
// to the sink at tcp://localhost:5558. It runs until SIGINT or SIGTERM, or
// until it did -n tasks (it then prints "did N tasks").
//
// The worker is an actor that owns its two socket actors as children. It
// never blocks in Receive: a timer sends it a message when a task is done,
// and workloads that arrive meanwhile wait in order. It prints "worker
// ready" once both socket actors have started.
package main

import "github.com/zmqactor/zmqactor/examples/internal/pipeline"

func main() { pipeline.Work("taskwork", false) }
