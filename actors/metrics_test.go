package actors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The metric names and units the package documents.
var metricUnits = map[string]string{
	"zmqactor.socket.messages.received": "{message}",
	"zmqactor.socket.messages.sent":     "{message}",
	"zmqactor.socket.bytes.received":    "By",
	"zmqactor.socket.bytes.sent":        "By",
	"zmqactor.socket.sends.queued":      "{message}",
	"zmqactor.socket.sends.refused":     "{message}",
	"zmqactor.socket.sends.dropped":     "{message}",
	"zmqactor.socket.queue.depth":       "{message}",
	"zmqactor.socket.restarts":          "{restart}",
	"zmqactor.auth.refusals":            "{refusal}",
}

// newMeteredSystem returns an actor system whose ZeroMQ context reports
// its metrics to a manual reader, which the test collects from.
func newMeteredSystem(t *testing.T) (*actor.ActorSystem, *actors.Runtime, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() {
		if err := mp.Shutdown(context.Background()); err != nil {
			t.Errorf("meter provider shutdown: %v", err)
		}
	})
	system, z := testutil.NewSystem(t, actors.WithMeterProvider(mp))
	return system, z, reader
}

// collected holds one collection: metric name -> "name/TYPE" -> value.
type collected struct {
	t      *testing.T
	values map[string]map[string]int64
}

// collect reads every zmqactor metric from reader, checking each one's
// unit, kind (a cumulative sum, monotonic but for the queue depth) and
// attributes.
func collect(t *testing.T, reader *sdkmetric.ManualReader) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(testutil.Ctx(t), &rm); err != nil {
		t.Fatal(err)
	}
	c := collected{t: t, values: map[string]map[string]int64{}}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !strings.HasPrefix(m.Name, "zmqactor.") {
				continue
			}
			if sm.Scope.Name != "github.com/zmqactor/zmqactor/actors" {
				t.Errorf("%s: scope %q", m.Name, sm.Scope.Name)
			}
			unit, ok := metricUnits[m.Name]
			if !ok || m.Unit != unit {
				t.Errorf("%s: unit %q, want %q (known: %v)", m.Name, m.Unit, unit, ok)
			}
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || sum.Temporality != metricdata.CumulativeTemporality || sum.IsMonotonic != (m.Name != "zmqactor.socket.queue.depth") {
				t.Errorf("%s: data %T %+v", m.Name, m.Data, m.Data)
				continue
			}
			series := map[string]int64{}
			for _, dp := range sum.DataPoints {
				series[seriesKey(t, m.Name, dp.Attributes)] = dp.Value
			}
			c.values[m.Name] = series
		}
	}
	return c
}

// seriesKey is "name/TYPE" for a socket's series, "mechanism" for an auth
// one.
func seriesKey(t *testing.T, metric string, attrs attribute.Set) string {
	t.Helper()
	if metric == "zmqactor.auth.refusals" {
		mech, ok := attrs.Value("zmqactor.auth.mechanism")
		if !ok || attrs.Len() != 1 {
			t.Errorf("%s: attributes %v", metric, attrs.ToSlice())
		}
		return mech.AsString()
	}
	name, okName := attrs.Value("zmqactor.socket.name")
	typ, okType := attrs.Value("zmqactor.socket.type")
	if !okName || !okType || attrs.Len() != 2 {
		t.Errorf("%s: attributes %v", metric, attrs.ToSlice())
	}
	return name.AsString() + "/" + typ.AsString()
}

// get returns the value of metric for the socket "name/TYPE" and whether
// it is reported.
func (c collected) get(metric, socket string) (int64, bool) {
	v, ok := c.values[metric][socket]
	return v, ok
}

// want checks the values of a socket's metrics; a negative one means not
// reported.
func (c collected) want(socket string, values map[string]int64) {
	c.t.Helper()
	for metric, want := range values {
		got, ok := c.get(metric, socket)
		switch {
		case want < 0 && ok:
			c.t.Errorf("%s %s = %d, want it not reported", socket, metric, got)
		case want >= 0 && !ok:
			c.t.Errorf("%s %s not reported, want %d", socket, metric, want)
		case want >= 0 && got != want:
			c.t.Errorf("%s %s = %d, want %d", socket, metric, got, want)
		}
	}
}

// sockets returns the sockets that metric reports, sorted.
func (c collected) sockets(metric string) string {
	var names []string
	for s := range c.values[metric] {
		names = append(names, s)
	}
	slices.Sort(names)
	return fmt.Sprint(names)
}

// TestMetricsPushPull sends n multipart messages from a PUSH to a PULL
// socket actor, over inproc and tcp, and checks that both sides report
// exactly n messages and their bytes, under their names and types, and
// nothing their type cannot do.
func TestMetricsPushPull(t *testing.T) {
	for _, endpoint := range []string{"inproc://metrics-pushpull", "tcp://127.0.0.1:*"} {
		t.Run(strings.Split(endpoint, ":")[0], func(t *testing.T) {
			system, z, reader := newMeteredSystem(t)
			inbox := testutil.NewInbox(t, system, 1024)
			pull := testutil.Spawn(t, z, sockets.Spec{Name: "sink", Type: sockets.Pull, Binds: []string{endpoint}}, actors.WithOwner(inbox.PID()))
			// No name: the socket is named after its actor.
			push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{pull.Endpoint()}})
			const n = 300
			var size int64
			for i := range n {
				frames := [][]byte{[]byte(fmt.Sprint(i)), bytes.Repeat([]byte{'x'}, i%50), {}}
				for _, f := range frames {
					size += int64(len(f))
				}
				if err := push.Send(frames...); err != nil {
					t.Fatal(err)
				}
			}
			for range n {
				testutil.Expect[*messages.Received](t, inbox, testutil.Wait)
			}
			c := collect(t, reader)
			want := []string{push.Name() + "/PUSH", "sink/PULL"}
			slices.Sort(want)
			if got := c.sockets("zmqactor.socket.restarts"); got != fmt.Sprint(want) {
				t.Fatalf("sockets reported: %s, want %s", got, want)
			}
			c.want("sink/PULL", map[string]int64{
				"zmqactor.socket.messages.received": n,
				"zmqactor.socket.bytes.received":    size,
				"zmqactor.socket.restarts":          0,
				"zmqactor.socket.messages.sent":     -1,
				"zmqactor.socket.bytes.sent":        -1,
				"zmqactor.socket.sends.queued":      -1,
				"zmqactor.socket.queue.depth":       -1,
			})
			c.want(push.Name()+"/PUSH", map[string]int64{
				"zmqactor.socket.messages.sent":     n,
				"zmqactor.socket.bytes.sent":        size,
				"zmqactor.socket.sends.queued":      0,
				"zmqactor.socket.sends.refused":     0,
				"zmqactor.socket.sends.dropped":     0,
				"zmqactor.socket.queue.depth":       0,
				"zmqactor.socket.restarts":          0,
				"zmqactor.socket.messages.received": -1,
				"zmqactor.socket.bytes.received":    -1,
			})
			for _, mech := range []string{"NULL", "PLAIN", "CURVE", "GSSAPI"} {
				if v, ok := c.get("zmqactor.auth.refusals", mech); !ok || v != 0 {
					t.Errorf("auth refusals %s = %d, %v; want 0", mech, v, ok)
				}
			}
			if _, ok := c.get("zmqactor.auth.refusals", "other"); ok {
				t.Errorf("auth refusals reported for other mechanisms")
			}
		})
	}
}

// TestMetricsQueueAndRestart fills the send queue of a PUSH that has no
// peer (sends wait, then are refused), then makes it fail: the restart is
// counted, the queued messages count as dropped, the queue is empty, and
// the counts go on from where they were. A second PUSH of the same name
// adds to the same series.
func TestMetricsQueueAndRestart(t *testing.T) {
	system, z, reader := newMeteredSystem(t)
	inbox := testutil.NewInbox(t, system, 64)
	ctx := testutil.Ctx(t)
	push := testutil.Spawn(t, z, sockets.Spec{Name: "stalled", Type: sockets.Push, Binds: []string{"inproc://metrics-no-peer"}, SendQueueLimit: 3},
		actors.WithOwner(inbox.PID()), actors.WithFaultInjection())
	testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
	sendWait := func(wantQueued, wantRefused int) {
		t.Helper()
		queued, refused := 0, 0
		for range wantQueued + wantRefused {
			q, err := push.SendWait(ctx, []byte("waiting"))
			switch {
			case errors.Is(err, sockets.ErrQueueFull):
				refused++
			case err != nil:
				t.Fatal(err)
			case q:
				queued++
			}
		}
		if queued != wantQueued || refused != wantRefused {
			t.Fatalf("%d sends queued and %d refused, want %d and %d", queued, refused, wantQueued, wantRefused)
		}
	}
	sendWait(3, 2)
	collect(t, reader).want("stalled/PUSH", map[string]int64{
		"zmqactor.socket.sends.queued":  3,
		"zmqactor.socket.sends.refused": 2,
		"zmqactor.socket.sends.dropped": 0,
		"zmqactor.socket.queue.depth":   3,
		"zmqactor.socket.restarts":      0,
		"zmqactor.socket.messages.sent": 0,
	})

	system.Root.Send(push.PID(), &messages.InjectFault{Reason: "metrics"})
	testutil.Expect[*messages.Restarting](t, inbox, testutil.Wait)
	if st := testutil.Expect[*messages.Started](t, inbox, testutil.Wait); st.GetRestarts() != 1 {
		t.Fatalf("Started after the fault: %v", st)
	}
	collect(t, reader).want("stalled/PUSH", map[string]int64{
		"zmqactor.socket.sends.queued":  3,
		"zmqactor.socket.sends.refused": 2,
		"zmqactor.socket.sends.dropped": 3,
		"zmqactor.socket.queue.depth":   0,
		"zmqactor.socket.restarts":      1,
	})

	sendWait(3, 1)
	twin := testutil.Spawn(t, z, sockets.Spec{Name: "stalled", Type: sockets.Push, Binds: []string{"inproc://metrics-no-peer-2"}})
	if queued, err := twin.SendWait(ctx, []byte("waiting")); err != nil || !queued {
		t.Fatalf("twin: queued %v, %v", queued, err)
	}
	collect(t, reader).want("stalled/PUSH", map[string]int64{
		"zmqactor.socket.sends.queued":  7,
		"zmqactor.socket.sends.refused": 3,
		"zmqactor.socket.sends.dropped": 3,
		"zmqactor.socket.queue.depth":   4,
		"zmqactor.socket.restarts":      1,
	})
}

// TestMetricsSurviveRestart: messages received before and after a restart
// of a PULL socket actor add up.
func TestMetricsSurviveRestart(t *testing.T) {
	system, z, reader := newMeteredSystem(t)
	inbox := testutil.NewInbox(t, system, 1024)
	ctx := testutil.Ctx(t)
	pull := testutil.Spawn(t, z, sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithOwner(inbox.PID()), actors.WithFaultInjection())
	push := testutil.Spawn(t, z, sockets.Spec{Name: "push", Type: sockets.Push, Connects: []string{pull.Endpoint()}})
	const n = 50
	for range n {
		if _, err := push.SendWait(ctx, []byte("before")); err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		testutil.Expect[*messages.Received](t, inbox, testutil.Wait)
	}
	collect(t, reader).want("pull/PULL", map[string]int64{"zmqactor.socket.messages.received": n, "zmqactor.socket.restarts": 0})

	system.Root.Send(pull.PID(), &messages.InjectFault{Reason: "metrics"})
	testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
	// The PUSH may still send into the old connection, whose messages are
	// lost with it: send until one arrives through the new socket.
	received := n
	resend := time.NewTicker(10 * time.Millisecond)
	defer resend.Stop()
	for arrived := false; !arrived; {
		if _, err := push.SendWait(ctx, []byte("after")); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-inbox.C():
			if _, ok := m.(*messages.Received); ok {
				received++
				arrived = true
			}
		case <-resend.C: // lost into the old connection: send another
		case <-ctx.Done():
			t.Fatal("nothing arrived after the restart")
		}
	}
	// Messages may still be on their way; they are counted before they
	// reach the owner.
	ok := testutil.Poll(func() bool {
		for more := true; more; {
			select {
			case m := <-inbox.C():
				if _, ok := m.(*messages.Received); ok {
					received++
				}
			default:
				more = false
			}
		}
		got, _ := collect(t, reader).get("zmqactor.socket.messages.received", "pull/PULL")
		return got == int64(received)
	})
	if !ok {
		got, _ := collect(t, reader).get("zmqactor.socket.messages.received", "pull/PULL")
		t.Fatalf("pull received %d messages, the metric says %d", received, got)
	}
	collect(t, reader).want("pull/PULL", map[string]int64{"zmqactor.socket.restarts": 1})
}

// TestMetricsStoppedSocket: a socket actor that has stopped is no longer
// reported, and after Shutdown nothing is.
func TestMetricsStoppedSocket(t *testing.T) {
	_, z, reader := newMeteredSystem(t)
	ctx := testutil.Ctx(t)
	var socks []*actors.Socket
	for _, name := range []string{"a", "b"} {
		sock := testutil.Spawn(t, z, sockets.Spec{Name: name, Type: sockets.Push, Binds: []string{"inproc://metrics-stopped-" + name}})
		socks = append(socks, sock)
	}
	if got := collect(t, reader).sockets("zmqactor.socket.messages.sent"); got != "[a/PUSH b/PUSH]" {
		t.Fatalf("reported: %s", got)
	}
	if _, err := socks[0].Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, reader).sockets("zmqactor.socket.messages.sent"); got != "[b/PUSH]" {
		t.Fatalf("reported after closing a: %s", got)
	}
	if err := z.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if c := collect(t, reader); len(c.values) != 0 {
		t.Fatalf("reported after Shutdown: %v", c.values)
	}
}

// TestMetricsNoGoroutine: metrics start no goroutine, with a provider or
// without; the collection runs on the collector's.
func TestMetricsNoGoroutine(t *testing.T) {
	for _, metered := range []bool{false, true} {
		t.Run(fmt.Sprintf("metered=%v", metered), func(t *testing.T) {
			var z *actors.Runtime
			if metered {
				var reader *sdkmetric.ManualReader
				_, z, reader = newMeteredSystem(t)
				defer collect(t, reader)
			} else {
				_, z = testutil.NewSystem(t)
			}
			ctx := testutil.Ctx(t)
			sock := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Binds: []string{"inproc://metrics-goroutines"}})
			if _, err := sock.SendWait(ctx, []byte("x")); err != nil {
				t.Fatal(err)
			}
			var dump bytes.Buffer
			if err := pprof.Lookup("goroutine").WriteTo(&dump, 1); err != nil {
				t.Fatal(err)
			}
			for _, marker := range []string{"go.opentelemetry.io/", "zmqactor/actors.(*metrics)"} {
				if strings.Contains(dump.String(), marker) {
					t.Fatalf("a goroutine runs %s:\n%s", marker, dump.String())
				}
			}
		})
	}
}

// TestAuthRefusalMetric: the authenticator counts each refused handshake
// in zmqactor.auth.refusals by mechanism; a client let in is not counted.
func TestAuthRefusalMetric(t *testing.T) {
	system, z, reader := newMeteredSystem(t)
	ctx := testutil.Ctx(t)
	auth, err := z.StartAuthenticator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	decisions := testutil.NewInbox(t, system, 16)
	if err := auth.Watch(ctx, decisions.PID()); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.SetPasswords(ctx, map[string]string{"admin": "secret"}); err != nil {
		t.Fatal(err)
	}
	srv := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []sockets.Option{sockets.PlainServer()}}, actors.WithOwner(decisions.PID()))
	for _, password := range []string{"wrong", "secret", "also wrong"} {
		cli := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{srv.Endpoint()},
			Options: []sockets.Option{sockets.PlainClient("admin", password)}})
		d := testutil.Expect[*messages.AuthDecision](t, decisions, testutil.Wait)
		if d.GetAllowed() != (password == "secret") {
			t.Fatalf("password %q: decision %v", password, d)
		}
		if _, err := cli.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c := collect(t, reader)
	if v, ok := c.get("zmqactor.auth.refusals", "PLAIN"); !ok || v != 2 {
		t.Errorf("PLAIN refusals = %d, %v; want 2", v, ok)
	}
	if v, ok := c.get("zmqactor.auth.refusals", "CURVE"); !ok || v != 0 {
		t.Errorf("CURVE refusals = %d, %v; want 0", v, ok)
	}
}
