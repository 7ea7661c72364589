package sockets

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/messages"
)

// The monitor's readiness signals, after the socket's own (see Handle).
const (
	signalMonitorFired signalKind = iota + 16 // the monitor's waiter saw its ZMQ_FD readable
	signalMonitorMore                         // a batch of events filled up, or the monitor just started
)

// eventBits maps each SocketEventKind (the index) to libzmq's event bit.
// libzmq 4.3's ZMQ_EVENT_MONITOR_STOPPED has no kind: it is never asked for.
func eventBits() [15]zmq4.Event {
	return [...]zmq4.Event{
		messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECTED:                  zmq4.EVENT_CONNECTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECT_DELAYED:            zmq4.EVENT_CONNECT_DELAYED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECT_RETRIED:            zmq4.EVENT_CONNECT_RETRIED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_LISTENING:                  zmq4.EVENT_LISTENING,
		messages.SocketEventKind_SOCKET_EVENT_KIND_BIND_FAILED:                zmq4.EVENT_BIND_FAILED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED:                   zmq4.EVENT_ACCEPTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPT_FAILED:              zmq4.EVENT_ACCEPT_FAILED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_CLOSED:                     zmq4.EVENT_CLOSED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_CLOSE_FAILED:               zmq4.EVENT_CLOSE_FAILED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_DISCONNECTED:               zmq4.EVENT_DISCONNECTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_NO_DETAIL: zmq4.EVENT_HANDSHAKE_FAILED_NO_DETAIL,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED:        zmq4.EVENT_HANDSHAKE_SUCCEEDED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_PROTOCOL:  zmq4.EVENT_HANDSHAKE_FAILED_PROTOCOL,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_FAILED_AUTH:      zmq4.EVENT_HANDSHAKE_FAILED_AUTH,
	}
}

// EventKinds returns every kind of socket event, in wire order (without
// SOCKET_EVENT_KIND_UNSPECIFIED).
func EventKinds() []messages.SocketEventKind {
	kinds := make([]messages.SocketEventKind, 0, len(eventBits())-1)
	for k := 1; k < len(eventBits()); k++ {
		kinds = append(kinds, messages.SocketEventKind(k))
	}
	return kinds
}

// CheckEventKinds reports the first kind that is not one of EventKinds,
// such as SOCKET_EVENT_KIND_UNSPECIFIED, as ErrBadOption. It calls no
// ZeroMQ function.
func CheckEventKinds(kinds ...messages.SocketEventKind) error {
	for _, k := range kinds {
		if k <= 0 || int(k) >= len(eventBits()) {
			return fmt.Errorf("%w: %v is not a socket event kind to monitor", ErrBadOption, k)
		}
	}
	return nil
}

// eventMask is the libzmq event mask of kinds; no kinds is every kind.
func eventMask(kinds []messages.SocketEventKind) zmq4.Event {
	if len(kinds) == 0 {
		kinds = EventKinds()
	}
	bits := eventBits()
	var mask zmq4.Event
	for _, k := range kinds {
		mask |= bits[k]
	}
	return mask
}

// kindOf returns the kind of one libzmq event bit, or false.
func kindOf(e zmq4.Event) (messages.SocketEventKind, bool) {
	bits := eventBits()
	for k := 1; k < len(bits); k++ {
		if bits[k] == e {
			return messages.SocketEventKind(k), true
		}
	}
	return 0, false
}

// WithMonitor makes Open start the socket's monitor (see Socket.Monitor)
// before the spec's binds and connects, so that their events (LISTENING,
// CONNECT_DELAYED, ...) are reported too. No kinds means every kind.
// Hooks.Event is then required.
func WithMonitor(kinds ...messages.SocketEventKind) OpenOption {
	return func(c *openConfig) error {
		if err := CheckEventKinds(kinds...); err != nil {
			return err
		}
		c.monitor = append(make([]messages.SocketEventKind, 0, len(kinds)), kinds...)
		return nil
	}
}

// monitor reads the events of a socket's zmq_socket_monitor(3). libzmq
// publishes them on a PAIR socket bound to an inproc endpoint of the
// socket's context; the monitor's own PAIR, connected to it, is read like
// the socket itself, with a readiness of its own: a waiter parked on the
// PAIR's ZMQ_FD asks the owner for a turn (Hooks.Signal), and Handle drains
// the events until EAGAIN before it arms the waiter again. No goroutine
// reads ZeroMQ, and no OS thread is added: libzmq's I/O thread writes the
// events.
type monitor struct {
	mask     zmq4.Event
	endpoint string
	pair     *zmq4.Socket
	rd       readiness // the waiter on the PAIR's ZMQ_FD, and when to arm it
}

// Monitor starts reporting the socket's events of the given kinds through
// Hooks.Event, on the owner's goroutine, in the order libzmq emits them; no
// kinds means every kind. A kind outside EventKinds fails with
// ErrBadOption. Calling Monitor again with other kinds restarts the monitor
// with them: events that libzmq emits during the switch may be lost.
// Monitor on a closed socket fails with ErrClosed. When libzmq refuses to
// start the new monitor, the old one is stopped too (Monitored tells). The
// monitor ends with
// Close, or StopMonitor, and does not survive the Socket: an owner that
// opens a new Socket starts it again (WithMonitor).
//
// libzmq writes each event with a blocking send, from its I/O thread or
// from the owner's own Bind and Connect, so the monitor's pipe has no
// high-water mark: events wait in memory until Handle reads them rather
// than ever blocking libzmq.
func (s *Socket) Monitor(kinds ...messages.SocketEventKind) error {
	if s.closed {
		return opError(OpMonitor, s.name, "", ErrClosed, "")
	}
	if err := CheckEventKinds(kinds...); err != nil {
		return &Error{Op: OpMonitor, Socket: s.name, Err: err}
	}
	if s.hooks.Event == nil {
		return opError(OpMonitor, s.name, "", ErrBadOption, "Hooks.Event is required")
	}
	mask := eventMask(kinds)
	old := s.mon
	if old != nil && old.mask == mask {
		return nil
	}
	m := &monitor{mask: mask, endpoint: "inproc://zmqactor.monitor." + strconv.FormatUint(s.ctx.monitors.Add(1), 10)}
	pair, err := s.ctx.newSocket(Pair)
	if err != nil {
		return zmqError(OpMonitor, s.name, "", err)
	}
	m.pair = pair
	fail := func(err error) error {
		_ = pair.SetLinger(0)
		_ = pair.Close()
		return zmqError(OpMonitor, s.name, m.endpoint, err)
	}
	// No high-water mark (see above), no linger, and connected before
	// libzmq binds its end, so no event is sent before a peer is there.
	if err := pair.SetLinger(0); err != nil {
		return fail(err)
	}
	if err := pair.SetRcvhwm(0); err != nil {
		return fail(err)
	}
	if err := pair.Connect(m.endpoint); err != nil {
		return fail(err)
	}
	// Replaces a running monitor: libzmq closes the old one's PAIR, also
	// when it then fails to start the new one.
	err = s.zs.Monitor(m.endpoint, mask)
	if err == nil {
		var fd int
		if fd, err = pair.GetFd(); err == nil {
			err = m.rd.start(s, fd, signalMonitorFired, signalMonitorMore)
		}
		if err != nil {
			_ = s.zs.Monitor("", 0)
		}
	}
	if old != nil {
		// What the old monitor still holds came first: deliver it now.
		_, _ = s.drainMonitor(old, -1)
		old.close()
		s.mon = nil
	}
	if err != nil {
		return fail(err)
	}
	s.mon = m
	m.rd.requestMore() // rule 1 (package doc): drain once before the first arm
	return nil
}

// Monitored returns the kinds the socket's monitor reports, or nil when it
// has none.
func (s *Socket) Monitored() []messages.SocketEventKind {
	if s.mon == nil {
		return nil
	}
	bits := eventBits()
	var kinds []messages.SocketEventKind
	for _, k := range EventKinds() {
		if s.mon.mask&bits[k] != 0 {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// StopMonitor stops the socket's monitor, if it has one: events not yet
// delivered are dropped. Close stops it too.
func (s *Socket) StopMonitor() {
	if s.mon == nil || s.closed {
		return
	}
	s.stopMonitor()
}

// stopMonitor stops libzmq's monitor, then the waiter (and waits for it),
// then closes the PAIR with no linger.
func (s *Socket) stopMonitor() {
	m := s.mon
	if m == nil {
		return
	}
	s.mon = nil
	_ = s.zs.Monitor("", 0)
	m.close()
}

func (m *monitor) close() {
	m.rd.stop()
	_ = m.pair.SetLinger(0)
	_ = m.pair.Close()
}

// handleMonitor is Handle for the monitor's signals: it delivers up to a
// batch of events, then arms the monitor's waiter once the PAIR said
// EAGAIN, or asks for another turn. A signal of a monitor that was stopped
// or replaced is ignored.
func (s *Socket) handleMonitor(sig *Signal) error {
	m := s.mon
	if m == nil || !m.rd.begin(sig) {
		return nil
	}
	idle, err := s.drainMonitor(m, s.batch)
	if err != nil {
		return err
	}
	if !idle {
		m.rd.requestMore()
		return nil
	}
	m.rd.armIdle() // rule 1 (package doc): the PAIR said EAGAIN
	return nil
}

// drainMonitor delivers up to budget events of m (all of them if budget is
// negative) through Hooks.Event. idle is true when the PAIR said EAGAIN.
// An event that does not parse is reported through Hooks.Report.
func (s *Socket) drainMonitor(m *monitor, budget int) (idle bool, err error) {
	for ; budget != 0; budget-- {
		frames, err := recvAll(m.pair)
		if isAgain(err) {
			return true, nil
		}
		if err != nil {
			return false, zmqError(OpMonitor, s.name, "", err)
		}
		ev, err := parseEvent(frames)
		if err != nil {
			if s.hooks.Report != nil {
				s.hooks.Report(opError(OpMonitor, s.name, "", ErrBadMessage, err.Error()))
			}
			continue
		}
		ev.Socket = s.name
		s.hooks.Event(ev)
	}
	return false, nil
}

// recvAll receives one whole multipart message from zs without blocking.
func recvAll(zs *zmq4.Socket) ([][]byte, error) {
	var frames [][]byte
	for {
		b, err := zs.RecvBytes(zmq4.DONTWAIT)
		if err != nil {
			return nil, err
		}
		frames = append(frames, b)
		more, err := zs.GetRcvmore()
		if err != nil {
			return nil, err
		}
		if !more {
			return frames, nil
		}
	}
}

// parseEvent decodes one event of libzmq 4.3's monitor (version 1): a
// first frame of 6 bytes, the event's bit (uint16) and its value (uint32)
// in the host's byte order, and a second frame with the endpoint.
func parseEvent(frames [][]byte) (*messages.SocketEvent, error) {
	if len(frames) != 2 || len(frames[0]) != 6 {
		sizes := make([]int, len(frames))
		for i, f := range frames {
			sizes[i] = len(f)
		}
		return nil, fmt.Errorf("a monitor event is 2 frames of 6 bytes and an endpoint, not frames of %v bytes", sizes)
	}
	id := zmq4.Event(binary.NativeEndian.Uint16(frames[0]))
	kind, ok := kindOf(id)
	if !ok {
		return nil, fmt.Errorf("unknown monitor event %#x", uint16(id))
	}
	return &messages.SocketEvent{
		Kind:     kind,
		Endpoint: string(frames[1]),
		Value:    int64(binary.NativeEndian.Uint32(frames[0][2:])),
	}, nil
}
