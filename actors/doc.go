// Package actors puts ZeroMQ sockets inside protoactor-go: each socket is
// owned by one socket actor, the only code that touches it.
//
//	system := actor.NewActorSystem()
//	z, err := actors.NewContext(system) // the system's ZeroMQ context
//	defer z.Shutdown(ctx)               // stops every socket actor, then terms
//
//	inbox := actors.NewInbox(system, 64)
//	pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull,
//		Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(inbox.PID()))
//	push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push,
//		Connects: pull.Bound()})
//	err = push.Send([]byte("hello"))
//	for m := range inbox.C() { // Started comes first, then Received
//		if r, ok := m.(*messages.Received); ok { ... }
//	}
//
// # Messages
//
// Socket actors are driven by the protobuf commands of package messages
// (Bind, Connect, Unbind, Disconnect, Send, SetOption, Close), so any actor,
// also on another node through protoactor remote, can use them. A command
// sent with a sender (Request, RequestFuture) is answered with its result
// event (Bound, Connected, ..., Sent) or an Error; one sent without a sender
// reports only failures, to the owner. The owner receives Started when the
// socket is open, a Received per inbound multipart message, Error events and
// finally Closed. The owner sees the socket actor as the Sender of each, so it
// can answer through ctx.Sender(). Readiness signals from the sockets layer
// and the actor's own reopen timer are the only messages that are not
// protobuf: they never leave the process.
//
// The Socket handle returned by Context.Spawn wraps these commands in Go
// methods that wait for the answer (Bind, Connect, SendWait, Close, ...)
// and turn Error answers into error values that match the sentinels of
// package sockets with errors.Is.
//
// # Concurrency
//
// A socket actor handles one message at a time and never blocks in Receive:
// ZeroMQ calls use DONTWAIT, and readiness comes from a waiter parked in Go's
// netpoller. Context, Socket and Inbox are safe for concurrent use.
//
// # Lifecycle and restarts
//
// Spawn returns once the socket is open with its spec's options, binds and
// connects done, or with the error that stopped it. A socket actor keeps its
// spec outside the actor instance, with every bind (resolved, so a restarted
// socket listens on the same port), connect, unbind, disconnect and option
// applied since: a restarted instance (protoactor supervision) rebuilds the
// same socket and sends Started again with Restarts counted. Messages still
// in the old socket's ZeroMQ queues are lost on a restart; messages in the
// socket actor's mailbox are not. Close, a failure that makes the socket
// unusable (such as ETERM) and Shutdown send Closed with the number of
// queued messages left unsent.
package actors
