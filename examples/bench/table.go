package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// formatFigure writes a figure for the table: rates with k and M, the
// others with one decimal below 100.
func formatFigure(v float64, unit string) string {
	switch unit {
	case "msg/s", "req/s":
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.2f M", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.1f k", v/1e3)
		}
		return fmt.Sprintf("%.0f", v)
	case "threads":
		return fmt.Sprintf("%.0f", v)
	}
	if math.Abs(v) < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// cell is a path's figure in the table: its median, "—" when the case has
// no such path, "error" when it failed, "" when it was not run.
func (r *result) cell(p int) string {
	if r.absent[p] {
		return "—"
	}
	if r.errs[p] != "" {
		return "error"
	}
	m, ok := r.median(p)
	if !ok {
		return ""
	}
	return formatFigure(m, r.row.unit)
}

// ratio is actor/other, when both have figures.
func (r *result) ratio(other int) (float64, bool) {
	if r.row.noRatio {
		return 0, false
	}
	a, ok := r.median(pathActor)
	o, ok2 := r.median(other)
	if !ok || !ok2 || o == 0 {
		return 0, false
	}
	return a / o, true
}

func (r *result) ratioCell(other int) string {
	if v, ok := r.ratio(other); ok {
		return fmt.Sprintf("%.2f×", v)
	}
	return "—"
}

// met says whether the row meets its target: "yes", "no", "?" when a
// figure it needs is missing, "" when it has none.
func (r *result) met() string {
	t := r.row.target
	if t == (target{}) {
		return ""
	}
	ok := true
	check := func(v float64, have bool, pass func(float64) bool) bool {
		if !have {
			return false
		}
		ok = ok && pass(v)
		return true
	}
	vsRaw, haveRaw := r.ratio(pathRaw)
	vsC, haveC := r.ratio(pathC)
	actor, haveActor := r.median(pathActor)
	moreWakeups, haveWakeups := r.moreWakeups()
	complete := true
	if t.minVsRaw > 0 {
		complete = check(vsRaw, haveRaw, func(v float64) bool { return v >= t.minVsRaw }) && complete
	}
	if t.maxVsRaw > 0 {
		complete = check(vsRaw, haveRaw, func(v float64) bool { return v <= t.maxVsRaw }) && complete
	}
	if t.minVsC > 0 {
		complete = check(vsC, haveC, func(v float64) bool { return v >= t.minVsC }) && complete
	}
	if t.maxActor > 0 {
		complete = check(actor, haveActor, func(v float64) bool { return v < t.maxActor }) && complete
	}
	if t.maxMoreWakeups > 0 {
		complete = check(moreWakeups, haveWakeups, func(v float64) bool { return v <= t.maxMoreWakeups }) && complete
	}
	switch {
	case !ok:
		return "no"
	case !complete:
		return "?"
	}
	return "yes"
}

// spreadCell is the spread of the runs of each path, in %.
func (r *result) spreadCell() string {
	return perPath(func(p int) (string, bool) {
		s, ok := r.spread(p)
		return fmt.Sprintf("%.0f", s), ok
	})
}

// cpuCell is the median CPU time per operation of each path, in µs.
func (r *result) cpuCell() string {
	return perPath(func(p int) (string, bool) {
		v := r.cpu[p]
		if len(v) == 0 || r.errs[p] != "" {
			return "", false
		}
		return fmt.Sprintf("%.2f", median(v)), true
	})
}

// wakeups is the median of a path's wake-ups per round trip or per 1,000
// messages.
func (r *result) wakeups(p int) (float64, bool) {
	v := r.wake[p]
	if len(v) == 0 || r.errs[p] != "" {
		return 0, false
	}
	return median(v), true
}

// moreWakeups is how many more wake-ups the actor path has than raw's.
func (r *result) moreWakeups() (float64, bool) {
	a, ok := r.wakeups(pathActor)
	w, ok2 := r.wakeups(pathRaw)
	return a - w, ok && ok2
}

// wakeCell is the median wake-ups of each path: per round trip for the
// latency rows, per 1,000 messages or requests for the rates.
func (r *result) wakeCell() string {
	return perPath(func(p int) (string, bool) {
		v, ok := r.wakeups(p)
		return fmt.Sprintf("%.1f", v), ok
	})
}

// perPath joins cell(p) of the paths with " / ", "—" for a path without
// one, or is "—" when no path has one.
func perPath(cell func(p int) (string, bool)) string {
	var parts []string
	any := false
	for p := range numPaths {
		if s, ok := cell(p); ok {
			parts = append(parts, s)
			any = true
		} else {
			parts = append(parts, "—")
		}
	}
	if !any {
		return "—"
	}
	return strings.Join(parts, " / ")
}

// printTable prints the main table and the notes under it, and reports
// whether a case failed.
func printTable(w io.Writer, results []*result) bool {
	fmt.Fprintln(w, "| case | raw zmq4 | C | actor | actor/raw | actor/C | target | met | spread % (raw / C / actor) | CPU µs/op (raw / C / actor) | wake-ups per round trip or 1,000 msg (raw / C / actor) |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|---|---|---|---|---|")
	var notes []string
	failed := false
	for _, r := range results {
		fmt.Fprintf(w, "| %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.row.name, r.row.unit, r.cell(pathRaw), r.cell(pathC), r.cell(pathActor),
			r.ratioCell(pathRaw), r.ratioCell(pathC), r.row.target, r.met(), r.spreadCell(), r.cpuCell(), r.wakeCell())
		for _, e := range r.errs {
			if e != "" {
				failed = true
				notes = appendNew(notes, "error: "+e)
			}
		}
		if r.note != "" {
			notes = appendNew(notes, r.row.name+": "+r.note)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
	return failed
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// sweepPoint is the PUSH→PULL tcp result at one message size.
type sweepPoint struct {
	size   int
	result *result
}

// mbps turns a message rate into megabytes (10^6) per second.
func mbps(msgs float64, size int) float64 { return msgs * float64(size) / 1e6 }

// printSweep prints the sweep table and reports whether a size failed.
func printSweep(w io.Writer, sweep []sweepPoint) bool {
	fmt.Fprintln(w, "| PUSH→PULL tcp, size | raw zmq4 (msg/s) | C (msg/s) | actor (msg/s) | actor/raw | actor/C | raw MB/s | C MB/s | actor MB/s | spread % (raw / C / actor) | CPU µs/msg (raw / C / actor) | wake-ups per 1,000 msg (raw / C / actor) |")
	fmt.Fprintln(w, "|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|---|")
	failed := false
	var notes []string
	for _, s := range sweep {
		r := s.result
		mb := func(p int) string {
			if m, ok := r.median(p); ok {
				return formatFigure(mbps(m, s.size), "MB/s")
			}
			return r.cell(p)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", sizeName(s.size),
			r.cell(pathRaw), r.cell(pathC), r.cell(pathActor), r.ratioCell(pathRaw), r.ratioCell(pathC),
			mb(pathRaw), mb(pathC), mb(pathActor), r.spreadCell(), r.cpuCell(), r.wakeCell())
		for _, e := range r.errs {
			if e != "" {
				failed = true
				notes = appendNew(notes, "error: "+e)
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
	return failed
}

// csvHeader is the sweep file's first line; examples/bench/plot reads it.
var csvHeader = []string{"size_bytes", "path", "msgs_per_s", "mb_per_s", "runs", "min_msgs_per_s", "max_msgs_per_s"}

// writeSweepCSV writes one line per size and path that has figures.
func writeSweepCSV(name string, sweep []sweepPoint) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(csvHeader)
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	for _, s := range sweep {
		for p := range numPaths {
			runs := s.result.runs[p]
			if len(runs) == 0 {
				continue
			}
			m := median(runs)
			_ = w.Write([]string{strconv.Itoa(s.size), pathNames[p], g(m), strconv.FormatFloat(mbps(m, s.size), 'f', 3, 64),
				strconv.Itoa(len(runs)), g(slices.Min(runs)), g(slices.Max(runs))})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
