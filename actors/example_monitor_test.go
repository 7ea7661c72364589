package actors_test

import (
	"fmt"
	"strings"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// A watcher, here an Inbox, asks a server socket actor for its events: its
// bind, then a client's connection, accepted and past the ZMTP handshake.
// Monitor events come from tcp and ipc endpoints, not inproc.
func ExampleSocket_Monitor() {
	z, ctx, done := newExample()
	defer done()

	watcher := actors.NewInbox(z.System(), 64)
	defer watcher.Close()
	server, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull}, actors.WithOwner(watcher.PID()))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = server.Monitor(ctx, watcher.PID(),
		messages.SocketEventKind_SOCKET_EVENT_KIND_LISTENING,
		messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED,
		messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED)
	if err != nil {
		fmt.Println(err)
		return
	}
	endpoint, err := server.Bind(ctx, "tcp://127.0.0.1:*")
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: []string{endpoint}}); err != nil {
		fmt.Println(err)
		return
	}
	for {
		select {
		case m := <-watcher.C():
			ev, ok := m.(*messages.SocketEvent)
			if !ok {
				continue // Started
			}
			fmt.Println(strings.TrimPrefix(ev.GetKind().String(), "SOCKET_EVENT_KIND_"), ev.GetEndpoint() == endpoint)
			if ev.GetKind() == messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED {
				return
			}
		case <-ctx.Done():
			fmt.Println(ctx.Err())
			return
		}
	}
	// Output:
	// LISTENING true
	// ACCEPTED true
	// HANDSHAKE_SUCCEEDED true
}
