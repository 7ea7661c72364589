package hostile

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// RSS returns the resident set size of process pid in bytes, the VmRSS
// line of /proc/PID/status; pid 0 is this process.
func RSS(pid int) (int64, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, ok := strings.CutSuffix(strings.TrimSpace(v), " kB")
		if !ok {
			return 0, fmt.Errorf("%s: VmRSS %q is not in kB", path, v)
		}
		n, err := strconv.ParseInt(kb, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: VmRSS: %w", path, err)
		}
		return n << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no VmRSS line (a zombie?)", path)
}

// Figures are what a hostile test reports about one server.
type Figures struct {
	// Name names the server.
	Name string
	// Thrown is what the storm threw.
	Thrown Thrown
	// Alive: the server's process (or socket actor) was still running
	// after the storm and the well-formed exchange.
	Alive bool
	// FirstReply is the time from the storm's end to the server's first
	// answer to a well-formed peer; zero if none came.
	FirstReply time.Duration
	// RSSBefore and RSSAfter are the server's resident set size before
	// the storm and after the well-formed exchange.
	RSSBefore, RSSAfter int64
}

// String is the one-line summary, always in this form so that lines from
// many runs can be collected:
//
//	hostile NAME: thrown=N alive=BOOL first_reply=Nms rss_before=NMB rss_after=NMB (BY CLASS)
//
// with first_reply=none when no answer came, and MB of 2^20 bytes.
func (f Figures) String() string {
	reply := "none"
	if f.FirstReply > 0 {
		reply = fmt.Sprintf("%dms", f.FirstReply.Milliseconds())
	}
	return fmt.Sprintf("hostile %s: thrown=%d alive=%t first_reply=%s rss_before=%dMB rss_after=%dMB (%v)",
		f.Name, f.Thrown.Total(), f.Alive, reply, f.RSSBefore>>20, f.RSSAfter>>20, f.Thrown)
}
