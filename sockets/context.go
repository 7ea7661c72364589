package sockets

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pebbe/zmq4"
)

// DefaultMaxSockets is the socket limit of a ZMQContext that sets none. libzmq's
// own default, 1,023, is too few for a process with thousands of socket
// actors. Each socket also uses two file descriptors of its own.
const DefaultMaxSockets = 65536

// ZMQContext is a ZeroMQ context: the I/O threads and the inproc namespace that
// its sockets share. Never zmq4's default context. Open, Term and the
// getters are safe for concurrent use.
type ZMQContext struct {
	mu     sync.RWMutex // held for reading while a socket is created
	z      *zmq4.Context
	closed bool
	// monitors numbers the inproc endpoints of socket monitors: libzmq
	// releases an inproc name only some time after its socket closed.
	monitors atomic.Uint64
}

// ZMQContextOption configures a ZMQContext.
type ZMQContextOption func(*zmqContextConfig) error

type zmqContextConfig struct {
	ioThreads  int
	maxSockets int
}

// WithIOThreads sets the number of ZeroMQ I/O threads (ZMQ_IO_THREADS); the
// default is 1, enough for about a gigabyte per second.
func WithIOThreads(n int) ZMQContextOption {
	return func(c *zmqContextConfig) error { return setCount(&c.ioThreads, n, 0, "%d I/O threads") }
}

// WithMaxSockets sets the most sockets open at once in the context
// (ZMQ_MAX_SOCKETS); the default is DefaultMaxSockets.
func WithMaxSockets(n int) ZMQContextOption {
	return func(c *zmqContextConfig) error { return setCount(&c.maxSockets, n, 1, "max sockets %d") }
}

// setCount sets *count to n, or refuses an n below least with ErrBadOption,
// describing n with format.
func setCount(count *int, n, least int, format string) error {
	if n < least {
		return fmt.Errorf("%w: "+format, ErrBadOption, n)
	}
	*count = n
	return nil
}

// NewZMQContext creates a ZeroMQ context.
func NewZMQContext(opts ...ZMQContextOption) (*ZMQContext, error) {
	cfg := zmqContextConfig{ioThreads: 1, maxSockets: DefaultMaxSockets}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	z, err := zmq4.NewContext()
	if err != nil {
		return nil, zmqError(OpContext, "", "", err)
	}
	err = z.SetIoThreads(cfg.ioThreads)
	if err == nil {
		err = z.SetMaxSockets(cfg.maxSockets)
	}
	if err != nil {
		_ = z.Term()
		return nil, zmqError(OpContext, "", "", err)
	}
	return &ZMQContext{z: z}, nil
}

// IOThreads returns the context's I/O thread count.
func (c *ZMQContext) IOThreads() (int, error) { return c.get((*zmq4.Context).GetIoThreads) }

// MaxSockets returns the context's socket limit.
func (c *ZMQContext) MaxSockets() (int, error) { return c.get((*zmq4.Context).GetMaxSockets) }

// get reads a setting of the context, or fails with ErrTerminated after Term.
func (c *ZMQContext) get(read func(*zmq4.Context) (int, error)) (int, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return 0, opError(OpContext, "", "", ErrTerminated, "")
	}
	return read(c.z)
}

// newSocket creates a raw socket, or fails with ErrTerminated after Term.
func (c *ZMQContext) newSocket(t Type) (*zmq4.Socket, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil, ErrTerminated
	}
	return c.z.NewSocket(t.zmq())
}

// Term terminates the context. It blocks until every socket of the context
// is closed and their lingering messages are sent or their linger expired
// (zmq_ctx_term(3)); calls on sockets still open fail with ErrTerminated.
// Term is idempotent.
func (c *ZMQContext) Term() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	if err := c.z.Term(); err != nil {
		return zmqError(OpTerm, "", "", err)
	}
	return nil
}
