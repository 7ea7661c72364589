// Taskwork2 is the zguide's task worker with kill signalling (taskwork2):
// taskwork, plus a SUB socket connected to the sink's controller at
// tcp://localhost:5559 and subscribed to everything. It pulls workloads
// from the ventilator at tcp://localhost:5557, does each one (sleeps that
// many milliseconds, one task at a time), prints "." and pushes an empty
// result to the sink at tcp://localhost:5558, until the controller sends a
// message: tasksink2 publishes "KILL" once it has the whole batch. The
// worker then prints
//
//	killed by the sink (["KILL"])
//
// and exits 0, as it does on SIGINT or SIGTERM, or after -n tasks.
//
// The zguide's worker polls its two sockets and breaks out of its loop when
// the controller is readable. Here the worker is an actor that owns its
// three socket actors as children: each socket actor delivers what its
// socket receives to the worker, which tells them apart by socket name,
// so nothing polls. The worker never blocks in Receive: a timer tells it
// when a task is done, and the kill signal is handled between two tasks
// like any other message. A task in progress when it comes is dropped, as
// the zguide's loop leaves it. It prints "worker ready" once its three
// socket actors have started (ZeroMQ connects in the background).
package main

import "github.com/zmqactor/zmqactor/examples/internal/pipeline"

func main() { pipeline.Work("taskwork2", true) }
