package sockets

import (
	"errors"
	"time"

	"github.com/pebbe/zmq4"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/messages"
)

// Option is one socket option and its value, as carried on the wire. Build
// one with the functions below (RoutingID, SendHWM, Linger, ...). Options are
// checked when a spec is validated and when applied; a bad one is refused with
// ErrBadOption (or ErrUnsupported when the socket type has no such option).
type Option = *messages.SocketOption

// RoutingID sets the socket's identity as peers' ROUTER sockets see it
// (ZMQ_ROUTING_ID): 1 to 255 bytes, not starting with a zero byte.
func RoutingID(id []byte) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_RoutingId{RoutingId: id}}
}

// SendHWM sets the most outbound messages queued per peer (ZMQ_SNDHWM); 0 is
// no limit. libzmq's default is 1000.
func SendHWM(n int) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_SendHighWaterMark{SendHighWaterMark: clampInt32(n)}}
}

// ReceiveHWM sets the most inbound messages queued per peer (ZMQ_RCVHWM); 0
// is no limit. libzmq's default is 1000.
func ReceiveHWM(n int) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ReceiveHighWaterMark{ReceiveHighWaterMark: clampInt32(n)}}
}

// Linger sets how long unsent messages are kept after close (ZMQ_LINGER), in
// whole milliseconds; a negative duration waits forever. The socket actor's
// default is DefaultLinger.
func Linger(d time.Duration) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_Linger{Linger: durationpb.New(d)}}
}

// ReconnectInterval sets the wait before reconnecting (ZMQ_RECONNECT_IVL); a
// negative duration never reconnects. libzmq's default is 100ms.
func ReconnectInterval(d time.Duration) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ReconnectInterval{ReconnectInterval: durationpb.New(d)}}
}

// ReconnectIntervalMax caps the exponential reconnect backoff
// (ZMQ_RECONNECT_IVL_MAX); zero, the default, means no backoff.
func ReconnectIntervalMax(d time.Duration) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ReconnectIntervalMax{ReconnectIntervalMax: durationpb.New(d)}}
}

// MaxMessageSize sets the largest inbound frame accepted, in bytes
// (ZMQ_MAXMSGSIZE); -1, the default, is no limit. ZeroMQ disconnects a peer
// that sends more; the socket also refuses to send a larger frame (ErrTooLarge).
func MaxMessageSize(n int64) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_MaxMessageSize{MaxMessageSize: n}}
}

// Immediate queues messages only to completed connections (ZMQ_IMMEDIATE).
func Immediate(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_Immediate{Immediate: on}}
}

// RouterMandatory makes a ROUTER refuse a message for an unknown peer with
// ErrHostUnreachable instead of dropping it (ZMQ_ROUTER_MANDATORY).
func RouterMandatory(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_RouterMandatory{RouterMandatory: on}}
}

// Conflate keeps only the last message (ZMQ_CONFLATE); single-part messages
// only. It applies to PUB, SUB, PUSH, PULL and DEALER.
func Conflate(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_Conflate{Conflate: on}}
}

// TCPKeepalive turns TCP keepalive probes on or off (ZMQ_TCP_KEEPALIVE) with
// the given idle time, probe interval and probe count; zero values keep the
// operating system's defaults. Durations are in whole seconds.
func TCPKeepalive(on bool, idle, interval time.Duration, count int) Option {
	mode := messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_OFF
	if on {
		mode = messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_ON
	}
	k := &messages.TcpKeepalive{Mode: mode, Count: clampInt32(count)}
	if idle != 0 {
		k.Idle = durationpb.New(idle)
	}
	if interval != 0 {
		k.Interval = durationpb.New(interval)
	}
	return &messages.SocketOption{Option: &messages.SocketOption_TcpKeepalive{TcpKeepalive: k}}
}

// Subscribe adds a topic prefix filter on a SUB socket (ZMQ_SUBSCRIBE); the
// empty prefix matches everything.
func Subscribe(prefix []byte) Option {
	if prefix == nil {
		prefix = []byte{}
	}
	return &messages.SocketOption{Option: &messages.SocketOption_Subscribe{Subscribe: prefix}}
}

// Unsubscribe removes one earlier Subscribe of the same prefix
// (ZMQ_UNSUBSCRIBE).
func Unsubscribe(prefix []byte) Option {
	if prefix == nil {
		prefix = []byte{}
	}
	return &messages.SocketOption{Option: &messages.SocketOption_Unsubscribe{Unsubscribe: prefix}}
}

// XPubVerbose makes an XPUB pass on every subscription (ZMQ_XPUB_VERBOSE).
func XPubVerbose(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_XpubVerbose{XpubVerbose: on}}
}

// XPubNoDrop makes an XPUB refuse a send at a subscriber's high-water mark
// (EAGAIN) instead of dropping it, as a PUB does (ZMQ_XPUB_NODROP). The
// message then waits in the send queue like any other type's.
func XPubNoDrop(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_XpubNodrop{XpubNodrop: on}}
}

// HeartbeatInterval makes the socket send a ZMTP PING to each peer at this
// interval (ZMQ_HEARTBEAT_IVL); zero, the default, sends none.
func HeartbeatInterval(d time.Duration) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_HeartbeatInterval{HeartbeatInterval: durationpb.New(d)}}
}

// HeartbeatTTL asks peers to close the connection when they hear nothing
// from this socket for d (ZMQ_HEARTBEAT_TTL): whole tenths of a second, up
// to 6553.5 s; zero is no limit.
func HeartbeatTTL(d time.Duration) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_HeartbeatTtl{HeartbeatTtl: durationpb.New(d)}}
}

// HeartbeatTimeout closes a connection whose peer answers no PING within d
// (ZMQ_HEARTBEAT_TIMEOUT); zero, the default, means the heartbeat interval.
func HeartbeatTimeout(d time.Duration) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_HeartbeatTimeout{HeartbeatTimeout: durationpb.New(d)}}
}

// IPv6 lets tcp endpoints use IPv6 addresses, such as tcp://[::1]:*
// (ZMQ_IPV6); off by default.
func IPv6(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_Ipv6{Ipv6: on}}
}

// ConnectTimeout bounds a tcp connect (ZMQ_CONNECT_TIMEOUT); zero, the
// default, leaves it to the operating system.
func ConnectTimeout(d time.Duration) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ConnectTimeout{ConnectTimeout: durationpb.New(d)}}
}

// RouterHandover makes a ROUTER give a routing id that a new peer claims
// to that peer, dropping the old connection, instead of refusing the new
// one (ZMQ_ROUTER_HANDOVER): a DEALER with a fixed routing id that restarts
// is served again. Server socket actors (actors.WithHandler) set it unless
// their spec says otherwise. ZeroMQ does not report it back.
func RouterHandover(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_RouterHandover{RouterHandover: on}}
}

// ProbeRouter makes a ROUTER, DEALER or REQ send an empty message to each
// peer it connects to (ZMQ_PROBE_ROUTER), so that a ROUTER peer learns its
// routing id at once. ZeroMQ does not report it back.
func ProbeRouter(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ProbeRouter{ProbeRouter: on}}
}

// ReqCorrelate makes a REQ add a request id to its requests and take only
// the reply that carries it (ZMQ_REQ_CORRELATE). ZeroMQ does not report it
// back.
func ReqCorrelate(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ReqCorrelate{ReqCorrelate: on}}
}

// ReqRelaxed lets a REQ send another request without the reply to the last
// (ZMQ_REQ_RELAXED). ZeroMQ does not report it back.
func ReqRelaxed(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ReqRelaxed{ReqRelaxed: on}}
}

// XPubManual makes an XPUB apply no subscription by itself
// (ZMQ_XPUB_MANUAL): its owner applies each PeerSubscription with a
// Subscribe or Unsubscribe option, which libzmq gives to the peer of the
// last subscription message received, so the owner should answer each in
// order before the next arrives. ZeroMQ does not report it back.
func XPubManual(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_XpubManual{XpubManual: on}}
}

// XPubWelcomeMessage makes an XPUB send msg to each new subscriber
// (ZMQ_XPUB_WELCOME_MSG); a SUB receives it if it subscribes to it. ZeroMQ
// does not report it back.
func XPubWelcomeMessage(msg []byte) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_XpubWelcomeMessage{XpubWelcomeMessage: msg}}
}

// InvertMatching makes a PUB or XPUB send each message to the subscribers
// whose subscriptions do not match it, and a SUB deliver the messages that
// match none of its subscriptions (ZMQ_INVERT_MATCHING). Both ends set it.
func InvertMatching(on bool) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_InvertMatching{InvertMatching: on}}
}

// TypeOfService sets the IP type-of-service byte of the socket's tcp
// connections (ZMQ_TOS), 0 to 255.
func TypeOfService(tos int) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_TypeOfService{TypeOfService: clampInt32(tos)}}
}

// SendBuffer sets the kernel's send buffer of the socket's tcp connections,
// in bytes (ZMQ_SNDBUF); -1, the default, is the operating system's.
func SendBuffer(n int) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_SendBuffer{SendBuffer: clampInt32(n)}}
}

// ReceiveBuffer sets the kernel's receive buffer, in bytes (ZMQ_RCVBUF);
// -1, the default, is the operating system's.
func ReceiveBuffer(n int) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ReceiveBuffer{ReceiveBuffer: clampInt32(n)}}
}

// Backlog sets the most tcp connections waiting to be accepted on a bound
// endpoint (ZMQ_BACKLOG); libzmq's default is 100.
func Backlog(n int) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_Backlog{Backlog: clampInt32(n)}}
}

func clampInt32(n int) int32 {
	switch {
	case n > 1<<31-1:
		return 1<<31 - 1
	case n < -1<<31:
		return -1 << 31
	}
	return int32(n)
}

// applyKeepalive sets all four keepalive options, a zero or unset one to
// the operating system's default (-1), so that one setting replaces the
// last whole.
func applyKeepalive(zs *zmq4.Socket, k *messages.TcpKeepalive) error {
	mode := -1
	switch k.Mode {
	case messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_ON:
		mode = 1
	case messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_OFF:
		mode = 0
	}
	seconds := func(d *durationpb.Duration) int {
		if s := int(d.AsDuration() / time.Second); s > 0 {
			return s
		}
		return -1
	}
	count := int(k.Count)
	if count == 0 {
		count = -1
	}
	return errors.Join(zs.SetTcpKeepalive(mode), zs.SetTcpKeepaliveIdle(seconds(k.Idle)),
		zs.SetTcpKeepaliveIntvl(seconds(k.Interval)), zs.SetTcpKeepaliveCnt(count))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SubscriptionFrame returns the subscription message that an XSUB sends
// upstream for a Subscribe or Unsubscribe option: 1 or 0, then the prefix.
// ok is false for any other option.
func SubscriptionFrame(o Option) (frame []byte, ok bool) {
	switch v := o.GetOption().(type) {
	case *messages.SocketOption_Subscribe:
		return append([]byte{1}, v.Subscribe...), true
	case *messages.SocketOption_Unsubscribe:
		return append([]byte{0}, v.Unsubscribe...), true
	}
	return nil, false
}
