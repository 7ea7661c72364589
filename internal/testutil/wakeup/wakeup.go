// Package wakeup holds what the no-lost-wake-up tests of package sockets
// (readiness_test.go, on bare sockets and their owners) and of package
// actors (wakeup_test.go, on socket actors) share: numbered messages, a
// Sequence that checks they arrive complete and in order, and Bursts, which
// sends them in bursts of random size with random pauses between them, the
// pauses being what gives a waiter the chance to park and miss an edge. A
// lost wake-up shows as a Sequence that makes no progress.
//
// It imports neither sockets nor actors, so that the tests inside package
// sockets can use it.
package wakeup

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// The bursts of Bursts: 1 to MaxBurst messages, then a pause of 0 to
// MaxPause.
const (
	MaxBurst = 5000
	MaxPause = 3 * time.Millisecond
)

// Message kinds: a sender's own numbered messages, and the echoes of them
// that a peer sends back.
const (
	Original byte = iota
	Echo
)

// Numbered is message seq of kind: one frame, the kind then the number.
func Numbered(kind byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{kind}, seq)
}

// Sequence checks, on the one goroutine that receives (an owner goroutine,
// an owner actor's Receive), that numbered messages of each kind arrive
// complete and in order, and tells the waiting test of progress and of the
// end.
type Sequence struct {
	name     string
	want     [2]uint64
	next     [2]atomic.Uint64
	progress chan struct{}
	done     chan struct{}
	err      error // set before done is closed
	ended    bool  // receiving goroutine only
}

// NewSequence returns a Sequence named name that is complete with
// originals messages of kind Original and echoes of kind Echo.
func NewSequence(name string, originals, echoes int) *Sequence {
	return &Sequence{name: name, want: [2]uint64{uint64(originals), uint64(echoes)},
		progress: make(chan struct{}, 1), done: make(chan struct{})}
}

// Name is the name q was made with.
func (q *Sequence) Name() string { return q.name }

// See checks one message and returns its kind and number; ok is false if
// the message is malformed or out of order, which ends q with that error,
// or if q has ended.
func (q *Sequence) See(frames [][]byte) (kind byte, seq uint64, ok bool) {
	if q.ended {
		return 0, 0, false
	}
	if len(frames) != 1 || len(frames[0]) != 9 || frames[0][0] > Echo {
		q.End(fmt.Errorf("%s: malformed message %q", q.name, frames))
		return 0, 0, false
	}
	kind, seq = frames[0][0], binary.BigEndian.Uint64(frames[0][1:])
	if next := q.next[kind].Load(); seq != next || next >= q.want[kind] {
		q.End(fmt.Errorf("%s: message %d of kind %d arrived as number %d (%d expected)", q.name, next, kind, seq, q.want[kind]))
		return 0, 0, false
	}
	q.next[kind].Add(1)
	select {
	case q.progress <- struct{}{}:
	default:
	}
	if q.next[Original].Load() == q.want[Original] && q.next[Echo].Load() == q.want[Echo] {
		q.End(nil)
	}
	return kind, seq, true
}

// End ends q with err, nil for complete; only the first End counts. Like
// See, it is called on the receiving goroutine.
func (q *Sequence) End(err error) {
	if !q.ended {
		q.ended = true
		q.err = err
		close(q.done)
	}
}

// Wait waits until every one of qs is complete, in turn, and fails the test
// when the one it waits for makes no progress for stall (a lost wake-up),
// ends with an error, or an error comes from fails (nil for none).
func Wait(t testing.TB, stall time.Duration, fails <-chan error, qs ...*Sequence) {
	t.Helper()
	timer := time.NewTimer(stall)
	defer timer.Stop()
	for _, q := range qs {
		for waiting := true; waiting; {
			select {
			case <-q.done:
				if q.err != nil {
					t.Fatal(q.err)
				}
				waiting = false
			case <-q.progress:
				timer.Reset(stall)
			case err := <-fails:
				t.Fatal(err)
			case <-timer.C:
				t.Fatalf("%s stalled with %d of %d originals and %d of %d echoes received: a lost wake-up",
					q.name, q.next[Original].Load(), q.want[Original], q.next[Echo].Load(), q.want[Echo])
			}
		}
	}
}

// SeedVar names the environment variable that, when set, gives Bursts its
// seed instead of a random one: the seed a failing test logged, to send its
// bursts again (`ZMQACTOR_BURST_SEED=N go test -run TheTest ./pkg`).
const SeedVar = "ZMQACTOR_BURST_SEED"

// Bursts calls send for n numbered messages, seq 0 to n-1, in bursts of
// random size with random pauses between them, on a goroutine that the
// test waits for at cleanup (it stops early if the test ends first). The
// first error of send stops it and fails the test then; a failing test logs
// the seed of its bursts.
func Bursts(t testing.TB, n int, send func(seq uint64) error) {
	seed := rand.Uint64()
	if s := os.Getenv(SeedVar); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", SeedVar, s, err)
		}
	}
	stop, done := make(chan struct{}), make(chan error, 1)
	t.Cleanup(func() {
		close(stop)
		if err := <-done; err != nil {
			t.Errorf("send: %v", err)
		}
		if t.Failed() {
			t.Logf("burst seed %d (%s=%d sends the same bursts again)", seed, SeedVar, seed)
		}
	})
	go func() {
		r := rand.New(rand.NewPCG(seed, 0))
		for sent := 0; sent < n; {
			for range min(1+r.IntN(MaxBurst), n-sent) {
				if err := send(uint64(sent)); err != nil {
					done <- err
					return
				}
				sent++
			}
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			time.Sleep(time.Duration(r.Int64N(int64(MaxPause) + 1))) // the pause under test, not a wait
		}
		done <- nil
	}()
}
