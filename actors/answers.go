package actors

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// answers takes the answers to the commands that Socket methods send and
// wait for. It is one process, registered once per Runtime: each command
// goes out with a sender PID of this process whose RequestId names the
// waiting call, so a call costs a map entry and a channel, not a future
// with its registration, timer and goroutine.
type answers struct {
	id      string
	next    atomic.Uint32
	waiting sync.Map // RequestId -> chan any
}

func newAnswers(system *actor.ActorSystem) (*answers, error) {
	a := &answers{id: "zmq-answers" + system.ProcessRegistry.NextId()}
	if _, ok := system.ProcessRegistry.Add(a, a.id); !ok {
		return nil, errAnswersTaken
	}
	return a, nil
}

// SendUserMessage hands an answer to the call waiting for it; an answer
// for a call that gave up is dropped.
func (a *answers) SendUserMessage(pid *actor.PID, msg any) {
	_, m, _ := actor.UnwrapEnvelope(msg)
	if c, ok := a.waiting.LoadAndDelete(pid.RequestId); ok {
		c.(chan any) <- m
	}
}

func (a *answers) SendSystemMessage(*actor.PID, any) {}
func (a *answers) Stop(*actor.PID)                   {}

// ask sends msg to target as a request and waits for the answer until ctx
// ends or timeout passes. A message to a stopped actor is answered by
// protoactor with DeadLetterResponse, which ask returns as
// actor.ErrDeadLetter; the timeout as actor.ErrTimeout.
func (a *answers) ask(ctx context.Context, system *actor.ActorSystem, target *actor.PID, msg any, timeout time.Duration) (any, error) {
	id := a.next.Add(1)
	for id == 0 {
		id = a.next.Add(1)
	}
	c := make(chan any, 1)
	a.waiting.Store(id, c)
	system.Root.RequestWithCustomSender(target, msg, &actor.PID{Address: system.Address(), Id: a.id, RequestId: id})
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case m := <-c:
		if _, dead := m.(*actor.DeadLetterResponse); dead {
			return nil, actor.ErrDeadLetter
		}
		return m, nil
	case <-timer.C:
		a.waiting.Delete(id)
		return nil, actor.ErrTimeout
	case <-ctx.Done():
		a.waiting.Delete(id)
		return nil, ctx.Err()
	}
}
