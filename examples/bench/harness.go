package main

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// The paths a case is measured on.
const (
	pathRaw = iota
	pathC
	pathActor
	numPaths
)

var pathNames = [numPaths]string{"raw", "c", "actor"}

func pathIndex(name string) int {
	for i, n := range pathNames {
		if n == name {
			return i
		}
	}
	return -1
}

// runDeadline bounds one timed run: a path that stalls fails its case
// instead of hanging the program.
const runDeadline = 60 * time.Second

// runner is one path of a case, opened: run does a timed run of n
// operations and returns its figures (one per row of the case), close
// releases everything it opened.
type runner interface {
	run(n int) ([]float64, error)
	close() error
}

// opener opens a path of a case.
type opener func() (runner, error)

// row is one line of the table: a figure of a case.
type row struct {
	name    string
	unit    string // msg/s, µs, KiB, threads
	higher  bool   // higher is better
	noRatio bool   // actor/raw means nothing (a raw figure near 0)
	target  target
}

// target is the goal for a row; zero fields are no goal.
type target struct {
	minVsRaw, minVsC float64 // actor/raw and actor/C at least
	maxVsRaw         float64 // actor/raw at most (latency)
	maxActor         float64 // the actor figure below (threads, KiB)
	// maxMoreWakeups: the actor path's wake-ups per operation at most this
	// many more than raw's; zero is no goal (a goal of 0 more cannot be
	// set, and is not one the issue asks).
	maxMoreWakeups float64
}

// String describes the target, for the table.
func (t target) String() string {
	var parts []string
	if t.minVsRaw > 0 {
		parts = append(parts, fmt.Sprintf("≥ %.1f× raw", t.minVsRaw))
	}
	if t.maxVsRaw > 0 {
		parts = append(parts, fmt.Sprintf("≤ %.1f× raw", t.maxVsRaw))
	}
	if t.minVsC > 0 {
		parts = append(parts, fmt.Sprintf("≥ %.1f× C", t.minVsC))
	}
	if t.maxActor > 0 {
		parts = append(parts, fmt.Sprintf("< %g", t.maxActor))
	}
	if t.maxMoreWakeups > 0 {
		parts = append(parts, fmt.Sprintf("wake-ups ≤ raw + %g", t.maxMoreWakeups))
	}
	if len(parts) == 0 {
		return "reported"
	}
	return strings.Join(parts, ", ")
}

// benchCase is a case of the table: its rows and how to open each path.
type benchCase struct {
	name  string
	rows  []row
	paths [numPaths]opener // nil: the path does not exist for this case
	// oneCPU: the whole case, every path, runs with the process on one CPU
	// (onOneCPU).
	oneCPU bool
}

// result holds a row's figures: per path, one per run.
type result struct {
	row    row
	runs   [numPaths][]float64
	cpu    [numPaths][]float64 // the process's CPU time per operation, µs, per run
	wake   [numPaths][]float64 // the process's thread wake-ups per wakeupUnit operations, per run
	absent [numPaths]bool      // no such path for this case
	errs   [numPaths]string    // why a path has no figures
	note   string              // said under the table
}

func (r *result) median(p int) (float64, bool) {
	if len(r.runs[p]) == 0 {
		return 0, false
	}
	return median(r.runs[p]), true
}

// spread is (max-min)/median of a path's runs, in percent.
func (r *result) spread(p int) (float64, bool) {
	v := r.runs[p]
	m, ok := r.median(p)
	if !ok || m == 0 || len(v) < 2 {
		return 0, false
	}
	return (slices.Max(v) - slices.Min(v)) / m * 100, true
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// quantile returns the q quantile of sorted durations, in microseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	i := min(int(q*float64(len(sorted))), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Microsecond)
}

// latencyFigures sorts rtt and returns its median and 99th percentile in
// microseconds.
func latencyFigures(rtt []time.Duration) []float64 {
	slices.Sort(rtt)
	return []float64{quantile(rtt, 0.50), quantile(rtt, 0.99)}
}

// measure runs a case: it opens each path the config allows, calibrates a
// count per path, runs the paths in turn cfg.runs times, and closes them.
// It returns one result per row of the case. A oneCPU case runs with the
// process on one CPU; if that cannot be set up or undone, every path of it
// fails with the reason.
func measure(cfg config, c benchCase) []*result {
	if !c.oneCPU {
		return measurePaths(cfg, c)
	}
	var results []*result
	if err := onOneCPU(func() { results = measurePaths(cfg, c) }); err != nil {
		fmt.Fprintf(cfg.log, "%s: %v\n", c.name, err)
		results = newResults(c)
		for _, r := range results {
			for p := range numPaths {
				r.errs[p] = err.Error()
			}
		}
	}
	return results
}

func newResults(c benchCase) []*result {
	results := make([]*result, len(c.rows))
	for i, r := range c.rows {
		results[i] = &result{row: r}
	}
	return results
}

func measurePaths(cfg config, c benchCase) []*result {
	results := newResults(c)
	fail := func(p int, err error) {
		for _, r := range results {
			r.errs[p] = err.Error()
		}
	}
	var runners [numPaths]runner
	var counts [numPaths]int
	for p, open := range c.paths {
		if open == nil {
			for _, r := range results {
				r.absent[p] = true
			}
			continue
		}
		if !cfg.paths[p] {
			continue
		}
		r, err := open()
		if err != nil {
			fail(p, fmt.Errorf("%s %s: open: %w", c.name, pathNames[p], err))
			continue
		}
		n, err := calibrate(r, cfg.runTime)
		if err != nil {
			fail(p, fmt.Errorf("%s %s: calibrate: %w", c.name, pathNames[p], err))
			closeRunner(cfg, c.name, p, r, results)
			continue
		}
		runners[p], counts[p] = r, n
	}
	fmt.Fprintf(cfg.log, "%s: %d runs of", c.name, cfg.runs)
	for p, r := range runners {
		if r != nil {
			fmt.Fprintf(cfg.log, " %s %d", pathNames[p], counts[p])
		}
	}
	fmt.Fprintln(cfg.log)
	for range cfg.runs {
		for p, r := range runners {
			if r == nil {
				continue
			}
			runtime.GC()
			before, err := used()
			if err != nil {
				fail(p, err)
				continue
			}
			figs, err := r.run(counts[p])
			after, cerr := used()
			if err == nil {
				err = cerr
			}
			if err == nil && len(figs) != len(results) {
				err = fmt.Errorf("%d figures for %d rows", len(figs), len(results))
			}
			if err != nil {
				fail(p, fmt.Errorf("%s %s: %w", c.name, pathNames[p], err))
				closeRunner(cfg, c.name, p, r, results)
				runners[p] = nil
				continue
			}
			perOp := float64(after.cpu-before.cpu) / float64(time.Microsecond) / float64(counts[p])
			wakes := float64(after.wakeups - before.wakeups)
			for i, f := range figs {
				results[i].runs[p] = append(results[i].runs[p], f)
				results[i].cpu[p] = append(results[i].cpu[p], perOp)
				results[i].wake[p] = append(results[i].wake[p], wakes*wakeupUnit(results[i].row.unit)/float64(counts[p]))
			}
		}
	}
	for p, r := range runners {
		if r == nil {
			continue
		}
		if d, ok := r.(interface{ diagnose() string }); ok {
			fmt.Fprintf(cfg.log, "%s %s: %s\n", c.name, pathNames[p], d.diagnose())
		}
		closeRunner(cfg, c.name, p, r, results)
	}
	for _, r := range results {
		for p := range numPaths {
			if r.errs[p] != "" {
				r.runs[p] = nil
			}
		}
	}
	return results
}

func closeRunner(cfg config, name string, p int, r runner, results []*result) {
	if err := r.close(); err != nil {
		fmt.Fprintf(cfg.log, "%s %s: close: %v\n", name, pathNames[p], err)
		for _, res := range results {
			if res.errs[p] == "" {
				res.errs[p] = fmt.Sprintf("%s %s: close: %v", name, pathNames[p], err)
			}
		}
	}
}

// calibrate finds the count of operations that makes a run last about d:
// it runs 64, then more, until a run lasts d/4, and scales the best rate
// of the runs that lasted d/64 or more: a stall from the machine's other
// work only ever lowers a rate, so the best one is the path's own. These
// runs also warm the path up.
func calibrate(r runner, d time.Duration) (int, error) {
	n, best := 64, 0.0
	for {
		start := time.Now()
		if _, err := r.run(n); err != nil {
			return 0, err
		}
		took := max(time.Since(start), time.Microsecond)
		rate := float64(n) / took.Seconds()
		if took >= d/64 || best == 0 {
			best = max(best, rate)
		}
		if took >= d/4 || n >= 1<<26 {
			return max(64, min(int(best*d.Seconds()), 1<<26)), nil
		}
		if took < d/16 {
			n *= 4
		} else {
			n *= 2
		}
	}
}

// resources is what the process has used so far, in all its threads: Go's,
// libzmq's I/O thread, the C paths' threads.
type resources struct {
	cpu time.Duration // user and system
	// wakeups counts the times a thread of the process blocked (in a
	// futex, epoll_wait, poll, read, nanosleep) and was woken again: its
	// voluntary context switches. Each is a wake-up some other thread, the
	// kernel or a timer paid for, and the count does not depend on how fast
	// the machine wakes a thread, which on a virtual machine's idle vCPU
	// costs more than the work of a round trip.
	wakeups int64
}

// used returns what the process has used so far. The wake-ups are
// getrusage's ru_nvcsw, which Linux sums over the process's threads: the
// voluntary_ctxt_switches of every /proc/self/task/*/status, plus those of
// threads that have ended (the C paths' sender threads end with each run,
// and /proc would forget theirs).
func used() (resources, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return resources{}, fmt.Errorf("getrusage: %w", err)
	}
	return resources{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), wakeups: ru.Nvcsw}, nil
}

// wakeupUnit is the number of operations the table gives wake-ups for, by
// a row's unit: per round trip for latencies, per 1,000 messages or
// requests for rates.
func wakeupUnit(unit string) float64 {
	if unit == "µs" {
		return 1
	}
	return 1000
}

// throughput is the figure of a run of n operations that took d.
func throughput(n int, d time.Duration) []float64 {
	return []float64{float64(n) / d.Seconds()}
}
