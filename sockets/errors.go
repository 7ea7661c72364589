package sockets

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/messages"
)

// Sentinel errors. Errors returned by this package wrap one of them, and the
// zmq4.Errno behind them when there is one, so both errors.Is(err,
// ErrBadEndpoint) and errors.Is(err, zmq4.EADDRINUSE) work.
var (
	// ErrUnknownType: the spec names no ZeroMQ socket type.
	ErrUnknownType = errors.New("zmqactor: unknown socket type")
	// ErrBadEndpoint: an endpoint is malformed, its transport unknown or its
	// address unusable.
	ErrBadEndpoint = errors.New("zmqactor: invalid endpoint")
	// ErrAddressInUse: another socket already binds the endpoint.
	ErrAddressInUse = errors.New("zmqactor: address in use")
	// ErrEndpointNotFound: Unbind or Disconnect of an endpoint not in use.
	ErrEndpointNotFound = errors.New("zmqactor: endpoint not found")
	// ErrBadOption: an option value is out of range, or the option does not
	// apply to the socket's type; or the Hooks given to Open lack one that
	// the socket needs.
	ErrBadOption = errors.New("zmqactor: invalid socket option")
	// ErrUnsupported: the socket's type cannot do this, or not in its current
	// state (a send on a PULL, a second send on a REQ before the reply).
	ErrUnsupported = errors.New("zmqactor: operation not supported by socket")
	// ErrNoOwner: what was asked delivers to a socket actor's owner, and it
	// has none (package actors re-exports it).
	ErrNoOwner = errors.New("zmqactor: socket that receives needs an owner")
	// ErrBadMessage: a send without frames, or an unknown command.
	ErrBadMessage = errors.New("zmqactor: invalid message")
	// ErrTooLarge: a frame is larger than the socket's max_message_size.
	ErrTooLarge = errors.New("zmqactor: message too large")
	// ErrQueueFull: ZeroMQ is at its high-water mark and the send queue is
	// at its limit; the message was not taken.
	ErrQueueFull = errors.New("zmqactor: send queue full")
	// ErrHostUnreachable: a ROUTER with router_mandatory has no peer with the
	// message's routing id.
	ErrHostUnreachable = errors.New("zmqactor: host unreachable")
	// ErrClosed: the socket is closed.
	ErrClosed = errors.New("zmqactor: socket closed")
	// ErrTerminated: the ZeroMQ context is terminating.
	ErrTerminated = errors.New("zmqactor: context terminated")
	// ErrRequestTimeout: a request got no reply before its timeout, on
	// every attempt.
	ErrRequestTimeout = errors.New("zmqactor: no reply before the request timeout")
	// ErrHandlerFailed: a server's handler answered a request with an error,
	// with something that is not an answer, or not before the deadline.
	ErrHandlerFailed = errors.New("zmqactor: request handler failed")
	// ErrInsecureLink: a spec with secrets (CURVE secret keys, a PLAIN
	// password) would cross a link that is not encrypted: a socket-actor
	// factory whose protoactor remote does not use TLS refuses it.
	ErrInsecureLink = errors.New("zmqactor: secrets over an unencrypted link")
	// ErrSocket: any other failure of a ZeroMQ call; the wrapped zmq4.Errno
	// says which.
	ErrSocket = errors.New("zmqactor: socket error")
)

// Op names the operation that failed, in an Error and, as its operation,
// in a messages.Error: one of the constants below.
type Op string

// The operations of Errors.
const (
	// OpOpen: Open, or a spec checked for it.
	OpOpen Op = "open"
	// OpBind: a bind.
	OpBind Op = "bind"
	// OpConnect: a connect.
	OpConnect Op = "connect"
	// OpUnbind: an unbind.
	OpUnbind Op = "unbind"
	// OpDisconnect: a disconnect.
	OpDisconnect Op = "disconnect"
	// OpSend: a send, or the send queue's flush.
	OpSend Op = "send"
	// OpReceive: a receive, or reading the socket's readiness.
	OpReceive Op = "receive"
	// OpSetOption: setting a socket option (zmq_setsockopt).
	OpSetOption Op = "setsockopt"
	// OpGetOption: GetOption.
	OpGetOption Op = "getsockopt"
	// OpClose: closing a socket.
	OpClose Op = "close"
	// OpCommand: a command to a socket actor.
	OpCommand Op = "command"
	// OpMonitor: starting or reading a socket's monitor, or watching its events.
	OpMonitor Op = "monitor"
	// OpUnmonitor: stopping a watcher's socket events.
	OpUnmonitor Op = "unmonitor"
	// OpContext: creating or querying a ZeroMQ context.
	OpContext Op = "context"
	// OpTerm: terminating a ZeroMQ context.
	OpTerm Op = "term"
	// OpRequest: a request through a REQ or DEALER socket actor.
	OpRequest Op = "request"
	// OpHandle: the handler of a served request.
	OpHandle Op = "handle"
	// OpSubscribe: a subscription to a socket actor.
	OpSubscribe Op = "subscribe"
	// OpUnsubscribe: the end of a subscription.
	OpUnsubscribe Op = "unsubscribe"
	// OpPublish: a publish through a PUB or XPUB socket actor.
	OpPublish Op = "publish"
	// OpStats: reading a socket actor's statistics.
	OpStats Op = "stats"
	// OpSpawn: spawning a socket actor.
	OpSpawn Op = "spawn"
	// OpAuth: the ZAP authenticator.
	OpAuth Op = "auth"
	// OpForward: a proxy forwarding a message.
	OpForward Op = "forward"
	// OpWatch: watching the authenticator's decisions (WatchAuth).
	OpWatch Op = "watch"
)

// Error describes a failed operation on a socket. It wraps a sentinel of this
// package and, when ZeroMQ reported it, the zmq4.Errno.
type Error struct {
	// Op is what failed.
	Op Op
	// Socket is the socket's name.
	Socket string
	// Endpoint is the endpoint involved, if any.
	Endpoint string
	// Err is the cause: a sentinel, joined with a zmq4.Errno when there is one.
	Err error

	text string // set when decoded from an Error event: the text as sent
}

func (e *Error) Error() string {
	if e.text != "" {
		return e.text
	}
	s := "zmqactor: " + string(e.Op)
	if e.Socket != "" {
		s += " " + e.Socket
	}
	if e.Endpoint != "" {
		s += " " + e.Endpoint
	}
	return s + ": " + trimPrefix(e.Err.Error())
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func trimPrefix(s string) string {
	const p = "zmqactor: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// opError builds an *Error for op from a sentinel and an optional detail.
func opError(op Op, socket, endpoint string, sentinel error, detail string) *Error {
	err := sentinel
	if detail != "" {
		err = fmt.Errorf("%w: %s", sentinel, detail)
	}
	return &Error{Op: op, Socket: socket, Endpoint: endpoint, Err: err}
}

// zmqError wraps an error returned by pebbe/zmq4 for op, classified by its
// errno into one of the sentinels.
func zmqError(op Op, socket, endpoint string, err error) *Error {
	errno := zmq4.AsErrno(err)
	sentinel := classify(op, errno)
	if errno == 0 {
		if errors.Is(err, zmq4.ErrorSocketClosed) {
			sentinel = ErrClosed
		}
		return &Error{Op: op, Socket: socket, Endpoint: endpoint, Err: fmt.Errorf("%w: %w", sentinel, err)}
	}
	return &Error{Op: op, Socket: socket, Endpoint: endpoint, Err: fmt.Errorf("%w: %w", sentinel, errno)}
}

func classify(op Op, errno zmq4.Errno) error {
	switch errno {
	case zmq4.ETERM:
		return ErrTerminated
	case zmq4.EADDRINUSE:
		return ErrAddressInUse
	case zmq4.EHOSTUNREACH:
		return ErrHostUnreachable
	case zmq4.EPROTONOSUPPORT, zmq4.ENOCOMPATPROTO, zmq4.EADDRNOTAVAIL, zmq4.Errno(syscall.ENODEV):
		return ErrBadEndpoint
	case zmq4.ENOTSOCK:
		return ErrClosed
	case zmq4.EFSM, zmq4.ENOTSUP:
		return ErrUnsupported
	case zmq4.Errno(syscall.ENOENT):
		if op == OpUnbind || op == OpDisconnect {
			return ErrEndpointNotFound
		}
	case zmq4.Errno(syscall.EINVAL):
		switch op {
		case OpBind, OpConnect, OpUnbind, OpDisconnect:
			return ErrBadEndpoint
		case OpSetOption:
			return ErrBadOption
		}
	}
	return ErrSocket
}

// sentinels lists each sentinel with its wire code.
func sentinels() []struct {
	err  error
	code messages.ErrorCode
} {
	return []struct {
		err  error
		code messages.ErrorCode
	}{
		{ErrUnknownType, messages.ErrorCode_ERROR_CODE_UNKNOWN_SOCKET_TYPE},
		{ErrBadEndpoint, messages.ErrorCode_ERROR_CODE_INVALID_ENDPOINT},
		{ErrAddressInUse, messages.ErrorCode_ERROR_CODE_ADDRESS_IN_USE},
		{ErrEndpointNotFound, messages.ErrorCode_ERROR_CODE_ENDPOINT_NOT_FOUND},
		{ErrBadOption, messages.ErrorCode_ERROR_CODE_INVALID_OPTION},
		{ErrUnsupported, messages.ErrorCode_ERROR_CODE_UNSUPPORTED_OPERATION},
		{ErrBadMessage, messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE},
		{ErrTooLarge, messages.ErrorCode_ERROR_CODE_MESSAGE_TOO_LARGE},
		{ErrQueueFull, messages.ErrorCode_ERROR_CODE_SEND_QUEUE_FULL},
		{ErrHostUnreachable, messages.ErrorCode_ERROR_CODE_HOST_UNREACHABLE},
		{ErrClosed, messages.ErrorCode_ERROR_CODE_SOCKET_CLOSED},
		{ErrTerminated, messages.ErrorCode_ERROR_CODE_TERMINATED},
		{ErrRequestTimeout, messages.ErrorCode_ERROR_CODE_REQUEST_TIMEOUT},
		{ErrHandlerFailed, messages.ErrorCode_ERROR_CODE_HANDLER_FAILED},
		{ErrInsecureLink, messages.ErrorCode_ERROR_CODE_INSECURE_LINK},
		{ErrSocket, messages.ErrorCode_ERROR_CODE_SOCKET_FAILED},
		// After the others: an error of these is usually also one of the
		// above, whose code comes first (see Error.also).
		{ErrNoOwner, messages.ErrorCode_ERROR_CODE_NO_OWNER},
		{ErrBadKey, messages.ErrorCode_ERROR_CODE_BAD_KEY},
		{ErrBadCertificate, messages.ErrorCode_ERROR_CODE_BAD_CERTIFICATE},
	}
}

// ErrorToProto turns err into the Error event that carries it to another
// actor, possibly on another node. socket names the socket when err does not.
// Every sentinel of this package that err matches travels: the first, in
// the order of the codes, as its code, the others in also.
func ErrorToProto(socket string, err error) *messages.Error {
	out := &messages.Error{Socket: socket, Message: err.Error()}
	for _, c := range sentinels() {
		switch {
		case !errors.Is(err, c.err):
		case out.Code == messages.ErrorCode_ERROR_CODE_UNSPECIFIED:
			out.Code = c.code
		default:
			out.Also = append(out.Also, c.code)
		}
	}
	if out.Code == messages.ErrorCode_ERROR_CODE_UNSPECIFIED {
		out.Code = messages.ErrorCode_ERROR_CODE_SOCKET_FAILED
	}
	var errno zmq4.Errno
	if errors.As(err, &errno) {
		out.Errno = int32(errno)
	}
	var e *Error
	if errors.As(err, &e) {
		out.Operation, out.Endpoint = string(e.Op), e.Endpoint
		if e.Socket != "" {
			out.Socket = e.Socket
		}
	}
	return out
}

// ErrorFromProto turns an Error event back into an error that wraps the
// sentinels of its codes (code and also) and its zmq4.Errno, so errors.Is
// works on all of them.
func ErrorFromProto(m *messages.Error) error {
	if m == nil {
		return nil
	}
	causes := []error{sentinelOf(m.GetCode())}
	for _, c := range m.GetAlso() {
		causes = append(causes, sentinelOf(c))
	}
	if m.GetErrno() != 0 {
		causes = append(causes, zmq4.Errno(m.GetErrno()))
	}
	cause := causes[0]
	if len(causes) > 1 {
		args := make([]any, len(causes))
		for i, c := range causes {
			args[i] = c
		}
		cause = fmt.Errorf(strings.TrimSuffix(strings.Repeat("%w: ", len(causes)), ": "), args...)
	}
	text := m.GetMessage()
	if text == "" {
		text = cause.Error()
	}
	return &Error{Op: Op(m.GetOperation()), Socket: m.GetSocket(), Endpoint: m.GetEndpoint(), Err: cause, text: text}
}

// sentinelOf returns the sentinel of a wire code; ErrSocket for a code it
// does not know (from a newer peer).
func sentinelOf(code messages.ErrorCode) error {
	for _, c := range sentinels() {
		if c.code == code {
			return c.err
		}
	}
	return ErrSocket
}

// isAgain reports whether ZeroMQ said "not now" (EAGAIN).
func isAgain(err error) bool { return errors.Is(err, zmq4.Errno(syscall.EAGAIN)) }
