package actors

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/zmqactor/zmqactor/sockets"
)

// newTestRuntime returns a Runtime on a quiet actor system, shut down when
// the test ends. (internal/testutil imports this package.)
func newTestRuntime(t *testing.T, opts ...RuntimeOption) *Runtime {
	t.Helper()
	system := actor.NewActorSystem(actor.WithLoggerFactory(QuietLogger))
	z, err := NewRuntime(system, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := z.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		system.Shutdown()
	})
	return z
}

// TestNoMeterProvider: without a provider, or with a nil or noop one,
// the Runtime has no metrics, its sockets no Counters, and counting an
// auth refusal does nothing.
func TestNoMeterProvider(t *testing.T) {
	for name, opts := range map[string][]RuntimeOption{
		"none":     nil,
		"nil":      {WithMeterProvider(nil)},
		"noop":     {WithMeterProvider(noop.NewMeterProvider())},
		"noop-ptr": {WithMeterProvider(new(noop.MeterProvider))},
		"with-zmq": {WithIOThreads(2), WithMaxSockets(100)},
		"zmq-noop": {WithIOThreads(1), WithMeterProvider(noop.MeterProvider{})},
	} {
		t.Run(name, func(t *testing.T) {
			z := newTestRuntime(t, opts...)
			if z.metrics != nil {
				t.Fatal("metrics without a meter provider")
			}
			if s := z.metrics.track("id", sockets.Spec{Type: sockets.Push}); s != nil || s.counters() != nil {
				t.Fatal("socket counters without a meter provider")
			}
			z.metrics.authRefused("CURVE")
			z.metrics.forget("id")
		})
	}
}

// TestOptionErrors: a bad ZeroMQ option still fails NewRuntime.
func TestOptionErrors(t *testing.T) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(QuietLogger))
	defer system.Shutdown()
	if _, err := NewRuntime(system, WithIOThreads(-1)); err == nil {
		t.Fatal("NewRuntime with -1 I/O threads")
	}
	if _, ok := FromSystem(system); ok {
		t.Fatal("a failed NewRuntime registered its context")
	}
}

// TestAuthRefusals: the authenticator's hook counts refusals by mechanism.
func TestAuthRefusals(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	z := newTestRuntime(t, WithMeterProvider(mp))
	for _, mech := range []string{"CURVE", "PLAIN", "CURVE", "KERBEROS", "curve"} {
		z.metrics.authRefused(mech)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "zmqactor.auth.refusals" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				mech, _ := dp.Attributes.Value(attribute.Key("zmqactor.auth.mechanism"))
				got[mech.AsString()] = dp.Value
			}
		}
	}
	want := map[string]int64{"NULL": 0, "PLAIN": 1, "CURVE": 2, "GSSAPI": 0, "other": 2}
	if len(got) != len(want) {
		t.Fatalf("refusals %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("refusals %v, want %v", got, want)
		}
	}
}

// failingMeter refuses to create instruments.
type failingMeter struct{ noop.Meter }

func (failingMeter) Int64ObservableCounter(name string, _ ...metric.Int64ObservableCounterOption) (metric.Int64ObservableCounter, error) {
	return nil, errors.New("no " + name + " today")
}

type failingProvider struct{ noop.MeterProvider }

func (failingProvider) Meter(string, ...metric.MeterOption) metric.Meter { return failingMeter{} }

// TestMeterFails: NewRuntime fails when the instruments cannot be created,
// and leaves no context registered.
func TestMeterFails(t *testing.T) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(QuietLogger))
	defer system.Shutdown()
	_, err := NewRuntime(system, WithMeterProvider(failingProvider{}))
	if err == nil || !strings.Contains(err.Error(), "no zmqactor.socket.messages.received today") {
		t.Fatalf("NewRuntime with a failing meter: %v", err)
	}
	if _, ok := FromSystem(system); ok {
		t.Fatal("a failed NewRuntime registered its context")
	}
}
