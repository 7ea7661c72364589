package actors

import (
	"fmt"
	"time"
)

// Heartbeat configures the heartbeating of a reliable pattern's role: how
// often it tells its peers it is alive, how long a silent peer stays alive
// for it, and, for a role that connects (a worker), how long it waits
// before it greets its peer again on a new socket. Any message from a
// peer, not only a heartbeat, counts as a sign of life.
//
// The zero value takes the pattern's defaults. Paranoid Pirate's (ZeroMQ RFC
// 6, as the zguide's ppqueue and ppworker): every second, a peer dead after
// 3 silent intervals, a worker reconnecting after 1 s, doubling up to 32 s.
// Majordomo's (MDP/0.1, as the zguide's mdbroker): every 2.5 s, a peer dead
// after 3 silent intervals, a worker reconnecting after 2.5 s, doubling up
// to 32 s. A field left zero takes the default's. Both ends of a connection must use the same Interval and
// Liveness.
type Heartbeat struct {
	// Interval is the time between two heartbeats to each peer.
	Interval time.Duration
	// Liveness is how many intervals a peer may stay silent before it is
	// taken for dead.
	Liveness int
	// ReconnectMin is how long a worker whose peer went silent waits,
	// its new socket connected, before it greets the peer again (READY);
	// the wait doubles at each failure in a row, up to ReconnectMax, and
	// is back at ReconnectMin once the peer is heard.
	ReconnectMin, ReconnectMax time.Duration
}

// pirateHeartbeat and majordomoHeartbeat are the defaults of Heartbeat,
// per pattern.
func pirateHeartbeat() Heartbeat {
	return Heartbeat{Interval: time.Second, Liveness: 3, ReconnectMin: time.Second, ReconnectMax: 32 * time.Second}
}

func majordomoHeartbeat() Heartbeat {
	return Heartbeat{Interval: 2500 * time.Millisecond, Liveness: 3, ReconnectMin: 2500 * time.Millisecond, ReconnectMax: 32 * time.Second}
}

// orDefaults returns hb with its zero fields taken from def, or
// ErrBadOption for a negative field or a ReconnectMax below ReconnectMin.
func (hb Heartbeat) orDefaults(option string, def Heartbeat) (Heartbeat, error) {
	if hb.Interval < 0 || hb.Liveness < 0 || hb.ReconnectMin < 0 || hb.ReconnectMax < 0 {
		return hb, fmt.Errorf("%w: %s: negative heartbeat setting %+v", ErrBadOption, option, hb)
	}
	if hb.Interval == 0 {
		hb.Interval = def.Interval
	}
	if hb.Liveness == 0 {
		hb.Liveness = def.Liveness
	}
	if hb.ReconnectMin == 0 {
		hb.ReconnectMin = def.ReconnectMin
	}
	if hb.ReconnectMax == 0 {
		hb.ReconnectMax = max(def.ReconnectMax, hb.ReconnectMin)
	}
	if hb.ReconnectMax < hb.ReconnectMin {
		return hb, fmt.Errorf("%w: %s: ReconnectMax %v is below ReconnectMin %v", ErrBadOption, option, hb.ReconnectMax, hb.ReconnectMin)
	}
	return hb, nil
}

// expiry is how long a silent peer stays alive.
func (hb Heartbeat) expiry() time.Duration { return hb.Interval * time.Duration(hb.Liveness) }

// heartbeat is a role's heartbeat timer, and its view of one peer for a
// role that connects to one (a worker): when it last heard it, and the
// backoff of its reconnections. The timer sends the socket actor a
// heartbeatTick every Interval; while the role waits to greet its peer
// again after a reconnection, it fires once at the end of the wait
// instead. Like deadlines, its state outlives restarts and its timer
// belongs to one instance: start with the instance's host, stop when the
// socket closes.
type heartbeat struct {
	Heartbeat
	heardAt time.Time
	wait    time.Duration // the next reconnection's backoff
	pause   time.Duration // the running reconnection's
	waiting bool          // between a reconnection and the greeting
	ticker  bool          // a queue's or broker's: no one peer to lose
	timer   *time.Timer
	tick    *heartbeatTick // the current instance's
}

// heartbeatTick is the timer message of a role's heartbeat, for the
// instance of host h.
type heartbeatTick struct {
	hb *heartbeat
	h  host
}

func (*heartbeatTick) roleMessage() {}

// beat is what a role does on a tick of its heartbeat.
type beat int

const (
	// beatSend: send a heartbeat to the peers (a queue or broker also
	// forgets those that expired).
	beatSend beat = iota
	// beatLost: the peer was silent for Liveness intervals: reconnect (a
	// new socket), and wait for beatGreet before greeting it.
	beatLost
	// beatGreet: the wait after a reconnection is over: greet the peer
	// (READY); heartbeats follow.
	beatGreet
)

func newHeartbeat(hb Heartbeat) *heartbeat { return &heartbeat{Heartbeat: hb, wait: hb.ReconnectMin} }

// newTicker returns the heartbeat of a queue or broker, which keeps its
// many peers' expiry itself: each tick is a beatSend.
func newTicker(hb Heartbeat) *heartbeat { return &heartbeat{Heartbeat: hb, ticker: true} }

// start arms the timer for the instance of h: a heartbeat after Interval,
// or the greeting at the end of the wait if the role is waiting (the wait
// starts again: the socket is new).
func (hb *heartbeat) start(h host) {
	hb.stop()
	root, self := h.root(), h.self()
	tick := &heartbeatTick{hb: hb, h: h}
	hb.tick = tick
	d := hb.Interval
	if hb.waiting {
		d = hb.pause
	} else {
		hb.heardAt = time.Now() // a new socket: the peer has its whole liveness
	}
	hb.timer = time.AfterFunc(d, func() { root.Send(self, tick) })
}

// stop stops the timer until the next start.
func (hb *heartbeat) stop() {
	if hb.timer != nil {
		hb.timer.Stop()
		hb.timer = nil
	}
	hb.tick = nil
}

// heard notes a sign of life from the peer.
func (hb *heartbeat) heard() {
	hb.heardAt = time.Now()
	hb.wait = hb.ReconnectMin
}

// silent reports whether the peer has been silent for Liveness intervals.
func (hb *heartbeat) silent(now time.Time) bool { return now.Sub(hb.heardAt) >= hb.expiry() }

// ticked reports whether m is this heartbeat's tick; current is true when
// it is the tick of the running instance, and then what says what to do.
// The timer is armed again for the next tick.
func (hb *heartbeat) ticked(m *heartbeatTick) (mine, current bool, what beat) {
	if m.hb != hb {
		return false, false, 0
	}
	if m != hb.tick || hb.timer == nil {
		return true, false, 0 // an earlier instance's
	}
	switch {
	case hb.waiting:
		hb.waiting = false
		hb.heardAt = time.Now()
		what = beatGreet
		hb.timer.Reset(hb.Interval)
	case !hb.ticker && hb.silent(time.Now()):
		// The role calls lost and reconnects; start arms the timer for
		// the wait once the new socket is open.
		what = beatLost
	default:
		what = beatSend
		hb.timer.Reset(hb.Interval)
	}
	return true, true, what
}

// lost starts the wait of a reconnection: the next start arms the timer
// for the backoff, which doubles for the next failure in a row.
func (hb *heartbeat) lost() time.Duration {
	hb.waiting, hb.pause = true, hb.wait
	hb.wait = min(2*hb.wait, hb.ReconnectMax)
	return hb.pause
}

// take reports whether msg is this heartbeat's tick; when it is the tick
// of the running instance, on gets what to do.
func (hb *heartbeat) take(msg any, on func(beat)) bool {
	m, ok := msg.(*heartbeatTick)
	if !ok {
		return false
	}
	mine, current, what := hb.ticked(m)
	if current {
		on(what)
	}
	return mine
}
