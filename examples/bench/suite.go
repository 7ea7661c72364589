package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/internal/ceiling"
	"github.com/zmqactor/zmqactor/sockets"
)

// sizeName writes a message size: 64 B, 1 KiB.
func sizeName(size int) string {
	if size >= 1024 && size%1024 == 0 {
		return fmt.Sprintf("%d KiB", size/1024)
	}
	return fmt.Sprintf("%d B", size)
}

func throughputRow(name string, t target) []row {
	return []row{{name: name, unit: "msg/s", higher: true, target: t}}
}

// pushPullCase is PUSH→PULL throughput on transport ("tcp" or "inproc").
// batched: the actor path sends and delivers in batches (SendBatch,
// WithBatchDelivery); else one actor message per message each way.
func pushPullCase(transport string, size int, batched bool, t target) benchCase {
	endpoint := "tcp://127.0.0.1:*"
	if transport == "inproc" {
		endpoint = "inproc://bench-pushpull"
	}
	name := fmt.Sprintf("PUSH→PULL %s %s", transport, sizeName(size))
	if batched {
		name += ", batched"
	}
	return benchCase{
		name: name,
		rows: throughputRow(name, t),
		paths: [numPaths]opener{
			func() (runner, error) { return openRawFanOut(zmq4.PUSH, zmq4.PULL, endpoint, 1, size, false) },
			func() (runner, error) { return openCPipe(ceiling.Push, ceiling.Pull, endpoint, size, false) },
			func() (runner, error) { return openActorPushPull(transport, size, batched) },
		},
	}
}

// pubSubCase is PUB→SUB throughput over tcp to subscribers. batched: the
// actor path publishes with SendBatch and its subscribers take batches.
func pubSubCase(subscribers, size int, batched bool, t target) benchCase {
	plural := "s"
	if subscribers == 1 {
		plural = ""
	}
	name := fmt.Sprintf("PUB→SUB tcp %s, %d subscriber%s", sizeName(size), subscribers, plural)
	if batched {
		name += ", batched"
	}
	c := benchCase{
		name: name,
		rows: throughputRow(name, t),
		paths: [numPaths]opener{
			func() (runner, error) {
				return openRawFanOut(zmq4.PUB, zmq4.SUB, "tcp://127.0.0.1:*", subscribers, size, true)
			},
			nil,
			func() (runner, error) { return openActorPubSub(subscribers, size, batched) },
		},
	}
	if subscribers == 1 {
		c.paths[pathC] = func() (runner, error) {
			return openCPipe(ceiling.Pub, ceiling.Sub, "tcp://127.0.0.1:*", size, true)
		}
	}
	return c
}

// latencyCase is the round trip of client→server over tcp, one request at
// a time. oneCPU: with the process on one CPU (onOneCPU).
func latencyCase(client, server sockets.Type, size int, oneCPU bool, median target) benchCase {
	name := fmt.Sprintf("%v→%v tcp %s round trip", client, server, sizeName(size))
	if oneCPU {
		name += " on one CPU"
	}
	c := benchCase{
		name:   name,
		oneCPU: oneCPU,
		rows: []row{
			{name: name + ", median", unit: "µs", target: median},
			{name: name + ", p99", unit: "µs"},
		},
		paths: [numPaths]opener{
			func() (runner, error) {
				c, err := openRawClient(zmqType(client), zmqType(server), size)
				if err != nil {
					return nil, err
				}
				return rawLatency{c}, nil
			},
			nil,
			func() (runner, error) {
				c, err := openActorClient(client, server, size)
				if err != nil {
					return nil, err
				}
				return actorLatency{c}, nil
			},
		},
	}
	if client == sockets.Req && server == sockets.Rep {
		c.paths[pathC] = func() (runner, error) { return openCEcho(size) }
	}
	return c
}

func zmqType(t sockets.Type) zmq4.Type {
	switch t {
	case sockets.Req:
		return zmq4.REQ
	case sockets.Rep:
		return zmq4.REP
	case sockets.Dealer:
		return zmq4.DEALER
	}
	return zmq4.ROUTER
}

func inFlightCase(size int, t target) benchCase {
	name := fmt.Sprintf("DEALER→ROUTER tcp %s, %d in flight", sizeName(size), inFlight)
	return benchCase{
		name: name,
		rows: []row{{name: name, unit: "req/s", higher: true, target: t}},
		paths: [numPaths]opener{
			func() (runner, error) {
				c, err := openRawClient(zmq4.DEALER, zmq4.ROUTER, size)
				if err != nil {
					return nil, err
				}
				return rawInFlight{c}, nil
			},
			nil,
			func() (runner, error) { return openActorInFlight(size) },
		},
	}
}

// cases are the cases of the main table, in its order, with the issues'
// targets: issue 7's for the batched rows and the 2-vCPU round trip, issue
// 19's for the per-message rows, batched tcp 64 B against C, the one-CPU
// round trip and the wake-ups.
func cases() []benchCase {
	return []benchCase{
		pushPullCase("tcp", 64, true, target{minVsRaw: 1.0, minVsC: 0.7}),
		pushPullCase("tcp", 1024, true, target{minVsRaw: 1.0}),
		pushPullCase("inproc", 64, true, target{minVsRaw: 1.0, minVsC: 0.6}),
		pushPullCase("inproc", 1024, true, target{minVsRaw: 1.0}),
		pushPullCase("tcp", 64, false, target{minVsRaw: 1.0}),
		pushPullCase("inproc", 64, false, target{minVsRaw: 1.0}),
		pubSubCase(1, 64, true, target{minVsRaw: 0.9}),
		pubSubCase(10, 64, true, target{}),
		pubSubCase(1, 64, false, target{minVsRaw: 0.9}),
		latencyCase(sockets.Req, sockets.Rep, 64, false, target{maxVsRaw: 1.3, maxMoreWakeups: 2}),
		latencyCase(sockets.Dealer, sockets.Router, 64, false, target{maxMoreWakeups: 2}),
		latencyCase(sockets.Req, sockets.Rep, 64, true, target{maxVsRaw: 1.2, maxMoreWakeups: 2}),
		latencyCase(sockets.Dealer, sockets.Router, 64, true, target{maxMoreWakeups: 2}),
		inFlightCase(64, target{minVsRaw: 0.8}),
	}
}

// suite runs everything cfg selects and prints the tables.
func suite(cfg config, stdout io.Writer) error {
	start := time.Now()
	var results []*result
	// Idle sockets first, while the process has few threads: Go keeps the
	// threads that blocking calls of the other cases made.
	for _, n := range cfg.sockets {
		if cfg.match.MatchString(fmt.Sprintf("%s idle sockets", groupThousands(n))) {
			results = append(results, scaleResults(measureScale(cfg, n))...)
		}
	}
	var main []*result
	for _, c := range cases() {
		if cfg.match.MatchString(c.name) {
			main = append(main, measure(cfg, c)...)
		}
	}
	results = append(main, results...)
	var sweep []sweepPoint
	if cfg.sweep {
		for _, size := range cfg.sizes {
			c := pushPullCase("tcp", size, true, target{})
			c.name = "sweep " + c.name
			if !cfg.match.MatchString(c.name) {
				continue
			}
			r := measure(cfg, c)[0]
			sweep = append(sweep, sweepPoint{size: size, result: r})
		}
	}
	failed := false
	if len(results) > 0 {
		fmt.Fprintln(stdout, header(cfg))
		fmt.Fprintln(stdout)
		failed = printTable(stdout, results) || failed
	}
	if len(sweep) > 0 {
		fmt.Fprintln(stdout)
		failed = printSweep(stdout, sweep) || failed
		if cfg.out != "" {
			if err := writeSweepCSV(cfg.out, sweep); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(cfg.log, "bench: done in %v\n", time.Since(start).Round(time.Second))
	if failed {
		return errFailed
	}
	return nil
}

// header describes the run: machine, versions, runs.
func header(cfg config) string {
	major, minor, patch := zmq4.Version()
	return fmt.Sprintf("%s, %d CPUs (GOMAXPROCS %d), %s, libzmq %d.%d.%d; medians of %d runs of about %v per path",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), major, minor, patch, cfg.runs, cfg.runTime)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
