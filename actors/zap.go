package actors

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// ZAPEndpoint is where libzmq looks for the ZAP handler of a context
// (ZeroMQ RFC 27).
const ZAPEndpoint = "inproc://zeromq.zap.01"

// authName names the authenticator in errors and its actor in the system.
const authName = "zmq-zap-authenticator"

// ZAP status codes (RFC 27).
const (
	zapAllowed  = "200"
	zapDenied   = "400"
	zapInternal = "500"
)

// zapRole is the delivery role of the authenticator: a ROUTER bound at
// ZAPEndpoint whose requests it answers at once from its policy (a
// decision is a few map lookups), with the policy commands of
// messages/auth.proto. Its policies, watchers and counters outlive
// restarts.
type zapRole struct {
	allow, deny map[string]netip.Prefix // entry as given -> what it matches
	passwords   map[string]string
	keys        map[sockets.Key]bool
	anyKey      bool
	watchers    actor.PIDSet
	counts      authCounters
	opens       int
	refused     func(mechanism string) // counts a refusal for the metrics

	attachment
	replies [][][]byte // answers to the requests of the current turn
}

type authCounters struct {
	requests, allowed, denied, malformed uint64
	restarts                             uint32
}

func newZAPRole(refused func(mechanism string)) *zapRole {
	return &zapRole{
		allow:     map[string]netip.Prefix{},
		deny:      map[string]netip.Prefix{},
		passwords: map[string]string{},
		keys:      map[sockets.Key]bool{},
		refused:   refused,
	}
}

// zapSpec is the authenticator's socket.
func zapSpec() sockets.Spec {
	return sockets.Spec{Name: authName, Type: sockets.Router, Binds: []string{ZAPEndpoint},
		Options: []sockets.Option{sockets.Linger(0)}}
}

func (z *zapRole) opening(h host, hooks *sockets.Hooks) ([]sockets.OpenOption, error) {
	z.attach(h)
	z.replies = nil
	hooks.Deliver = z.serve
	return nil, nil
}

func (z *zapRole) opened(bool) error {
	z.sock = z.h.socket()
	if z.opens > 0 {
		z.counts.restarts++
	}
	z.opens++
	z.watchers.ForEach(func(_ int, w *actor.PID) { z.h.watch(w) })
	return nil
}

func (z *zapRole) closing(bool) { z.sock, z.replies = nil, nil }

func (z *zapRole) terminated(who *actor.PID) { z.watchers.Remove(who) }

// turnDone sends the answers of this turn. A ZAP reply is never refused for
// long: the peer is libzmq's own session, which reads it at once.
func (z *zapRole) turnDone() {
	for _, r := range z.replies {
		if _, err := z.sock.Send(r); err != nil {
			break // the socket is closing; the handshakes time out
		}
	}
	z.replies = z.replies[:0]
}

// serve decides one ZAP request: [routing id, "", version, request id,
// domain, address, identity, mechanism, credentials...]. A request with no
// envelope or no request id cannot be answered and is dropped; any other
// malformed one is answered 500. Both are counted as malformed.
func (z *zapRole) serve(frames [][]byte) {
	if len(frames) < 4 || len(frames[1]) != 0 {
		z.counts.malformed++
		return
	}
	envelope, body := frames[:2], frames[2:]
	d := z.decide(body)
	if !d.GetAllowed() {
		z.refused(d.GetMechanism())
	}
	switch {
	case d.GetStatusCode() == zapInternal:
		z.counts.malformed++
	case d.GetAllowed():
		z.counts.requests++
		z.counts.allowed++
	default:
		z.counts.requests++
		z.counts.denied++
	}
	r := make([][]byte, 0, 8)
	r = append(r, envelope...)
	r = append(r, []byte("1.0"), body[1], []byte(d.GetStatusCode()), []byte(d.GetReason()), []byte(d.GetUserId()), nil)
	z.replies = append(z.replies, r)
	z.watchers.ForEach(func(_ int, w *actor.PID) { z.root.Send(w, d) })
}

// decide applies the policy to a request body [version, request id,
// domain, address, identity, mechanism, credentials...].
func (z *zapRole) decide(body [][]byte) *messages.AuthDecision {
	d := &messages.AuthDecision{StatusCode: zapInternal}
	if len(body) < 6 {
		d.Reason = fmt.Sprintf("malformed ZAP request: %d frames, want at least 6", len(body))
		return d
	}
	if string(body[0]) != "1.0" {
		d.Reason = "unsupported ZAP version"
		return d
	}
	d.Domain, d.Address, d.Mechanism = string(body[2]), string(body[3]), string(body[5])
	creds := body[6:]
	switch d.Mechanism {
	case "NULL":
		if len(creds) != 0 {
			d.Reason = "malformed ZAP request: NULL with credentials"
			return d
		}
	case "PLAIN":
		if len(creds) != 2 {
			d.Reason = "malformed ZAP request: PLAIN needs a user name and a password"
			return d
		}
		d.Username = string(creds[0])
	case "CURVE":
		if len(creds) != 1 || len(creds[0]) != sockets.KeySize {
			d.Reason = "malformed ZAP request: CURVE needs one 32-byte key"
			return d
		}
		d.ClientKey = sockets.Key(creds[0]).String()
	default:
		d.StatusCode, d.Reason = zapDenied, "mechanism "+d.Mechanism+" is not supported"
		return d
	}
	d.StatusCode = zapDenied
	if reason := z.checkAddress(d.Address); reason != "" {
		d.Reason = reason
		return d
	}
	switch d.Mechanism {
	case "PLAIN":
		if pw, ok := z.passwords[d.Username]; !ok || pw != string(creds[1]) {
			d.Reason = "wrong user name or password"
			return d
		}
		d.UserId = d.Username
	case "CURVE":
		if !z.anyKey && !z.keys[sockets.Key(creds[0])] {
			d.Reason = "client key not on the allowlist"
			return d
		}
		d.UserId = d.ClientKey
	}
	d.StatusCode, d.Allowed, d.Reason = zapAllowed, true, "OK"
	return d
}

// checkAddress returns why addr is refused, or "".
func (z *zapRole) checkAddress(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if len(z.allow) > 0 || len(z.deny) > 0 {
			return "peer address " + addr + " is not an IP address"
		}
		return ""
	}
	ip = ip.Unmap()
	for _, p := range z.deny {
		if p.Contains(ip) {
			return "address " + addr + " is denied"
		}
	}
	if len(z.allow) == 0 {
		return ""
	}
	for _, p := range z.allow {
		if p.Contains(ip) {
			return ""
		}
	}
	return "address " + addr + " is not on the allow list"
}

// command carries out one policy command, answered with the policy in
// force after it, or an Error.
func (z *zapRole) command(msg any, sender *actor.PID) (any, bool, error) {
	var err error
	switch m := msg.(type) {
	case *messages.SetAddressPolicy:
		var allow, deny map[string]netip.Prefix
		if allow, err = parseAddresses(m.GetAllow()); err == nil {
			if deny, err = parseAddresses(m.GetDeny()); err == nil {
				z.allow, z.deny = allow, deny
			}
		}
	case *messages.SetPasswords:
		z.passwords = make(map[string]string, len(m.GetPasswords()))
		for u, p := range m.GetPasswords() {
			z.passwords[u] = p
		}
	case *messages.AllowCurveKeys:
		var keys []sockets.Key
		if keys, err = parseKeys(m.GetKeys()); err == nil {
			for _, k := range keys {
				z.keys[k] = true
			}
		}
	case *messages.RevokeCurveKeys:
		var keys []sockets.Key
		if keys, err = parseKeys(m.GetKeys()); err == nil {
			for _, k := range keys {
				delete(z.keys, k)
			}
		}
	case *messages.LoadCurveCertificates:
		var keys []sockets.Key
		if keys, err = sockets.LoadPublicKeys(m.GetDirectory()); err == nil {
			for _, k := range keys {
				z.keys[k] = true
			}
		} else {
			err = fmt.Errorf("%w: %w", sockets.ErrBadOption, err)
		}
	case *messages.SetCurveAllowAny:
		z.anyKey = m.GetAny()
	case *messages.GetAuthPolicy:
	case *messages.WatchAuth:
		if sender == nil {
			break
		}
		if err = watchable(sockets.OpWatch, authName, sender); err == nil && !z.watchers.Contains(sender) {
			z.watchers.Add(sender)
			z.h.watch(sender)
		}
	case *messages.UnwatchAuth:
		if sender != nil && z.watchers.Remove(sender) {
			z.h.unwatch(sender)
		}
	case *messages.GetAuthStats:
		c := z.counts
		return &messages.AuthStats{Requests: c.requests, Allowed: c.allowed, Denied: c.denied,
			Malformed: c.malformed, Restarts: c.restarts}, true, nil
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, true, &sockets.Error{Op: sockets.OpAuth, Socket: authName, Err: err}
	}
	return z.policy(), true, nil
}

func (z *zapRole) policy() *messages.AuthPolicy {
	p := &messages.AuthPolicy{CurveKeys: uint32(len(z.keys)), CurveAllowAny: z.anyKey}
	for e := range z.allow {
		p.Allow = append(p.Allow, e)
	}
	for e := range z.deny {
		p.Deny = append(p.Deny, e)
	}
	for u := range z.passwords {
		p.Users = append(p.Users, u)
	}
	slices.Sort(p.Allow)
	slices.Sort(p.Deny)
	slices.Sort(p.Users)
	return p
}

// parseAddresses reads address list entries: IP addresses or prefixes.
func parseAddresses(entries []string) (map[string]netip.Prefix, error) {
	out := make(map[string]netip.Prefix, len(entries))
	for _, e := range entries {
		var p netip.Prefix
		var err error
		if strings.Contains(e, "/") {
			if p, err = netip.ParsePrefix(e); err == nil && p.Addr().Is4In6() {
				if p.Bits() < 96 {
					err = fmt.Errorf("an IPv4-mapped prefix shorter than /96")
				} else {
					p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
				}
			}
		} else {
			var ip netip.Addr
			if ip, err = netip.ParseAddr(e); err == nil {
				ip = ip.Unmap()
				p = netip.PrefixFrom(ip, ip.BitLen())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: address %q is not an IP address or prefix", sockets.ErrBadOption, e)
		}
		out[e] = p.Masked()
	}
	return out, nil
}

func parseKeys(raw [][]byte) ([]sockets.Key, error) {
	keys := make([]sockets.Key, len(raw))
	for i, b := range raw {
		k, err := sockets.KeyFromBytes(b)
		if err != nil {
			return nil, fmt.Errorf("%w: key %d: %w", sockets.ErrBadOption, i, err)
		}
		keys[i] = k
	}
	return keys, nil
}
