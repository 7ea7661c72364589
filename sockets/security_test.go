package sockets

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/messages"
)

// wait bounds the wait for one expected event, as testutil.Wait does (this
// package cannot import testutil, which imports actors).
const wait = 20 * time.Second

// zmtpCryptographic is ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, the value of
// the HANDSHAKE_FAILED_PROTOCOL event of a CURVE server that cannot open a
// client's HELLO box; pebbe/zmq4 does not name it.
const zmtpCryptographic = 0x11000001

// TestSecurityOptionsChecked: CheckOption refuses bad keys, credentials and
// domains with ErrBadOption, and no error shows the key it refuses, neither
// as Z85 nor as raw bytes, also through Spec.Validate.
func TestSecurityOptionsChecked(t *testing.T) {
	public, secret := keyPair(t)
	curveServer := func(b []byte) Option {
		return &messages.SocketOption{Option: &messages.SocketOption_CurveServer{CurveServer: &messages.CurveServer{SecretKey: b}}}
	}
	curveClient := func(server, public, secret []byte) Option {
		return &messages.SocketOption{Option: &messages.SocketOption_CurveClient{CurveClient: &messages.CurveClient{
			ServerKey: server, PublicKey: public, SecretKey: secret}}}
	}
	long := strings.Repeat("x", 256)
	bad := map[string]Option{
		"curve server 31 bytes":        curveServer(secret[:31]),
		"curve server 33 bytes":        curveServer(append(secret[:], 0)),
		"curve server zero":            CurveServer(Key{}),
		"curve server no key":          curveServer(nil),
		"curve client short secret":    curveClient(public[:], public[:], secret[:31]),
		"curve client short server":    curveClient(public[:31], public[:], secret[:]),
		"curve client zero server":     CurveClient(Key{}, public, secret),
		"curve client zero secret":     CurveClient(public, public, Key{}),
		"plain server false":           &messages.SocketOption{Option: &messages.SocketOption_PlainServer{PlainServer: false}},
		"plain client empty user":      PlainClient("", secret.String()),
		"plain client no credentials":  &messages.SocketOption{Option: &messages.SocketOption_PlainClient{}},
		"plain client long user":       PlainClient(long, "secret"),
		"plain client long password":   PlainClient("admin", long+secret.String()),
		"zap domain 300 bytes":         ZAPDomain(strings.Repeat("d", 300)),
		"zap domain empty":             ZAPDomain(""),
		"handshake interval negative":  HandshakeInterval(-time.Second),
		"handshake interval under 1ms": HandshakeInterval(time.Microsecond),
	}
	for name, o := range bad {
		t.Run(name, func(t *testing.T) {
			err := CheckOption(Pull, o)
			if !errors.Is(err, ErrBadOption) {
				t.Fatalf("CheckOption: %v, want ErrBadOption", err)
			}
			verr := Spec{Type: Pull, Options: []Option{o}}.Validate()
			if !errors.Is(verr, ErrBadOption) {
				t.Fatalf("Validate: %v, want ErrBadOption", verr)
			}
			for _, text := range []string{err.Error(), verr.Error()} {
				for _, leak := range []string{
					secret.String(), secret.String()[:20], string(secret[:]), string(secret[:16]),
					fmt.Sprintf("%x", secret[:16]), fmt.Sprintf("%q", secret[:16]), fmt.Sprint(secret[:8]),
				} {
					if strings.Contains(text, leak) {
						t.Fatalf("the error shows the secret key: %q", text)
					}
				}
			}
		})
	}
	for _, o := range []Option{
		CurveServer(secret), CurveClient(public, public, secret), PlainServer(), PlainClient("admin", "secret"),
		ZAPDomain("test"), ZAPDomain(strings.Repeat("d", 254)), HandshakeInterval(time.Second), HandshakeInterval(0),
	} {
		if err := CheckOption(Pull, o); err != nil {
			t.Errorf("CheckOption(%s): %v", OptionName(o), err)
		}
	}
}

// pump serves one raw zmq4 socket on its own goroutine, which creates,
// serves and closes it: serve runs each time the socket is readable. A PAIR
// over inproc wakes the goroutine to stop, so it waits on no timer.
type pump struct {
	wake *zmq4.Socket // the test's end of the wake-up pipe
	done chan struct{}
}

func startPump(t *testing.T, ctx *ZMQContext, open func() (*zmq4.Socket, error), serve func(*zmq4.Socket)) *pump {
	t.Helper()
	p := &pump{done: make(chan struct{})}
	wakeAddr := fmt.Sprintf("inproc://pump-wake-%p", p)
	ready := make(chan error, 1)
	go func() {
		defer close(p.done)
		sock, err := open()
		if err != nil {
			ready <- err
			return
		}
		defer closeRaw(sock)
		wake, err := ctx.z.NewSocket(zmq4.PAIR)
		if err != nil {
			ready <- err
			return
		}
		defer closeRaw(wake)
		if err := wake.Bind(wakeAddr); err != nil {
			ready <- err
			return
		}
		ready <- nil
		poller := zmq4.NewPoller()
		poller.Add(sock, zmq4.POLLIN)
		poller.Add(wake, zmq4.POLLIN)
		for {
			polled, err := poller.Poll(-1)
			if err != nil {
				t.Errorf("pump poll: %v", err)
				return
			}
			for _, ps := range polled {
				if ps.Socket == wake {
					return
				}
				serve(sock)
			}
		}
	}()
	if err := <-ready; err != nil {
		<-p.done
		t.Fatalf("start pump: %v", err)
	}
	wake, err := ctx.z.NewSocket(zmq4.PAIR)
	if err == nil {
		err = wake.Connect(wakeAddr)
	}
	if err != nil {
		t.Fatalf("connect pump: %v", err)
	}
	p.wake = wake
	t.Cleanup(p.stop)
	return p
}

func (p *pump) stop() {
	if p.wake == nil {
		return
	}
	_, _ = p.wake.Send("", 0)
	<-p.done
	closeRaw(p.wake)
	p.wake = nil
}

func closeRaw(s *zmq4.Socket) {
	_ = s.SetLinger(0)
	_ = s.Close()
}

// zapRequest is a ZAP request (ZeroMQ RFC 27) as the handler received it.
type zapRequest struct {
	version, id, domain, address, identity, mechanism string
	credentials                                       [][]byte
}

// startZAP binds a minimal ZAP handler at inproc://zeromq.zap.01 on ctx: it
// answers each request with decide's status code and text, and passes the
// request on to the returned channel.
func startZAP(t *testing.T, ctx *ZMQContext, decide func(zapRequest) (code, text string)) <-chan zapRequest {
	t.Helper()
	requests := make(chan zapRequest, 64)
	startPump(t, ctx, func() (*zmq4.Socket, error) {
		rep, err := ctx.z.NewSocket(zmq4.REP)
		if err != nil {
			return nil, err
		}
		if err := rep.Bind("inproc://zeromq.zap.01"); err != nil {
			closeRaw(rep)
			return nil, err
		}
		return rep, nil
	}, func(rep *zmq4.Socket) {
		frames, err := rep.RecvMessageBytes(zmq4.DONTWAIT)
		if err != nil {
			if zmq4.AsErrno(err) != zmq4.Errno(syscall.EAGAIN) {
				t.Errorf("zap receive: %v", err)
			}
			return
		}
		if len(frames) < 6 {
			t.Errorf("zap request of %d frames", len(frames))
			_, _ = rep.SendMessage("1.0", "", "500", "short request", "", "")
			return
		}
		r := zapRequest{
			version: string(frames[0]), id: string(frames[1]), domain: string(frames[2]),
			address: string(frames[3]), identity: string(frames[4]), mechanism: string(frames[5]),
			credentials: frames[6:],
		}
		code, text := decide(r)
		user := ""
		if code == "200" && r.mechanism == "PLAIN" {
			user = string(r.credentials[0])
		}
		if _, err := rep.SendMessage("1.0", frames[1], code, text, user, ""); err != nil {
			t.Errorf("zap reply: %v", err)
		}
		select {
		case requests <- r:
		default: // reconnects after a refusal; the first requests matter
		}
	})
	return requests
}

// monitorEvent is one event of zmq_socket_monitor(3).
type monitorEvent struct {
	kind  zmq4.Event
	addr  string
	value int
}

func (e monitorEvent) String() string { return fmt.Sprintf("%v(%d)", e.kind, e.value) }

// watch monitors o's socket (zmq_socket_monitor over an inproc PAIR) and
// returns its events.
func watch(t *testing.T, ctx *ZMQContext, o *owner) <-chan monitorEvent {
	t.Helper()
	addr := fmt.Sprintf("inproc://monitor-%p", o)
	var err error
	o.do(func() { err = o.sock.zs.Monitor(addr, zmq4.EVENT_ALL) })
	if err != nil {
		t.Fatalf("monitor: %v", err)
	}
	events := make(chan monitorEvent, 4096)
	startPump(t, ctx, func() (*zmq4.Socket, error) {
		pair, err := ctx.z.NewSocket(zmq4.PAIR)
		if err != nil {
			return nil, err
		}
		if err := pair.Connect(addr); err != nil {
			closeRaw(pair)
			return nil, err
		}
		return pair, nil
	}, func(pair *zmq4.Socket) {
		kind, addr, value, err := pair.RecvEvent(zmq4.DONTWAIT)
		if err != nil {
			return
		}
		select {
		case events <- monitorEvent{kind, addr, value}:
		default: // a reconnect storm; the events that matter came first
		}
	})
	return events
}

// awaitEvent returns the first event of kind want, failing the test at the
// deadline or at an event of a kind in forbid first.
func awaitEvent(t *testing.T, events <-chan monitorEvent, want zmq4.Event, forbid ...zmq4.Event) monitorEvent {
	t.Helper()
	deadline := time.After(wait)
	var seen []monitorEvent
	for {
		select {
		case e := <-events:
			if e.kind == want {
				return e
			}
			for _, f := range forbid {
				if e.kind == f {
					t.Fatalf("%v before %v; events %v", e, want, append(seen, e))
				}
			}
			seen = append(seen, e)
		case <-deadline:
			t.Fatalf("no %v within %v; events %v", want, wait, seen)
			return monitorEvent{}
		}
	}
}

// link is a PULL server bound on tcp and a PUSH client connected to it,
// each with its security options and a monitor started before they meet.
type link struct {
	server, client             *owner
	serverEvents, clientEvents <-chan monitorEvent
}

func openLink(t *testing.T, ctx *ZMQContext, serverOpts, clientOpts []Option) *link {
	t.Helper()
	l := &link{server: newOwner(t), client: newOwner(t)}
	l.server.open(ctx, Spec{Type: Pull, Binds: []string{"tcp://127.0.0.1:*"}, Options: serverOpts})
	t.Cleanup(func() { closeNow(l.server) })
	l.client.open(ctx, Spec{Type: Push, Options: clientOpts})
	t.Cleanup(func() { closeNow(l.client) })
	l.serverEvents = watch(t, ctx, l.server)
	l.clientEvents = watch(t, ctx, l.client)
	var ep string
	l.server.do(func() { ep = l.server.sock.Bound()[0] })
	var err error
	l.client.do(func() {
		if err = l.client.sock.Connect(ep); err == nil {
			_, err = l.client.sock.Send([][]byte{[]byte("hello")})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// closeNow closes o's socket without linger, then stops o.
func closeNow(o *owner) {
	zero := time.Duration(0)
	o.do(func() {
		if o.sock != nil {
			_, _ = o.sock.Close(&zero)
		}
	})
	o.close()
}

// crosses waits for the client's "hello" at the server.
func (l *link) crosses(t *testing.T) {
	t.Helper()
	select {
	case frames := <-l.server.received:
		if len(frames) != 1 || string(frames[0]) != "hello" {
			t.Fatalf("received %q, want [hello]", frames)
		}
	case <-time.After(wait):
		t.Fatalf("the message did not cross within %v", wait)
	}
}

// blocked checks, after a failed handshake, that nothing reached the server.
func (l *link) blocked(t *testing.T) {
	t.Helper()
	select {
	case frames := <-l.server.received:
		t.Fatalf("the server received %q after a failed handshake", frames)
	default:
	}
	var received uint64
	l.server.do(func() { received = l.server.sock.Stats().Received })
	if received != 0 {
		t.Fatalf("the server counted %d messages", received)
	}
}

func nextRequest(t *testing.T, requests <-chan zapRequest) zapRequest {
	t.Helper()
	select {
	case r := <-requests:
		return r
	case <-time.After(wait):
		t.Fatalf("no ZAP request within %v", wait)
		return zapRequest{}
	}
}

// domainCase is a server's options and the ZAP domain they give it.
type domainCase struct {
	name   string
	opts   []Option
	domain string
}

// domains are the ways a server gets its ZAP domain: the default, a
// ZAPDomain after the mechanism, and one before it.
func domains(mechanism Option) []domainCase {
	return []domainCase{
		{"default domain", []Option{mechanism}, DefaultZAPDomain},
		{"domain after", []Option{mechanism, ZAPDomain("after")}, "after"},
		{"domain before", []Option{ZAPDomain("before"), mechanism}, "before"},
	}
}

// TestCurveHandshake: a CURVE client that knows the server's key, admitted
// by the ZAP handler, gets its message through; the handler saw the
// server's domain and the client's public key.
func TestCurveHandshake(t *testing.T) {
	serverPublic, serverSecret := keyPair(t)
	clientPublic, clientSecret := keyPair(t)
	for _, d := range domains(CurveServer(serverSecret)) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testContext(t)
			requests := startZAP(t, ctx, func(r zapRequest) (string, string) {
				if r.mechanism == "CURVE" && len(r.credentials) == 1 && bytes.Equal(r.credentials[0], clientPublic[:]) {
					return "200", "OK"
				}
				return "400", "unknown key"
			})
			l := openLink(t, ctx, d.opts, []Option{CurveClient(serverPublic, clientPublic, clientSecret)})
			l.crosses(t)
			r := nextRequest(t, requests)
			if r.version != "1.0" || r.domain != d.domain || r.mechanism != "CURVE" || r.address != "127.0.0.1" {
				t.Fatalf("ZAP request %+v, want version 1.0, domain %q, CURVE from 127.0.0.1", r, d.domain)
			}
			if len(r.credentials) != 1 || !bytes.Equal(r.credentials[0], clientPublic[:]) {
				t.Fatal("the ZAP request does not carry the client's public key")
			}
			awaitEvent(t, l.serverEvents, zmq4.EVENT_HANDSHAKE_SUCCEEDED)
			awaitEvent(t, l.clientEvents, zmq4.EVENT_HANDSHAKE_SUCCEEDED)
		})
	}
}

// TestSecurityFailsClosed: a CURVE or PLAIN server whose context has no ZAP
// handler refuses every client, whatever its domain. libzmq reports
// HANDSHAKE_FAILED_NO_DETAIL with EFAULT on the server; the client sees no
// handshake event, and the message never crosses. Without the default
// domain a CURVE server would let the client in, and a PLAIN server would
// abort the process (libzmq 4.3.4 asserts zap_required()).
func TestSecurityFailsClosed(t *testing.T) {
	serverPublic, serverSecret := keyPair(t)
	clientPublic, clientSecret := keyPair(t)
	mechanisms := []struct {
		name   string
		server Option
		client Option
	}{
		{"CURVE", CurveServer(serverSecret), CurveClient(serverPublic, clientPublic, clientSecret)},
		{"PLAIN", PlainServer(), PlainClient("admin", "secret")},
	}
	for _, m := range mechanisms {
		for _, d := range domains(m.server) {
			t.Run(m.name+"/"+d.name, func(t *testing.T) {
				ctx := testContext(t)
				l := openLink(t, ctx, d.opts, []Option{m.client})
				e := awaitEvent(t, l.serverEvents, zmq4.EVENT_HANDSHAKE_FAILED_NO_DETAIL, zmq4.EVENT_HANDSHAKE_SUCCEEDED)
				if e.value != int(syscall.EFAULT) {
					t.Fatalf("server event %v, want value EFAULT (%d)", e, syscall.EFAULT)
				}
				l.blocked(t)
				for len(l.clientEvents) > 0 {
					if e := <-l.clientEvents; e.kind == zmq4.EVENT_HANDSHAKE_SUCCEEDED {
						t.Fatalf("the client completed a handshake: %v", e)
					}
				}
			})
		}
	}
}

// TestCurveWrongServerKey: a client with the wrong server key fails its
// handshake: the server cannot open the client's HELLO
// (HANDSHAKE_FAILED_PROTOCOL, ZMTP_CRYPTOGRAPHIC) and drops the connection,
// the client reports HANDSHAKE_FAILED_NO_DETAIL, the ZAP handler is never
// asked, and the message never crosses.
func TestCurveWrongServerKey(t *testing.T) {
	_, serverSecret := keyPair(t)
	otherPublic, _ := keyPair(t)
	clientPublic, clientSecret := keyPair(t)
	ctx := testContext(t)
	requests := startZAP(t, ctx, func(zapRequest) (string, string) { return "200", "OK" })
	l := openLink(t, ctx, []Option{CurveServer(serverSecret)}, []Option{CurveClient(otherPublic, clientPublic, clientSecret)})
	e := awaitEvent(t, l.serverEvents, zmq4.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq4.EVENT_HANDSHAKE_SUCCEEDED)
	if e.value != zmtpCryptographic {
		t.Fatalf("server event %v, want value ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC (%#x)", e, zmtpCryptographic)
	}
	c := awaitEvent(t, l.clientEvents, zmq4.EVENT_HANDSHAKE_FAILED_NO_DETAIL, zmq4.EVENT_HANDSHAKE_SUCCEEDED)
	t.Logf("client: %v", c)
	l.blocked(t)
	select {
	case r := <-requests:
		t.Fatalf("the ZAP handler was asked about a client that failed CURVE: %+v", r)
	default:
	}
}

// TestPlainHandshake: the ZAP handler admits admin/secret, whose message
// crosses, and answers 400 to a wrong password: both sides then report
// HANDSHAKE_FAILED_AUTH with the value 400, and nothing crosses.
func TestPlainHandshake(t *testing.T) {
	decide := func(r zapRequest) (string, string) {
		if r.mechanism == "PLAIN" && len(r.credentials) == 2 &&
			string(r.credentials[0]) == "admin" && string(r.credentials[1]) == "secret" {
			return "200", "OK"
		}
		return "400", "bad user name or password"
	}
	for _, d := range domains(PlainServer()) {
		t.Run(d.name, func(t *testing.T) {
			t.Run("accepted", func(t *testing.T) {
				ctx := testContext(t)
				requests := startZAP(t, ctx, decide)
				l := openLink(t, ctx, d.opts, []Option{PlainClient("admin", "secret")})
				l.crosses(t)
				r := nextRequest(t, requests)
				if r.domain != d.domain || r.mechanism != "PLAIN" || len(r.credentials) != 2 ||
					string(r.credentials[0]) != "admin" || string(r.credentials[1]) != "secret" {
					t.Fatalf("ZAP request %+v, want PLAIN admin/secret in domain %q", r, d.domain)
				}
			})
			t.Run("refused", func(t *testing.T) {
				ctx := testContext(t)
				requests := startZAP(t, ctx, decide)
				l := openLink(t, ctx, d.opts, []Option{PlainClient("admin", "wrong")})
				e := awaitEvent(t, l.serverEvents, zmq4.EVENT_HANDSHAKE_FAILED_AUTH, zmq4.EVENT_HANDSHAKE_SUCCEEDED)
				if e.value != 400 {
					t.Fatalf("server event %v, want value 400", e)
				}
				c := awaitEvent(t, l.clientEvents, zmq4.EVENT_HANDSHAKE_FAILED_AUTH, zmq4.EVENT_HANDSHAKE_SUCCEEDED)
				if c.value != 400 {
					t.Fatalf("client event %v, want value 400", c)
				}
				if r := nextRequest(t, requests); string(r.credentials[1]) != "wrong" {
					t.Fatalf("ZAP request %+v, want the wrong password", r)
				}
				l.blocked(t)
			})
		})
	}
}
