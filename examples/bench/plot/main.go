// Command plot draws the message-size sweep of examples/bench as a PNG:
// PUSH→PULL throughput over tcp loopback against message size, in messages
// per second (left) and megabytes per second (right), both on log scales,
// one line per path (raw zmq4, C ceiling, actor) with the spread of the runs
// as a bar at each point.
//
//	go run ./examples/bench -out sweep.csv
//	go run ./examples/bench/plot -in sweep.csv -o docs/bench-throughput.png
//
// It reads the CSV that bench -out writes (size_bytes, path, msgs_per_s,
// mb_per_s, runs, min_msgs_per_s, max_msgs_per_s) and uses only the
// standard library's image packages and golang.org/x/image's fixed-size
// font for the labels.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "the sweep CSV written by examples/bench -out (required)")
	out := fs.String("o", "bench-throughput.png", "the PNG to write")
	title := fs.String("title", "", "a line under the title, such as the machine")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || fs.NArg() > 0 {
		return errors.New("usage: plot -in sweep.csv [-o out.png] [-title text]")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	series, err := readSweep(f)
	_ = f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	img := render(series, *title)
	w, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}

// point is one message size of a path.
type point struct {
	size          int
	msgs, mb      float64
	minMsg, maxMs float64
}

// series is one path's points, by size.
type series struct {
	path   string
	points []point
}

// paths in drawing and legend order, with their look.
var looks = []struct {
	path, label string
	color       color.RGBA
	dashed      bool
}{
	{"c", "C ceiling (zmq_msg_send/recv)", color.RGBA{90, 90, 90, 255}, true},
	{"raw", "raw pebbe/zmq4 (SendBytes/RecvBytes)", color.RGBA{31, 119, 180, 255}, false},
	{"actor", "zmqactor (actor to actor, batched)", color.RGBA{230, 85, 13, 255}, false},
}

// readSweep reads the CSV into one series per path, in looks' order.
func readSweep(r io.Reader) ([]series, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) < 2 {
		return nil, errors.New("no data")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"size_bytes", "path", "msgs_per_s", "mb_per_s", "min_msgs_per_s", "max_msgs_per_s"} {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("no column %q", h)
		}
	}
	byPath := map[string][]point{}
	for i, rec := range rows[1:] {
		num := func(h string) (float64, error) {
			v, err := strconv.ParseFloat(rec[col[h]], 64)
			if err == nil && (v <= 0 || math.IsInf(v, 0) || math.IsNaN(v)) {
				err = fmt.Errorf("%v is not a positive number", v)
			}
			if err != nil {
				return 0, fmt.Errorf("line %d, %s: %w", i+2, h, err)
			}
			return v, nil
		}
		var p point
		var errs [5]error
		var size float64
		size, errs[0] = num("size_bytes")
		p.msgs, errs[1] = num("msgs_per_s")
		p.mb, errs[2] = num("mb_per_s")
		p.minMsg, errs[3] = num("min_msgs_per_s")
		p.maxMs, errs[4] = num("max_msgs_per_s")
		if err := errors.Join(errs[:]...); err != nil {
			return nil, err
		}
		p.size = int(size)
		path := rec[col["path"]]
		byPath[path] = append(byPath[path], p)
	}
	var out []series
	for _, l := range looks {
		if pts, ok := byPath[l.path]; ok {
			slices.SortFunc(pts, func(a, b point) int { return a.size - b.size })
			out = append(out, series{path: l.path, points: pts})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no path raw, c or actor in the data")
	}
	return out, nil
}

// Layout, in pixels.
const (
	width, height = 1200, 560
	panelTop      = 120
	panelBottom   = height - 70
	panelWidth    = 480
	leftMargin    = 80
	panelGap      = 120
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
	grid  = color.RGBA{225, 225, 225, 255}
)

// render draws both panels.
func render(all []series, subtitle string) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), &image.Uniform{white}, image.Point{}, draw.Src)
	text(img, leftMargin, 28, "PUSH->PULL over tcp loopback, one process: throughput against message size", black, 2)
	if subtitle != "" {
		text(img, leftMargin, 52, subtitle, black, 1)
	}
	msgs := func(p point) (float64, float64, float64) { return p.msgs, p.minMsg, p.maxMs }
	mbs := func(p point) (float64, float64, float64) {
		k := float64(p.size) / 1e6
		return p.mb, p.minMsg * k, p.maxMs * k
	}
	panel(img, leftMargin, "messages per second (log scale)", all, msgs, rateLabel)
	panel(img, leftMargin+panelWidth+panelGap, "megabytes (10^6 B) per second (log scale)", all, mbs, mbLabel)
	// Legend, under the titles.
	x := leftMargin
	for _, l := range looks {
		if !slices.ContainsFunc(all, func(s series) bool { return s.path == l.path }) {
			continue
		}
		line(img, x, 82, x+30, 82, l.color, 3, l.dashed)
		marker(img, x+15, 82, l.color)
		text(img, x+38, 87, l.label, black, 1)
		x += 38 + 7*len(l.label) + 30
	}
	return img
}

// value gives a point's figure and the min and max of its runs.
type value func(point) (v, lo, hi float64)

// panel draws one log-log chart whose left edge is at x0.
func panel(img *image.RGBA, x0 int, title string, all []series, val value, label func(float64) string) {
	minSize, maxSize := math.MaxInt, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range all {
		for _, p := range s.points {
			minSize, maxSize = min(minSize, p.size), max(maxSize, p.size)
			_, l, h := val(p)
			lo, hi = math.Min(lo, l), math.Max(hi, h)
		}
	}
	if maxSize == minSize {
		maxSize = minSize * 2
	}
	// y from the 1, 2 or 5 times a power of ten under the lowest figure to
	// the one above the highest, in decades.
	yLo, yHi := niceDown(lo), niceUp(hi)
	if yHi-yLo < 0.5 {
		yHi = yLo + 1
	}
	xPix := func(size float64) int {
		f := (math.Log2(size) - math.Log2(float64(minSize))) / (math.Log2(float64(maxSize)) - math.Log2(float64(minSize)))
		return x0 + 10 + int(f*float64(panelWidth-20))
	}
	yPix := func(v float64) int {
		f := (math.Log10(v) - yLo) / (yHi - yLo)
		return panelBottom - int(f*float64(panelBottom-panelTop))
	}
	// Grid and tick labels at 1, 2 and 5 times each power of ten; labels
	// only at the powers when the range spans more than two decades.
	for d := math.Floor(yLo); d <= yHi; d++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, d)
			lv := math.Log10(v)
			if lv < yLo-1e-9 || lv > yHi+1e-9 {
				continue
			}
			y := yPix(v)
			line(img, x0, y, x0+panelWidth, y, grid, 1, false)
			if m == 1 || yHi-yLo <= 2 {
				l := label(v)
				text(img, x0-8-7*len(l), y+4, l, black, 1)
			}
		}
	}
	for size := minSize; size <= maxSize; size *= 2 {
		x := xPix(float64(size))
		line(img, x, panelTop, x, panelBottom, grid, 1, false)
		if l := sizeLabel(size); l != "" {
			text(img, x-7*len(l)/2, panelBottom+18, l, black, 1)
		}
	}
	rect(img, x0, panelTop, x0+panelWidth, panelBottom, black)
	text(img, x0, panelTop-8, title, black, 1)
	text(img, x0+panelWidth/2-7*len("message size (bytes, log scale)")/2, panelBottom+40, "message size (bytes, log scale)", black, 1)
	for _, l := range looks {
		for _, s := range all {
			if s.path != l.path {
				continue
			}
			for i, p := range s.points {
				v, lo, hi := val(p)
				x, y := xPix(float64(p.size)), yPix(v)
				line(img, x, yPix(lo), x, yPix(hi), l.color, 1, false)
				if i > 0 {
					pv, _, _ := val(s.points[i-1])
					line(img, xPix(float64(s.points[i-1].size)), yPix(pv), x, y, l.color, 3, l.dashed)
				}
			}
			for _, p := range s.points {
				v, _, _ := val(p)
				marker(img, xPix(float64(p.size)), yPix(v), l.color)
			}
		}
	}
}

// niceDown returns log10 of the largest 1, 2 or 5 times a power of ten at
// most v; niceUp of the smallest at least v.
func niceDown(v float64) float64 {
	d := math.Floor(math.Log10(v))
	for _, m := range []float64{5, 2, 1} {
		if m*math.Pow(10, d) <= v*(1+1e-9) {
			return d + math.Log10(m)
		}
	}
	return d
}

func niceUp(v float64) float64 {
	d := math.Floor(math.Log10(v))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*math.Pow(10, d) >= v*(1-1e-9) {
			return d + math.Log10(m)
		}
	}
	return d + 1
}

// sizeLabel labels the sizes that are powers of 4 (16 B, 64 B, 256 B,
// 1 KiB, ...), so that the labels do not crowd.
func sizeLabel(size int) string {
	if size&(size-1) != 0 || bits.TrailingZeros(uint(size))%2 != 0 {
		return ""
	}
	switch {
	case size >= 1<<20:
		return fmt.Sprintf("%d MiB", size>>20)
	case size >= 1<<10:
		return fmt.Sprintf("%d KiB", size>>10)
	}
	return fmt.Sprintf("%d B", size)
}

// rateLabel writes 1000 as 1k and 1000000 as 1M.
func rateLabel(v float64) string {
	switch {
	case v >= 1e6:
		return trim(v/1e6) + "M"
	case v >= 1e3:
		return trim(v/1e3) + "k"
	}
	return trim(v)
}

func mbLabel(v float64) string { return trim(v) }

func trim(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// text draws s with its baseline at y, scaled up scale times.
func text(img *image.RGBA, x, y int, s string, c color.Color, scale int) {
	face := basicfont.Face7x13
	if scale <= 1 {
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
		d.DrawString(s)
		return
	}
	// Draw at 1x on a mask and blow each pixel up.
	w := font.MeasureString(face, s).Ceil()
	mask := image.NewAlpha(image.Rect(0, 0, w, 13))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.P(0, 10)}
	d.DrawString(s)
	for my := range 13 {
		for mx := range w {
			if mask.AlphaAt(mx, my).A < 128 {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					img.Set(x+mx*scale+dx, y-10*scale+my*scale+dy, c)
				}
			}
		}
	}
}

// line draws a line of the given thickness; dashed leaves gaps of 6 pixels
// every 12.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA, thick int, dashed bool) {
	dx, dy := float64(x1-x0), float64(y1-y0)
	steps := int(math.Max(math.Abs(dx), math.Abs(dy)))
	for i := 0; i <= steps; i++ {
		if dashed && (i%12) >= 8 {
			continue
		}
		t := 0.0
		if steps > 0 {
			t = float64(i) / float64(steps)
		}
		x, y := x0+int(math.Round(t*dx)), y0+int(math.Round(t*dy))
		for oy := -(thick / 2); oy <= (thick-1)/2; oy++ {
			for ox := -(thick / 2); ox <= (thick-1)/2; ox++ {
				img.SetRGBA(x+ox, y+oy, c)
			}
		}
	}
}

// marker draws a filled circle of radius 4 with a white rim.
func marker(img *image.RGBA, x, y int, c color.RGBA) {
	for oy := -5; oy <= 5; oy++ {
		for ox := -5; ox <= 5; ox++ {
			switch r := ox*ox + oy*oy; {
			case r <= 16:
				img.SetRGBA(x+ox, y+oy, c)
			case r <= 28:
				img.SetRGBA(x+ox, y+oy, white)
			}
		}
	}
}

func rect(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	line(img, x0, y0, x1, y0, c, 1, false)
	line(img, x0, y1, x1, y1, c, 1, false)
	line(img, x0, y0, x0, y1, c, 1, false)
	line(img, x1, y0, x1, y1, c, 1, false)
}
