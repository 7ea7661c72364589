// Tasksink is the zguide's task sink (tasksink): it binds a PULL socket to
// tcp://*:5558, waits for the ventilator's start of batch, collects 100
// results from the workers and prints the elapsed time. The first message
// of a batch (the ventilator's "0") starts the clock; results are counted
// whatever their frames. It prints "bound ENDPOINT" once it listens, and
// exits 0 after the batch or on SIGINT or SIGTERM.
//
// The zguide's results are empty frames: the socket takes frames of up to
// a kilobyte (sockets.MaxMessageSize) and disconnects a peer that sends
// larger ones, instead of holding them.
package main

import "github.com/zmqactor/zmqactor/examples/internal/pipeline"

func main() { pipeline.Collect("tasksink", false) }
