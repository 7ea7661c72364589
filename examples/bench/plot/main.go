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
// mb_per_s, runs, min_msgs_per_s, max_msgs_per_s) and draws with
// gonum.org/v1/plot.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
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
	img, err := render(series, *title)
	if err != nil {
		return err
	}
	w, err := os.Create(*out)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
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

// look is how a path is drawn and named in the legend.
type look struct {
	path, label string
	color       color.RGBA
	dashed      bool
}

// looks are the paths in drawing and legend order.
var looks = []look{
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

// The image: width by height pixels at dpi, on white.
const (
	width, height = 1200, 600
	dpi           = 96
)

// px is n pixels as a length on the canvas.
func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// sans is the font of every text, at size points.
func sans(size vg.Length) font.Font {
	return font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, size)
}

// render draws the header (title, subtitle and legend) and under it the
// two panels side by side.
func render(all []series, subtitle string) (*vgimg.Canvas, error) {
	img := vgimg.NewWith(vgimg.UseWH(px(width), px(height)), vgimg.UseDPI(dpi))
	dc := draw.New(img)

	// The header, top down; y is the top of the next line.
	x, y := dc.Min.X+px(16), dc.Max.Y-px(12)
	for _, line := range []struct {
		size vg.Length
		text string
	}{
		{16, "PUSH->PULL over tcp loopback, one process: throughput against message size"},
		{11, subtitle},
	} {
		sty := text.Style{Color: color.Black, Font: sans(line.size), YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
		if line.text != "" {
			dc.FillText(sty, vg.Point{X: x, Y: y}, line.text)
		}
		y -= sty.Height("P") + px(10)
	}
	key := dc
	key.Min, key.Max = vg.Point{X: x, Y: y - px(24)}, vg.Point{X: dc.Max.X, Y: y}
	if err := legend(key, all); err != nil {
		return nil, err
	}

	rates, err := panel("messages per second (log scale)", all, msgsPerSecond, rateLabel)
	if err != nil {
		return nil, err
	}
	volumes, err := panel("megabytes (10^6 B) per second (log scale)", all, mbPerSecond, mbLabel)
	if err != nil {
		return nil, err
	}
	plots := [][]*plot.Plot{{rates, volumes}}
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: px(60), PadLeft: px(8), PadRight: px(24), PadBottom: px(8)}
	body := dc
	body.Max.Y = key.Min.Y - px(8)
	for i, c := range plot.Align(plots, tiles, body)[0] {
		plots[0][i].Draw(c)
	}
	return img, nil
}

// legend draws one entry per path in the data, side by side, from the
// left of c.
func legend(c draw.Canvas, all []series) error {
	x := c.Min.X
	for _, l := range looks {
		if !slices.ContainsFunc(all, func(s series) bool { return s.path == l.path }) {
			continue
		}
		line, dots, err := lineAndDots(l.color, l.dashed, plotter.XYs{{X: 1, Y: 1}})
		if err != nil {
			return err
		}
		entry := plot.NewLegend()
		entry.Top, entry.Left = true, true
		entry.TextStyle.Font = sans(11)
		entry.ThumbnailWidth = px(36)
		entry.Add(l.label, line, dots)
		at := c
		at.Min.X = x
		entry.Draw(at)
		x += entry.Rectangle(at).Size().X + px(36)
	}
	return nil
}

// lineAndDots returns a path's line and its markers through xys: a filled
// circle with a white rim at each point.
func lineAndDots(c color.Color, dashed bool, xys plotter.XYs) (*plotter.Line, *plotter.Scatter, error) {
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, nil, err
	}
	line.Color, line.Width = c, vg.Points(2.25)
	if dashed {
		line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	}
	dots, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, nil, err
	}
	dots.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: rimmed{}}
	return line, dots, nil
}

// rimmed is a filled circle with a white rim, so that markers stay apart
// where lines cross.
type rimmed struct{}

func (rimmed) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	rim := sty
	rim.Color, rim.Radius = color.White, sty.Radius+vg.Points(1.25)
	draw.CircleGlyph{}.DrawGlyph(c, rim, pt)
	draw.CircleGlyph{}.DrawGlyph(c, sty, pt)
}

// value gives a point's figure and the min and max of its runs.
type value func(point) (v, lo, hi float64)

// msgsPerSecond is the left panel's value: messages per second.
func msgsPerSecond(p point) (v, lo, hi float64) { return p.msgs, p.minMsg, p.maxMs }

// mbPerSecond is the right panel's value: megabytes per second.
func mbPerSecond(p point) (v, lo, hi float64) {
	k := float64(p.size) / 1e6
	return p.mb, p.minMsg * k, p.maxMs * k
}

// spread is a path's points with the min and max of their runs, for
// plotter.YErrorBars.
type spread struct {
	plotter.XYs
	plotter.YErrors
}

// panel returns one log-log chart: a line per path with its markers and
// the spread of its runs at each size.
func panel(title string, all []series, val value, label func(float64) string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(11)
	p.Title.Padding = px(8)
	p.X.Label.Text = "message size (bytes, log scale)"
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(11)
		a.Tick.Label.Font = sans(10)
		a.Scale = plot.LogScale{}
	}
	p.Add(plotter.NewGrid())

	minSize, maxSize := math.MaxInt, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range all {
		look := looks[slices.IndexFunc(looks, func(l look) bool { return l.path == s.path })]
		d := spread{XYs: make(plotter.XYs, len(s.points)), YErrors: make(plotter.YErrors, len(s.points))}
		for i, pt := range s.points {
			v, l, h := val(pt)
			d.XYs[i] = plotter.XY{X: float64(pt.size), Y: v}
			d.YErrors[i].Low, d.YErrors[i].High = v-l, h-v
			minSize, maxSize = min(minSize, pt.size), max(maxSize, pt.size)
			lo, hi = math.Min(lo, l), math.Max(hi, h)
		}
		bars, err := plotter.NewYErrorBars(d)
		if err != nil {
			return nil, err
		}
		bars.Color, bars.Width, bars.CapWidth = look.color, vg.Points(1), vg.Points(5)
		line, dots, err := lineAndDots(look.color, look.dashed, d.XYs)
		if err != nil {
			return nil, err
		}
		p.Add(bars, line, dots)
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
	p.X.Min, p.X.Max = float64(minSize), float64(maxSize)
	p.Y.Min, p.Y.Max = math.Pow(10, yLo), math.Pow(10, yHi)
	p.X.Tick.Marker = plot.TickerFunc(func(float64, float64) []plot.Tick {
		var ticks []plot.Tick
		for size := minSize; size <= maxSize; size *= 2 {
			ticks = append(ticks, plot.Tick{Value: float64(size), Label: sizeLabel(size)})
		}
		return ticks
	})
	// Ticks at 1, 2 and 5 times each power of ten; labels (and grid lines)
	// only at the powers when the range spans more than two decades.
	p.Y.Tick.Marker = plot.TickerFunc(func(float64, float64) []plot.Tick {
		var ticks []plot.Tick
		for d := math.Floor(yLo); d <= yHi; d++ {
			for _, m := range []float64{1, 2, 5} {
				v := m * math.Pow(10, d)
				if lv := math.Log10(v); lv < yLo-1e-9 || lv > yHi+1e-9 {
					continue
				}
				t := plot.Tick{Value: v}
				if m == 1 || yHi-yLo <= 2 {
					t.Label = label(v)
				}
				ticks = append(ticks, t)
			}
		}
		return ticks
	})
	return p, nil
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
