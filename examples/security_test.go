package examples_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

var serverKeyLine = regexp.MustCompile(`(?m)^server key (\S{40}) `)

// TestIronhouse runs the ironhouse example twice on one certificate
// directory: the first run makes the certificates (the secret ones mode
// 0600), the second uses the same keys; both times the allowed client's
// requests are answered and the intruder is refused.
func TestIronhouse(t *testing.T) {
	dir := t.TempDir()
	var keys []string
	for run := range 2 {
		ep := testutil.FreeEndpoint(t)
		out := program(t, "ironhouse", "-bind", ep, "-connect", ep, "-certs", dir).exit()
		checkReplies(t, "ironhouse", out, 3)
		for _, want := range []string{
			"authenticator: 1 client key(s) on the allowlist\n",
			" refused: 400 client key not on the allowlist\n",
			"Ironhouse test OK\n",
		} {
			if !strings.Contains(out, want) {
				t.Fatalf("run %d: ironhouse did not print %q:\n%s", run, want, out)
			}
		}
		m := serverKeyLine.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("run %d: no server key line:\n%s", run, out)
		}
		keys = append(keys, m[1])
	}
	if keys[0] != keys[1] {
		t.Errorf("the second run made a new server key: %v", keys)
	}
	for _, name := range []string{"server.key_secret", "client.key_secret"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "clients", "client.key_secret")); !os.IsNotExist(err) {
		t.Errorf("the allowlist directory holds a secret certificate: %v", err)
	}
}

// TestIronhouseInterop is the zguide's ironhouse client in pyzmq against
// ironhouse's server, which waits (-wait) for it: with the allowed
// client's keys, read from the certificates ironhouse wrote (CZMQ's
// format, with zmq.auth.load_certificate), its "Hello" is answered
// "World"; with a key pair of its own, the handshake fails with an
// authentication error. Then ironhouse runs its own test.
func TestIronhouseInterop(t *testing.T) {
	const script = `
import sys, zmq, zmq.auth
from zmq.utils.monitor import recv_monitor_message
endpoint, certs = sys.argv[1], sys.argv[2]
server_public, _ = zmq.auth.load_certificate(certs + "/server.key")
client_public, client_secret = zmq.auth.load_certificate(certs + "/client.key_secret")
ctx = zmq.Context()
def client(public, secret):
    s = ctx.socket(zmq.REQ); s.setsockopt(zmq.LINGER, 0); s.setsockopt(zmq.RCVTIMEO, 20000)
    s.curve_serverkey = server_public; s.curve_publickey = public; s.curve_secretkey = secret
    return s
allowed = client(client_public, client_secret)
allowed.connect(endpoint)
for i in range(3):
    allowed.send(b"Hello")
    reply = allowed.recv_multipart()
    assert reply == [b"World"], reply
print("replies 3", flush=True)
intruder = client(*zmq.curve_keypair())
monitor = intruder.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH)
monitor.setsockopt(zmq.RCVTIMEO, 20000)
intruder.connect(endpoint)
event = recv_monitor_message(monitor)
assert event["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH, event
print("intruder refused", event["value"], flush=True)
intruder.disable_monitor(); monitor.close()
allowed.close(); intruder.close(); ctx.term()
`
	dir := t.TempDir()
	ep := testutil.FreeEndpoint(t)
	p := program(t, "ironhouse", "-bind", ep, "-connect", ep, "-certs", dir, "-wait")
	p.waitFor("bound " + ep)
	py := pyzmq(t, script, ep, dir)
	py.waitFor("replies 3")
	py.exitPrinting("intruder refused 400")
	p.enter()
	out := p.exit()
	checkReplies(t, "ironhouse", out, 3)
	if !strings.Contains(out, "Ironhouse test OK\n") {
		t.Fatalf("ironhouse did not pass its own test:\n%s", out)
	}
	if n := requests(out); n != 6 {
		t.Fatalf("the server handled %d requests, want 3 from pyzmq and 3 of its own", n)
	}
}
