package titanic_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/titanic"
)

func titanicService(ctx context.Context, z *actors.Runtime) error {
	// Titanic (RFC 9): requests kept on disk (bbolt) until a worker of their service appears.
	broker, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithMajordomoBroker(actors.MajordomoBrokerOptions{}))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "titanic")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	svc, err := titanic.Start(ctx, z, titanic.Config{Broker: broker.Endpoint(), Path: filepath.Join(dir, "titanic.db"),
		Poll: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	defer svc.Close(ctx)
	// Any Majordomo client: titanic.request [service, body...] -> ["200", id].
	client, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: broker.Bound()},
		actors.WithMajordomoClient(actors.MajordomoClientOptions{}))
	if err != nil {
		return err
	}
	r, err := client.AskService(ctx, titanic.RequestService, [][]byte{[]byte("echo"), []byte("Hello")})
	if err != nil {
		return err
	}
	id := r.Frames[1]
	fmt.Printf("request: %s, kept on disk\n", r.Frames[0])
	// The service's worker comes later.
	echo := z.System().Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if m, ok := c.Message().(*messages.Request); ok {
			c.Respond(&messages.Reply{Frames: m.Frames})
		}
	}))
	if _, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: broker.Bound()},
		actors.WithMajordomoWorker("echo", echo, actors.MajordomoWorkerOptions{})); err != nil {
		return err
	}
	// titanic.reply [id] -> ["300"] while it waits, then ["200", reply...].
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		r, err := client.AskService(ctx, titanic.ReplyService, [][]byte{id})
		if err != nil {
			return err
		}
		if string(r.Frames[0]) == titanic.StatusOK {
			fmt.Printf("reply: %s\n", r.Frames[1:])
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err = client.AskService(ctx, titanic.CloseService, [][]byte{id}) // titanic.close [id] -> ["200"]
	return err
}

// A request handed to Titanic before its service has a worker is answered
// once one comes.
func ExampleStart() {
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
	defer system.Shutdown()
	z, err := actors.NewRuntime(system)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer z.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := titanicService(ctx, z); err != nil {
		fmt.Println(err)
	}
	// Output:
	// request: 200, kept on disk
	// reply: [Hello]
}
