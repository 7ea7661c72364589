package sockets

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pebbe/zmq4"
)

// KeySize is the size of a CURVE key in bytes; its Z85 text is 40
// characters.
const KeySize = 32

// ErrBadKey is the error of a CURVE key that is not 32 bytes, or not 40
// characters of valid Z85 text. Errors never include the key itself.
var ErrBadKey = errors.New("zmqactor: bad CURVE key")

// Key is a CURVE public or secret key: 32 bytes. Its String is its Z85
// text, the form ZeroMQ's tools and certificate files use.
type Key [KeySize]byte

// String returns the key's Z85 text. Do not log a secret key.
func (k Key) String() string { return z85Encode(k[:]) }

// IsZero reports whether k is the zero key, which is never a real key.
func (k Key) IsZero() bool { return k == Key{} }

// ParseKey decodes a key from its 40 characters of Z85 text.
func ParseKey(z85 string) (Key, error) {
	var k Key
	if len(z85) != 40 {
		return k, fmt.Errorf("%w: Z85 text of %d characters, want 40", ErrBadKey, len(z85))
	}
	b, err := z85Decode(z85)
	if err != nil {
		return k, err
	}
	copy(k[:], b)
	return k, nil
}

// KeyFromBytes returns the key in b, which must be 32 bytes.
func KeyFromBytes(b []byte) (Key, error) {
	var k Key
	if len(b) != KeySize {
		return k, fmt.Errorf("%w: %d bytes, want %d", ErrBadKey, len(b), KeySize)
	}
	copy(k[:], b)
	return k, nil
}

// NewKeyPair generates a new CURVE key pair with libzmq
// (zmq_curve_keypair(3)).
func NewKeyPair() (public, secret Key, err error) {
	pub, sec, err := zmq4.NewCurveKeypair()
	if err != nil {
		return public, secret, curveError("generate CURVE key pair", err)
	}
	if public, err = ParseKey(pub); err != nil {
		return public, secret, err
	}
	secret, err = ParseKey(sec)
	return public, secret, err
}

// curveError wraps a failure of libzmq's CURVE functions in a sentinel,
// classified by its errno as a socket's errors are: ErrUnsupported when
// libzmq has no CURVE (ENOTSUP).
func curveError(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", classify("", zmq4.AsErrno(err)), what, err)
}

// PublicKeyOf derives the public key of a secret key
// (zmq_curve_public(3)).
func PublicKeyOf(secret Key) (Key, error) {
	if secret.IsZero() {
		return Key{}, fmt.Errorf("%w: the zero key is not a secret key", ErrBadKey)
	}
	return curvePublic(secret)
}

// The Z85 codec is written here, not taken from pebbe/zmq4, because its
// Z85decode panics on text whose length is not a multiple of 5 and
// ignores zmq_z85_decode's failure on a character outside the alphabet,
// returning zero bytes as if they were the key; and both functions return
// an error's text in place of the result when libzmq is too old. Keys come
// from files and commands, so bad text must be a clear ErrBadKey, never a
// panic or a wrong key. It also needs no cgo call.

// z85Alphabet is the Z85 encoding's alphabet (ZeroMQ RFC 32).
const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// z85Encode encodes b, whose length is a multiple of 4, as Z85 text.
func z85Encode(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) / 4 * 5)
	for i := 0; i+4 <= len(b); i += 4 {
		v := uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
		var chunk [5]byte
		for j := 4; j >= 0; j-- {
			chunk[j] = z85Alphabet[v%85]
			v /= 85
		}
		sb.Write(chunk[:])
	}
	return sb.String()
}

// z85Decode decodes Z85 text whose length is a multiple of 5.
func z85Decode(s string) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, fmt.Errorf("%w: Z85 text of %d characters is not a multiple of 5", ErrBadKey, len(s))
	}
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for j := 0; j < 5; j++ {
			d := strings.IndexByte(z85Alphabet, s[i+j])
			if d < 0 {
				return nil, fmt.Errorf("%w: character %d is not Z85", ErrBadKey, i+j)
			}
			v = v*85 + uint64(d)
		}
		if v > 1<<32-1 {
			return nil, fmt.Errorf("%w: Z85 group at %d overflows", ErrBadKey, i)
		}
		out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return out, nil
}
