package actors

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/zmqactor/zmqactor/sockets"
)

// meterName is the instrumentation scope of the metrics.
const meterName = "github.com/zmqactor/zmqactor/actors"

// The attributes of the metrics.
const (
	attrSocketName    = attribute.Key("zmqactor.socket.name")
	attrSocketType    = attribute.Key("zmqactor.socket.type")
	attrAuthMechanism = attribute.Key("zmqactor.auth.mechanism")
)

// socketValue indexes the per-socket instruments and the values a socket
// reports for them.
type socketValue int

const (
	valMessagesReceived socketValue = iota
	valMessagesSent
	valBytesReceived
	valBytesSent
	valSendsQueued
	valSendsRefused
	valSendsDropped
	valQueueDepth
	valRestarts
	numSocketValues
)

// The mechanisms zmqactor.auth.refusals is reported for: the four of
// ZMTP, always, also at zero, and "other" for any other name, once it is
// not zero.
const (
	authNull = iota
	authPlain
	authCurve
	authGSSAPI
	authOther
	numAuthMechanisms
)

func authMechanismName(i int) string {
	switch i {
	case authNull:
		return "NULL"
	case authPlain:
		return "PLAIN"
	case authCurve:
		return "CURVE"
	case authGSSAPI:
		return "GSSAPI"
	}
	return "other"
}

func authMechanism(name string) int {
	switch name {
	case "NULL":
		return authNull
	case "PLAIN":
		return authPlain
	case "CURVE":
		return authCurve
	case "GSSAPI":
		return authGSSAPI
	}
	return authOther
}

// metrics are the metrics of one Runtime: the counters of its live socket
// actors and of the authenticator's refusals, observed by one callback.
type metrics struct {
	socketInstruments [numSocketValues]metric.Int64Observable
	authRefusals      metric.Int64ObservableCounter
	authAttrs         [numAuthMechanisms]metric.ObserveOption
	auth              [numAuthMechanisms]atomic.Uint64
	reg               metric.Registration

	mu      sync.Mutex
	sockets map[string]*socketMetrics // socket actor id -> its counters
}

// socketMetrics are the counters of one socket actor for its whole life,
// restarts included: socketState keeps them, every socket it opens counts
// into them, and the Runtime forgets them when the actor stops.
type socketMetrics struct {
	sockets.Counters
	restarts atomic.Uint64

	key   socketKey
	attrs metric.ObserveOption // zmqactor.socket.name and zmqactor.socket.type
	has   [numSocketValues]bool
}

// socketKey identifies the series of a socket: sockets of the same name
// and type (two proxies' "backend" DEALERs) are reported together.
type socketKey struct {
	name string
	typ  sockets.Type
}

// newMetrics creates the instruments on mp's meter and registers their
// callback, or returns nil for no metrics.
func newMetrics(mp metric.MeterProvider) (*metrics, error) {
	switch mp.(type) {
	case nil, noop.MeterProvider, *noop.MeterProvider:
		return nil, nil
	}
	meter := mp.Meter(meterName)
	m := &metrics{sockets: map[string]*socketMetrics{}}
	counter := func(name, unit, desc string) (metric.Int64ObservableCounter, error) {
		c, err := meter.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if err != nil {
			return nil, fmt.Errorf("zmqactor: metrics: %s: %w", name, err)
		}
		return c, nil
	}
	for _, d := range []struct {
		v          socketValue
		name, unit string
		desc       string
	}{
		{valMessagesReceived, "zmqactor.socket.messages.received", "{message}", "Messages the socket received."},
		{valMessagesSent, "zmqactor.socket.messages.sent", "{message}", "Messages the socket handed to ZeroMQ."},
		{valBytesReceived, "zmqactor.socket.bytes.received", "By", "Bytes of the frames of the messages received."},
		{valBytesSent, "zmqactor.socket.bytes.sent", "By", "Bytes of the frames of the messages sent."},
		{valSendsQueued, "zmqactor.socket.sends.queued", "{message}", "Sends that met the high-water mark and waited in the send queue."},
		{valSendsRefused, "zmqactor.socket.sends.refused", "{message}", "Sends refused because the send queue was full."},
		{valSendsDropped, "zmqactor.socket.sends.dropped", "{message}", "Queued messages never sent: refused by ZeroMQ for good, or left in the queue when the socket closed."},
		{valRestarts, "zmqactor.socket.restarts", "{restart}", "Restarts of the socket actor."},
	} {
		c, err := counter(d.name, d.unit, d.desc)
		if err != nil {
			return nil, err
		}
		m.socketInstruments[d.v] = c
	}
	depth, err := meter.Int64ObservableUpDownCounter("zmqactor.socket.queue.depth", metric.WithUnit("{message}"),
		metric.WithDescription("Messages waiting in the send queue for the high-water mark to clear."))
	if err != nil {
		return nil, fmt.Errorf("zmqactor: metrics: zmqactor.socket.queue.depth: %w", err)
	}
	m.socketInstruments[valQueueDepth] = depth
	if m.authRefusals, err = counter("zmqactor.auth.refusals", "{refusal}", "ZAP requests the authenticator refused."); err != nil {
		return nil, err
	}
	for i := range m.authAttrs {
		m.authAttrs[i] = metric.WithAttributeSet(attribute.NewSet(attrAuthMechanism.String(authMechanismName(i))))
	}
	observables := []metric.Observable{m.authRefusals}
	for _, inst := range m.socketInstruments {
		observables = append(observables, inst)
	}
	if m.reg, err = meter.RegisterCallback(m.observe, observables...); err != nil {
		return nil, fmt.Errorf("zmqactor: metrics: register callback: %w", err)
	}
	return m, nil
}

// observe is the callback: it reports every live socket actor's counters
// and the authenticator's refusals.
func (m *metrics) observe(_ context.Context, o metric.Observer) error {
	type series struct {
		attrs metric.ObserveOption
		has   [numSocketValues]bool
		v     [numSocketValues]int64
	}
	m.mu.Lock()
	all := make(map[socketKey]*series, len(m.sockets))
	for _, s := range m.sockets {
		r := all[s.key]
		if r == nil {
			r = &series{attrs: s.attrs, has: s.has}
			all[s.key] = r
		}
		r.v[valMessagesReceived] += int64(s.MessagesReceived.Load())
		r.v[valMessagesSent] += int64(s.MessagesSent.Load())
		r.v[valBytesReceived] += int64(s.BytesReceived.Load())
		r.v[valBytesSent] += int64(s.BytesSent.Load())
		r.v[valSendsQueued] += int64(s.Queued.Load())
		r.v[valSendsRefused] += int64(s.Refused.Load())
		r.v[valSendsDropped] += int64(s.Dropped.Load())
		r.v[valQueueDepth] += s.QueueDepth.Load()
		r.v[valRestarts] += int64(s.restarts.Load())
	}
	m.mu.Unlock()
	for _, r := range all {
		for v, inst := range m.socketInstruments {
			if r.has[v] {
				o.ObserveInt64(inst, r.v[v], r.attrs)
			}
		}
	}
	for i := range m.auth {
		if n := m.auth[i].Load(); n > 0 || i != authOther {
			o.ObserveInt64(m.authRefusals, int64(n), m.authAttrs[i])
		}
	}
	return nil
}

// track starts the counters of the socket actor id, for spec; nil without
// metrics.
func (m *metrics) track(id string, spec sockets.Spec) *socketMetrics {
	if m == nil {
		return nil
	}
	name := spec.Name
	if name == "" {
		name = id // as the socket actor names it when it starts
	}
	s := &socketMetrics{key: socketKey{name: name, typ: spec.Type}}
	s.attrs = metric.WithAttributeSet(attribute.NewSet(attrSocketName.String(name), attrSocketType.String(spec.Type.String())))
	// Report only what the type can do: a PUSH receives nothing.
	recv, send := spec.Type.CanReceive(), spec.Type.CanSend()
	s.has = [numSocketValues]bool{
		valMessagesReceived: recv, valBytesReceived: recv,
		valMessagesSent: send, valBytesSent: send,
		valSendsQueued: send, valSendsRefused: send, valSendsDropped: send, valQueueDepth: send,
		valRestarts: true,
	}
	m.mu.Lock()
	m.sockets[id] = s
	m.mu.Unlock()
	return s
}

// forget stops reporting the socket actor id, which has stopped.
func (m *metrics) forget(id string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	delete(m.sockets, id)
	m.mu.Unlock()
}

// stop unregisters the callback.
func (m *metrics) stop() error {
	if m == nil {
		return nil
	}
	return m.reg.Unregister()
}

// authRefused counts a refusal of mechanism.
func (m *metrics) authRefused(mechanism string) {
	if m == nil {
		return
	}
	m.auth[authMechanism(mechanism)].Add(1)
}

// counters returns the sockets' Counters of a socket actor; nil without
// metrics.
func (s *socketMetrics) counters() *sockets.Counters {
	if s == nil {
		return nil
	}
	return &s.Counters
}

// restarted counts a restart of the socket actor.
func (s *socketMetrics) restarted() {
	if s != nil {
		s.restarts.Add(1)
	}
}
