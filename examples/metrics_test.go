package examples_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMetrics runs the metrics example: it prints its steps, then every
// metric the actors package documents, as the stdout exporter's JSON, with
// the counts of the traffic it made.
func TestMetrics(t *testing.T) {
	out := program(t, "metrics", "-n", "200", "-requests", "5").exit()
	for _, line := range []string{"sent 200 tasks, received 200\n", "5 replies\n", "stalled: 5 sends queued, 3 refused\n", "stalled: restarted\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("metrics did not print %q:\n%s", line, out)
		}
	}
	at := strings.Index(out, "{\n")
	if at < 0 {
		t.Fatalf("no JSON in the output:\n%s", out)
	}
	var export struct {
		ScopeMetrics []struct {
			Metrics []struct {
				Name, Unit string
				Data       struct {
					DataPoints []struct {
						Attributes []struct {
							Key   string
							Value struct{ Value any }
						}
						Value int64
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out[at:]), &export); err != nil {
		t.Fatalf("the output is not the exporter's JSON: %v\n%s", err, out[at:])
	}
	// metric name -> "socket name/TYPE" or mechanism -> value
	got := map[string]map[string]int64{}
	for _, sm := range export.ScopeMetrics {
		for _, m := range sm.Metrics {
			series := map[string]int64{}
			for _, dp := range m.Data.DataPoints {
				var key []string
				for _, a := range dp.Attributes {
					key = append(key, a.Value.Value.(string))
				}
				series[strings.Join(key, "/")] = dp.Value
			}
			got[m.Name] = series
		}
	}
	for _, name := range []string{
		"zmqactor.socket.messages.received", "zmqactor.socket.messages.sent",
		"zmqactor.socket.bytes.received", "zmqactor.socket.bytes.sent",
		"zmqactor.socket.sends.queued", "zmqactor.socket.sends.refused", "zmqactor.socket.sends.dropped",
		"zmqactor.socket.queue.depth", "zmqactor.socket.restarts", "zmqactor.auth.refusals",
	} {
		if _, ok := got[name]; !ok {
			t.Errorf("metric %s not printed", name)
		}
	}
	for _, c := range []struct {
		metric, series string
		want           int64
	}{
		{"zmqactor.socket.messages.sent", "ventilator/PUSH", 200},
		{"zmqactor.socket.messages.received", "sink/PULL", 200},
		{"zmqactor.socket.bytes.received", "sink/PULL", int64(10*len("task 0") + 90*len("task 10") + 100*len("task 100"))},
		{"zmqactor.socket.messages.sent", "client/REQ", 5},
		{"zmqactor.socket.messages.received", "server/REP", 5},
		{"zmqactor.socket.bytes.received", "client/REQ", 5 * int64(len("World"))},
		{"zmqactor.socket.sends.queued", "stalled/PUSH", 5},
		{"zmqactor.socket.sends.refused", "stalled/PUSH", 3},
		{"zmqactor.socket.sends.dropped", "stalled/PUSH", 5},
		{"zmqactor.socket.restarts", "stalled/PUSH", 1},
		{"zmqactor.socket.queue.depth", "stalled/PUSH", 0},
		{"zmqactor.auth.refusals", "CURVE", 0},
	} {
		if v, ok := got[c.metric][c.series]; !ok || v != c.want {
			t.Errorf("%s %s = %d (reported %v), want %d", c.metric, c.series, v, ok, c.want)
		}
	}
}
