package acrossnodes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkRaces reads the race reports that a process built with -race wrote
// (GORACE log_path=prefix) and fails the test on each one in which
// zmqactor code made one of the two racing accesses. The others are
// protoactor-go's own (its cluster's gossip, member list and block list
// race among themselves, see doc.go): they are counted in the log, not
// failed on.
func checkRaces(t testing.TB, name, prefix string) {
	t.Helper()
	files, err := filepath.Glob(prefix + ".*")
	if err != nil {
		t.Fatal(err)
	}
	theirs := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, report := range raceReports(string(data)) {
			if racer(report) == "github.com/zmqactor/zmqactor" {
				t.Errorf("%s: a data race in zmqactor code:\n%s", name, report)
			} else {
				theirs++
			}
		}
	}
	if theirs > 0 {
		t.Logf("%s: %d data races of protoactor-go's own (no zmqactor code on either side), not counted", name, theirs)
	}
}

// raceReports splits a race log into its reports.
func raceReports(log string) []string {
	var reports []string
	for _, part := range strings.Split(log, "==================\n") {
		if strings.HasPrefix(part, "WARNING: DATA RACE") {
			reports = append(reports, part)
		}
	}
	return reports
}

// racer returns "github.com/zmqactor/zmqactor" when zmqactor code made one
// of a report's two accesses, else the module of the first access: the
// module of the first frame of each access's stack that is not Go's own
// (the runtime, sync, ...: a package path without a dot in its first
// element).
func racer(report string) string {
	const ours = "github.com/zmqactor/zmqactor"
	lines := strings.Split(report, "\n")
	first := ""
	for i, line := range lines {
		if !isAccess(line) {
			continue
		}
		for _, frame := range lines[i+1:] {
			if strings.HasPrefix(frame, "      ") { // a file:line under a function
				continue
			}
			fn := strings.TrimSpace(frame)
			if fn == "" {
				break
			}
			if elem, _, path := strings.Cut(fn, "/"); !path || !strings.Contains(elem, ".") {
				continue // Go's own: runtime.f, sync/atomic.f
			}
			if strings.HasPrefix(fn, ours+"/") {
				return ours
			}
			if first == "" {
				first = fn
			}
			break
		}
	}
	return first
}

// isAccess reports whether line heads the stack of one of a report's two
// accesses: "Read at ...", "Previous write at ...", "Atomic read at ...".
func isAccess(line string) bool {
	for _, head := range []string{"Read at", "Write at", "Previous read at", "Previous write at",
		"Atomic read at", "Atomic write at", "Previous atomic read at", "Previous atomic write at"} {
		if strings.HasPrefix(line, head) {
			return true
		}
	}
	return false
}

// TestRacer: which side of a race report is zmqactor's decides whether a
// node's race fails its test.
func TestRacer(t *testing.T) {
	report := func(first, second string) string {
		return "WARNING: DATA RACE\nWrite at 0x00c000123 by goroutine 7:\n" + first +
			"\nPrevious read at 0x00c000123 by goroutine 9:\n" + second + "\n\nGoroutine 7 (running) created at:\n" +
			"  github.com/zmqactor/zmqactor/actors.(*Runtime).Spawn()\n      /src/actors/spawn.go:1 +0x1\n"
	}
	frame := func(fn string) string { return "  " + fn + "()\n      /src/file.go:10 +0x2a" }
	const ours = "github.com/zmqactor/zmqactor"
	for _, tt := range []struct {
		name, report, want string
	}{
		{"protoactor on both sides", report(frame("github.com/asynkron/protoactor-go/cluster.(*MemberList).Length"),
			frame("github.com/asynkron/protoactor-go/cluster.(*MemberList).UpdateClusterTopology")), "github.com/asynkron/protoactor-go/cluster.(*MemberList).Length()"},
		{"ours on one side", report(frame("github.com/asynkron/protoactor-go/remote.(*BlockList).Block"),
			frame("github.com/zmqactor/zmqactor/actors.(*grainRouter).forward")), ours},
		{"ours under Go's own", report(frame("runtime.mapassign_faststr")+"\n"+frame("github.com/zmqactor/zmqactor/actors.(*Factory).spawn"),
			frame("github.com/asynkron/protoactor-go/actor.(*PID).ref")), ours},
		{"only created by ours", report(frame("github.com/asynkron/protoactor-go/cluster.(*Informer).SetState"),
			frame("github.com/asynkron/protoactor-go/cluster.setKey")), "github.com/asynkron/protoactor-go/cluster.(*Informer).SetState()"},
	} {
		reports := raceReports("==================\n" + tt.report + "==================\n")
		if len(reports) != 1 {
			t.Fatalf("%s: %d reports", tt.name, len(reports))
		}
		if got := racer(reports[0]); got != tt.want {
			t.Errorf("%s: racer %q, want %q", tt.name, got, tt.want)
		}
	}
}
