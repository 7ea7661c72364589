package actors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// fuzzFrames makes a message of 1 to 4 frames from the fuzzer's input.
func fuzzFrames(n uint8, topic, name, payload []byte) [][]byte {
	frames := [][]byte{topic, name, payload, payload}
	return frames[:1+int(n%4)]
}

// FuzzDecodeTyped checks that any frames either decode into a message of
// the named type, which encodes back, or give an ErrBadMessage; never a
// panic. Seeds are in testdata/fuzz/FuzzDecodeTyped.
func FuzzDecodeTyped(f *testing.F) {
	f.Add(uint8(2), []byte("t"), []byte("zmqactor.v1.Stats"), []byte("\x0a\x02ok"))
	f.Fuzz(func(t *testing.T, n uint8, topic, name, payload []byte) {
		frames := fuzzFrames(n, topic, name, payload)
		m, err := actors.DecodeTyped(frames)
		if err != nil {
			if !errors.Is(err, sockets.ErrBadMessage) || m != nil {
				t.Fatalf("DecodeTyped: %v, %v", m, err)
			}
			return
		}
		if got := string(m.ProtoReflect().Descriptor().FullName()); got != string(name) {
			t.Fatalf("decoded a %s from type name %q", got, name)
		}
		if _, err := proto.Marshal(m); err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
	})
}

// FuzzTypedSubscriber sends the fuzzer's frames, raw, from an XPUB socket
// actor to a SUB socket actor with a typed subscriber of every topic, then
// a good typed message. The subscriber must receive the decoded message or
// the owner a DecodeError, as DecodeTyped predicts, and then the good
// message: the socket actor survives every input. Seeds are in
// testdata/fuzz/FuzzTypedSubscriber.
func FuzzTypedSubscriber(f *testing.F) {
	f.Add(uint8(2), []byte("t"), []byte("zmqactor.v1.Stats"), []byte("\x0a\x02ok"))
	f.Fuzz(typedSubscriberRounds(f))
}

// typedSubscriberRounds sets up the sockets once and returns the fuzz
// function. Setup outlives the usual test deadline: fuzzing runs for as long
// as -fuzztime says. Use -fuzzminimizetime with a few seconds: minimizing an
// input costs a round trip through the actors per try, and the default
// minute shows as "0 execs/sec".
func typedSubscriberRounds(f testing.TB) func(t *testing.T, n uint8, topic, name, payload []byte) {
	system, z := testutil.NewSystem(f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	f.Cleanup(cancel)
	pubIn, subIn, typed := testutil.NewInbox(f, system, 64), testutil.NewInbox(f, system, 64), testutil.NewInbox(f, system, 64)
	pub := testutil.Spawn(f, z, sockets.Spec{Name: "pub", Type: sockets.XPub, Binds: []string{"inproc://fuzz-typed"}}, actors.WithOwner(pubIn.PID()))
	sub := testutil.Spawn(f, z, sockets.Spec{Name: "sub", Type: sockets.Sub, Connects: pub.Bound()}, actors.WithOwner(subIn.PID()))
	if err := sub.SubscribeTyped(ctx, typed.PID(), ""); err != nil {
		f.Fatal(err)
	}
	testutil.Expect[*messages.PeerSubscription](f, pubIn, testutil.Wait)
	testutil.Expect[*messages.Started](f, subIn, testutil.Wait)

	round := 0
	return func(t *testing.T, n uint8, topic, name, payload []byte) {
		round++
		ctx := testutil.Ctx(t) // fuzzing outlasts the setup's deadline
		frames := fuzzFrames(n, topic, name, payload)
		want, wantErr := actors.DecodeTyped(frames)
		if _, err := pub.SendWait(ctx, frames...); err != nil {
			t.Fatalf("send: %v", err)
		}
		sentinel := &messages.Stats{Socket: fmt.Sprintf("sentinel-%d", round)}
		if err := pub.PublishProto("sentinel", sentinel); err != nil {
			t.Fatal(err)
		}
		if wantErr == nil {
			if _, got := typedBody(t, testutil.Next(t, typed, testutil.Wait)); !proto.Equal(got, want) {
				t.Fatalf("subscriber got %v, want %v", got, want)
			}
		} else if d := testutil.Next(t, subIn, testutil.Wait); func() bool { _, ok := d.(*messages.DecodeError); return !ok }() {
			t.Fatalf("owner got %T %v, want DecodeError for %v", d, d, wantErr)
		}
		if _, got := typedBody(t, testutil.Next(t, typed, testutil.Wait)); !proto.Equal(got, sentinel) {
			t.Fatalf("subscriber got %v, want the sentinel %v", got, sentinel)
		}
	}
}

// FuzzServerRequest sends the fuzzer's frames from a raw DEALER peer to a
// ROUTER server socket actor whose handler echoes, then a good request.
// A message with an empty delimiter frame and a body after it is a request,
// echoed back with its envelope; anything else is reported to the owner as
// ERROR_CODE_INVALID_MESSAGE. Either way the good request is answered: the
// server survives every input.
func FuzzServerRequest(f *testing.F) {
	f.Add(uint8(1), []byte{}, []byte("body"), []byte{})
	f.Add(uint8(0), []byte("no delimiter"), []byte{}, []byte{})
	f.Add(uint8(3), []byte("env"), []byte{}, []byte("a"))
	f.Add(uint8(1), []byte{}, []byte{}, []byte{})
	f.Fuzz(serverRequestRounds(f))
}

func serverRequestRounds(f testing.TB) func(t *testing.T, n uint8, a, b, c []byte) {
	system, z := testutil.NewSystem(f)
	owner, peerIn := testutil.NewInbox(f, system, 64), testutil.NewInbox(f, system, 64)
	handler := system.Root.Spawn(actor.PropsFromFunc(echo))
	srv := testutil.Spawn(f, z, sockets.Spec{Name: "server", Type: sockets.Router, Binds: []string{"inproc://fuzz-server"}},
		actors.WithOwner(owner.PID()), actors.WithHandler(handler, actors.ServeOptions{}))
	peer := testutil.Spawn(f, z, sockets.Spec{Name: "peer", Type: sockets.Dealer, Connects: srv.Bound()}, actors.WithOwner(peerIn.PID()))
	testutil.Expect[*messages.Started](f, owner, testutil.Wait)
	testutil.Expect[*messages.Started](f, peerIn, testutil.Wait)

	round := 0
	return func(t *testing.T, n uint8, a, b, c []byte) {
		round++
		ctx := testutil.Ctx(t)
		frames := fuzzFrames(n, a, b, c)
		d := 0
		for d < len(frames) && len(frames[d]) != 0 {
			d++
		}
		request := d < len(frames)-1
		if _, err := peer.SendWait(ctx, frames...); err != nil {
			t.Fatalf("send: %v", err)
		}
		sentinel := []byte(fmt.Sprintf("sentinel-%d", round))
		if _, err := peer.SendWait(ctx, []byte{}, sentinel); err != nil {
			t.Fatal(err)
		}
		if request {
			got := testutil.Expect[*messages.Received](t, peerIn, testutil.Wait).GetFrames()
			if !slices.EqualFunc(got, frames, bytes.Equal) {
				t.Fatalf("echo %q, sent %q", got, frames)
			}
		} else if e := testutil.Expect[*messages.Error](t, owner, testutil.Wait); e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_MESSAGE {
			t.Fatalf("owner got %v for %q", e, frames)
		}
		if got := testutil.Expect[*messages.Received](t, peerIn, testutil.Wait).GetFrames(); len(got) != 2 || string(got[1]) != string(sentinel) {
			t.Fatalf("sentinel came back as %q", got)
		}
	}
}
