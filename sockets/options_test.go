package sockets

import (
	"testing"
	"time"
)

type check struct {
	name      string
	got, want any
}

// TestOptionsApply sets every option on a real socket of each type it
// applies to and reads the values back from ZeroMQ.
func TestOptionsApply(t *testing.T) {
	ctx, err := NewZMQContext()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Term()
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
				var checks []check
				id, _ := zs.GetIdentity()
				snd, _ := zs.GetSndhwm()
				rcv, _ := zs.GetRcvhwm()
				linger, _ := zs.GetLinger()
				ivl, _ := zs.GetReconnectIvl()
				ivlMax, _ := zs.GetReconnectIvlMax()
				maxSize, _ := zs.GetMaxmsgsize()
				imm, _ := zs.GetImmediate()
				ka, _ := zs.GetTcpKeepalive()
				kaIdle, _ := zs.GetTcpKeepaliveIdle()
				kaIntvl, _ := zs.GetTcpKeepaliveIntvl()
				kaCnt, _ := zs.GetTcpKeepaliveCnt()
				checks = append(checks,
					check{"identity", id, "id-1"},
					check{"sndhwm", snd, 7},
					check{"rcvhwm", rcv, 9},
					check{"linger", linger, 25 * time.Millisecond},
					check{"reconnect_ivl", ivl, 200 * time.Millisecond},
					check{"reconnect_ivl_max", ivlMax, 2 * time.Second},
					check{"maxmsgsize", maxSize, int64(4096)},
					check{"immediate", imm, true},
					check{"keepalive", ka, 1},
					check{"keepalive_idle", kaIdle, 30},
					check{"keepalive_intvl", kaIntvl, 5},
					check{"keepalive_cnt", kaCnt, 4},
				)
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
