// Metrics shows the OpenTelemetry metrics of socket actors
// (actors.WithMeterProvider). It runs some traffic inside one process and
// then prints what was collected, with OpenTelemetry's stdout exporter
// (JSON):
//
//   - a pipeline: a PUSH socket actor "ventilator" sends -n tasks to a PULL
//     socket actor "sink", over inproc;
//   - request/reply: a REQ socket actor "client" asks -requests times
//     "Hello" of a REP socket actor "server", whose handler actor answers
//     "World" (and prints "Received request: [Hello]");
//   - a PUSH socket actor "stalled" whose peer never comes: its first 5
//     sends wait in its send queue (its limit), the next 3 are refused, and
//     then it fails on purpose (messages.InjectFault) and is restarted,
//     which drops what waited.
//
// It prints one line per step, for example
//
//	sent 1000 tasks, received 1000
//	10 replies
//	stalled: 5 sends queued, 3 refused
//	stalled: restarted
//
// then the metrics, and exits 0: zmqactor.socket.messages.sent of the
// ventilator and zmqactor.socket.messages.received of the sink are -n,
// zmqactor.socket.bytes.* count the frames' bytes, the stalled socket's
// zmqactor.socket.sends.queued is 5, .refused 3, .dropped 5 and
// zmqactor.socket.restarts 1. The metrics are collected once, with a manual
// reader, while the sockets still run: a socket actor that has stopped is
// no longer reported. SIGINT or SIGTERM stop it at any time, exit 0.
package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/examples/internal/hello"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The stalled socket's send queue limit, and the sends beyond it.
const (
	stalledLimit   = 5
	stalledRefused = 3
)

func main() {
	n := flag.Int("n", 1000, "number of tasks through the pipeline")
	requests := flag.Int("requests", 10, "number of requests")
	timeout := flag.Duration("timeout", 10*time.Second, "how long to wait for each reply")
	flag.Parse()
	cli.UsageIf(*n < 0 || *requests < 0 || *timeout <= 0 || flag.NArg() > 0,
		"metrics: -n and -requests must be >= 0, -timeout > 0, and no arguments")

	// The manual reader collects when asked; a service would use
	// sdkmetric.NewPeriodicReader with an exporter instead.
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	p := cli.Start("metrics", actors.WithMeterProvider(mp))
	defer p.Close()

	pipeline(p, *n)
	reqrep(p, *requests, *timeout)
	stalled(p)

	var rm metricdata.ResourceMetrics
	p.Check(reader.Collect(p.Ctx, &rm))
	exporter, err := stdoutmetric.New(stdoutmetric.WithPrettyPrint())
	p.Check(err)
	p.Check(exporter.Export(p.Ctx, &rm))
	p.Check(exporter.Shutdown(p.Ctx))
	p.Check(mp.Shutdown(p.Ctx))
}

// pipeline sends n tasks from a PUSH to a PULL socket actor and waits for
// all of them.
func pipeline(p *cli.Program, n int) {
	tasks := p.Inbox(1024)
	sink := p.Spawn(sockets.Spec{Name: "sink", Type: sockets.Pull, Binds: []string{"inproc://metrics-pipeline"}},
		actors.WithOwner(tasks.PID()))
	ventilator := p.Spawn(sockets.Spec{Name: "ventilator", Type: sockets.Push, Connects: []string{sink.Endpoint()},
		Options: []sockets.Option{sockets.SendHWM(0)}, SendQueueLimit: n})
	for i := range n {
		p.Check(ventilator.Send([]byte(fmt.Sprintf("task %d", i))))
	}
	received := 0
	for received < n {
		select {
		case <-p.Ctx.Done():
			p.Check(p.Ctx.Err())
		case m := <-tasks.C():
			switch m := m.(type) {
			case *messages.Received:
				received++
			case *messages.Error, *messages.Closed:
				p.Event(m)
			}
		}
	}
	fmt.Printf("sent %d tasks, received %d\n", n, received)
}

// reqrep asks "Hello" of a REP socket actor with a handler, n times.
func reqrep(p *cli.Program, n int, timeout time.Duration) {
	events := p.Inbox(16)
	handler := p.System.Root.Spawn(hello.Props(0))
	server := p.Spawn(sockets.Spec{Name: "server", Type: sockets.Rep, Binds: []string{"inproc://metrics-hello"}},
		actors.WithHandler(handler, actors.ServeOptions{}), actors.WithOwner(events.PID()))
	client := p.Spawn(sockets.Spec{Name: "client", Type: sockets.Req, Connects: []string{server.Endpoint()}})
	for range n {
		_, err := client.Request(p.Ctx, [][]byte{[]byte("Hello")}, actors.WithTimeout(timeout))
		p.Check(err)
	}
	fmt.Printf("%d replies\n", n)
}

// stalled fills the send queue of a PUSH socket actor that has no peer,
// and then makes it fail and restart.
func stalled(p *cli.Program) {
	events := p.Inbox(16)
	push := p.Spawn(sockets.Spec{Name: "stalled", Type: sockets.Push, Binds: []string{"inproc://metrics-nobody"},
		SendQueueLimit: stalledLimit}, actors.WithOwner(events.PID()), actors.WithFaultInjection())
	queued, refused := 0, 0
	for range stalledLimit + stalledRefused {
		q, err := push.SendWait(p.Ctx, []byte("for nobody"))
		switch {
		case errors.Is(err, sockets.ErrQueueFull):
			refused++
		case err != nil:
			p.Check(err)
		case q:
			queued++
		}
	}
	fmt.Printf("stalled: %d sends queued, %d refused\n", queued, refused)

	p.System.Root.Send(push.PID(), &messages.InjectFault{Reason: "to show a restart"})
	for {
		select {
		case <-p.Ctx.Done():
			p.Check(p.Ctx.Err())
		case m := <-events.C():
			switch m := m.(type) {
			case *messages.Started:
				if m.GetRestarts() > 0 {
					fmt.Println("stalled: restarted")
					return
				}
			case *messages.Closed:
				p.Event(m)
			}
		}
	}
}
