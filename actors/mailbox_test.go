package actors

import (
	"fmt"
	"runtime"
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
	m, r := newMailbox().(*mailbox), newRecorder()
	m.RegisterHandlers(r, d)
	return m, r
}

// TestMailboxSystemFirst: a message that comes while a turn runs waits for
// it, and the turn takes a system message that came later before that user
// message.
func TestMailboxSystemFirst(t *testing.T) {
	m, r := newTestMailbox(t)
	m.PostUserMessage("block") // a dispatcher worker runs it, and waits
	select {
	case <-r.blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduled turn did not start")
	}
	m.PostUserMessage("queued")
	m.PostSystemMessage("stop")
	if seen, _ := r.snapshot(); len(seen) != 0 {
		t.Fatalf("invoked %q while the turn was blocked", seen)
	}
	close(r.unblock)
	r.waitSeen(t, "block", "sys:stop", "queued")
}

// TestMailboxSuspended: a suspended mailbox runs no user message until it
// is resumed; system messages go on meanwhile.
func TestMailboxSuspended(t *testing.T) {
	m, r := newTestMailbox(t)
	m.PostSystemMessage(&actor.SuspendMailbox{})
	m.PostUserMessage("held")
	m.PostSystemMessage("watch")
	r.waitSeen(t, "sys:watch")
	// The posts scheduled a turn before they returned; once it has ended,
	// the user message must still be queued.
	deadline := time.Now().Add(10 * time.Second)
	for m.running.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the turn did not end")
		}
		runtime.Gosched()
	}
	if seen, _ := r.snapshot(); m.UserMessageCount() != 1 || !slices.Equal(seen, []string{"sys:watch"}) {
		t.Fatalf("suspended: invoked %q, %d user messages queued", seen, m.UserMessageCount())
	}
	m.PostSystemMessage(&actor.ResumeMailbox{})
	r.waitSeen(t, "sys:watch", "held")
}

// TestMailboxEscalates: a failure is escalated with the message it
// happened on, and the mailbox goes on with the next message.
func TestMailboxEscalates(t *testing.T) {
	m, r := newTestMailbox(t)
	m.PostUserMessage("boom")
	m.PostUserMessage("after")
	r.waitSeen(t, "after")
	if _, esc := r.snapshot(); !slices.Equal(esc, []string{"boom on boom"}) {
		t.Fatalf("escalated %q, want the failure with its message", esc)
	}
}
