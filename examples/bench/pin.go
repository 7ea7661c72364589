package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// onOneCPU runs fn with every thread of the process (Go's, libzmq's I/O
// threads, the C paths') allowed on one CPU only, and GOMAXPROCS 1, as if
// the process had been started with taskset -c N; then it gives them back
// the CPUs they had. Threads started meanwhile inherit the one CPU from the
// thread that starts them, and get the old set back too.
//
// It is how the round-trip cases are measured a second time: with every
// hop on one CPU, no wake-up has to rouse an idle CPU, which on a virtual
// machine costs tens of microseconds and dominates a round trip (see
// BENCHMARKS.md). What remains is the work each path does.
func onOneCPU(fn func()) error {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return fmt.Errorf("sched_getaffinity: %w", err)
	}
	cpu := -1
	for i := range 1024 {
		if old.IsSet(i) {
			cpu = i
			break
		}
	}
	if cpu < 0 {
		return errors.New("no CPU in the process's affinity set")
	}
	var one unix.CPUSet
	one.Set(cpu)
	if err := setAllThreads(&one); err != nil {
		return errors.Join(err, setAllThreads(&old))
	}
	// One P too: two Ps on one CPU would have Go's idle threads spin
	// against each other, which a process started on one CPU does not do.
	procs := runtime.GOMAXPROCS(1)
	fn()
	runtime.GOMAXPROCS(procs)
	return setAllThreads(&old)
}

// setAllThreads sets the affinity of every thread of the process, twice
// over, so that a thread started during the first pass is set too.
func setAllThreads(set *unix.CPUSet) error {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			// ESRCH: the thread has ended meanwhile.
			if err := unix.SchedSetaffinity(tid, set); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("sched_setaffinity %d: %w", tid, err)
			}
		}
	}
	return nil
}
