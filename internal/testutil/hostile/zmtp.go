package hostile

import (
	"encoding/binary"
	"math"
)

// The wire format of ZMTP 3.x (rfc.zeromq.org, 23/ZMTP and 37/ZMTP), as
// much of it as the raw TCP peers need to get a server past the greeting
// and then misbehave.

// ZMTP frame flags.
const (
	flagMore    = 0x01
	flagLong    = 0x02
	flagCommand = 0x04
)

// greeting returns a ZMTP 3.x greeting: the signature (0xFF, eight
// bytes, 0x7F), the version, the mechanism name padded with zeros to 20
// bytes (cut to 20 if longer), the as-server byte and 31 bytes of filler.
func greeting(major, minor byte, mechanism []byte, asServer bool) []byte {
	g := make([]byte, 64)
	g[0], g[9] = 0xFF, 0x7F
	g[10], g[11] = major, minor
	copy(g[12:32], mechanism)
	if asServer {
		g[32] = 1
	}
	return g
}

// nullGreeting is the greeting of a ZMTP 3.0 client with the NULL
// mechanism, what every plain zmq socket that connects sends.
func nullGreeting() []byte { return greeting(3, 0, []byte("NULL"), false) }

// header returns the flags and size of a frame of size bytes: the short
// form up to 255, else the long one.
func header(flags byte, size uint64) []byte {
	if size <= math.MaxUint8 {
		return []byte{flags, byte(size)}
	}
	return binary.BigEndian.AppendUint64([]byte{flags | flagLong}, size)
}

// frame returns a message frame holding body, with the more flag if more.
func frame(body []byte, more bool) []byte {
	var flags byte
	if more {
		flags = flagMore
	}
	return append(header(flags, uint64(len(body))), body...)
}

// message returns the frames of a multipart message, the more flag on all
// but the last.
func message(m [][]byte) []byte {
	var b []byte
	for i, f := range m {
		b = append(b, frame(f, i < len(m)-1)...)
	}
	return b
}

// command returns a command frame: the name's length and the name, then
// body.
func command(name string, body []byte) []byte {
	c := append([]byte{byte(len(name))}, name...)
	c = append(c, body...)
	return append(header(flagCommand, uint64(len(c))), c...)
}

// property returns a metadata property: the name's length and the name,
// the value's length (4 bytes) and the value.
func property(name string, value []byte) []byte {
	p := append([]byte{byte(len(name))}, name...)
	p = binary.BigEndian.AppendUint32(p, uint32(len(value)))
	return append(p, value...)
}

// ready returns the READY command of a NULL handshake as a socket of
// socketType.
func ready(socketType string) []byte {
	return command("READY", property("Socket-Type", []byte(socketType)))
}

// zmtp1Fallback is the known troublemaker: ZMTP/1.0 (no signature, so
// libzmq falls back to it) with the identity "abc", then one message
// "xyz", with no empty delimiter.
var zmtp1Fallback = []byte{0x04, 0x00, 'a', 'b', 'c', 0x04, 0x00, 'x', 'y', 'z'}

// absurdSizes are frame, command and property lengths that no peer can
// mean: larger than any memory, or than an int64, or than the limits a
// server may set.
var absurdSizes = []uint64{math.MaxUint64, math.MaxInt64, math.MaxInt64 + 1, 1 << 40, 1 << 32, math.MaxUint32, 1<<31 + 1, 1025, 70_001}

// badMechanisms are mechanism names that a NULL server must refuse:
// unknown ones, the secure ones, lower case, binary, and none.
var badMechanisms = [][]byte{
	[]byte("EVIL"), []byte("CURVE"), []byte("PLAIN"), []byte("GSSAPI"), []byte("null"),
	[]byte("NULL\x00\x01"), []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
	{}, []byte("NULLNULLNULLNULLNULL"),
}

// maxTCPMessages is the most messages a raw TCP peer sends after its
// handshake.
const maxTCPMessages = 40

// rawInput is what a raw TCP peer writes: greeting, if not nil, first,
// then, once the server's greeting came (or the server closed, or a
// moment passed), rest. It holds messages ZeroMQ messages after a
// handshake (0 for garbage that no server takes as one).
type rawInput struct {
	greeting, rest []byte
	messages       int
}

// garbage is input written all at once, no greeting first.
func garbage(b []byte) rawInput { return rawInput{rest: b} }

// afterNull is input written after a NULL greeting, as a ZMTP 3.0 peer
// writes its handshake and messages.
func afterNull(rest []byte, messages int) rawInput {
	return rawInput{greeting: nullGreeting(), rest: rest, messages: messages}
}

// tcpCase is one kind of raw TCP input, for a peer that would be of
// socketType.
type tcpCase struct {
	name  string
	input func(j *junk, socketType string) rawInput
}

var tcpCases = []tcpCase{
	{"random bytes", func(j *junk, _ string) rawInput {
		return garbage(j.bytes(j.between(1, 2048)))
	}},
	{"half a greeting", func(j *junk, _ string) rawInput {
		return garbage(nullGreeting()[:j.between(1, 63)])
	}},
	{"ZMTP/1.0 fallback", func(*junk, string) rawInput {
		return garbage(append([]byte(nil), zmtp1Fallback...))
	}},
	{"ZMTP/1.0 junk", func(j *junk, _ string) rawInput {
		// A 1.0 frame is its length (flags included) in one byte, or
		// 0xFF and eight bytes, then the flags byte and the body.
		b := []byte{0x01, 0x00} // an empty identity
		for range j.between(1, 20) {
			body := j.frame()
			switch j.r.IntN(6) {
			case 0:
				b = binary.BigEndian.AppendUint64(append(b, 0xFF), absurdSizes[j.r.IntN(len(absurdSizes))])
			case 1:
				b = binary.BigEndian.AppendUint64(append(b, 0xFF), uint64(len(body)+1))
			default:
				b = append(b, byte(min(len(body)+1, 0xFE)))
				body = body[:min(len(body), 0xFD)]
			}
			b = append(b, byte(j.r.IntN(4)))
			b = append(b, body...)
		}
		return garbage(b)
	}},
	{"handshake and messages at once", func(j *junk, socketType string) rawInput {
		b := append(nullGreeting(), ready(socketType)...)
		for range j.between(1, 5) {
			b = append(b, message(j.message())...)
		}
		return garbage(b)
	}},
	{"bad mechanism", func(j *junk, socketType string) rawInput {
		g := greeting(3, 0, badMechanisms[j.r.IntN(len(badMechanisms))], false)
		return rawInput{greeting: g, rest: ready(socketType)}
	}},
	{"bad version", func(j *junk, socketType string) rawInput {
		versions := [][2]byte{{3, 255}, {255, 0}, {4, 0}, {0, 0}, {1, 0}, {2, 0}, {2, 1}, {0xFF, 0xFF}}
		v := versions[j.r.IntN(len(versions))]
		return rawInput{greeting: greeting(v[0], v[1], []byte("NULL"), j.r.IntN(2) == 0), rest: ready(socketType)}
	}},
	{"absurd frame length", func(j *junk, socketType string) rawInput {
		flags := byte(flagLong)
		if j.r.IntN(2) == 0 {
			flags |= flagMore
		}
		b := binary.BigEndian.AppendUint64(append(ready(socketType), flags), absurdSizes[j.r.IntN(len(absurdSizes))])
		return afterNull(append(b, j.bytes(j.between(0, 4096))...), 0)
	}},
	{"absurd command length", func(j *junk, _ string) rawInput {
		b := binary.BigEndian.AppendUint64([]byte{flagCommand | flagLong}, absurdSizes[j.r.IntN(len(absurdSizes))])
		return afterNull(append(b, "\x05READY"...), 0)
	}},
	{"absurd property length", func(j *junk, _ string) rawInput {
		p := append([]byte{11}, "Socket-Type"...)
		p = binary.BigEndian.AppendUint32(p, uint32(absurdSizes[j.r.IntN(len(absurdSizes))]))
		p = append(p, "DEALER"...)
		return afterNull(command("READY", p), 0)
	}},
	{"bad socket type", func(j *junk, _ string) rawInput {
		types := [][]byte{[]byte("BOGUS"), []byte(""), []byte("dealer"), j.bytes(j.between(1, 200)), []byte("STREAM"), []byte("SERVER")}
		return afterNull(command("READY", property("Socket-Type", types[j.r.IntN(len(types))])), 0)
	}},
	{"unknown command", func(j *junk, socketType string) rawInput {
		names := []string{"HELLO", "ERROR", "PING", "SUBSCRIBE", "INITIATE", string(j.bytes(j.between(0, 30)))}
		b := command(names[j.r.IntN(len(names))], j.bytes(j.between(0, 300)))
		if j.r.IntN(2) == 0 {
			b = append(b, ready(socketType)...)
		}
		return afterNull(b, 0)
	}},
	{"READY twice", func(j *junk, socketType string) rawInput {
		return afterNull(append(ready(socketType), append(ready(socketType), message(j.message())...)...), 0)
	}},
	{"junk frames", func(j *junk, socketType string) rawInput {
		b := ready(socketType)
		n := j.between(1, maxTCPMessages)
		for range n {
			b = append(b, message(j.message())...)
		}
		switch j.r.IntN(4) {
		case 0: // a message never finished: a last frame with more
			b = append(b, frame(j.frame(), true)...)
		case 1: // a frame announced and cut short
			f := frame(j.bytes(j.between(10, 3000)), false)
			b = append(b, f[:len(f)/2]...)
		}
		return afterNull(b, n)
	}},
	{"bad flags", func(j *junk, socketType string) rawInput {
		body := j.frame()
		b := append(ready(socketType), byte(0xF8|j.r.IntN(8)), byte(len(body)))
		return afterNull(append(b, body...), 0)
	}},
	{"silence", func(*junk, string) rawInput { return rawInput{} }},
}
