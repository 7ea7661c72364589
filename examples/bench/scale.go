package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/ceiling"
	"github.com/zmqactor/zmqactor/sockets"
)

// fdReserve is the number of file descriptors kept free for everything
// else when the count of idle sockets is cut to fit the fd limit.
const fdReserve = 64

// usage is a snapshot of the process's memory and threads.
type usage struct {
	rss     int64 // VmRSS, bytes
	goBytes int64 // Go heap objects and goroutine stacks, bytes
	threads int
	fds     int
}

// snapshot collects garbage, returns free memory to the system (Go's and
// the C heap's), and reads the figures.
func snapshot() (usage, error) {
	runtime.GC()
	debug.FreeOSMemory()
	ceiling.TrimMalloc()
	var u usage
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(samples)
	for _, s := range samples {
		if s.Value.Kind() != metrics.KindUint64 {
			return u, fmt.Errorf("runtime/metrics has no %s", s.Name)
		}
		u.goBytes += int64(s.Value.Uint64())
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return u, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return u, fmt.Errorf("/proc/self/status: VmRSS %q: %w", v, err)
			}
			u.rss = kb * 1024
		}
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			if u.threads, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return u, fmt.Errorf("/proc/self/status: threads %q: %w", v, err)
			}
		}
	}
	if u.rss == 0 || u.threads == 0 {
		return u, errors.New("no VmRSS or Threads in /proc/self/status")
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return u, err
	}
	u.fds = len(fds)
	return u, nil
}

// raiseFDLimit raises RLIMIT_NOFILE so that want descriptors can be open:
// the soft limit up to the hard one, and the hard one too when the process
// may (CAP_SYS_RESOURCE). It returns the soft limit in force, and an error
// that says why it is below want; a limit of 0 means it could not be read
// or set at all.
func raiseFDLimit(want uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur >= want {
		return lim.Cur, nil
	}
	var hardErr error
	if lim.Max < want {
		higher := syscall.Rlimit{Cur: want, Max: want}
		if hardErr = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &higher); hardErr == nil {
			return want, nil
		}
		hardErr = fmt.Errorf("the hard limit %s cannot be raised: %w", groupThousands(int(lim.Max)), hardErr)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return lim.Cur, hardErr
}

// fdsPerActor opens a few idle socket actors, twice, and returns the file
// descriptors each holds (libzmq's mailbox signal and the dup its waiter
// parks on) and those of the context itself (its I/O thread's).
func fdsPerActor() (per float64, fixed int, err error) {
	var fds [2]int
	for i, n := range []int{16, 80} {
		f := &scaleFigures{n: n}
		if err := measureActorSockets(f); err != nil {
			return 0, 0, err
		}
		fds[i] = f.actorOpen.fds - f.actorBase.fds
	}
	per = float64(fds[1]-fds[0]) / 64
	return per, max(0, fds[0]-int(math.Ceil(16*per))), nil
}

// scaleFigures are the measures at one count of idle sockets.
type scaleFigures struct {
	asked, n               int // sockets asked for, and measured
	limit                  uint64
	rawBase, actorBase     usage // before the sockets were opened
	rawOpen, actorOpen     usage // with all of them open
	spawnTime              time.Duration
	rawErr, actorErr, note string
}

// measureScale measures n idle raw sockets and then n idle socket actors,
// all PULL sockets bound to inproc endpoints.
func measureScale(cfg config, asked int) *scaleFigures {
	f := &scaleFigures{asked: asked, n: asked}
	base, err := snapshot()
	if err != nil {
		f.rawErr, f.actorErr = err.Error(), err.Error()
		return f
	}
	per, fixed, err := fdsPerActor()
	if err != nil {
		f.rawErr, f.actorErr = err.Error(), err.Error()
		return f
	}
	want := base.fds + fixed + int(math.Ceil(float64(asked)*per)) + fdReserve
	limit, err := raiseFDLimit(uint64(want))
	if limit == 0 {
		f.rawErr, f.actorErr = "fd limit: "+err.Error(), "fd limit: "+err.Error()
		return f
	}
	f.limit = limit
	if possible := int(float64(int(limit)-base.fds-fixed-fdReserve) / per); possible < asked {
		f.n = max(possible, 0)
		f.note = fmt.Sprintf("%s socket actors need about %s file descriptors (%.0f each, %d open before) but the limit is %s: %v; measured at %s sockets",
			groupThousands(asked), groupThousands(want), per, base.fds, groupThousands(int(limit)), err, groupThousands(f.n))
	}
	fmt.Fprintf(cfg.log, "idle sockets: %d (fd limit %d)\n", f.n, limit)
	if f.n == 0 {
		f.rawErr, f.actorErr = "no room for sockets", "no room for sockets"
		return f
	}
	if err := measureActorSockets(f); err != nil {
		f.actorErr = err.Error()
	}
	if err := measureRawSockets(f); err != nil {
		f.rawErr = err.Error()
	}
	return f
}

func measureRawSockets(f *scaleFigures) (err error) {
	zctx, err := zmq4.NewContext()
	if err != nil {
		return err
	}
	socks := make([]*zmq4.Socket, 0, f.n)
	defer func() {
		for _, s := range socks {
			err = errors.Join(err, s.Close())
		}
		err = errors.Join(err, zctx.Term())
	}()
	if err := zctx.SetMaxSockets(f.n + 64); err != nil {
		return err
	}
	if f.rawBase, err = snapshot(); err != nil {
		return err
	}
	for i := range f.n {
		s, err := zctx.NewSocket(zmq4.PULL)
		if err != nil {
			return fmt.Errorf("socket %d: %w", i, err)
		}
		socks = append(socks, s)
		if err := s.SetLinger(0); err != nil {
			return err
		}
		if err := s.Bind("inproc://idle-" + strconv.Itoa(i)); err != nil {
			return fmt.Errorf("socket %d: %w", i, err)
		}
	}
	f.rawOpen, err = snapshot()
	return err
}

// sink is the owner of idle socket actors: it ignores what it gets.
func sink(actor.Context) {}

func measureActorSockets(f *scaleFigures) (err error) {
	env, err := newActorEnv(actors.WithMaxSockets(f.n + 64))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.close()) }()
	owner := env.system.Root.Spawn(actor.PropsFromFunc(sink))
	env.pids = append(env.pids, owner)
	if f.actorBase, err = snapshot(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*setupTimeout)
	defer cancel()
	start := time.Now()
	// Spawn waits for each socket to open: a few spawners at once.
	const spawners = 4
	var wg sync.WaitGroup
	errs := make([]error, spawners)
	for w := range spawners {
		wg.Go(func() {
			for i := w; i < f.n; i += spawners {
				spec := sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://idle-" + strconv.Itoa(i)}}
				if _, err := env.z.Spawn(ctx, spec, actors.WithOwner(owner)); err != nil {
					errs[w] = fmt.Errorf("socket actor %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	f.spawnTime = time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if n := env.z.Len(); n != f.n {
		return fmt.Errorf("%d socket actors alive, want %d", n, f.n)
	}
	f.actorOpen, err = snapshot()
	return err
}

// scaleResults turns the figures into table rows.
func scaleResults(f *scaleFigures) []*result {
	name := fmt.Sprintf("%s idle sockets", groupThousands(f.asked))
	if f.n != f.asked {
		name += fmt.Sprintf(" (only %s: fd limit)", groupThousands(f.n))
	}
	per := func(open, base usage, field func(usage) int64) float64 {
		return float64(field(open)-field(base)) / float64(f.n) / 1024
	}
	rss := func(u usage) int64 { return u.rss }
	goMem := func(u usage) int64 { return u.goBytes }
	mk := func(suffix, unit string, t target, raw, act func() float64) *result {
		r := &result{row: row{name: name + ": " + suffix, unit: unit, target: t, noRatio: suffix == "Go heap and stacks per socket"}}
		r.absent[pathC] = true
		if f.rawErr != "" {
			r.errs[pathRaw] = "raw sockets: " + f.rawErr
		} else if raw != nil {
			r.runs[pathRaw] = []float64{raw()}
		} else {
			r.absent[pathRaw] = true
		}
		if f.actorErr != "" {
			r.errs[pathActor] = "socket actors: " + f.actorErr
		} else {
			r.runs[pathActor] = []float64{act()}
		}
		return r
	}
	rows := []*result{
		mk("resident memory per socket", "KiB", target{}, func() float64 { return per(f.rawOpen, f.rawBase, rss) },
			func() float64 { return per(f.actorOpen, f.actorBase, rss) }),
		mk("resident memory per socket actor beyond libzmq", "KiB", target{maxActor: 64}, nil,
			func() float64 { return per(f.actorOpen, f.actorBase, rss) - per(f.rawOpen, f.rawBase, rss) }),
		mk("Go heap and stacks per socket", "KiB", target{}, func() float64 { return per(f.rawOpen, f.rawBase, goMem) },
			func() float64 { return per(f.actorOpen, f.actorBase, goMem) }),
		mk("OS threads", "threads", target{maxActor: 64}, func() float64 { return float64(f.rawOpen.threads) },
			func() float64 { return float64(f.actorOpen.threads) }),
	}
	if f.rawErr != "" && f.actorErr == "" {
		rows[1].errs[pathActor] = "needs the raw figure: " + f.rawErr
		rows[1].runs[pathActor] = nil
	}
	rows[0].note = f.note
	if f.actorErr == "" {
		rows[3].note = fmt.Sprintf("%s socket actors spawned in %v, %.1f file descriptors each",
			groupThousands(f.n), f.spawnTime.Round(time.Millisecond), float64(f.actorOpen.fds-f.actorBase.fds)/float64(f.n))
		if f.rawErr == "" {
			rows[3].note += fmt.Sprintf(" (a raw socket: %.1f)", float64(f.rawOpen.fds-f.rawBase.fds)/float64(f.n))
		}
	}
	return rows
}

// groupThousands writes n with thousands separators: 10,000.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
