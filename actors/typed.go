package actors

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Typed messages travel as three frames: [topic, full type name, payload],
// the payload being the protobuf encoding (proto.Marshal) of a message of
// the named type, such as ["weather", "weather.v1.Update", <bytes>]. Any
// ZeroMQ peer can produce and read them.

// NewPublish returns the Publish command that publishes m under topic as a
// typed message, for actors that send commands themselves.
func NewPublish(topic string, m proto.Message) (*messages.Publish, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: publish: nil message", sockets.ErrBadMessage)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: publish %s: %v", sockets.ErrBadMessage, m.ProtoReflect().Descriptor().FullName(), err)
	}
	name := string(m.ProtoReflect().Descriptor().FullName())
	return &messages.Publish{Topic: []byte(topic), Frames: [][]byte{[]byte(name), b}}, nil
}

// EncodeTyped returns the frames of a typed message: for sockets other than
// PUB and XPUB, or to send raw with Send.
func EncodeTyped(topic string, m proto.Message) ([][]byte, error) {
	p, err := NewPublish(topic, m)
	if err != nil {
		return nil, err
	}
	return append([][]byte{p.Topic}, p.Frames...), nil
}

// DecodeTyped decodes the frames of a typed message through the protobuf
// registry (protoregistry.GlobalTypes): the type must be linked into the
// program. The error, which wraps sockets.ErrBadMessage, says what was wrong.
func DecodeTyped(frames [][]byte) (proto.Message, error) {
	return decodeTyped(frames, nil)
}

// typeCache remembers the message types a socket actor decoded before.
type typeCache map[string]protoreflect.MessageType

func decodeTyped(frames [][]byte, cache typeCache) (proto.Message, error) {
	if len(frames) != 3 {
		return nil, fmt.Errorf("%w: a typed message has 3 frames [topic, type name, payload], this one has %d", sockets.ErrBadMessage, len(frames))
	}
	return decodePayload(frames[1], frames[2], cache)
}

// Typed requests and replies travel as two frames, [full type name,
// payload], after the envelope.

// EncodeBody returns the two frames [full type name, payload] of a typed
// request or reply body.
func EncodeBody(m proto.Message) ([][]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: encode: nil message", sockets.ErrBadMessage)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: encode %s: %v", sockets.ErrBadMessage, m.ProtoReflect().Descriptor().FullName(), err)
	}
	return [][]byte{[]byte(m.ProtoReflect().Descriptor().FullName()), b}, nil
}

// DecodeBody decodes a typed request or reply body [full type name,
// payload] through the protobuf registry. The error wraps
// sockets.ErrBadMessage.
func DecodeBody(frames [][]byte) (proto.Message, error) {
	return decodeBody(frames, nil)
}

func decodeBody(frames [][]byte, cache typeCache) (proto.Message, error) {
	if len(frames) != 2 {
		return nil, fmt.Errorf("%w: a typed body has 2 frames [type name, payload], this one has %d", sockets.ErrBadMessage, len(frames))
	}
	return decodePayload(frames[0], frames[1], cache)
}

func decodePayload(name, payload []byte, cache typeCache) (proto.Message, error) {
	mt := cache[string(name)]
	if mt == nil {
		if len(name) == 0 || !utf8.Valid(name) || !protoreflect.FullName(name).IsValid() {
			return nil, fmt.Errorf("%w: %q is not a protobuf type name", sockets.ErrBadMessage, truncate(name))
		}
		var err error
		mt, err = protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("%w: unknown message type %q (not linked into this program)", sockets.ErrBadMessage, name)
		}
		if cache != nil && len(cache) < 1024 {
			cache[string(name)] = mt
		}
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(payload, m); err != nil {
		return nil, fmt.Errorf("%w: payload is not a valid %s: %v", sockets.ErrBadMessage, name, err)
	}
	return m, nil
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// typeURLPrefix starts the type URL of a typed message's Any, as anypb's.
const typeURLPrefix = "type.googleapis.com/"

// anyOf wraps a typed message's payload, already checked, as an Any.
func anyOf(name, payload []byte) *anypb.Any {
	return &anypb.Any{TypeUrl: typeURLPrefix + string(name), Value: payload}
}

// Unpack decodes the body of a TypedMessage or TypedReply as a T: the
// subscriber or asker that knows what it expects. A body of another type
// fails with an error wrapping sockets.ErrBadMessage that names both.
//
//	case *messages.TypedMessage:
//		reading, err := actors.Unpack[*weather.Reading](m.GetBody())
func Unpack[T proto.Message](body *anypb.Any) (T, error) {
	var zero T
	want := zero.ProtoReflect().Descriptor().FullName()
	if got := body.MessageName(); got != want {
		return zero, fmt.Errorf("%w: the body is a %s, not a %s", sockets.ErrBadMessage, got, want)
	}
	m := zero.ProtoReflect().Type().New().Interface()
	if err := proto.Unmarshal(body.GetValue(), m); err != nil {
		return zero, fmt.Errorf("%w: payload is not a valid %s: %v", sockets.ErrBadMessage, want, err)
	}
	return m.(T), nil
}

// UnpackAny decodes the body of a TypedMessage or TypedReply as the type it
// names, through the protobuf registry (the type must be linked into the
// program). The error wraps sockets.ErrBadMessage.
func UnpackAny(body *anypb.Any) (proto.Message, error) {
	name, ok := strings.CutPrefix(body.GetTypeUrl(), typeURLPrefix)
	if !ok {
		name = string(body.MessageName())
	}
	return decodePayload([]byte(name), body.GetValue(), nil)
}
