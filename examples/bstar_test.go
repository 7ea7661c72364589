package examples_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// bstarPair runs a primary and a backup bstarsrv with heartbeat on free
// endpoints, each subscribed to the other's state, and returns them with
// their frontends once the primary is active and the backup passive.
func bstarPair(t *testing.T, heartbeat string) (primary, backup *proc, fe []string) {
	t.Helper()
	eps := testutil.FreeEndpoints(t, 4) // frontend and state of the primary, then of the backup
	primary = program(t, "bstarsrv", "-p", "-heartbeat", heartbeat, "-frontend", eps[0], "-statepub", eps[1], "-statesub", eps[3])
	backup = program(t, "bstarsrv", "-b", "-heartbeat", heartbeat, "-frontend", eps[2], "-statepub", eps[3], "-statesub", eps[1])
	primary.waitFor("I: connected to backup (passive), ready as active")
	backup.waitFor("I: connected to primary (active), ready as passive")
	return primary, backup, []string{eps[0], eps[2]}
}

// TestBinaryStar: the primary of a pair answers bstarcli.
func TestBinaryStar(t *testing.T) {
	primary, backup, fe := bstarPair(t, "250ms")
	out := program(t, "bstarcli", "-primary", fe[0], "-backup", fe[1], "-n", "5").exit()
	checkOK(t, out, 5)
	if strings.Contains(out, "failing over") {
		t.Fatalf("bstarcli failed over:\n%s", out)
	}
	backup.interrupt(syscall.SIGTERM)
	primary.interrupt(syscall.SIGTERM)
}

// TestBinaryStarFailover kills the active primary with SIGKILL under
// bstarcli's requests: the client fails over to the backup, whose peer is
// silent by then, so the client's request makes it active; every request
// is answered. It logs the failover time, from the kill to the next
// answer.
func TestBinaryStarFailover(t *testing.T) {
	const n = 10
	primary, backup, fe := bstarPair(t, "250ms")
	client := program(t, "bstarcli", "-primary", fe[0], "-backup", fe[1], "-n", fmt.Sprint(n), "-timeout", "500ms", "-settle", "600ms")
	client.waitFor("I: server replied OK (3)")
	primary.kill()
	killed := time.Now()
	backup.waitFor("I: failover successful, ready as active")
	line := client.waitFor("I: server replied OK (")
	failover := time.Since(killed)
	out := client.exit()
	checkOK(t, out, n)
	t.Logf("FIGURE binary star, primary killed: %d/%d requests answered; failover %v (kill to the first answer after it, %q; client timeout 500ms, settle 600ms, heartbeat 250ms)",
		strings.Count(out, "I: server replied OK ("), n, failover.Round(time.Millisecond), strings.TrimSpace(line))
	backup.interrupt(syscall.SIGTERM)
}

// pyBstarPeer is a Binary Star peer written with pyzmq from the zguide's
// state protocol: it publishes ACTIVE ("3") every 100 ms twenty times,
// then PASSIVE ("4") forever.
const pyBstarPeer = `
import sys, time, zmq
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB); pub.bind(sys.argv[1])
print("bound", flush=True)
for i in range(20):
    pub.send(b"3"); time.sleep(0.1)
while True:
    pub.send(b"4"); time.sleep(0.1)
`

// TestBinaryStarInterop pairs a backup bstarsrv with a pyzmq peer that
// says it is active, then passive: the backup goes passive, then stops on
// the dual passives, exit 1, as the zguide's does.
func TestBinaryStarInterop(t *testing.T) {
	eps := testutil.FreeEndpoints(t, 3)
	peer := pyzmq(t, pyBstarPeer, eps[0])
	peer.waitFor("bound")
	backup := program(t, "bstarsrv", "-b", "-heartbeat", "100ms", "-frontend", eps[1], "-statepub", eps[2], "-statesub", eps[0])
	backup.waitFor("I: connected to primary (active), ready as passive")
	backup.waitFor("E: fatal error - dual passives, aborting")
	backup.exitWith(1)
}
