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
