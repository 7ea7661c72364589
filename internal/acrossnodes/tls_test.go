package acrossnodes_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/sockets"
)

// writeTLS makes a self-signed certificate for 127.0.0.1, good for a
// server and a client and its own CA, and writes it to a directory as
// cert.pem, key.pem and ca.pem, which it returns.
func writeTLS(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "zmqactor test node"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	for name, data := range map[string][]byte{
		"cert.pem": cert,
		"ca.pem":   cert,
		"key.pem":  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSecretsOverTLS: two nodes whose remotes use mutual TLS with the
// test's certificate. One's factory finds its remote encrypted and spawns
// a CURVE server, secret key and all, for the other; this node, whose
// remote is not encrypted, cannot even reach it.
func TestSecretsOverTLS(t *testing.T) {
	dir := writeTLS(t)
	factory := startNode(t, "tls-factory", "-tls", dir, "-factory")
	client := startNode(t, "tls-client", "-tls", dir, "-spawn-curve-at", factory.address)
	if got := client.expect("spawned "); len(got) != 1 || got[0] != "curve" {
		t.Fatalf("the client printed spawned %q", got)
	}
	if got := client.expect("encrypted "); got[0] != "true" {
		t.Fatalf("the factory over TLS says encrypted %s", got[0])
	}

	// This node speaks protoactor remote without TLS: it finds the
	// factory's remote encrypted, sends the spec, and its connection fails.
	_, z := thisNode(t)
	_, secret, err := sockets.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	_, err = z.SpawnAt(testutil.Ctx(t), actors.FactoryAt(factory.address),
		sockets.Spec{Type: sockets.Rep, Options: []sockets.Option{sockets.CurveServer(secret)}},
		actors.WithHandler(factory.pid("echo"), actors.ServeOptions{}))
	if !errors.Is(err, actors.ErrNoFactory) {
		t.Fatalf("SpawnAt over a remote without TLS to one with TLS: %v, want ErrNoFactory", err)
	}
}

// TestClusterOverTLS: clusternode's -tls-cert, -tls-key and -tls-ca: a
// front node that hosts no grains and a member that does, their remotes
// over mutual TLS; a request to the front is answered by the member.
func TestClusterOverTLS(t *testing.T) {
	dir := writeTLS(t)
	tlsFlags := []string{"-tls-cert", filepath.Join(dir, "cert.pem"), "-tls-key", filepath.Join(dir, "key.pem"), "-tls-ca", filepath.Join(dir, "ca.pem")}
	m := automanaged(t, 2)
	front := testutil.FreeEndpoint(t)
	a := launch(t, "a", clusternode, nil, append(append([]string{"-name", "a", "-front", front, "-hosting=false"}, m(0)...), tlsFlags...)...)
	b := launch(t, "b", clusternode, nil, append(append([]string{"-name", "b"}, m(1)...), tlsFlags...)...)
	for _, p := range []*proc{a, b} {
		p.expect("node ")
		members(p, 2)
	}
	a.expect("front ")
	req := testutil.RawSocket(t, zmq4.REQ)
	if err := req.Connect(front); err != nil {
		t.Fatal(err)
	}
	if _, err := req.SendMessage("k1", "over TLS"); err != nil {
		t.Fatal(err)
	}
	if err := req.SetRcvtimeo(testutil.Wait); err != nil {
		t.Fatal(err)
	}
	reply, err := req.RecvMessage(0)
	if err != nil || len(reply) != 2 || reply[0] != "over TLS" || reply[1] != "b" {
		t.Fatalf("reply %q, %v: want [over TLS b]", reply, err)
	}
}
