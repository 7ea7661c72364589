package examples_test

import (
	"strings"
	"testing"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// TestProgramsNoDeadLetter runs the programs whose inboxes own or watch
// socket actors with protoactor's log on (at info, where it logs each dead
// letter): no socket's last event reaches an inbox that has stopped,
// because the inboxes close after the sockets (cli.Program.Inbox).
func TestProgramsNoDeadLetter(t *testing.T) {
	t.Setenv("ZMQACTOR_LOG", "info")
	for _, c := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"monitor", func(*testing.T) []string {
			return []string{"-cycles", "1", "-up", "0", "-down", "0", "-reconnect", "10ms"}
		}},
		{"metrics", func(*testing.T) []string { return []string{"-n", "20", "-requests", "2"} }},
		{"ironhouse", func(t *testing.T) []string {
			ep := testutil.FreeEndpoint(t)
			return []string{"-bind", ep, "-connect", ep, "-certs", t.TempDir()}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if out := program(t, c.name, c.args(t)...).exit(); strings.Contains(out, "[DeadLetter]") {
				t.Fatalf("%s sent a message to a stopped actor:\n%s", c.name, out)
			}
		})
	}
}
