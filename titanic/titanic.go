package titanic

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The Titanic services (ZeroMQ RFC 9, the zguide's titanic), offered to
// Majordomo clients through the broker.
const (
	// RequestService takes [service, body...], keeps the request on disk
	// and answers ["200", id].
	RequestService = "titanic.request"
	// ReplyService takes [id] and answers ["200", reply...] once the
	// request was answered, ["300"] while it waits, ["400"] for an id it
	// does not know.
	ReplyService = "titanic.reply"
	// CloseService takes [id], forgets the request and its reply, and
	// answers ["200"].
	CloseService = "titanic.close"
)

// The status codes of the answers.
const (
	StatusOK      = "200"
	StatusPending = "300"
	StatusUnknown = "400"
	StatusError   = "500"
)

// ErrStore wraps a failure of the store on disk.
var ErrStore = errors.New("zmqactor: titanic store")

// Config configures a Titanic service.
type Config struct {
	// Broker is the endpoint of the Majordomo broker. Required.
	Broker string
	// Path is the store's bbolt file, created if missing. Required.
	Path string
	// Heartbeat is the Majordomo heartbeating of its workers and must be
	// the broker's; zero fields take the Majordomo defaults.
	Heartbeat actors.Heartbeat
	// Timeout is how long the dispatcher waits for a worker's reply to a
	// request it passes on; zero means actors.DefaultServiceTimeout. An
	// unanswered request is tried again later.
	Timeout time.Duration
	// Poll is how often the dispatcher looks again at the waiting requests
	// when there is nothing new; zero means one second.
	Poll time.Duration
	// Owner, when set, receives the events of the service's sockets and
	// the dispatcher's errors; else they go to the event stream.
	Owner *actor.PID
}

// Service is a running Titanic service.
type Service struct {
	system     *actor.ActorSystem
	st         *store
	sockets    []*actors.Socket
	actors     []*actor.PID // the handlers and the dispatcher
	dispatcher *actor.PID
}

// Start opens the store and starts the service: three Majordomo workers
// (titanic.request, titanic.reply and titanic.close) on the broker, and
// the dispatcher, which passes each waiting request, oldest first, to a
// worker of its service once the broker's mmi.service says there is one,
// through a Majordomo client, and keeps the reply. Requests kept by an
// earlier run of the service are dispatched too: they survive a restart
// of the service and of the broker.
func Start(ctx context.Context, z *actors.Runtime, cfg Config) (*Service, error) {
	switch {
	case cfg.Broker == "" || cfg.Path == "":
		return nil, fmt.Errorf("%w: titanic: Broker and Path are required", actors.ErrBadOption)
	case cfg.Timeout < 0 || cfg.Poll < 0:
		return nil, fmt.Errorf("%w: titanic: negative Timeout or Poll", actors.ErrBadOption)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = actors.DefaultServiceTimeout
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	st, err := openStore(cfg.Path)
	if err != nil {
		return nil, err
	}
	system := z.System()
	s := &Service{system: system, st: st}
	fail := func(err error) (*Service, error) {
		_ = s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	var owner []actors.SpawnOption
	if cfg.Owner != nil {
		owner = append(owner, actors.WithOwner(cfg.Owner))
	}
	s.dispatcher = system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &dispatcher{st: st, timeout: cfg.Timeout, poll: cfg.Poll, owner: cfg.Owner}
	}))
	s.actors = append(s.actors, s.dispatcher)
	client, err := z.Spawn(ctx, sockets.Spec{Name: "titanic-client", Type: sockets.Dealer, Connects: []string{cfg.Broker},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithMajordomoClient(actors.MajordomoClientOptions{Timeout: cfg.Timeout}), actors.WithOwner(s.dispatcher))
	if err != nil {
		return fail(err)
	}
	s.sockets = append(s.sockets, client)
	for service, handle := range map[string]func([][]byte) [][]byte{
		RequestService: s.request, ReplyService: s.reply, CloseService: s.close,
	} {
		h := system.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
			if m, ok := c.Message().(*messages.Request); ok {
				c.Respond(&messages.Reply{Frames: handle(m.GetFrames())})
			}
		}))
		s.actors = append(s.actors, h)
		w, err := z.Spawn(ctx, sockets.Spec{Name: service, Type: sockets.Dealer, Connects: []string{cfg.Broker},
			Options: []sockets.Option{sockets.Linger(0)}},
			append(owner, actors.WithMajordomoWorker(service, h, actors.MajordomoWorkerOptions{Heartbeat: cfg.Heartbeat}))...)
		if err != nil {
			return fail(err)
		}
		s.sockets = append(s.sockets, w)
	}
	system.Root.Send(s.dispatcher, &start{client: client.PID()})
	return s, nil
}

// Waiting returns how many requests wait for a reply.
func (s *Service) Waiting() (int, error) { return s.st.waiting() }

// Close stops the service's sockets and actors and closes the store.
func (s *Service) Close(ctx context.Context) error {
	var errs []error
	for _, sock := range s.sockets {
		if _, err := sock.Close(ctx); err != nil && !errors.Is(err, actors.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for _, pid := range s.actors {
		if err := s.system.Root.StopFuture(pid).Wait(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.st.close(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrStore, err))
	}
	return errors.Join(errs...)
}

func status(code string, frames ...[]byte) [][]byte {
	return append([][]byte{[]byte(code)}, frames...)
}

// request is titanic.request: keep the request, then answer its id.
func (s *Service) request(body [][]byte) [][]byte {
	if len(body) < 2 || len(body[0]) == 0 {
		return status(StatusUnknown)
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	if err := s.st.add(id, string(body[0]), body[1:]); err != nil {
		return status(StatusError, []byte(err.Error()))
	}
	s.system.Root.Send(s.dispatcher, wake{})
	return status(StatusOK, []byte(id))
}

// reply is titanic.reply.
func (s *Service) reply(body [][]byte) [][]byte {
	if len(body) != 1 {
		return status(StatusUnknown)
	}
	e, err := s.st.get(string(body[0]))
	switch {
	case err != nil:
		return status(StatusError, []byte(err.Error()))
	case e == nil:
		return status(StatusUnknown)
	case !e.GetAnswered():
		return status(StatusPending)
	}
	return status(StatusOK, e.GetReply()...)
}

// close is titanic.close.
func (s *Service) close(body [][]byte) [][]byte {
	if len(body) != 1 {
		return status(StatusUnknown)
	}
	if err := s.st.remove(string(body[0])); err != nil {
		return status(StatusError, []byte(err.Error()))
	}
	return status(StatusOK)
}

// start gives the dispatcher its client; wake makes it look for work.
type (
	start struct{ client *actor.PID }
	wake  struct{}
)

// dispatcher passes the waiting requests to their services, one at a
// time: it asks mmi.service whether the service has a worker, and if so
// sends it the request and keeps the reply. A request whose service has no
// worker, or whose worker does not answer in time, is tried again on a
// later pass.
type dispatcher struct {
	st      *store
	client  *actor.PID
	timeout time.Duration
	poll    time.Duration
	owner   *actor.PID

	busy   bool
	asking bool   // the request itself, not mmi.service
	from   uint64 // the next pass starts at this sequence number
	seq    uint64
	id     string
	entry  *messages.TitanicEntry
	timer  *time.Timer
}

func (d *dispatcher) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *start:
		d.client = m.client
		d.next(ctx)
	case wake:
		if !d.busy && d.client != nil {
			d.next(ctx)
		}
	case *actor.Stopping:
		if d.timer != nil {
			d.timer.Stop()
		}
	case *messages.ServiceReply:
		d.answered(ctx, m)
	case *messages.Error:
		// The answer to the dispatcher's request comes without a sender;
		// the client's events come from the client.
		if ctx.Sender() == nil && d.busy {
			d.skip(ctx) // tried again on a later pass
			if m.GetCode() == messages.ErrorCode_ERROR_CODE_REQUEST_TIMEOUT {
				return
			}
		}
		d.report(ctx, m)
	}
}

// next asks about the first waiting request from d.from on; when there is
// none, the next pass starts from the beginning after the poll interval.
func (d *dispatcher) next(ctx actor.Context) {
	d.busy = false
	seq, id, e, ok, err := d.st.next(d.from)
	if err != nil {
		d.report(ctx, sockets.ErrorToProto("titanic", err))
	}
	if !ok {
		d.from = 0
		self, root := ctx.Self(), ctx.ActorSystem().Root
		if d.timer != nil {
			d.timer.Stop()
		}
		d.timer = time.AfterFunc(d.poll, func() { root.Send(self, wake{}) })
		return
	}
	d.busy, d.asking, d.seq, d.id, d.entry = true, false, seq, id, e
	ctx.Request(d.client, &messages.ServiceRequest{Service: "mmi.service", Frames: [][]byte{[]byte(e.GetService())},
		Timeout: durationpb.New(d.timeout)})
}

func (d *dispatcher) answered(ctx actor.Context, m *messages.ServiceReply) {
	if !d.busy {
		return
	}
	if !d.asking {
		if len(m.GetFrames()) == 0 || string(m.GetFrames()[0]) != StatusOK {
			d.skip(ctx) // no worker for it yet
			return
		}
		d.asking = true
		ctx.Request(d.client, &messages.ServiceRequest{Service: d.entry.GetService(), Frames: d.entry.GetRequest(),
			Timeout: durationpb.New(d.timeout)})
		return
	}
	if err := d.st.answer(d.seq, d.id, m.GetFrames()); err != nil {
		d.report(ctx, sockets.ErrorToProto("titanic", err))
	}
	d.skip(ctx)
}

// skip goes on with the request after the current one.
func (d *dispatcher) skip(ctx actor.Context) {
	d.from = d.seq + 1
	d.next(ctx)
}

func (d *dispatcher) report(ctx actor.Context, m *messages.Error) {
	if d.owner != nil {
		ctx.Send(d.owner, m)
		return
	}
	ctx.ActorSystem().EventStream.Publish(m)
}
