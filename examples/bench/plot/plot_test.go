package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// TestPlot draws a small sweep and checks that the PNG has the layout's
// size and a line of each path's colour.
func TestPlot(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "sweep.csv"), filepath.Join(dir, "plot.png")
	if err := os.WriteFile(in, []byte(sweepCSV), 0o644); err != nil {
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
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Fatalf("%v, want %dx%d", b, width, height)
	}
	counts := map[string]int{}
	for y := range height {
		for x := range width {
			r, g, b, _ := img.At(x, y).RGBA()
			for _, l := range looks {
				lr, lg, lb, _ := l.color.RGBA()
				if r == lr && g == lg && b == lb {
					counts[l.path]++
				}
			}
		}
	}
	for _, l := range looks {
		if counts[l.path] < 500 {
			t.Errorf("%d pixels of %s's colour, want a line", counts[l.path], l.path)
		}
	}
}

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
