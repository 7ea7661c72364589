package actors

import (
	"errors"
	"fmt"
	"time"

	"github.com/zmqactor/zmqactor/sockets"
)

// The errors of sockets a caller of this package meets most, re-exported.
// Errors that come from a socket wrap the sentinels of package sockets and
// the zmq4.Errno behind them, also after crossing a socket actor.
var (
	ErrNoOwner     = sockets.ErrNoOwner     // what was asked delivers to an owner, and there is none
	ErrClosed      = sockets.ErrClosed      // the socket is closed
	ErrTerminated  = sockets.ErrTerminated  // the context is shut down
	ErrBadEndpoint = sockets.ErrBadEndpoint // an endpoint is invalid
	ErrBadOption   = sockets.ErrBadOption   // an option value is invalid
	ErrUnsupported = sockets.ErrUnsupported // the socket type cannot do it
	ErrQueueFull   = sockets.ErrQueueFull   // the send queue is at its limit
	ErrTooLarge    = sockets.ErrTooLarge    // a frame exceeds max_message_size

	ErrRequestTimeout = sockets.ErrRequestTimeout // no reply to any attempt of a request
	ErrHandlerFailed  = sockets.ErrHandlerFailed  // a server's handler did not answer a request
	ErrInsecureLink   = sockets.ErrInsecureLink   // secrets would cross an unencrypted remote
)

// ErrCommandTimeout: a Socket or Authenticator method got no answer from
// the actor before WithCommandTimeout's bound (its ctx had no deadline).
var ErrCommandTimeout = errors.New("zmqactor: no answer from socket actor before the deadline")

// ErrUnexpectedReply: the actor answered with a message of the wrong type.
var ErrUnexpectedReply = errors.New("zmqactor: unexpected reply from socket actor")

// ErrExists: the actor system already has a Runtime, or the Runtime an
// authenticator.
var ErrExists = errors.New("zmqactor: already exists")

// ErrNoFactory: no socket-actor factory answered SpawnAt: none runs under
// that name on that node, or the node cannot be reached.
var ErrNoFactory = errors.New("zmqactor: no socket-actor factory answered")

// positive checks the duration of an option: ErrBadOption unless d > 0.
func positive(option string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: %s: %v is not positive", ErrBadOption, option, d)
	}
	return nil
}
