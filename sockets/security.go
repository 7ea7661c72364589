package sockets

import (
	"fmt"
	"time"

	"github.com/pebbe/zmq4"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/messages"
)

// Security options. A socket is a CURVE or PLAIN server or client through
// one of the options below in its spec; without one it uses ZMTP's NULL
// mechanism, in clear text, and lets in anyone who reaches its endpoint.
// A server socket's peers are checked by the ZAP authenticator of its
// context (actors.Runtime.StartAuthenticator); a CURVE or PLAIN server with
// no authenticator running refuses every peer. Keys and passwords are part
// of the spec: they stay in the process, but a spec sent to another node
// carries them, so send specs with secrets only over an encrypted link.

// DefaultZAPDomain is the ZAP domain of a CURVE or PLAIN server whose spec
// sets none: libzmq asks its ZAP handler only for sockets with a domain.
const DefaultZAPDomain = "global"

// CurveServer makes the socket a CURVE server with this secret key: traffic
// is encrypted and clients must know the matching public key.
func CurveServer(secret Key) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_CurveServer{
		CurveServer: &messages.CurveServer{SecretKey: append([]byte(nil), secret[:]...)}}}
}

// CurveClient makes the socket a CURVE client of the server whose public key
// is serverKey, with the client's own key pair.
func CurveClient(serverKey, public, secret Key) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_CurveClient{CurveClient: &messages.CurveClient{
		ServerKey: append([]byte(nil), serverKey[:]...),
		PublicKey: append([]byte(nil), public[:]...),
		SecretKey: append([]byte(nil), secret[:]...),
	}}}
}

// PlainServer makes the socket a PLAIN server: clients send a user name and
// password, in clear text, which the authenticator checks.
func PlainServer() Option {
	return &messages.SocketOption{Option: &messages.SocketOption_PlainServer{PlainServer: true}}
}

// PlainClient makes the socket a PLAIN client with these credentials.
func PlainClient(username, password string) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_PlainClient{
		PlainClient: &messages.PlainClient{Username: username, Password: password}}}
}

// ZAPDomain sets the socket's authentication domain (ZMQ_ZAP_DOMAIN), which
// the authenticator receives with each request; CURVE and PLAIN servers
// default to DefaultZAPDomain. Not empty.
func ZAPDomain(domain string) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_ZapDomain{ZapDomain: domain}}
}

// HandshakeInterval bounds the security handshake of each connection
// (ZMQ_HANDSHAKE_IVL); zero is no limit, libzmq's default is 30 s.
func HandshakeInterval(d time.Duration) Option {
	return &messages.SocketOption{Option: &messages.SocketOption_HandshakeInterval{HandshakeInterval: durationpb.New(d)}}
}

// checkSecurity checks the security options, or returns handled false for
// any other option. Messages name the part that is wrong, never a key.
func checkSecurity(o Option) (handled bool, err error) {
	key := func(what string, b []byte) error {
		name := "ZMQ_CURVE_SERVERKEY"
		if _, ok := o.GetOption().(*messages.SocketOption_CurveServer); ok {
			name = "ZMQ_CURVE_SERVER"
		}
		if len(b) != KeySize {
			return fmt.Errorf("%w: %s: %w: %s of %d bytes, want %d", ErrBadOption, name, ErrBadKey, what, len(b), KeySize)
		}
		if (Key)(b) == (Key{}) {
			return fmt.Errorf("%w: %s: %w: %s is all zero bytes, not a key", ErrBadOption, name, ErrBadKey, what)
		}
		return nil
	}
	switch v := o.GetOption().(type) {
	case *messages.SocketOption_CurveServer:
		if !zmq4.HasCurve() {
			return true, fmt.Errorf("%w: this libzmq was built without CURVE", ErrUnsupported)
		}
		return true, key("secret key", v.CurveServer.GetSecretKey())
	case *messages.SocketOption_CurveClient:
		if !zmq4.HasCurve() {
			return true, fmt.Errorf("%w: this libzmq was built without CURVE", ErrUnsupported)
		}
		c := v.CurveClient
		for _, k := range []struct {
			what string
			b    []byte
		}{{"server key", c.GetServerKey()}, {"public key", c.GetPublicKey()}, {"secret key", c.GetSecretKey()}} {
			if err := key(k.what, k.b); err != nil {
				return true, err
			}
		}
		return true, nil
	case *messages.SocketOption_PlainServer:
		if !v.PlainServer {
			return true, fmt.Errorf("%w: ZMQ_PLAIN_SERVER: false is not a mechanism; leave the option out", ErrBadOption)
		}
		return true, nil
	case *messages.SocketOption_PlainClient:
		c := v.PlainClient
		if c == nil || c.GetUsername() == "" {
			return true, fmt.Errorf("%w: ZMQ_PLAIN_USERNAME: empty user name", ErrBadOption)
		}
		if len(c.GetUsername()) > 255 || len(c.GetPassword()) > 255 {
			return true, fmt.Errorf("%w: ZMQ_PLAIN_USERNAME: user name and password are at most 255 bytes each", ErrBadOption)
		}
		return true, nil
	case *messages.SocketOption_ZapDomain:
		if v.ZapDomain == "" {
			return true, fmt.Errorf("%w: ZMQ_ZAP_DOMAIN: empty; leave the option out for the default", ErrBadOption)
		}
		if len(v.ZapDomain) > 254 {
			return true, fmt.Errorf("%w: ZMQ_ZAP_DOMAIN: %d bytes, at most 254", ErrBadOption, len(v.ZapDomain))
		}
		return true, nil
	case *messages.SocketOption_HandshakeInterval:
		if err := checkMillis(v.HandshakeInterval); err != nil {
			return true, fmt.Errorf("%w: ZMQ_HANDSHAKE_IVL: %v", ErrBadOption, err)
		}
		if v.HandshakeInterval.AsDuration() < 0 {
			return true, fmt.Errorf("%w: ZMQ_HANDSHAKE_IVL: %v is negative", ErrBadOption, v.HandshakeInterval.AsDuration())
		}
		return true, nil
	}
	return false, nil
}

// applySecurity sets a checked security option on zs, or returns handled
// false for any other option.
func applySecurity(zs *zmq4.Socket, o Option) (handled bool, err error) {
	switch v := o.GetOption().(type) {
	case *messages.SocketOption_CurveServer:
		if err := zs.SetCurveServer(1); err != nil {
			return true, err
		}
		if err := zs.SetCurveSecretkey(string(v.CurveServer.GetSecretKey())); err != nil {
			return true, err
		}
		return true, enforceZAP(zs)
	case *messages.SocketOption_CurveClient:
		c := v.CurveClient
		if err := zs.SetCurveServerkey(string(c.GetServerKey())); err != nil {
			return true, err
		}
		if err := zs.SetCurvePublickey(string(c.GetPublicKey())); err != nil {
			return true, err
		}
		return true, zs.SetCurveSecretkey(string(c.GetSecretKey()))
	case *messages.SocketOption_PlainServer:
		if err := zs.SetPlainServer(1); err != nil {
			return true, err
		}
		return true, enforceZAP(zs)
	case *messages.SocketOption_PlainClient:
		if err := zs.SetPlainUsername(v.PlainClient.GetUsername()); err != nil {
			return true, err
		}
		return true, zs.SetPlainPassword(v.PlainClient.GetPassword())
	case *messages.SocketOption_ZapDomain:
		return true, zs.SetZapDomain(v.ZapDomain)
	case *messages.SocketOption_HandshakeInterval:
		return true, zs.SetHandshakeIvl(v.HandshakeInterval.AsDuration())
	}
	return false, nil
}

// enforceZAP makes a CURVE or PLAIN server fail closed: it refuses every
// peer while no ZAP handler is bound (ZMQ_ZAP_ENFORCE_DOMAIN), where
// libzmq's default lets every peer in. libzmq 4.3 asks the handler only when
// the socket has a ZAP domain, and with enforcement on a PLAIN server
// without one aborts the process at the first connection: so a server gets
// DefaultZAPDomain unless a domain was set before (a later ZAPDomain option
// replaces it; an empty one is refused).
func enforceZAP(zs *zmq4.Socket) error {
	domain, err := zs.GetZapDomain()
	if err != nil {
		return err
	}
	if domain == "" {
		if err := zs.SetZapDomain(DefaultZAPDomain); err != nil {
			return err
		}
	}
	return setZAPEnforceDomain(zs, true)
}
