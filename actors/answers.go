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
	id      string // of their answer process
	next    atomic.Uint32
	waiting sync.Map // request id -> chan any
}

func newCalls(system *actor.ActorSystem) (*calls, error) {
	c := &calls{id: "zmq-answers" + system.ProcessRegistry.NextId()}
	if !registerAnswers(system, c.id, c.answered) {
		return nil, fmt.Errorf("%w: the process id %s is taken", ErrExists, c.id)
	}
	return c, nil
}

// answered hands an answer to the call waiting for it; an answer for a
// call that gave up is dropped.
func (c *calls) answered(id uint32, m any) {
	if w, ok := c.waiting.LoadAndDelete(id); ok {
		w.(chan any) <- m
	}
}

// ask sends msg to target as a request and waits for the answer until ctx
// ends or timeout passes; a timeout of zero or less waits for ctx alone. A
// message to a stopped actor is answered by protoactor with
// DeadLetterResponse, which ask returns as actor.ErrDeadLetter; the timeout
// as actor.ErrTimeout. When it gives up, abandon (if set) is called with the
// sender the target saw, so that the target can be told.
func (c *calls) ask(ctx context.Context, system *actor.ActorSystem, target *actor.PID, msg any, timeout time.Duration,
	abandon func(asker *actor.PID)) (any, error) {
	id := c.next.Add(1)
	for id == 0 {
		id = c.next.Add(1)
	}
	w := make(chan any, 1)
	c.waiting.Store(id, w)
	asker := &actor.PID{Address: system.Address(), Id: c.id, RequestId: id}
	system.Root.RequestWithCustomSender(target, msg, asker)
	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	var err error
	select {
	case m := <-w:
		if _, dead := m.(*actor.DeadLetterResponse); dead {
			return nil, actor.ErrDeadLetter
		}
		return m, nil
	case <-expired:
		err = actor.ErrTimeout
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.waiting.Delete(id)
	if abandon != nil {
		abandon(asker)
	}
	return nil, err
}
