package sockets

import (
	"fmt"
	"strings"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/messages"
)

// Type is a ZeroMQ socket type. Its values equal the wire enum
// messages.SocketType, so Type(messages.SocketType_SOCKET_TYPE_PUSH) == Push.
// The zero value is no type; a spec with it is refused with ErrUnknownType.
type Type int32

// The ZeroMQ socket types.
const (
	Pair   = Type(messages.SocketType_SOCKET_TYPE_PAIR)
	Pub    = Type(messages.SocketType_SOCKET_TYPE_PUB)
	Sub    = Type(messages.SocketType_SOCKET_TYPE_SUB)
	Req    = Type(messages.SocketType_SOCKET_TYPE_REQ)
	Rep    = Type(messages.SocketType_SOCKET_TYPE_REP)
	Dealer = Type(messages.SocketType_SOCKET_TYPE_DEALER)
	Router = Type(messages.SocketType_SOCKET_TYPE_ROUTER)
	Pull   = Type(messages.SocketType_SOCKET_TYPE_PULL)
	Push   = Type(messages.SocketType_SOCKET_TYPE_PUSH)
	XPub   = Type(messages.SocketType_SOCKET_TYPE_XPUB)
	XSub   = Type(messages.SocketType_SOCKET_TYPE_XSUB)
	// Stream talks to raw TCP peers (ZMQ_STREAM): each message is [peer id,
	// data], and an empty data frame marks a connection or disconnection.
	Stream = Type(messages.SocketType_SOCKET_TYPE_STREAM)
)

// Types lists every socket type, in wire order.
func Types() []Type {
	return []Type{Pair, Pub, Sub, Req, Rep, Dealer, Router, Pull, Push, XPub, XSub, Stream}
}

// String returns the ZeroMQ name of the type, such as "PUSH".
func (t Type) String() string {
	if !t.Valid() {
		return fmt.Sprintf("Type(%d)", int32(t))
	}
	return strings.TrimPrefix(messages.SocketType(t).String(), "SOCKET_TYPE_")
}

// Valid reports whether t is one of the ZeroMQ socket types.
func (t Type) Valid() bool { return t >= Pair && t <= Stream }

// ParseType returns the type named s, such as "push" or "DEALER"; "XREQ" and
// "XREP" are taken for DEALER and ROUTER.
func ParseType(s string) (Type, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	switch name {
	case "XREQ":
		return Dealer, nil
	case "XREP":
		return Router, nil
	}
	if v, ok := messages.SocketType_value["SOCKET_TYPE_"+name]; ok && Type(v).Valid() {
		return Type(v), nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownType, s)
}

// Proto returns the wire enum of t.
func (t Type) Proto() messages.SocketType { return messages.SocketType(t) }

// CanSend reports whether sockets of type t send messages.
func (t Type) CanSend() bool { return t.Valid() && t != Sub && t != Pull }

// CanReceive reports whether sockets of type t receive messages.
func (t Type) CanReceive() bool { return t.Valid() && t != Pub && t != Push }

// Compatible reports whether a socket of type t can talk to one of type peer,
// as the ZeroMQ RFCs allow.
func (t Type) Compatible(peer Type) bool {
	for _, p := range peers(t) {
		if p == peer {
			return true
		}
	}
	return false
}

func peers(t Type) []Type {
	switch t {
	case Pair:
		return []Type{Pair}
	case Pub, XPub:
		return []Type{Sub, XSub}
	case Sub, XSub:
		return []Type{Pub, XPub}
	case Req:
		return []Type{Rep, Router}
	case Rep:
		return []Type{Req, Dealer}
	case Dealer:
		return []Type{Rep, Dealer, Router}
	case Router:
		return []Type{Req, Dealer, Router}
	case Pull:
		return []Type{Push}
	case Push:
		return []Type{Pull}
	}
	return nil
}

// zmq returns the pebbe/zmq4 type: the wire value minus one.
func (t Type) zmq() zmq4.Type { return zmq4.Type(t - 1) }
