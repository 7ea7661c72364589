package main

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

const sweepCSV = `size_bytes,path,msgs_per_s,mb_per_s,runs,min_msgs_per_s,max_msgs_per_s
16,raw,1000000,16,5,900000,1100000
16,c,2500000,40,5,2400000,2600000
16,actor,500000,8,5,450000,550000
1024,raw,200000,204.8,5,190000,210000
1024,c,350000,358.4,5,340000,360000
1024,actor,150000,153.6,5,140000,160000
65536,actor,5000,327.68,5,4000,6000
65536,c,10000,655.36,5,9000,11000
65536,raw,6000,393.216,5,5000,7000
`

// drawSweep runs the command on sweep and returns the PNG it wrote.
func drawSweep(t *testing.T, sweep string) image.Image {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "sweep.csv"), filepath.Join(dir, "plot.png")
	if err := os.WriteFile(in, []byte(sweep), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := run([]string{"-in", in, "-o", out, "-title", "test"}, &stderr); err != nil {
		t.Fatalf("%v: %s", err, &stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// colours counts the pixels of each path's colour.
func colours(img image.Image) map[string]int {
	counts := map[string]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			for _, l := range looks {
				lr, lg, lb, _ := l.color.RGBA()
				if r == lr && g == lg && b == lb {
					counts[l.path]++
				}
			}
		}
	}
	return counts
}

// TestPlot draws a small sweep and checks that the PNG has the layout's
// size and lines of each path's colour.
func TestPlot(t *testing.T) {
	img := drawSweep(t, sweepCSV)
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Fatalf("%v, want %dx%d", b, width, height)
	}
	counts := colours(img)
	for _, l := range looks {
		if counts[l.path] < 500 {
			t.Errorf("%d pixels of %s's colour, want a line", counts[l.path], l.path)
		}
	}
}

// TestPlotOnlyItsPaths draws a sweep without the C path: no line and no
// legend entry of the C colour, the other paths as before. Some pixels of
// its grey are the edges of black text (a few dozen); its legend entry
// alone would be about a tenth of what its lines and markers are.
func TestPlotOnlyItsPaths(t *testing.T) {
	var rows []string
	for _, row := range strings.Split(sweepCSV, "\n") {
		if !strings.Contains(row, ",c,") {
			rows = append(rows, row)
		}
	}
	with, without := colours(drawSweep(t, sweepCSV)), colours(drawSweep(t, strings.Join(rows, "\n")))
	if without["c"] > with["c"]/20 {
		t.Errorf("%d pixels of the C path's colour without it in the sweep, %d with it", without["c"], with["c"])
	}
	for _, path := range []string{"raw", "actor"} {
		if without[path] < 500 {
			t.Errorf("%d pixels of %s's colour, want a line", without[path], path)
		}
	}
}

// TestPanelAxes checks what the panels' axes show for the small sweep:
// log scales from the 1, 2 or 5 times a power of ten under the lowest run
// to the one above the highest, sizes labelled at the powers of 4, and the
// figures at the powers of ten (the ranges span more than two decades).
func TestPanelAxes(t *testing.T) {
	all, err := readSweep(strings.NewReader(sweepCSV))
	if err != nil {
		t.Fatal(err)
	}
	sizes := []string{"16 B", "64 B", "256 B", "1 KiB", "4 KiB", "16 KiB", "64 KiB"}
	for _, c := range []struct {
		name       string
		val        value
		label      func(float64) string
		yMin, yMax float64
		yLabels    []string
	}{
		{"messages", msgsPerSecond, rateLabel, 2000, 5e6, []string{"10k", "100k", "1M"}},
		{"megabytes", mbPerSecond, mbLabel, 5, 1000, []string{"10", "100", "1000"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := panel(c.name, all, c.val, c.label)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := p.X.Scale.(plot.LogScale); !ok {
				t.Errorf("x scale %T, want log", p.X.Scale)
			}
			if _, ok := p.Y.Scale.(plot.LogScale); !ok {
				t.Errorf("y scale %T, want log", p.Y.Scale)
			}
			if p.X.Min != 16 || p.X.Max != 65536 {
				t.Errorf("x from %v to %v, want 16 to 65536", p.X.Min, p.X.Max)
			}
			if !near(p.Y.Min, c.yMin) || !near(p.Y.Max, c.yMax) {
				t.Errorf("y from %v to %v, want %v to %v", p.Y.Min, p.Y.Max, c.yMin, c.yMax)
			}
			if got := labels(p.X); !slices.Equal(got, sizes) {
				t.Errorf("x labels %q, want %q", got, sizes)
			}
			if got := labels(p.Y); !slices.Equal(got, c.yLabels) {
				t.Errorf("y labels %q, want %q", got, c.yLabels)
			}
		})
	}
}

// labels returns the labels of an axis's ticks in its range.
func labels(a plot.Axis) []string {
	var out []string
	for _, t := range a.Tick.Marker.Ticks(a.Min, a.Max) {
		if t.Label != "" && t.Value >= a.Min*(1-1e-9) && t.Value <= a.Max*(1+1e-9) {
			out = append(out, t.Label)
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) }

func TestPlotBadInput(t *testing.T) {
	for name, data := range map[string]string{
		"empty":         "",
		"header only":   "size_bytes,path,msgs_per_s,mb_per_s,runs,min_msgs_per_s,max_msgs_per_s\n",
		"no column":     "size_bytes,path\n16,raw\n",
		"zero":          strings.Replace(sweepCSV, "1000000,16", "0,16", 1),
		"not a number":  strings.Replace(sweepCSV, "1000000,16", "x,16", 1),
		"no known path": "size_bytes,path,msgs_per_s,mb_per_s,runs,min_msgs_per_s,max_msgs_per_s\n16,jvm,1,1,1,1,1\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := readSweep(strings.NewReader(data)); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
