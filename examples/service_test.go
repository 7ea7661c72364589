package examples_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// TestServiceExample runs the service example: the tree starts with its
// four sockets wired by name, the typed subscribers get what they
// subscribed to, all 100 typed requests are answered right across the
// server's restart, and the tree stops with nothing left and no dead
// letter.
func TestServiceExample(t *testing.T) {
	out := program(t, "service").exit()
	for _, want := range []string{
		"== 1. Start a supervised service tree",
		"shop/orders/server     ROUTER bound tcp://127.0.0.1:",
		"shop/client            DEALER connected to tcp://127.0.0.1:",
		"shop/news/publisher    PUB    bound tcp://127.0.0.1:",
		"shop/news/feed         SUB    connected to tcp://127.0.0.1:",
		"== 2. Typed publish/subscribe",
		"alice decoded 6 google.protobuf.DoubleValue (city:price): nyc:101 sfo:201 nyc:102 sfo:202 nyc:103 sfo:203",
		"bob   decoded 3 google.protobuf.DoubleValue (city:price): nyc:101 nyc:102 nyc:103",
		"== 3. 100 typed requests through the client, 10 in flight",
		"server: InjectFault while requests are in flight",
		`server: restarting (attempt 1, reason "zmqactor: injected fault: the service example pulled the plug"`,
		"server: started again (restarts 1), bound again to tcp://127.0.0.1:",
		"all 100 requests answered, every answer n*n",
		"client: 100 requests, 100 replies,", "0 timed out",
		"== 4. Stop the tree",
		"the owner got Closed from client, feed, publisher, server",
		"socket actors still running: 0",
		"protoactor dead letters during the run: 0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("service output lacks %q:\n%s", want, out)
		}
	}
	// The server came back on the port the client was wired to.
	ep := regexp.MustCompile(`shop/orders/server +ROUTER bound (\S+)`).FindStringSubmatch(out)
	if ep == nil || !strings.Contains(out, "bound again to "+ep[1]+", the same port") ||
		!strings.Contains(out, "DEALER connected to "+ep[1]) {
		t.Errorf("the client is not wired to the server's port, or the server moved:\n%s", out)
	}
	// Every request is counted once whatever the retries: the pool took
	// all 100 answers.
	m := regexp.MustCompile(`by handler: worker-1 (\d+) worker-2 (\d+) worker-3 (\d+)`).FindStringSubmatch(out)
	if m == nil || atoi(t, m[1])+atoi(t, m[2])+atoi(t, m[3]) != 100 {
		t.Errorf("answers by handler do not add up to 100:\n%s", out)
	}
}

// TestQuietPrograms runs the demo (as make demo does) and the service
// example with protoactor's log on (ZMQACTOR_LOG=info, to stderr): stdout
// has the program's lines only, and protoactor logs no dead letter, only
// "actor system started" and the "[ACTOR] Recovering" of the one fault
// each program injects. Without ZMQACTOR_LOG, stderr stays empty.
func TestQuietPrograms(t *testing.T) {
	for _, name := range []string{"demo", "service"} {
		t.Run(name, func(t *testing.T) {
			stdout, stderr := runSplit(t, name, "ZMQACTOR_LOG=info")
			for _, line := range strings.Split(stdout, "\n") {
				if strings.Contains(line, "lib=Proto.Actor") || strings.Contains(line, "[DeadLetter]") || strings.Contains(line, "level=") {
					t.Errorf("%s: a protoactor log line on stdout: %s", name, line)
				}
			}
			recovering := 0
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				switch {
				case strings.Contains(line, `msg="actor system started"`):
				case strings.Contains(line, `msg="[ACTOR] Recovering"`) && strings.Contains(line, "injected fault"):
					recovering++
				default:
					t.Errorf("%s: protoactor logged: %s", name, line)
				}
			}
			if recovering != 1 {
				t.Errorf("%s: %d recovery lines, want the 1 of the injected fault:\n%s", name, recovering, stderr)
			}
			if _, stderr := runSplit(t, name); stderr != "" {
				t.Errorf("%s without %s: stderr:\n%s", name, "ZMQACTOR_LOG", stderr)
			}
		})
	}
}

// runSplit runs the example program name with env added and returns its
// stdout and stderr apart; it fails the test unless the program exits 0.
func runSplit(t *testing.T, name string, env ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Wait*3)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, name))
	cmd.Env = append(append(os.Environ(), "GORACE=atexit_sleep_ms=0"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", name, err, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

// atoi is strconv.Atoi for numbers a regexp matched as \d+.
func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
