package sockets

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/zmqactor/zmqactor/messages"
)

// DefaultSendQueueLimit is the send queue bound of a spec that sets none.
const DefaultSendQueueLimit = 1000

// Spec says how to build a socket: type, options, binds and connects. The
// zero value is not valid: Type is required. A Spec is a plain value; Clone
// it before sharing it between goroutines that change it.
type Spec struct {
	// Name identifies the socket in events and errors. Optional.
	Name string
	// Type is the socket's pattern. Required.
	Type Type
	// Options are applied in order before any bind or connect.
	Options []Option
	// Binds are bound at open, in order; "tcp://127.0.0.1:*" picks a port.
	Binds []string
	// Connects are connected at open, in order, after the binds.
	Connects []string
	// SendQueueLimit bounds the messages kept while ZeroMQ refuses sends at
	// its high-water mark; 0 means DefaultSendQueueLimit.
	SendQueueLimit int
}

// Validate reports the first problem with s: ErrUnknownType, ErrBadOption,
// ErrUnsupported (an option the type lacks) or ErrBadEndpoint. It calls no
// ZeroMQ function.
func (s Spec) Validate() error {
	if !s.Type.Valid() {
		return opError(OpOpen, s.Name, "", ErrUnknownType, s.Type.String())
	}
	for _, o := range s.Options {
		if err := CheckOption(s.Type, o); err != nil {
			return &Error{Op: OpSetOption, Socket: s.Name, Err: err}
		}
	}
	for _, e := range s.Binds {
		if err := CheckEndpoint(e); err != nil {
			return &Error{Op: OpBind, Socket: s.Name, Endpoint: e, Err: err}
		}
	}
	for _, e := range s.Connects {
		if err := CheckEndpoint(e); err != nil {
			return &Error{Op: OpConnect, Socket: s.Name, Endpoint: e, Err: err}
		}
	}
	if s.SendQueueLimit < 0 {
		return opError(OpOpen, s.Name, "", ErrBadOption, fmt.Sprintf("send queue limit %d is negative", s.SendQueueLimit))
	}
	return nil
}

// CheckEndpoint reports whether e has the form "transport://address" with a
// transport ZeroMQ knows. Whether the address can be used is found out only
// by binding or connecting it.
func CheckEndpoint(e string) error {
	transport, addr, ok := strings.Cut(e, "://")
	if !ok || addr == "" {
		return fmt.Errorf("%w: %q is not transport://address", ErrBadEndpoint, e)
	}
	switch transport {
	case "tcp", "ipc", "inproc", "pgm", "epgm", "tipc", "vmci", "udp", "ws", "wss":
		return nil
	}
	return fmt.Errorf("%w: unknown transport %q in %q", ErrBadEndpoint, transport, e)
}

// Clone returns a deep copy of s.
func (s Spec) Clone() Spec {
	c := s
	c.Options = make([]Option, len(s.Options))
	for i, o := range s.Options {
		c.Options[i] = proto.Clone(o).(Option)
	}
	c.Binds = append([]string(nil), s.Binds...)
	c.Connects = append([]string(nil), s.Connects...)
	return c
}

// queueLimit is the effective send queue bound.
func (s Spec) queueLimit() int {
	if s.SendQueueLimit == 0 {
		return DefaultSendQueueLimit
	}
	return s.SendQueueLimit
}

// Proto returns s as the wire message SocketSpec.
func (s Spec) Proto() *messages.SocketSpec {
	c := s.Clone()
	return &messages.SocketSpec{
		Name:           c.Name,
		Type:           c.Type.Proto(),
		Options:        c.Options,
		Binds:          c.Binds,
		Connects:       c.Connects,
		SendQueueLimit: uint32(c.SendQueueLimit),
	}
}

// SpecFromProto returns the Spec that m describes, validated.
func SpecFromProto(m *messages.SocketSpec) (Spec, error) {
	if m == nil {
		return Spec{}, opError(OpOpen, "", "", ErrUnknownType, "no spec")
	}
	if m.GetSendQueueLimit() > 1<<31-1 {
		return Spec{}, opError(OpOpen, m.GetName(), "", ErrBadOption, "send queue limit too large")
	}
	s := Spec{
		Name:           m.GetName(),
		Type:           Type(m.GetType()),
		Options:        m.GetOptions(),
		Binds:          m.GetBinds(),
		Connects:       m.GetConnects(),
		SendQueueLimit: int(m.GetSendQueueLimit()),
	}.Clone()
	return s, s.Validate()
}
