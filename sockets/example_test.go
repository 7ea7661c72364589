package sockets_test

import (
	"errors"
	"fmt"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// A Socket is driven by one owner: every call from one goroutine (here
// main's), with the readiness signals of the waiter coming to it as
// messages (here through a channel) and handed back to Handle. Package
// actors does this inside a socket actor; use it instead unless you write
// your own owner.
func ExampleOpen() {
	zctx, err := sockets.NewZMQContext()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer zctx.Term() // after the sockets are closed

	// Signal must not block: the channel has room for every signal the
	// two sockets may send before the owner takes them.
	signals := make(chan *sockets.Signal, 64)
	signal := func(sig *sockets.Signal) { signals <- sig }
	received := make(chan [][]byte, 1)
	pull, err := sockets.Open(zctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://example-open"}},
		sockets.Hooks{Signal: signal, Deliver: func(frames [][]byte) { received <- frames }})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pull.Close(nil)
	push, err := sockets.Open(zctx, sockets.Spec{Type: sockets.Push, Connects: pull.Bound()}, sockets.Hooks{Signal: signal})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer push.Close(nil)

	if _, err := push.Send([][]byte{[]byte("hello"), []byte("world")}); err != nil {
		fmt.Println(err)
		return
	}
	for {
		select {
		case sig := <-signals:
			// Each Socket ignores the other's signals.
			for _, s := range []*sockets.Socket{pull, push} {
				if err := s.Handle(sig); err != nil {
					fmt.Println(err)
					return
				}
			}
		case frames := <-received:
			fmt.Printf("%s\n", frames)
			return
		}
	}
	// Output: [hello world]
}

// Validate finds what is wrong with a spec before any ZeroMQ call, as an
// error wrapping a sentinel.
func ExampleSpec_Validate() {
	for _, spec := range []sockets.Spec{
		{Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}},
		{Type: sockets.Push, Connects: []string{"127.0.0.1:5555"}},
		{Type: sockets.Push, Options: []sockets.Option{sockets.Subscribe([]byte("news"))}},
		{Type: 42},
	} {
		err := spec.Validate()
		fmt.Println(err == nil, errors.Is(err, sockets.ErrBadEndpoint), errors.Is(err, sockets.ErrUnsupported),
			errors.Is(err, sockets.ErrUnknownType))
	}
	// Output:
	// true false false false
	// false true false false
	// false false true false
	// false false false true
}

// A key is 32 bytes, written as 40 characters of Z85; a bad one is an
// error, never a silent zero key.
func ExampleParseKey() {
	public, _, err := sockets.NewKeyPair()
	if err != nil {
		fmt.Println(err)
		return
	}
	text := public.String()
	back, err := sockets.ParseKey(text)
	fmt.Println(len(text), back == public, err)

	_, err = sockets.ParseKey("too short")
	fmt.Println(errors.Is(err, sockets.ErrBadKey))
	// Output:
	// 40 true <nil>
	// true
}

// An error crosses actors, and nodes, as a messages.Error, and still
// matches its sentinel afterwards.
func ExampleErrorFromProto() {
	err := &sockets.Error{Op: sockets.OpSend, Socket: "push", Err: sockets.ErrQueueFull}
	m := sockets.ErrorToProto("push", err)
	back := sockets.ErrorFromProto(m)
	fmt.Println(m.GetCode() == messages.ErrorCode_ERROR_CODE_SEND_QUEUE_FULL, errors.Is(back, sockets.ErrQueueFull))
	// Output: true true
}
