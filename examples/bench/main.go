// Command bench measures what putting a ZeroMQ socket inside an actor costs:
// each case runs, in one process and side by side, the same work done with
// raw pebbe/zmq4 sockets (the ordinary per-message loop, SendBytes and
// RecvBytes), with a C loop over zmq_msg_send and zmq_msg_recv (package
// internal/ceiling, where there is one) and through zmqactor's public API
// (socket actors driven by actors, as a user would), and prints a Markdown
// table of the medians with the ratios actor/raw and actor/C.
//
//	go run ./examples/bench                 # every case, 5 runs each (make bench)
//	go run ./examples/bench -quick          # a short run, to check it works
//	go run ./examples/bench -run 'PUSH' -cpuprofile cpu.out -path actor
//	go run ./examples/bench -run 'REQ→REP tcp 64 B round trip$' -path actor -runs 1 -trace trace.out
//
// The cases, over tcp loopback unless they say inproc:
//
//   - PUSH→PULL throughput, 64 B and 1 KiB, tcp and inproc. Raw: a sender
//     goroutine and a receiver goroutine. C: a sender thread and a receiver
//     thread. Actor: a sender actor sends messages.Send commands to a PUSH
//     socket actor, whose peer PULL socket actor hands each message to its
//     owner, a counting actor. The sender works on credits: 8,192 messages
//     ahead, and the counter gives back 1,024 credits every 1,024 messages,
//     which bounds the mailboxes and the PUSH socket actor's send queue (its
//     limit is above the credits; Sent comes as soon as a message is queued,
//     so it cannot pace a sender). The figure is messages per second from
//     the first send until the receiver has them all.
//   - PUB→SUB throughput, 64 B, to 1 and to 10 subscribers, high-water marks
//     off so nothing is dropped. Raw: one SUB socket per subscriber, each
//     received in its own goroutine (10 raw SUB sockets is what a program
//     without actors would open for 10 independent consumers); C, for 1
//     subscriber only: a publisher thread and a subscriber thread. Actor: a
//     sender actor publishes through a PUB socket actor (messages.Publish,
//     in windows of 1,024 whose last goes with ctx.Request and is answered
//     with Sent: that bounds the PUB socket actor's mailbox); one SUB socket
//     actor delivers to 1 or 10 subscriber actors (Socket.Subscribe). The
//     figure is published messages per second until every subscriber has
//     every message.
//   - REQ→REP and DEALER→ROUTER round trip, 64 B, one at a time: median and
//     99th percentile. Raw: a client loop and an echo server goroutine. C
//     (REQ/REP only): a client loop and an echo thread. Actor: Socket.Request
//     on a REQ or DEALER client socket actor, against a REP or ROUTER server
//     socket actor whose handler actor echoes (WithHandler).
//   - DEALER→ROUTER with 16 requests in flight: replies per second. Raw: one
//     goroutine keeps 16 requests on the wire against a raw ROUTER echo
//     goroutine. Actor: 16 asker actors, each sending its next request with
//     ctx.Request when its reply comes, through a DEALER client socket actor
//     to a ROUTER server socket actor with an echo handler actor.
//   - Idle sockets, 1,000 and 10,000 PULL sockets bound to inproc: resident
//     memory (VmRSS) and Go memory (heap objects and goroutine stacks, from
//     runtime/metrics) per socket, and the process's OS threads, for raw
//     zmq4 sockets and for socket actors, measured once each. The difference
//     of resident memory per socket is what an actor costs beyond libzmq's
//     own socket. The file descriptor limit is raised first (each socket
//     actor holds libzmq's descriptors and the dup its waiter parks on); when
//     it cannot be raised enough, the row says so and how many sockets were
//     measured instead. These cases run first, while the process has few
//     threads.
//   - A message-size sweep of PUSH→PULL over tcp, 16 B to 64 KiB, for the
//     three paths: a second table, and with -out a CSV file (size_bytes,
//     path, msgs_per_s, mb_per_s, runs, min_msgs_per_s, max_msgs_per_s) that
//     examples/bench/plot draws.
//
// Each path of a case first calibrates a message count for runs of about
// -time each, then the runs of the paths alternate (raw, C, actor, raw, ...)
// so that a change in the machine's load touches all of them; a garbage
// collection precedes each run. The table gives the median of the -runs runs
// and their spread, (max-min)/median, and the median CPU time the process
// used per operation (getrusage, user and system, all threads: Go's,
// libzmq's I/O thread, the C threads), which a busy machine disturbs less
// than the elapsed time. The figures are throughput (higher is better) or
// latency (lower is better); a ratio is actor/raw of the figure itself, so
// a latency ratio above 1 means the actor path is slower. The progress log
// (stderr) also says how the actor paths' socket actors worked: messages
// per turn, and how many sends met the high-water mark.
//
// A case that cannot run (an open fails, a run errs or times out) gets
// "error" in its cells and a note under the table; the command still prints
// the table and exits 1 at the end.
//
// The raw and C paths use pebbe/zmq4 and libzmq directly, because they are
// the baseline: this program and internal/ceiling are the only code outside
// package sockets (and tests) that does.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	runs       int
	runTime    time.Duration // the target length of one timed run
	sockets    []int         // idle socket counts
	sizes      []int         // sweep message sizes
	out        string        // sweep CSV file
	sweep      bool
	match      *regexp.Regexp // cases to run
	paths      [numPaths]bool // paths to run
	cpuprofile string
	trace      string
	log        io.Writer // progress
}

// errFailed is returned by run when some case failed; the table was printed.
var errFailed = errors.New("some cases failed (see the notes under the table)")

// run parses args, runs the cases, prints the tables to stdout and progress
// to stderr.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runs := fs.Int("runs", 5, "timed runs per path of each case; the table gives their median")
	runTime := fs.Duration("time", 600*time.Millisecond, "target length of one timed run")
	quick := fs.Bool("quick", false, "a short run to check that everything works: 1 run of about 20ms per path, 100 and 500 idle sockets (flags given explicitly win)")
	socketsFlag := fs.String("sockets", "1000,10000", "idle socket counts to measure memory and threads at")
	sizesFlag := fs.String("sizes", "16,64,256,1024,4096,16384,65536", "message sizes of the PUSH→PULL tcp sweep, in bytes")
	out := fs.String("out", "", "write the sweep to this CSV file")
	sweep := fs.Bool("sweep", true, "run the message-size sweep")
	match := fs.String("run", "", "run only the cases whose name matches this regular expression")
	pathsFlag := fs.String("path", "raw,c,actor", "paths to run: raw, c, actor (for profiling one)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	traceOut := fs.String("trace", "", "write an execution trace of the whole run to this file (go tool trace): which goroutine readied which, and when a thread woke")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["runs"] {
			*runs = 1
		}
		if !set["time"] {
			*runTime = 20 * time.Millisecond
		}
		if !set["sockets"] {
			*socketsFlag = "100,500"
		}
	}
	cfg := config{runs: *runs, runTime: *runTime, out: *out, sweep: *sweep, cpuprofile: *cpuprofile, trace: *traceOut, log: stderr}
	if cfg.runs < 1 || cfg.runTime <= 0 {
		return fmt.Errorf("-runs must be at least 1 and -time positive")
	}
	var err error
	if cfg.sockets, err = parseInts(*socketsFlag); err != nil {
		return fmt.Errorf("-sockets: %w", err)
	}
	if cfg.sizes, err = parseInts(*sizesFlag); err != nil {
		return fmt.Errorf("-sizes: %w", err)
	}
	for _, s := range cfg.sizes {
		if s < 2 {
			return fmt.Errorf("-sizes: %d bytes: the smallest size is 2 (1-byte messages are the warm-up's)", s)
		}
	}
	if cfg.match, err = regexp.Compile(*match); err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	for _, p := range strings.Split(*pathsFlag, ",") {
		i := pathIndex(strings.TrimSpace(p))
		if i < 0 {
			return fmt.Errorf("-path: unknown path %q (raw, c, actor)", p)
		}
		cfg.paths[i] = true
	}
	for _, r := range []struct {
		file  string
		start func(io.Writer) error
		stop  func()
	}{{cfg.cpuprofile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {cfg.trace, trace.Start, trace.Stop}} {
		if r.file == "" {
			continue
		}
		stop, err := record(r.file, r.start, r.stop)
		if err != nil {
			return err
		}
		defer stop()
	}
	return suite(cfg, stdout)
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// record starts writing a profile or trace to file, with start, and
// returns what stops it and closes the file.
func record(file string, start func(io.Writer) error, stop func()) (func(), error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		stop()
		_ = f.Close()
	}, nil
}
