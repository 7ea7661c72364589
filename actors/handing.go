package actors

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// handing hands the requests of a worker role (Paranoid Pirate,
// Majordomo) to its handler actor, or a pool, as messages.Request, and
// takes the handler's answers: the same contract as a server's handler
// (WithHandler), each request with a sender that stands for it and a
// deadline. Its handler, requests and deadlines outlive restarts, as the
// role does; a request whose socket was replaced meanwhile is still
// answered on the new one.
type handing struct {
	handler  *actor.PID
	timeout  time.Duration
	answerID string // the process that takes the handler's answers
	seq      uint32
	pending  map[uint32]*handed
	times    deadlines
	gone     bool // the handler stopped
}

// handed is one request with the handler.
type handed struct {
	deadline
	seq uint32
	// reply is what goes before the reply's body on the wire: the
	// protocol's command frames and the client's envelope.
	reply  [][]byte
	sender actor.PID
}

func (hd *handed) entry() *deadline { return &hd.deadline }

// workAnswer is an answer of the handler on its way from the answer
// process to the socket actor.
type workAnswer struct {
	hg  *handing
	seq uint32
	msg any
}

func (*workAnswer) roleMessage() {}

// checkHandler checks the handler of a pattern's option and the time it
// has for a request.
func checkHandler(option string, handler *actor.PID, timeout time.Duration) error {
	if handler == nil {
		return fmt.Errorf("%w: %s: nil handler", ErrBadOption, option)
	}
	if timeout < 0 {
		return fmt.Errorf("%w: %s: negative timeout %v", ErrBadOption, option, timeout)
	}
	return nil
}

func newHanding(handler *actor.PID, timeout time.Duration) *handing {
	if timeout == 0 {
		timeout = DefaultHandlerTimeout
	}
	return &handing{handler: handler, timeout: timeout, pending: map[uint32]*handed{}}
}

// opening registers the answer process, once for the life of the socket
// actor.
func (hg *handing) opening(h host) {
	if hg.answerID != "" {
		return
	}
	id := h.self().Id + "$work"
	root, self := h.root(), h.self()
	if registerAnswers(root.ActorSystem(), id, func(seq uint32, msg any) {
		root.Send(self, &workAnswer{hg: hg, seq: seq, msg: msg})
	}) {
		hg.answerID = id
	}
}

// opened watches the handler and arms the deadlines' timer for the
// instance of h.
func (hg *handing) opened(h host) {
	h.watch(hg.handler)
	hg.times.arm(hg.times.waker(h))
}

// closing stops the timer; a final close removes the answer process.
func (hg *handing) closing(h host, final bool) {
	hg.times.stop()
	if final && hg.answerID != "" {
		system := h.root().ActorSystem()
		system.ProcessRegistry.Remove(actor.NewPID(system.Address(), hg.answerID))
		hg.answerID = ""
	}
}

// terminated reports whether who is the handler, which then has stopped:
// its requests come back through failed.
func (hg *handing) terminated(who *actor.PID, failed func(*handed, string)) bool {
	if !who.Equal(hg.handler) {
		return false
	}
	hg.gone = true
	for seq, hd := range hg.pending {
		delete(hg.pending, seq)
		hg.times.remove(hd)
		failed(hd, "the handler stopped")
	}
	return true
}

// hand sends the handler a request with body, from peer; reply is what
// goes before the reply's body. It fails when the handler has stopped.
func (hg *handing) hand(h host, body [][]byte, peer []byte, reply [][]byte) error {
	if hg.gone || hg.answerID == "" {
		return fmt.Errorf("%w: the handler stopped", ErrHandlerFailed)
	}
	hg.seq++
	for hg.seq == 0 || hg.pending[hg.seq] != nil {
		hg.seq++
	}
	hd := &handed{deadline: deadline{index: -1}, seq: hg.seq, reply: reply}
	hg.pending[hd.seq] = hd
	hg.times.add(hd, hg.timeout)
	hd.sender = actor.PID{Address: h.self().Address, Id: hg.answerID, RequestId: hd.seq}
	h.root().RequestWithCustomSender(hg.handler, &messages.Request{Frames: body, Peer: peer}, &hd.sender)
	return nil
}

// answered takes the handler's answer m: the request it answers (nil for
// an answer that came too late) and the reply's body, or why it failed.
func (hg *handing) answered(m *workAnswer) (hd *handed, body [][]byte, failure string) {
	hd = hg.pending[m.seq]
	if hd == nil {
		return nil, nil, ""
	}
	delete(hg.pending, m.seq)
	hg.times.remove(hd)
	switch v := m.msg.(type) {
	case *messages.Reply:
		if len(v.GetFrames()) == 0 {
			return hd, nil, "the handler answered with a Reply without frames"
		}
		return hd, v.GetFrames(), ""
	case *messages.Error:
		return hd, nil, "the handler answered with an error: " + v.GetMessage()
	}
	return hd, nil, fmt.Sprintf("the handler answered with %T, not a Reply", m.msg)
}

// expire fails, through failed, every request whose handler did not
// answer in time.
func (hg *handing) expire(failed func(*handed, string)) {
	hg.times.expire(func() bool { return true }, func(it deadlineItem) {
		hd := it.(*handed)
		delete(hg.pending, hd.seq)
		failed(hd, fmt.Sprintf("no answer within the handler timeout of %v", hg.timeout))
	})
}

// command takes the messages of handing: the handler's answers (to
// answered) and the deadlines' timer (failing through failed). taken is
// false for a message that is not handing's.
func (hg *handing) command(msg any, h host, answered func(*workAnswer), failed func(*handed, string)) bool {
	switch m := msg.(type) {
	case *workAnswer:
		if m.hg != hg {
			return false
		}
		answered(m)
		return true
	case *deadlineTick:
		return hg.times.ticked(m, h, func() { hg.expire(failed) })
	}
	return false
}

// forget drops the requests with the handler: their answers will come too
// late. For a worker that starts again on a new socket, whose broker
// would not take a reply from it.
func (hg *handing) forget() {
	for seq, hd := range hg.pending {
		delete(hg.pending, seq)
		hg.times.remove(hd)
	}
}

// handlerBase is what the roles that hand requests to a handler share
// (Paranoid Pirate and Majordomo workers, Freelance and Binary Star
// servers): the handing, the counters, and the socket of the instance.
type handlerBase struct {
	work   *handing
	counts reliableCounts

	attachment
}

// open is the role's opening: deliver takes what the socket receives.
func (b *handlerBase) open(h host, hooks *sockets.Hooks, deliver func([][]byte)) {
	b.attach(h)
	b.work.opening(h)
	hooks.Deliver = deliver
}

// opened takes the open socket.
func (b *handlerBase) opened() {
	b.sock = b.h.socket()
	b.work.opened(b.h)
}

// close is the role's closing.
func (b *handlerBase) close(final bool) {
	b.work.closing(b.h, final)
	b.sock = nil
}

// handCommand takes handing's messages: a reply goes out on the socket, a
// failure to failed.
func (b *handlerBase) handCommand(msg any, failed func(*handed, string)) bool {
	return b.work.command(msg, b.h, func(m *workAnswer) {
		hd, body, failure := b.work.answered(m)
		switch {
		case hd == nil: // too late
		case failure != "":
			failed(hd, failure)
		default:
			b.counts.replies++
			b.send(join(hd.reply, body)...)
		}
	}, failed)
}

// reportFailure counts and reports a request the handler failed.
func (b *handlerBase) reportFailure(reason string) {
	b.counts.failures++
	b.h.errorTo(nil, &sockets.Error{Op: sockets.OpHandle, Socket: b.h.name(),
		Err: fmt.Errorf("%w: %s", sockets.ErrHandlerFailed, reason)})
}

// send sends frames, if the socket is open; a failure is reported, but
// for a ROUTER's peer that is gone.
func (b *handlerBase) send(frames ...[]byte) {
	if b.sock == nil {
		return
	}
	if _, err := b.sock.Send(frames); err != nil && !errors.Is(err, sockets.ErrHostUnreachable) {
		b.h.errorTo(nil, err)
	}
}
