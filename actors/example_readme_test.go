package actors_test

// The functions README.md shows, as it shows them: README.md's Go
// snippets are copied from here (go test ./examples/internal/snippets
// -update rewrites them, and fails when they differ), each is run by an
// Example below with its output checked, and the snippets test builds them
// into a program outside this module and runs it.

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func quickStart() error {
	// One actor system, with protoactor's own log off, and its ZeroMQ context.
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
	defer system.Shutdown()
	z, err := actors.NewRuntime(system)
	if err != nil {
		return err
	}
	defer z.Shutdown(context.Background()) // stops every socket actor, then terminates the context
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	inbox := actors.NewInbox(system, 64) // an actor that forwards its messages to a Go channel
	defer inbox.Close()
	pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://quick-start"}},
		actors.WithOwner(inbox.PID()))
	if err != nil {
		return err
	}
	push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: pull.Bound()})
	if err != nil {
		return err
	}
	if err := push.Send([]byte("hello"), []byte("world")); err != nil { // one multipart message
		return err
	}
	for m := range inbox.C() { // the owner gets Started first, then a Received per message
		if msg, ok := m.(*messages.Received); ok {
			fmt.Printf("%s\n", msg.Frames)
			break
		}
	}
	return nil
}

func pubSub(ctx context.Context, z *actors.Runtime) error {
	pub, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pub, Binds: []string{"inproc://weather"}})
	if err != nil {
		return err
	}
	defer pub.Close(ctx)
	sub, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Sub, Connects: pub.Bound()})
	if err != nil {
		return err
	}
	defer sub.Close(ctx)

	// Any actors subscribe; these Inboxes hand what they get to channels.
	weather, readings := actors.NewInbox(z.System(), 16), actors.NewInbox(z.System(), 16)
	defer weather.Close()
	defer readings.Close()
	if err := sub.Subscribe(ctx, weather.PID(), "10001 "); err != nil { // gets *messages.Received
		return err
	}
	if err := sub.SubscribeTyped(ctx, readings.PID(), "reading."); err != nil { // gets *messages.TypedMessage
		return err
	}
	if err := actors.WaitSubscribed(ctx, pub, sub); err != nil { // until the publisher has the subscriptions
		return err
	}

	if err := pub.Publish("10001 ", []byte("21.5")); err != nil { // frames: topic, then the rest
		return err
	}
	if err := pub.PublishProto("reading.nyc", wrapperspb.Double(21.5)); err != nil { // topic, type name, payload
		return err
	}
	fmt.Printf("%s\n", (<-weather.C()).(*messages.Received).Frames)
	reading, err := actors.Receive[*messages.TypedMessage](ctx, readings) // the next one, skipping others
	if err != nil {
		return err
	}
	v, err := actors.Unpack[*wrapperspb.DoubleValue](reading.Body) // the message, as the type expected
	if err != nil {
		return err
	}
	fmt.Println(string(reading.Topic), v.GetValue())
	return nil
}

func requestReply(ctx context.Context, z *actors.Runtime) error {
	// Server: a ROUTER socket actor hands each request to a handler actor,
	// here a pool of five, and sends the handler's answer back to the peer.
	hello := func(c actor.Context) {
		if r, ok := c.Message().(*messages.Request); ok {
			c.Respond(&messages.Reply{Frames: [][]byte{[]byte("World, " + string(r.Frames[0]))}})
		}
	}
	pool := z.System().Root.Spawn(router.NewRoundRobinPool(5).Configure(actor.WithFunc(hello)))
	srv, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Router, Binds: []string{"inproc://hello"}},
		actors.WithHandler(pool, actors.ServeOptions{Timeout: time.Second}))
	if err != nil {
		return err
	}
	defer srv.Close(ctx)
	// The server watches its handler: stop the handler first.
	defer func() { _ = z.System().Root.StopFuture(pool).Wait() }()

	// Client: a DEALER (many requests in flight) or REQ (one at a time).
	cli, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: srv.Bound()})
	if err != nil {
		return err
	}
	defer cli.Close(ctx)
	reply, err := cli.Request(ctx, [][]byte{[]byte("Hello")}, actors.WithTimeout(time.Second), actors.WithRetries(2))
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", reply.Frames)
	return nil
}

func batches(ctx context.Context, z *actors.Runtime) error {
	inbox := actors.NewInbox(z.System(), 16)
	defer inbox.Close()
	// The owner gets *messages.ReceivedBatch: up to 256 messages at once.
	pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://batches"}},
		actors.WithOwner(inbox.PID()), actors.WithBatchDelivery())
	if err != nil {
		return err
	}
	defer pull.Close(ctx)
	push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: pull.Bound()})
	if err != nil {
		return err
	}
	defer push.Close(ctx)

	var msgs [][][]byte
	for i := range 100 {
		msgs = append(msgs, [][]byte{fmt.Appendf(nil, "task %d", i)})
	}
	if err := push.SendBatch(msgs...); err != nil { // one messages.SendBatch for all of them
		return err
	}
	got := 0
	for got < len(msgs) {
		if b, ok := (<-inbox.C()).(*messages.ReceivedBatch); ok {
			got += len(b.Messages)
		}
	}
	fmt.Println(got, "messages")
	return nil
}

func security(ctx context.Context, z *actors.Runtime) error {
	// Once per context, before secured servers take clients: the ZAP authenticator.
	auth, err := z.StartAuthenticator(ctx)
	if err != nil {
		return err
	}
	defer auth.Stop(ctx)
	// Or sockets.LoadCertificate("certs/server.key"), which reads server.key_secret too.
	serverPublic, serverSecret, err := sockets.NewKeyPair()
	if err != nil {
		return err
	}
	clientPublic, clientSecret, err := sockets.NewKeyPair()
	if err != nil {
		return err
	}
	// The allowlist of client keys; or auth.LoadCurveCertificates(ctx, "certs/clients").
	if _, err := auth.AllowCurveKeys(ctx, clientPublic); err != nil {
		return err
	}

	inbox := actors.NewInbox(z.System(), 16)
	defer inbox.Close()
	srv, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []sockets.Option{sockets.CurveServer(serverSecret)}}, actors.WithOwner(inbox.PID()))
	if err != nil {
		return err
	}
	defer srv.Close(ctx)
	cli, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: srv.Bound(),
		Options: []sockets.Option{sockets.CurveClient(serverPublic, clientPublic, clientSecret)}})
	if err != nil {
		return err
	}
	defer cli.Close(ctx)
	if err := cli.Send([]byte("encrypted on the wire")); err != nil {
		return err
	}
	for m := range inbox.C() {
		if r, ok := m.(*messages.Received); ok {
			fmt.Printf("%s\n", r.Frames)
			break
		}
	}
	return nil
}

func metrics() error {
	reader := sdkmetric.NewManualReader() // or a periodic reader and an exporter
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
	defer system.Shutdown()
	z, err := actors.NewRuntime(system, actors.WithMeterProvider(mp))
	if err != nil {
		return err
	}
	defer z.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	inbox := actors.NewInbox(system, 64)
	defer inbox.Close()
	pull, err := z.Spawn(ctx, sockets.Spec{Name: "sink", Type: sockets.Pull, Binds: []string{"inproc://sink"}},
		actors.WithOwner(inbox.PID()))
	if err != nil {
		return err
	}
	push, err := z.Spawn(ctx, sockets.Spec{Name: "ventilator", Type: sockets.Push, Connects: pull.Bound()})
	if err != nil {
		return err
	}
	for range 10 {
		if _, err := push.SendWait(ctx, []byte("task")); err != nil {
			return err
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		return err
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "zmqactor.socket.messages.sent" {
				for _, p := range sum.DataPoints {
					name, _ := p.Attributes.Value("zmqactor.socket.name")
					fmt.Println(m.Name, name.AsString(), p.Value)
				}
			}
		}
	}
	return nil
}

// example runs f, one of the functions above that take a ZeroMQ context,
// on an actor system of its own, as the README's program would.
func example(f func(context.Context, *actors.Runtime) error) {
	z, ctx, done := newExample()
	defer done()
	if err := f(ctx, z); err != nil {
		fmt.Println(err)
	}
}

// The quick start: a PULL socket actor delivers what a PUSH socket actor
// sends to its owner, an Inbox, over inproc.
func ExampleRuntime_Spawn() {
	if err := quickStart(); err != nil {
		fmt.Println(err)
	}
	// Output: [hello world]
}

// Actors subscribe to topic prefixes on a SUB socket actor, raw or typed;
// WaitSubscribed makes sure the first message published is not lost.
func ExampleSocket_Subscribe() {
	example(pubSub)
	// Output:
	// [10001  21.5]
	// reading.nyc 21.5
}

// A ROUTER server socket actor hands requests to a pool of handler actors;
// a DEALER client socket actor asks.
func ExampleSocket_Request() {
	example(requestReply)
	// Output: [World, Hello]
}

// Many small messages go in one actor message each way.
func ExampleSocket_SendBatch() {
	example(batches)
	// Output: 100 messages
}

// A CURVE server lets in the client whose key the authenticator allows.
func ExampleRuntime_StartAuthenticator() {
	example(security)
	// Output: [encrypted on the wire]
}

// A Runtime with a meter provider reports each socket actor's counts.
func ExampleWithMeterProvider() {
	if err := metrics(); err != nil {
		fmt.Println(err)
	}
	// Output: zmqactor.socket.messages.sent ventilator 10
}
