package sockets

import (
	"fmt"
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

func clampInt32(n int) int32 {
	switch {
	case n > 1<<31-1:
		return 1<<31 - 1
	case n < -1<<31:
		return -1 << 31
	}
	return int32(n)
}

// OptionName returns the ZeroMQ name of the option o sets, such as
// "ZMQ_SNDHWM", or "" if o sets none.
func OptionName(o Option) string {
	switch o.GetOption().(type) {
	case *messages.SocketOption_RoutingId:
		return "ZMQ_ROUTING_ID"
	case *messages.SocketOption_SendHighWaterMark:
		return "ZMQ_SNDHWM"
	case *messages.SocketOption_ReceiveHighWaterMark:
		return "ZMQ_RCVHWM"
	case *messages.SocketOption_Linger:
		return "ZMQ_LINGER"
	case *messages.SocketOption_ReconnectInterval:
		return "ZMQ_RECONNECT_IVL"
	case *messages.SocketOption_ReconnectIntervalMax:
		return "ZMQ_RECONNECT_IVL_MAX"
	case *messages.SocketOption_MaxMessageSize:
		return "ZMQ_MAXMSGSIZE"
	case *messages.SocketOption_Immediate:
		return "ZMQ_IMMEDIATE"
	case *messages.SocketOption_RouterMandatory:
		return "ZMQ_ROUTER_MANDATORY"
	case *messages.SocketOption_Conflate:
		return "ZMQ_CONFLATE"
	case *messages.SocketOption_TcpKeepalive:
		return "ZMQ_TCP_KEEPALIVE"
	case *messages.SocketOption_Subscribe:
		return "ZMQ_SUBSCRIBE"
	case *messages.SocketOption_Unsubscribe:
		return "ZMQ_UNSUBSCRIBE"
	case *messages.SocketOption_XpubVerbose:
		return "ZMQ_XPUB_VERBOSE"
	case *messages.SocketOption_XpubNodrop:
		return "ZMQ_XPUB_NODROP"
	case *messages.SocketOption_CurveServer:
		return "ZMQ_CURVE_SERVER"
	case *messages.SocketOption_CurveClient:
		return "ZMQ_CURVE_SERVERKEY"
	case *messages.SocketOption_PlainServer:
		return "ZMQ_PLAIN_SERVER"
	case *messages.SocketOption_PlainClient:
		return "ZMQ_PLAIN_USERNAME"
	case *messages.SocketOption_ZapDomain:
		return "ZMQ_ZAP_DOMAIN"
	case *messages.SocketOption_HandshakeInterval:
		return "ZMQ_HANDSHAKE_IVL"
	}
	return ""
}

// CheckOption reports whether o is a valid option for a socket of type t: a
// clear ErrBadOption for a bad value, ErrUnsupported for an option the type
// does not have. It calls no ZeroMQ function.
func CheckOption(t Type, o Option) error {
	name := OptionName(o)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadOption, name, fmt.Sprintf(format, args...))
	}
	only := func(types ...Type) error {
		for _, x := range types {
			if x == t {
				return nil
			}
		}
		return fmt.Errorf("%w: %s does not apply to a %v socket", ErrUnsupported, name, t)
	}
	switch v := o.GetOption().(type) {
	case nil:
		return fmt.Errorf("%w: no option set", ErrBadOption)
	case *messages.SocketOption_RoutingId:
		if n := len(v.RoutingId); n == 0 || n > 255 {
			return bad("routing id of %d bytes, want 1 to 255", n)
		}
		if v.RoutingId[0] == 0 {
			return bad("routing id starts with a zero byte, which ZeroMQ reserves")
		}
	case *messages.SocketOption_SendHighWaterMark:
		if v.SendHighWaterMark < 0 {
			return bad("%d is negative", v.SendHighWaterMark)
		}
	case *messages.SocketOption_ReceiveHighWaterMark:
		if v.ReceiveHighWaterMark < 0 {
			return bad("%d is negative", v.ReceiveHighWaterMark)
		}
	case *messages.SocketOption_Linger:
		if err := checkMillis(v.Linger); err != nil {
			return bad("%v", err)
		}
	case *messages.SocketOption_ReconnectInterval:
		if err := checkMillis(v.ReconnectInterval); err != nil {
			return bad("%v", err)
		}
	case *messages.SocketOption_ReconnectIntervalMax:
		if err := checkMillis(v.ReconnectIntervalMax); err != nil {
			return bad("%v", err)
		}
		if v.ReconnectIntervalMax.AsDuration() < 0 {
			return bad("%v is negative", v.ReconnectIntervalMax.AsDuration())
		}
	case *messages.SocketOption_MaxMessageSize:
		if v.MaxMessageSize < -1 {
			return bad("%d, want -1 (no limit) or more", v.MaxMessageSize)
		}
	case *messages.SocketOption_Immediate:
	case *messages.SocketOption_RouterMandatory:
		return only(Router)
	case *messages.SocketOption_Conflate:
		return only(Pub, Sub, Push, Pull, Dealer)
	case *messages.SocketOption_TcpKeepalive:
		k := v.TcpKeepalive
		if k == nil {
			return bad("no keepalive settings")
		}
		if _, ok := messages.TcpKeepaliveMode_name[int32(k.Mode)]; !ok {
			return bad("unknown mode %d", k.Mode)
		}
		if k.Count < 0 {
			return bad("probe count %d is negative", k.Count)
		}
		for _, d := range []*durationpb.Duration{k.Idle, k.Interval} {
			if d == nil {
				continue
			}
			if err := d.CheckValid(); err != nil || d.AsDuration() < 0 || d.AsDuration()%time.Second != 0 {
				return bad("keepalive times must be whole, non-negative seconds, got %v", d.AsDuration())
			}
		}
	case *messages.SocketOption_Subscribe, *messages.SocketOption_Unsubscribe:
		return only(Sub, XSub)
	case *messages.SocketOption_XpubVerbose, *messages.SocketOption_XpubNodrop:
		return only(XPub)
	default:
		if handled, err := checkSecurity(o); handled {
			return err
		}
		return fmt.Errorf("%w: unknown option %T", ErrBadOption, v)
	}
	return nil
}

// checkMillis checks a duration that ZeroMQ takes in whole milliseconds
// (negative meaning "infinite" or "never").
func checkMillis(d *durationpb.Duration) error {
	if d == nil {
		return fmt.Errorf("no duration")
	}
	if err := d.CheckValid(); err != nil {
		return err
	}
	v := d.AsDuration()
	if v >= 0 && v%time.Millisecond != 0 {
		return fmt.Errorf("%v is not a whole number of milliseconds", v)
	}
	if v/time.Millisecond > 1<<31-1 {
		return fmt.Errorf("%v is too long", v)
	}
	return nil
}

// millis converts a checked duration to ZeroMQ's milliseconds, -1 for any
// negative duration.
func millis(d *durationpb.Duration) int {
	v := d.AsDuration()
	if v < 0 {
		return -1
	}
	return int(v / time.Millisecond)
}

// apply sets o on zs. The option must have passed CheckOption.
func apply(zs *zmq4.Socket, o Option) error {
	switch v := o.GetOption().(type) {
	case *messages.SocketOption_RoutingId:
		return zs.SetIdentity(string(v.RoutingId))
	case *messages.SocketOption_SendHighWaterMark:
		return zs.SetSndhwm(int(v.SendHighWaterMark))
	case *messages.SocketOption_ReceiveHighWaterMark:
		return zs.SetRcvhwm(int(v.ReceiveHighWaterMark))
	case *messages.SocketOption_Linger:
		return zs.SetLinger(time.Duration(millis(v.Linger)) * time.Millisecond)
	case *messages.SocketOption_ReconnectInterval:
		return zs.SetReconnectIvl(time.Duration(millis(v.ReconnectInterval)) * time.Millisecond)
	case *messages.SocketOption_ReconnectIntervalMax:
		return zs.SetReconnectIvlMax(v.ReconnectIntervalMax.AsDuration())
	case *messages.SocketOption_MaxMessageSize:
		return zs.SetMaxmsgsize(v.MaxMessageSize)
	case *messages.SocketOption_Immediate:
		return zs.SetImmediate(v.Immediate)
	case *messages.SocketOption_RouterMandatory:
		return zs.SetRouterMandatory(boolInt(v.RouterMandatory))
	case *messages.SocketOption_Conflate:
		return zs.SetConflate(v.Conflate)
	case *messages.SocketOption_TcpKeepalive:
		return applyKeepalive(zs, v.TcpKeepalive)
	case *messages.SocketOption_Subscribe:
		return zs.SetSubscribe(string(v.Subscribe))
	case *messages.SocketOption_Unsubscribe:
		return zs.SetUnsubscribe(string(v.Unsubscribe))
	case *messages.SocketOption_XpubVerbose:
		return zs.SetXpubVerbose(boolInt(v.XpubVerbose))
	case *messages.SocketOption_XpubNodrop:
		return zs.SetXpubNodrop(v.XpubNodrop)
	}
	if handled, err := applySecurity(zs, o); handled {
		return err
	}
	return fmt.Errorf("%w: unknown option %T", ErrBadOption, o.GetOption())
}

func applyKeepalive(zs *zmq4.Socket, k *messages.TcpKeepalive) error {
	mode := -1
	switch k.Mode {
	case messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_ON:
		mode = 1
	case messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_OFF:
		mode = 0
	}
	if err := zs.SetTcpKeepalive(mode); err != nil {
		return err
	}
	if k.Idle != nil {
		if err := zs.SetTcpKeepaliveIdle(int(k.Idle.AsDuration() / time.Second)); err != nil {
			return err
		}
	}
	if k.Interval != nil {
		if err := zs.SetTcpKeepaliveIntvl(int(k.Interval.AsDuration() / time.Second)); err != nil {
			return err
		}
	}
	if k.Count > 0 {
		return zs.SetTcpKeepaliveCnt(int(k.Count))
	}
	return nil
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
