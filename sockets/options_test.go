package sockets

import (
	"testing"
	"time"
)

type check struct {
	name      string
	got, want any
}

// value is the value of a getter, its error dropped: a getter that fails
// gives its zero value, which no check wants.
func value[T any](v T, _ error) any { return v }

// TestOptionsApply sets every option on a real socket of each type it
// applies to and reads the values back from ZeroMQ.
func TestOptionsApply(t *testing.T) {
	ctx := testContext(t)
	common := []Option{
		RoutingID([]byte("id-1")), SendHWM(7), ReceiveHWM(9), Linger(25 * time.Millisecond),
		ReconnectInterval(200 * time.Millisecond), ReconnectIntervalMax(2 * time.Second),
		MaxMessageSize(4096), Immediate(true), TCPKeepalive(true, 30*time.Second, 5*time.Second, 4),
	}
	extra := map[Type][]Option{
		Router: {RouterMandatory(true)},
		Sub:    {Subscribe([]byte("a")), Unsubscribe([]byte("a"))},
		XPub:   {XPubVerbose(true)},
		Pull:   {Conflate(true)},
	}
	for _, typ := range Types() {
		t.Run(typ.String(), func(t *testing.T) {
			o := newOwner(t)
			defer o.close()
			o.open(ctx, Spec{Type: typ, Options: append(append([]Option{}, common...), extra[typ]...)})
			o.do(func() {
				zs := o.sock.zs
				checks := []check{
					{"identity", value(zs.GetIdentity()), "id-1"},
					{"sndhwm", value(zs.GetSndhwm()), 7},
					{"rcvhwm", value(zs.GetRcvhwm()), 9},
					{"linger", value(zs.GetLinger()), 25 * time.Millisecond},
					{"reconnect_ivl", value(zs.GetReconnectIvl()), 200 * time.Millisecond},
					{"reconnect_ivl_max", value(zs.GetReconnectIvlMax()), 2 * time.Second},
					{"maxmsgsize", value(zs.GetMaxmsgsize()), int64(4096)},
					{"immediate", value(zs.GetImmediate()), true},
					{"keepalive", value(zs.GetTcpKeepalive()), 1},
					{"keepalive_idle", value(zs.GetTcpKeepaliveIdle()), 30},
					{"keepalive_intvl", value(zs.GetTcpKeepaliveIntvl()), 5},
					{"keepalive_cnt", value(zs.GetTcpKeepaliveCnt()), 4},
				}
				for _, c := range checks {
					if c.got != c.want {
						t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
					}
				}
				if o.sock.maxMsgSize != 4096 {
					t.Errorf("max message size not tracked: %d", o.sock.maxMsgSize)
				}
			})
		})
	}
}
