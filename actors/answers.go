package actors

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// answerProcess is a protoactor process that takes answers: whatever is
// sent to a PID with its id goes to deliver, with the RequestId that PID
// carries. An asker sends its question with such a PID as sender, the
// RequestId naming what it waits for, so an answer costs a map entry, not
// a future with its registration, timer and goroutine. There are two kinds
// of askers: the Socket methods that wait for a socket actor (calls, one
// per Runtime) and a server socket actor waiting for its handler's answers
// (one per server).
type answerProcess struct {
	deliver func(requestID uint32, msg any)
}

func (p *answerProcess) SendUserMessage(pid *actor.PID, msg any) {
	_, m, _ := actor.UnwrapEnvelope(msg)
	p.deliver(pid.RequestId, m)
}

func (p *answerProcess) SendSystemMessage(*actor.PID, any) {}
func (p *answerProcess) Stop(*actor.PID)                   {}

// registerAnswers registers an answer process under id in system; false if
// the id is taken.
func registerAnswers(system *actor.ActorSystem, id string, deliver func(requestID uint32, msg any)) bool {
	_, ok := system.ProcessRegistry.Add(&answerProcess{deliver: deliver}, id)
	return ok
}

// calls are the Socket method calls that wait for a socket actor's answer,
// by request id.
type calls struct {
	id   string // of their answer process
	next atomic.Uint32
	mu   sync.Mutex
	// waiting: request id -> its call. A plain map under a mutex, not a
	// sync.Map, whose Store allocates an entry (and boxes the key) per call.
	waiting map[uint32]*call
	// free holds calls whose answer came, for the next call of a target
	// that answers once (see ask).
	free sync.Pool
}

// call is one ask waiting for its answer: the channel the answer comes on,
// the asker PID the target answers to, and the timer of its wait. A call
// whose answer came may be used again, PID and timer included: each is an
// allocation, and the PID keeps protoactor's cached reference to the
// answer process.
type call struct {
	answer chan any // buffered: the answer process never waits
	asker  actor.PID
	timer  *time.Timer // nil until a wait has a timeout
}

func newCalls(system *actor.ActorSystem) (*calls, error) {
	c := &calls{id: "zmq-answers" + system.ProcessRegistry.NextId(), waiting: map[uint32]*call{}}
	if !registerAnswers(system, c.id, c.answered) {
		return nil, fmt.Errorf("%w: the process id %s is taken", ErrExists, c.id)
	}
	return c, nil
}

// nextID returns a request id for a new call; 0, which protoactor's PIDs
// use for "no request", is skipped when the counter wraps.
func (c *calls) nextID() uint32 {
	id := c.next.Add(1)
	for id == 0 {
		id = c.next.Add(1)
	}
	return id
}

// register makes w the call waiting for the answer to request id.
func (c *calls) register(id uint32, w *call) {
	c.mu.Lock()
	c.waiting[id] = w
	c.mu.Unlock()
}

// forget drops the call waiting for request id, if it still waits.
func (c *calls) forget(id uint32) {
	c.mu.Lock()
	delete(c.waiting, id)
	c.mu.Unlock()
}

// answered hands an answer to the call waiting for it; an answer for a
// call that gave up is dropped.
func (c *calls) answered(id uint32, m any) {
	c.mu.Lock()
	w := c.waiting[id]
	delete(c.waiting, id)
	c.mu.Unlock()
	if w != nil {
		w.answer <- m
	}
}

// ask sends msg to target as a request and waits for the answer until ctx
// ends or timeout passes; a timeout of zero or less waits for ctx alone. A
// message to a stopped actor is answered by protoactor with
// DeadLetterResponse, which ask returns as actor.ErrDeadLetter; the timeout
// as actor.ErrTimeout. When it gives up, abandon (if set) is called with the
// sender the target saw, so that the target can be told.
//
// once says that target answers msg once and keeps no reference to its
// sender after it (a client socket actor's Request): the call, with its
// asker PID, is then used again by a later ask once the answer came. A call
// that gave up is never used again, since the target may still hold its
// PID and answer it late.
func (c *calls) ask(ctx context.Context, system *actor.ActorSystem, target *actor.PID, msg any, timeout time.Duration,
	abandon func(asker *actor.PID), once bool) (any, error) {
	id := c.nextID()
	var w *call
	if once {
		w, _ = c.free.Get().(*call)
	}
	if w == nil {
		w = &call{answer: make(chan any, 1)}
		w.asker.Address, w.asker.Id = system.Address(), c.id
	}
	w.asker.RequestId = id
	c.register(id, w)
	system.Root.RequestWithCustomSender(target, msg, &w.asker)
	var expired <-chan time.Time
	if timeout > 0 {
		if w.timer == nil {
			w.timer = time.NewTimer(timeout)
		} else {
			w.timer.Reset(timeout)
		}
		expired = w.timer.C
	}
	var err error
	select {
	case m := <-w.answer:
		if w.timer != nil {
			// Since Go 1.23 a stopped timer's channel holds no stale tick,
			// so the next Reset starts clean.
			w.timer.Stop()
		}
		if _, dead := m.(*actor.DeadLetterResponse); dead {
			// Not used again: the DeadLetterEvent that brought this, which
			// the event stream's subscribers may log or keep, points to
			// the asker PID.
			return nil, actor.ErrDeadLetter
		}
		if once {
			c.free.Put(w)
		}
		return m, nil
	case <-expired:
		err = actor.ErrTimeout
	case <-ctx.Done():
		err = ctx.Err()
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	c.forget(id)
	if abandon != nil {
		abandon(&w.asker)
	}
	return nil, err
}
