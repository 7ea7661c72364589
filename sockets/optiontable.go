package sockets

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pebbe/zmq4"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/messages"
)

// Every option is described once, in optionTable: its ZeroMQ name, the
// socket types that have it, what values it takes, how it is set and, when
// ZeroMQ reports it, how it is read back. OptionName, CheckOption, apply and
// Socket.GetOption all work from the table.

// optionSpec describes the option of one field of messages.SocketOption.
type optionSpec struct {
	field protoreflect.Name // the oneof field
	name  string            // the ZeroMQ name, such as "ZMQ_SNDHWM"
	types []Type            // the types that have it; nil: every type
	// check refuses a bad value with the whole error; nil takes any.
	check func(v protoreflect.Value) error
	set   func(zs *zmq4.Socket, v protoreflect.Value) error
	// get reads the value back; nil when ZeroMQ does not report it
	// (write-only options, secrets).
	get func(zs *zmq4.Socket) (protoreflect.Value, error)
}

// optionTable returns the options by field name, built once.
var optionTable = sync.OnceValue(func() map[protoreflect.Name]*optionSpec {
	specs := []*optionSpec{
		{field: "routing_id", name: "ZMQ_ROUTING_ID", check: checkRoutingID,
			set: func(zs *zmq4.Socket, v protoreflect.Value) error { return zs.SetIdentity(string(v.Bytes())) },
			get: getBytes((*zmq4.Socket).GetIdentity)},
		intOption("send_high_water_mark", "ZMQ_SNDHWM", 0, 1<<31-1, nil, (*zmq4.Socket).SetSndhwm, (*zmq4.Socket).GetSndhwm),
		intOption("receive_high_water_mark", "ZMQ_RCVHWM", 0, 1<<31-1, nil, (*zmq4.Socket).SetRcvhwm, (*zmq4.Socket).GetRcvhwm),
		millisOption("linger", "ZMQ_LINGER", true, (*zmq4.Socket).SetLinger, (*zmq4.Socket).GetLinger),
		millisOption("reconnect_interval", "ZMQ_RECONNECT_IVL", true, (*zmq4.Socket).SetReconnectIvl, (*zmq4.Socket).GetReconnectIvl),
		millisOption("reconnect_interval_max", "ZMQ_RECONNECT_IVL_MAX", false, (*zmq4.Socket).SetReconnectIvlMax, (*zmq4.Socket).GetReconnectIvlMax),
		{field: "max_message_size", name: "ZMQ_MAXMSGSIZE", check: rangeCheck("ZMQ_MAXMSGSIZE", -1, 1<<63-1),
			set: func(zs *zmq4.Socket, v protoreflect.Value) error { return zs.SetMaxmsgsize(v.Int()) },
			get: func(zs *zmq4.Socket) (protoreflect.Value, error) {
				n, err := zs.GetMaxmsgsize()
				return protoreflect.ValueOfInt64(n), err
			}},
		boolOption("immediate", "ZMQ_IMMEDIATE", nil, (*zmq4.Socket).SetImmediate, (*zmq4.Socket).GetImmediate),
		boolOption("router_mandatory", "ZMQ_ROUTER_MANDATORY", []Type{Router}, setBoolInt((*zmq4.Socket).SetRouterMandatory), nil),
		boolOption("conflate", "ZMQ_CONFLATE", []Type{Pub, Sub, Push, Pull, Dealer}, (*zmq4.Socket).SetConflate, getRawBool(rawConflate)),
		{field: "tcp_keepalive", name: "ZMQ_TCP_KEEPALIVE", check: checkKeepalive,
			set: func(zs *zmq4.Socket, v protoreflect.Value) error {
				return applyKeepalive(zs, v.Message().Interface().(*messages.TcpKeepalive))
			},
			get: getKeepalive},
		{field: "subscribe", name: "ZMQ_SUBSCRIBE", types: []Type{Sub, XSub, XPub},
			set: func(zs *zmq4.Socket, v protoreflect.Value) error { return zs.SetSubscribe(string(v.Bytes())) }},
		{field: "unsubscribe", name: "ZMQ_UNSUBSCRIBE", types: []Type{Sub, XSub, XPub},
			set: func(zs *zmq4.Socket, v protoreflect.Value) error { return zs.SetUnsubscribe(string(v.Bytes())) }},
		boolOption("xpub_verbose", "ZMQ_XPUB_VERBOSE", []Type{XPub}, setBoolInt((*zmq4.Socket).SetXpubVerbose), nil),
		boolOption("xpub_nodrop", "ZMQ_XPUB_NODROP", []Type{XPub}, (*zmq4.Socket).SetXpubNodrop, nil),
		// Security: checked and set by security.go; the keys are never read
		// back.
		securityOption("curve_server", "ZMQ_CURVE_SERVER", nil),
		securityOption("curve_client", "ZMQ_CURVE_SERVERKEY", nil),
		securityOption("plain_server", "ZMQ_PLAIN_SERVER", func(zs *zmq4.Socket) (protoreflect.Value, error) {
			n, err := zs.GetPlainServer()
			return protoreflect.ValueOfBool(n != 0), err
		}),
		securityOption("plain_client", "ZMQ_PLAIN_USERNAME", nil),
		securityOption("zap_domain", "ZMQ_ZAP_DOMAIN", func(zs *zmq4.Socket) (protoreflect.Value, error) {
			d, err := zs.GetZapDomain()
			return protoreflect.ValueOfString(d), err
		}),
		securityOption("handshake_interval", "ZMQ_HANDSHAKE_IVL", getMillis((*zmq4.Socket).GetHandshakeIvl)),
		millisOption("heartbeat_interval", "ZMQ_HEARTBEAT_IVL", false, (*zmq4.Socket).SetHeartbeatIvl, getRawMillis(rawHeartbeatIvl)),
		{field: "heartbeat_ttl", name: "ZMQ_HEARTBEAT_TTL", check: checkHeartbeatTTL,
			set: setDuration((*zmq4.Socket).SetHeartbeatTtl), get: getMillis(getRawMillis(rawHeartbeatTTL))},
		millisOption("heartbeat_timeout", "ZMQ_HEARTBEAT_TIMEOUT", false, (*zmq4.Socket).SetHeartbeatTimeout, getRawMillis(rawHeartbeatTimeout)),
		boolOption("ipv6", "ZMQ_IPV6", nil, (*zmq4.Socket).SetIpv6, (*zmq4.Socket).GetIpv6),
		millisOption("connect_timeout", "ZMQ_CONNECT_TIMEOUT", false, (*zmq4.Socket).SetConnectTimeout, (*zmq4.Socket).GetConnectTimeout),
		boolOption("router_handover", "ZMQ_ROUTER_HANDOVER", []Type{Router}, (*zmq4.Socket).SetRouterHandover, nil),
		boolOption("probe_router", "ZMQ_PROBE_ROUTER", []Type{Router, Dealer, Req}, setBoolInt((*zmq4.Socket).SetProbeRouter), nil),
		boolOption("req_correlate", "ZMQ_REQ_CORRELATE", []Type{Req}, setBoolInt((*zmq4.Socket).SetReqCorrelate), nil),
		boolOption("req_relaxed", "ZMQ_REQ_RELAXED", []Type{Req}, setBoolInt((*zmq4.Socket).SetReqRelaxed), nil),
		boolOption("xpub_manual", "ZMQ_XPUB_MANUAL", []Type{XPub}, setBoolInt((*zmq4.Socket).SetXpubManual), nil),
		{field: "xpub_welcome_message", name: "ZMQ_XPUB_WELCOME_MSG", types: []Type{XPub},
			set: func(zs *zmq4.Socket, v protoreflect.Value) error { return zs.SetXpubWelcomeMsg(string(v.Bytes())) }},
		boolOption("invert_matching", "ZMQ_INVERT_MATCHING", []Type{Pub, XPub, Sub}, setBoolInt((*zmq4.Socket).SetInvertMatching),
			func(zs *zmq4.Socket) (bool, error) { n, err := zs.GetInvertMatching(); return n != 0, err }),
		intOption("type_of_service", "ZMQ_TOS", 0, 255, nil, (*zmq4.Socket).SetTos, (*zmq4.Socket).GetTos),
		intOption("send_buffer", "ZMQ_SNDBUF", -1, 1<<31-1, nil, (*zmq4.Socket).SetSndbuf, (*zmq4.Socket).GetSndbuf),
		intOption("receive_buffer", "ZMQ_RCVBUF", -1, 1<<31-1, nil, (*zmq4.Socket).SetRcvbuf, (*zmq4.Socket).GetRcvbuf),
		intOption("backlog", "ZMQ_BACKLOG", 0, 1<<31-1, nil, (*zmq4.Socket).SetBacklog, (*zmq4.Socket).GetBacklog),
	}
	table := make(map[protoreflect.Name]*optionSpec, len(specs))
	for _, s := range specs {
		table[s.field] = s
	}
	return table
})

// specOf returns the description of o's option, with the field and its
// value; nil when o sets none.
func specOf(o Option) (*optionSpec, protoreflect.Value) {
	m := o.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("option"))
	if fd == nil {
		return nil, protoreflect.Value{}
	}
	return optionTable()[fd.Name()], m.Get(fd)
}

// OptionName returns the ZeroMQ name of the option o sets, such as
// "ZMQ_SNDHWM", or "" if o sets none.
func OptionName(o Option) string {
	if s, _ := specOf(o); s != nil {
		return s.name
	}
	return ""
}

// OptionNames returns the ZeroMQ name of every option a socket takes, as
// GetOption knows them, sorted.
func OptionNames() []string {
	var names []string
	for _, s := range optionTable() {
		names = append(names, s.name)
	}
	slices.Sort(names)
	return names
}

// CheckOption reports whether o is a valid option for a socket of type t: a
// clear ErrBadOption for a bad value, ErrUnsupported for an option the type
// does not have. It calls no ZeroMQ function.
func CheckOption(t Type, o Option) error {
	if o.GetOption() == nil {
		return fmt.Errorf("%w: no option set", ErrBadOption)
	}
	s, v := specOf(o)
	if s == nil {
		return fmt.Errorf("%w: unknown option %T", ErrBadOption, o.GetOption())
	}
	if s.types != nil && !slices.Contains(s.types, t) {
		return fmt.Errorf("%w: %s does not apply to a %v socket", ErrUnsupported, s.name, t)
	}
	if s.check != nil {
		return s.check(v)
	}
	return nil
}

// Restorable reports whether o, set on a socket of type t, belongs in its
// spec, to be set again on a socket opened anew: not an XPUB's (manual)
// subscription, which applies to the connection of one peer, gone with the
// socket.
func Restorable(t Type, o Option) bool {
	switch o.GetOption().(type) {
	case *messages.SocketOption_Subscribe, *messages.SocketOption_Unsubscribe:
		return t != XPub
	}
	return true
}

// apply sets o on zs. The option must have passed CheckOption.
func apply(zs *zmq4.Socket, o Option) error {
	s, v := specOf(o)
	if s == nil {
		return fmt.Errorf("%w: unknown option %T", ErrBadOption, o.GetOption())
	}
	return s.set(zs, v)
}

// GetOption returns the option named name (a ZeroMQ name, such as
// "ZMQ_SNDHWM"; see OptionNames) with the value ZeroMQ reports for the
// socket now. A name that is no option fails with ErrBadOption; an option
// ZeroMQ does not report (a write-only one such as ZMQ_ROUTER_HANDOVER, or a
// secret key) with ErrUnsupported, as does one the socket's type lacks.
func (s *Socket) GetOption(name string) (Option, error) {
	if s.closed {
		return nil, opError(OpGetOption, s.name, "", ErrClosed, "")
	}
	var spec *optionSpec
	for _, x := range optionTable() {
		if x.name == name {
			spec = x
		}
	}
	switch {
	case spec == nil:
		return nil, opError(OpGetOption, s.name, "", ErrBadOption, fmt.Sprintf("%q is no option a socket takes", name))
	case spec.types != nil && !slices.Contains(spec.types, s.typ):
		return nil, opError(OpGetOption, s.name, "", ErrUnsupported, fmt.Sprintf("%s does not apply to a %v socket", name, s.typ))
	case spec.get == nil:
		return nil, opError(OpGetOption, s.name, "", ErrUnsupported, fmt.Sprintf("ZeroMQ does not report %s: it is write-only, or a secret", name))
	}
	v, err := spec.get(s.zs)
	if err != nil {
		return nil, zmqError(OpGetOption, s.name, "", err)
	}
	o := &messages.SocketOption{}
	m := o.ProtoReflect()
	m.Set(m.Descriptor().Fields().ByName(spec.field), v)
	return o, nil
}

// The kinds of option values.

func intOption(field protoreflect.Name, name string, lo, hi int64, types []Type,
	set func(*zmq4.Socket, int) error, get func(*zmq4.Socket) (int, error)) *optionSpec {
	return &optionSpec{field: field, name: name, types: types, check: rangeCheck(name, lo, hi),
		set: func(zs *zmq4.Socket, v protoreflect.Value) error { return set(zs, int(v.Int())) },
		get: func(zs *zmq4.Socket) (protoreflect.Value, error) {
			n, err := get(zs)
			return protoreflect.ValueOfInt32(int32(n)), err
		}}
}

func boolOption(field protoreflect.Name, name string, types []Type,
	set func(*zmq4.Socket, bool) error, get func(*zmq4.Socket) (bool, error)) *optionSpec {
	s := &optionSpec{field: field, name: name, types: types,
		set: func(zs *zmq4.Socket, v protoreflect.Value) error { return set(zs, v.Bool()) }}
	if get != nil {
		s.get = func(zs *zmq4.Socket) (protoreflect.Value, error) {
			b, err := get(zs)
			return protoreflect.ValueOfBool(b), err
		}
	}
	return s
}

// millisOption is a duration ZeroMQ takes in whole milliseconds; negative
// means "forever" or "never" where negative is allowed.
func millisOption(field protoreflect.Name, name string, negative bool,
	set func(*zmq4.Socket, time.Duration) error, get func(*zmq4.Socket) (time.Duration, error)) *optionSpec {
	return &optionSpec{field: field, name: name,
		check: func(v protoreflect.Value) error {
			d := durationOf(v)
			if err := checkMillis(d); err != nil {
				return badOption(name, "%v", err)
			}
			if !negative && d.AsDuration() < 0 {
				return badOption(name, "%v is negative", d.AsDuration())
			}
			return nil
		},
		set: func(zs *zmq4.Socket, v protoreflect.Value) error {
			return set(zs, time.Duration(millis(durationOf(v)))*time.Millisecond)
		},
		get: getMillis(get)}
}

func securityOption(field protoreflect.Name, name string, get func(*zmq4.Socket) (protoreflect.Value, error)) *optionSpec {
	o := &optionSpec{field: field, name: name, get: get}
	o.check = func(v protoreflect.Value) error {
		_, err := checkSecurity(optionWith(field, v))
		return err
	}
	o.set = func(zs *zmq4.Socket, v protoreflect.Value) error {
		_, err := applySecurity(zs, optionWith(field, v))
		return err
	}
	return o
}

// optionWith returns the option that sets field to v.
func optionWith(field protoreflect.Name, v protoreflect.Value) Option {
	o := &messages.SocketOption{}
	m := o.ProtoReflect()
	m.Set(m.Descriptor().Fields().ByName(field), v)
	return o
}

func badOption(name, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrBadOption, name, fmt.Sprintf(format, args...))
}

func rangeCheck(name string, lo, hi int64) func(protoreflect.Value) error {
	return func(v protoreflect.Value) error {
		switch n := v.Int(); {
		case n < lo && lo == 0:
			return badOption(name, "%d is negative", n)
		case n < lo:
			return badOption(name, "%d, want %d or more", n, lo)
		case n > hi:
			return badOption(name, "%d, want at most %d", n, hi)
		}
		return nil
	}
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

func checkRoutingID(v protoreflect.Value) error {
	id := v.Bytes()
	if n := len(id); n == 0 || n > 255 {
		return badOption("ZMQ_ROUTING_ID", "routing id of %d bytes, want 1 to 255", n)
	}
	if id[0] == 0 {
		return badOption("ZMQ_ROUTING_ID", "routing id starts with a zero byte, which ZeroMQ reserves")
	}
	return nil
}

// checkHeartbeatTTL: libzmq keeps the TTL in tenths of a second, in 16 bits.
func checkHeartbeatTTL(v protoreflect.Value) error {
	d := durationOf(v)
	if err := d.CheckValid(); err != nil {
		return badOption("ZMQ_HEARTBEAT_TTL", "%v", err)
	}
	if t := d.AsDuration(); t < 0 || t%(100*time.Millisecond) != 0 || t > 6553500*time.Millisecond {
		return badOption("ZMQ_HEARTBEAT_TTL", "%v, want whole tenths of a second from 0 to 6553.5s", t)
	}
	return nil
}

func checkKeepalive(v protoreflect.Value) error {
	k := v.Message().Interface().(*messages.TcpKeepalive)
	if k == nil || !v.Message().IsValid() {
		return badOption("ZMQ_TCP_KEEPALIVE", "no keepalive settings")
	}
	if _, ok := messages.TcpKeepaliveMode_name[int32(k.Mode)]; !ok {
		return badOption("ZMQ_TCP_KEEPALIVE", "unknown mode %d", k.Mode)
	}
	if k.Count < 0 {
		return badOption("ZMQ_TCP_KEEPALIVE", "probe count %d is negative", k.Count)
	}
	for _, d := range []*durationpb.Duration{k.Idle, k.Interval} {
		if d == nil {
			continue
		}
		if err := d.CheckValid(); err != nil || d.AsDuration() < 0 || d.AsDuration()%time.Second != 0 {
			return badOption("ZMQ_TCP_KEEPALIVE", "keepalive times must be whole, non-negative seconds, got %v", d.AsDuration())
		}
	}
	return nil
}

func getKeepalive(zs *zmq4.Socket) (protoreflect.Value, error) {
	mode, err := zs.GetTcpKeepalive()
	if err != nil {
		return protoreflect.Value{}, err
	}
	idle, err1 := zs.GetTcpKeepaliveIdle()
	interval, err2 := zs.GetTcpKeepaliveIntvl()
	count, err3 := zs.GetTcpKeepaliveCnt()
	if err := errors.Join(err1, err2, err3); err != nil {
		return protoreflect.Value{}, err
	}
	k := &messages.TcpKeepalive{Mode: messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_UNSPECIFIED, Count: clampInt32(max(count, 0))}
	switch mode {
	case 1:
		k.Mode = messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_ON
	case 0:
		k.Mode = messages.TcpKeepaliveMode_TCP_KEEPALIVE_MODE_OFF
	}
	if idle > 0 {
		k.Idle = durationpb.New(time.Duration(idle) * time.Second)
	}
	if interval > 0 {
		k.Interval = durationpb.New(time.Duration(interval) * time.Second)
	}
	return protoreflect.ValueOfMessage(k.ProtoReflect()), nil
}

func durationOf(v protoreflect.Value) *durationpb.Duration {
	return v.Message().Interface().(*durationpb.Duration)
}

func getMillis(get func(*zmq4.Socket) (time.Duration, error)) func(*zmq4.Socket) (protoreflect.Value, error) {
	if get == nil {
		return nil
	}
	return func(zs *zmq4.Socket) (protoreflect.Value, error) {
		d, err := get(zs)
		return protoreflect.ValueOfMessage(durationpb.New(d).ProtoReflect()), err
	}
}

func getBytes(get func(*zmq4.Socket) (string, error)) func(*zmq4.Socket) (protoreflect.Value, error) {
	return func(zs *zmq4.Socket) (protoreflect.Value, error) {
		b, err := get(zs)
		return protoreflect.ValueOfBytes([]byte(b)), err
	}
}

func setDuration(set func(*zmq4.Socket, time.Duration) error) func(*zmq4.Socket, protoreflect.Value) error {
	return func(zs *zmq4.Socket, v protoreflect.Value) error { return set(zs, durationOf(v).AsDuration()) }
}

func setBoolInt(set func(*zmq4.Socket, int) error) func(*zmq4.Socket, bool) error {
	return func(zs *zmq4.Socket, on bool) error { return set(zs, boolInt(on)) }
}
