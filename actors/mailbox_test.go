package actors

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// recorder is the invoker of a mailbox under test: it records what it
// invokes, in order. A user message "block" waits for unblock; "boom"
// panics, as an actor's failure does.
type recorder struct {
	mu        sync.Mutex
	seen      []string
	escalated []string
	unblock   chan struct{}
	blocked   chan struct{}
	changed   chan struct{} // one value per invocation or escalation
}

func newRecorder() *recorder {
	return &recorder{unblock: make(chan struct{}), blocked: make(chan struct{}), changed: make(chan struct{}, 64)}
}

func (r *recorder) note(to *[]string, s string) {
	r.mu.Lock()
	*to = append(*to, s)
	r.mu.Unlock()
	r.changed <- struct{}{}
}

func (r *recorder) InvokeSystemMessage(msg any) { r.note(&r.seen, fmt.Sprint("sys:", msg)) }

func (r *recorder) InvokeUserMessage(msg any) {
	switch msg {
	case "block":
		close(r.blocked)
		<-r.unblock
	case "boom":
		panic("boom")
	}
	r.note(&r.seen, fmt.Sprint(msg))
}

func (r *recorder) EscalateFailure(reason, msg any) {
	r.note(&r.escalated, fmt.Sprint(reason, " on ", msg))
}

func (r *recorder) snapshot() (seen, escalated []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen), slices.Clone(r.escalated)
}

// waitSeen waits until the recorder has seen want, in that order.
func (r *recorder) waitSeen(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if seen, _ := r.snapshot(); slices.Equal(seen, want) {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			seen, _ := r.snapshot()
			t.Fatalf("invoked %q, want %q", seen, want)
		}
	}
}

func newTestMailbox(t *testing.T) (*mailbox, *recorder) {
	t.Helper()
	d := newDispatcher(dispatchThroughput, dispatchIdle)
	t.Cleanup(d.stop)
	m, r := newMailbox(), newRecorder()
	m.RegisterHandlers(r, d)
	return m, r
}

// TestMailboxPostHereRunsIdleTurn: a message posted with postHere to an
// idle mailbox has been invoked when postHere returns, on the poster's
// goroutine (a dispatcher worker would run it later), and the mailbox is
// idle again afterwards, so the next post runs the same way.
func TestMailboxPostHereRunsIdleTurn(t *testing.T) {
	m, r := newTestMailbox(t)
	for i, msg := range []string{"a", "b"} {
		m.postHere(msg)
		if seen, _ := r.snapshot(); len(seen) != i+1 || seen[i] != msg {
			t.Fatalf("after postHere(%q): invoked %q", msg, seen)
		}
	}
	if m.running.Load() {
		t.Fatal("the mailbox is still running after its inline turn")
	}
}

// TestMailboxPostHereQueuesBehindTurn: while a turn runs elsewhere,
// postHere only queues, and returns without waiting for it; the running
// turn then takes a system message that came later before the queued user
// message, as any turn does.
func TestMailboxPostHereQueuesBehindTurn(t *testing.T) {
	m, r := newTestMailbox(t)
	m.PostUserMessage("block") // a dispatcher worker runs it, and waits
	select {
	case <-r.blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduled turn did not start")
	}
	m.postHere("queued") // must return at once: the turn is the worker's
	m.PostSystemMessage("stop")
	if seen, _ := r.snapshot(); len(seen) != 0 {
		t.Fatalf("invoked %q while the turn was blocked", seen)
	}
	close(r.unblock)
	r.waitSeen(t, "block", "sys:stop", "queued")
}

// TestMailboxPostHereSystemFirst: an inline turn, too, takes the system
// messages waiting in a suspended mailbox before user messages, and a
// suspended mailbox runs no user message inline: it waits for the resume.
func TestMailboxPostHereSystemFirst(t *testing.T) {
	m, r := newTestMailbox(t)
	m.PostSystemMessage(&actor.SuspendMailbox{})
	m.postHere("held")
	if seen, _ := r.snapshot(); len(seen) != 0 {
		t.Fatalf("a suspended mailbox invoked %q", seen)
	}
	m.PostSystemMessage(&actor.ResumeMailbox{})
	r.waitSeen(t, "held")
}

// TestMailboxPostHereEscalates: a failure in an inline turn is escalated
// with the message it happened on, as in a scheduled turn, and does not
// reach the poster (the waiter's goroutine); the mailbox goes on.
func TestMailboxPostHereEscalates(t *testing.T) {
	m, r := newTestMailbox(t)
	m.postHere("boom")
	if _, esc := r.snapshot(); !slices.Equal(esc, []string{"boom on boom"}) {
		t.Fatalf("escalated %q, want the failure with its message", esc)
	}
	m.postHere("after")
	r.waitSeen(t, "after")
}
