package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zmqactor/zmqactor/internal/testutil"
)

// TestMain fails the package if a run leaves a goroutine behind: every
// socket, socket actor, actor system and C thread must be gone (but for
// protoactor's dead-letter throttle, which ends by itself: see
// testutil.LeakOptions).
func TestMain(m *testing.M) {
	testutil.VerifyNoLeaks(m)
}

// tableRow is a line of a printed table, split into its cells.
type tableRow []string

// parseTables returns the rows of every Markdown table in out, by first
// cell, without the header and separator lines.
func parseTables(out string) map[string]tableRow {
	rows := map[string]tableRow{}
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|-") || strings.HasPrefix(line, "| case ") || strings.HasPrefix(line, "| PUSH→PULL tcp, size") {
			continue
		}
		var cells tableRow
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows[cells[0]] = cells
	}
	return rows
}

// figure parses a figure cell: "1.02 M", "812.3 k", "37.0", "0.44×".
func figure(cell string) (float64, error) {
	mult := 1.0
	s := strings.TrimSuffix(cell, "×")
	switch {
	case strings.HasSuffix(s, " M"):
		mult, s = 1e6, strings.TrimSuffix(s, " M")
	case strings.HasSuffix(s, " k"):
		mult, s = 1e3, strings.TrimSuffix(s, " k")
	}
	v, err := strconv.ParseFloat(s, 64)
	return v * mult, err
}

// TestQuick runs the whole suite with -quick and checks that the tables
// have every case, with a figure for every path the case has, and that the
// sweep file has every size and path. It checks no speed: the figures only
// have to make sense.
func TestQuick(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep.csv")
	fds := testutil.OpenFDs(t)
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-quick", "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("bench -quick: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	t.Logf("bench -quick:\n%s", &stdout)
	// Every socket closed and every context terminated: libzmq's
	// descriptors, and the waiters' dups, are all gone.
	if after := testutil.OpenFDs(t); after != fds {
		t.Errorf("%d file descriptors open after the run, %d before", after, fds)
	}
	rows := parseTables(stdout.String())

	// The rows of the main table and of the sweep, with the paths each has.
	type wantRow struct {
		name  string
		paths [numPaths]opener
	}
	var want []wantRow
	for _, c := range cases() {
		for _, r := range c.rows {
			want = append(want, wantRow{r.name + " (" + r.unit + ")", c.paths})
		}
	}
	for _, size := range []int{16, 64, 256, 1024, 4096, 16384, 65536} {
		want = append(want, wantRow{sizeName(size), pushPullCase("tcp", size, true, target{}).paths})
	}
	checked := 0
	for _, w := range want {
		cells, ok := rows[w.name]
		if !ok {
			t.Errorf("no row %q", w.name)
			continue
		}
		checked++
		for p := range numPaths {
			cell := cells[1+p]
			if w.paths[p] == nil {
				if cell != "—" {
					t.Errorf("%s: %s has %q, want — (no such path)", w.name, pathNames[p], cell)
				}
				continue
			}
			if v, err := figure(cell); err != nil || v <= 0 {
				t.Errorf("%s: %s has %q, want a positive figure", w.name, pathNames[p], cell)
			}
		}
		// Wake-ups, the last column: a count for every path the row has
		// (0 is possible for a path whose threads never blocked).
		wake := strings.Split(cells[len(cells)-1], " / ")
		if len(wake) != numPaths {
			t.Errorf("%s: wake-ups %q, want one per path", w.name, cells[len(cells)-1])
		} else {
			for p := range numPaths {
				if w.paths[p] == nil {
					if wake[p] != "—" {
						t.Errorf("%s: %s has %q wake-ups, want — (no such path)", w.name, pathNames[p], wake[p])
					}
					continue
				}
				if v, err := strconv.ParseFloat(wake[p], 64); err != nil || v < 0 {
					t.Errorf("%s: %s has %q wake-ups, want a count", w.name, pathNames[p], wake[p])
				}
			}
		}
		// Ratios: actor/raw always, actor/C where there is a C path.
		for i, p := range []int{pathRaw, pathC} {
			if w.paths[p] == nil {
				continue
			}
			if v, err := figure(cells[4+i]); err != nil || v <= 0 {
				t.Errorf("%s: actor/%s is %q, want a positive ratio", w.name, pathNames[p], cells[4+i])
			}
		}
	}

	// Idle sockets: -quick measures 100 and 500.
	for _, n := range []string{"100", "500"} {
		for _, suffix := range []string{"resident memory per socket (KiB)", "resident memory per socket actor beyond libzmq (KiB)",
			"Go heap and stacks per socket (KiB)", "OS threads (threads)"} {
			name := n + " idle sockets: " + suffix
			cells, ok := rows[name]
			if !ok {
				t.Errorf("no row %q", name)
				continue
			}
			checked++
			actor, err := figure(cells[1+pathActor])
			if err != nil {
				t.Errorf("%s: actor %q: %v", name, cells[1+pathActor], err)
			}
			if strings.Contains(suffix, "resident") {
				// Differences of the process's resident memory before and
				// after: with 100 sockets the runtime returning pages to the
				// system meanwhile can outweigh them, so any sign.
				continue
			}
			// The raw sockets' Go memory is next to nothing and may come out
			// a little below 0; their resident memory and threads may not.
			raw, err := figure(cells[1+pathRaw])
			if err != nil || (raw <= 0 && !strings.HasPrefix(suffix, "Go heap")) || actor <= 0 {
				t.Errorf("%s: raw %q, actor %q: want figures, positive ones but for the raw sockets' Go memory", name, cells[1+pathRaw], cells[1+pathActor])
			}
		}
	}
	if len(rows) != checked {
		t.Errorf("%d rows in the tables, %d checked", len(rows), checked)
	}

	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], csvHeader) {
		t.Fatalf("CSV header %q, want %q", recs[0], csvHeader)
	}
	seen := map[string]bool{}
	for _, rec := range recs[1:] {
		seen[rec[0]+"/"+rec[1]] = true
		for _, v := range []string{rec[2], rec[3], rec[5], rec[6]} {
			if x, err := strconv.ParseFloat(v, 64); err != nil || x <= 0 {
				t.Errorf("CSV line %q: %q is not a positive number", rec, v)
			}
		}
	}
	for _, size := range []int{16, 64, 256, 1024, 4096, 16384, 65536} {
		for _, p := range pathNames {
			if !seen[fmt.Sprintf("%d/%s", size, p)] {
				t.Errorf("CSV has no line for %d bytes, path %s", size, p)
			}
		}
	}
}

// TestBadFlags checks that bad flags are errors, before anything runs.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-runs", "0"}, {"-sizes", "1"}, {"-sockets", "x"}, {"-path", "jvm"}, {"-run", "("}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if err := run(args, &stdout, &stderr); err == nil {
			t.Errorf("bench %q: no error", args)
		}
		if stdout.Len() > 0 {
			t.Errorf("bench %q printed %q", args, &stdout)
		}
	}
}

// TestTableSaysWhatFailed checks that a path that failed or does not exist
// is said so in the table, with the error under it, and that the run
// reports the failure.
func TestTableSaysWhatFailed(t *testing.T) {
	r := &result{row: row{name: "a case", unit: "msg/s", higher: true, target: target{minVsRaw: 1}}}
	r.runs[pathRaw] = []float64{100, 110, 90}
	r.absent[pathC] = true
	r.errs[pathActor] = "case actor: open: no luck"
	var out bytes.Buffer
	if !printTable(&out, []*result{r}) {
		t.Error("printTable did not report the failure")
	}
	rows := parseTables(out.String())
	cells, ok := rows["a case (msg/s)"]
	if !ok {
		t.Fatalf("no row in\n%s", &out)
	}
	if got, want := cells[1:9], []string{"100", "—", "error", "—", "—", "≥ 1.0× raw", "?", "20 / — / —"}; !slices.Equal(got, want) {
		t.Errorf("cells %q, want %q", got, want)
	}
	if !strings.Contains(out.String(), "- error: case actor: open: no luck") {
		t.Errorf("no note of the error in\n%s", &out)
	}
}

// TestWakeupsCountBlockedThreads checks what the wake-ups column counts:
// the process's voluntary context switches, at least those of the threads
// /proc/self/task lists, growing by one at least for each time a thread
// blocks and is woken.
func TestWakeupsCountBlockedThreads(t *testing.T) {
	before, err := used()
	if err != nil {
		t.Fatal(err)
	}
	const blocks = 20
	for range blocks {
		// A thread sleeping in the kernel gives its CPU up: one voluntary
		// switch each time.
		if err := unix.Nanosleep(&unix.Timespec{Nsec: 100_000}, nil); err != nil {
			t.Fatal(err)
		}
	}
	after, err := used()
	if err != nil {
		t.Fatal(err)
	}
	if got := after.wakeups - before.wakeups; got < blocks {
		t.Errorf("%d wake-ups over %d sleeps, want at least one each", got, blocks)
	}
	// The threads alive now have switched at most as often as all the
	// process's threads, ended ones included, which used counts.
	var tasks int64
	dirs, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join("/proc/self/task", d.Name(), "status"))
		if err != nil {
			continue // the thread ended meanwhile
		}
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "voluntary_ctxt_switches:"); ok {
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil {
					t.Fatalf("%s: %q: %v", d.Name(), line, err)
				}
				tasks += n
			}
		}
	}
	final, err := used()
	if err != nil {
		t.Fatal(err)
	}
	if tasks == 0 || tasks > final.wakeups {
		t.Errorf("the live threads' voluntary_ctxt_switches sum to %d, getrusage says %d for the process", tasks, final.wakeups)
	}
}

// TestTrace checks that -trace writes an execution trace of the run, which
// go tool trace reads: its file starts with the runtime's trace header.
func TestTrace(t *testing.T) {
	file := filepath.Join(t.TempDir(), "trace.out")
	var stdout, stderr bytes.Buffer
	args := []string{"-quick", "-run", "REQ→REP tcp 64 B round trip$", "-path", "actor", "-sweep=false", "-trace", file}
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("bench %q: %v\nstderr:\n%s", args, err, &stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("go 1.")) || len(data) < 1024 {
		t.Fatalf("%s: %d bytes, starting %q: not an execution trace", file, len(data), data[:min(len(data), 16)])
	}
}
