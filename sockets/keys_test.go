package sockets

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/pebbe/zmq4"
)

// TestZ85Vector checks the test vector of ZeroMQ RFC 32.
func TestZ85Vector(t *testing.T) {
	raw := []byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}
	if got := z85Encode(raw); got != "HelloWorld" {
		t.Fatalf("z85Encode = %q, want HelloWorld", got)
	}
	got, err := z85Decode("HelloWorld")
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("z85Decode(HelloWorld) = % x, %v; want % x", got, err, raw)
	}
}

// TestZ85MatchesLibzmq compares the Go codec with libzmq's zmq_z85_encode and
// zmq_z85_decode on random data of every length up to 128 bytes.
func TestZ85MatchesLibzmq(t *testing.T) {
	for n := 4; n <= 128; n += 4 {
		for range 8 {
			raw := make([]byte, n)
			_, _ = rand.Read(raw)
			text := z85Encode(raw)
			if want := zmq4.Z85encode(string(raw)); text != want {
				t.Fatalf("z85Encode(% x) = %q, libzmq %q", raw, text, want)
			}
			back, err := z85Decode(text)
			if err != nil || !bytes.Equal(back, raw) {
				t.Fatalf("z85Decode(%q) = % x, %v; want % x", text, back, err, raw)
			}
			if lib := zmq4.Z85decode(text); lib != string(raw) {
				t.Fatalf("libzmq decodes %q to % x, want % x", text, lib, raw)
			}
		}
	}
	for _, edge := range [][]byte{{0, 0, 0, 0}, {0xff, 0xff, 0xff, 0xff}} {
		text := z85Encode(edge)
		if want := zmq4.Z85encode(string(edge)); text != want {
			t.Fatalf("z85Encode(% x) = %q, libzmq %q", edge, text, want)
		}
	}
}

// TestZ85Refuses: characters outside the alphabet, lengths that are not a
// multiple of 5, and groups above 2^32-1 fail with ErrBadKey.
func TestZ85Refuses(t *testing.T) {
	top := z85Encode([]byte{0xff, 0xff, 0xff, 0xff})
	last := strings.IndexByte(z85Alphabet, top[4])
	if last+1 >= len(z85Alphabet) {
		t.Fatalf("the largest group %q ends with the last digit", top)
	}
	overMax := top[:4] + z85Alphabet[last+1:last+2] // 2^32
	cases := map[string]string{
		"space":         "Hello orld",
		"double quote":  `Hello"orld`,
		"single quote":  "Hello'orld",
		"comma":         "Hello,orld",
		"semicolon":     "Hello;orld",
		"backslash":     `Hello\orld`,
		"underscore":    "Hello_orld",
		"backquote":     "Hello`orld",
		"bar":           "Hello|orld",
		"tilde":         "Hello~orld",
		"NUL":           "Hello\x00orld",
		"high byte":     "Hello\xc3orld",
		"4 characters":  "Hell",
		"6 characters":  "HelloW",
		"11 characters": "HelloWorld0",
		"all #":         "#####",
		"2^32":          overMax,
		"2^32 second":   "HelloWorld" + overMax,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := z85Decode(text)
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("z85Decode(%q) = % x, %v; want ErrBadKey", text, b, err)
			}
		})
	}
	if b, err := z85Decode(top); err != nil || !bytes.Equal(b, []byte{0xff, 0xff, 0xff, 0xff}) {
		t.Fatalf("z85Decode(%q) = % x, %v; want ff ff ff ff", top, b, err)
	}
}

// keyPair returns a new CURVE key pair from NewKeyPair, or fails the test.
func keyPair(t *testing.T) (public, secret Key) {
	t.Helper()
	public, secret, err := NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return public, secret
}

// TestParseKey: a key is exactly 40 characters of Z85, or 32 bytes, and its
// errors never repeat the text they refuse.
func TestParseKey(t *testing.T) {
	public, secret := keyPair(t)
	if public.IsZero() || secret.IsZero() || public == secret {
		t.Fatalf("NewKeyPair gave public zero %v, secret zero %v, equal %v", public.IsZero(), secret.IsZero(), public == secret)
	}
	text := secret.String()
	if len(text) != 40 {
		t.Fatalf("String is %d characters, want 40", len(text))
	}
	if want := zmq4.Z85encode(string(secret[:])); text != want {
		t.Fatal("String differs from libzmq's Z85")
	}
	k, err := ParseKey(text)
	if err != nil || k != secret {
		t.Fatalf("ParseKey(String()) = %v, want the same key", err)
	}
	for name, bad := range map[string]string{
		"39 characters":  text[:39],
		"41 characters":  text + "0",
		"35 characters":  text[:35],
		"bad character":  text[:20] + "~" + text[21:],
		"overflow group": "#####" + text[5:],
		"empty":          "",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseKey(bad)
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("ParseKey: %v, want ErrBadKey", err)
			}
			if len(bad) >= 20 && strings.Contains(err.Error(), bad[5:20]) {
				t.Fatalf("the error repeats the key text: %v", err)
			}
		})
	}
	for _, n := range []int{0, 31, 33, 40} {
		b := make([]byte, n)
		if _, err := KeyFromBytes(b); !errors.Is(err, ErrBadKey) {
			t.Errorf("KeyFromBytes(%d bytes): %v, want ErrBadKey", n, err)
		}
	}
	if k, err := KeyFromBytes(secret[:]); err != nil || k != secret {
		t.Fatalf("KeyFromBytes(32 bytes) = %v", err)
	}
}

// TestPublicKeyOf derives the public key of fresh pairs, as libzmq made them,
// and refuses the zero key.
func TestPublicKeyOf(t *testing.T) {
	for range 10 {
		public, secret := keyPair(t)
		got, err := PublicKeyOf(secret)
		if err != nil {
			t.Fatal(err)
		}
		if got != public {
			t.Fatal("PublicKeyOf(secret) differs from the pair's public key")
		}
		lib, err := zmq4.AuthCurvePublic(secret.String())
		if err != nil || lib != public.String() {
			t.Fatalf("zmq4.AuthCurvePublic disagrees: %v", err)
		}
	}
	if _, err := PublicKeyOf(Key{}); !errors.Is(err, ErrBadKey) {
		t.Fatalf("PublicKeyOf(zero) = %v, want ErrBadKey", err)
	}
}

// FuzzZ85Decode: decoding never panics, fails only with ErrBadKey, and text
// that decodes is the encoding of what it decodes to (Z85 is canonical).
func FuzzZ85Decode(f *testing.F) {
	for _, s := range []string{"HelloWorld", "#####", "", "0000", "%nSc0", "Hello~orld"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := z85Decode(s)
		if err != nil {
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("z85Decode(%q): %v, want ErrBadKey", s, err)
			}
			return
		}
		if len(b) != len(s)/5*4 {
			t.Fatalf("z85Decode(%q) gave %d bytes", s, len(b))
		}
		if back := z85Encode(b); back != s {
			t.Fatalf("z85Encode(z85Decode(%q)) = %q", s, back)
		}
	})
}
