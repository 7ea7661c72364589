package actors

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// mailbox is the socket actors' protoactor mailbox. It does what
// protoactor's default unbounded mailbox does, in the same order (system
// messages before user messages, SuspendMailbox and ResumeMailbox, a
// failure escalated with the message it happened on, a yield every
// Throughput messages), with one difference that is the reason for it: it
// hands the dispatcher the same turn function every time it is scheduled.
// protoactor's mailbox passes a method value, allocated anew each time a
// mailbox that went idle gets a message: for a socket actor, which idles
// between most messages, about one allocation per message, four per
// request/reply round trip.
//
// Its queues are rings under a mutex each, reused as they empty, as
// protoactor's unbounded user queue is.
type mailbox struct {
	system  fifo
	user    fifo
	sysN    atomic.Int32
	userN   atomic.Int32
	running atomic.Bool
	// suspended: protoactor suspends a failed actor's mailbox until its
	// supervisor restarts it; system messages go on meanwhile.
	suspended atomic.Bool

	invoker    actor.MessageInvoker
	dispatcher actor.Dispatcher
	turn       func() // m.process, bound once
}

// newMailbox is the socket actors' actor.MailboxProducer.
func newMailbox() actor.Mailbox {
	m := &mailbox{}
	m.turn = m.process
	return m
}

// PostUserMessage queues a user message and schedules a turn. A
// MessageBatch is also unpacked, its messages queued before it, as
// protoactor's mailboxes do.
func (m *mailbox) PostUserMessage(msg any) {
	batch, ok := msg.(actor.MessageBatch)
	if env, isEnv := msg.(*actor.MessageEnvelope); isEnv {
		batch, ok = env.Message.(actor.MessageBatch)
	}
	if ok {
		for _, b := range batch.GetMessages() {
			m.PostUserMessage(b)
		}
	}
	m.user.push(msg)
	m.userN.Add(1)
	m.schedule()
}

// PostSystemMessage queues a system message and schedules a turn.
func (m *mailbox) PostSystemMessage(msg any) {
	m.system.push(msg)
	m.sysN.Add(1)
	m.schedule()
}

func (m *mailbox) RegisterHandlers(invoker actor.MessageInvoker, dispatcher actor.Dispatcher) {
	m.invoker, m.dispatcher = invoker, dispatcher
}

func (m *mailbox) Start() {}

func (m *mailbox) UserMessageCount() int { return int(m.userN.Load()) }

// schedule hands the dispatcher a turn unless one is scheduled or running.
func (m *mailbox) schedule() {
	if m.running.CompareAndSwap(false, true) {
		m.dispatcher.Schedule(m.turn)
	}
}

// process is a turn: it runs the queued messages, and runs again if one
// came after the queues looked empty but before the turn ended, which no
// schedule started a turn for.
func (m *mailbox) process() {
	for {
		m.run()
		m.running.Store(false)
		sys, user := m.sysN.Load(), m.userN.Load()
		if sys == 0 && (user == 0 || m.suspended.Load()) {
			return
		}
		if !m.running.CompareAndSwap(false, true) {
			return // a post scheduled a turn of its own
		}
	}
}

// run invokes the queued messages, system messages first, until the
// queues are empty or the mailbox is suspended. A panic is the actor's
// failure: escalated, with the message it happened on, to its supervisor.
func (m *mailbox) run() {
	var msg any
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	limit := m.dispatcher.Throughput()
	for i := 1; ; i++ {
		if i > limit {
			i = 1
			runtime.Gosched()
		}
		// The count first: most turns have no system message, and need not
		// take its lock to see so. One counted late is seen by process.
		msg = nil
		if m.sysN.Load() > 0 {
			msg = m.system.pop()
		}
		if msg != nil {
			m.sysN.Add(-1)
			switch msg.(type) {
			case *actor.SuspendMailbox:
				m.suspended.Store(true)
			case *actor.ResumeMailbox:
				m.suspended.Store(false)
			default:
				m.invoker.InvokeSystemMessage(msg)
			}
			continue
		}
		if m.suspended.Load() {
			return
		}
		if msg = m.user.pop(); msg == nil {
			return
		}
		m.userN.Add(-1)
		m.invoker.InvokeUserMessage(msg)
	}
}

// fifo is a queue, safe for concurrent use, in a ring of slots that grows
// by doubling and is used again as it empties.
type fifo struct {
	mu         sync.Mutex
	ring       []any
	head, size int
}

func (q *fifo) push(v any) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.size == len(q.ring) {
		grown := make([]any, max(8, 2*len(q.ring)))
		n := copy(grown, q.ring[q.head:])
		copy(grown[n:], q.ring[:q.head])
		q.ring, q.head = grown, 0
	}
	q.ring[(q.head+q.size)%len(q.ring)] = v
	q.size++
}

// pop returns the first value, nil when the queue is empty.
func (q *fifo) pop() any {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.size == 0 {
		return nil
	}
	v := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) % len(q.ring)
	q.size--
	return v
}
