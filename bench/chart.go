package main

import (
	"fmt"
	"math"
	"strings"
)

// levelsChart draws the levels as an SVG: quality against size on the left
// (KL divergence from F16 on the small model, log scale, against bits per
// weight), generation and prompt speed against size on the right (the 7B
// shape, tokens per second against gigabytes).
func levelsChart(rows []levelRow) string {
	const w, h, pw, ph, mx, my = 960, 420, 380, 300, 70, 50
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")

	// Left panel: KL divergence (log) against bits per weight.
	var xs, ys []float64
	var labels []string
	for _, r := range rows {
		if r.MeanKL > 0 {
			xs, ys, labels = append(xs, r.SmallBPW), append(ys, math.Log10(r.MeanKL)), append(labels, r.Type)
		}
	}
	panel(&b, mx, my, pw, ph, "Quality: KL divergence from F16 (small model)", "bits per weight", "KL (nats/token, log)",
		[]series{{xs, ys, labels, "#1f77b4", true}}, true)

	// Right panel: tokens per second against 7B file size.
	var sx, tg, pp []float64
	var sl []string
	for _, r := range rows {
		if r.Speed.FileBytes > 0 {
			sx, tg, pp, sl = append(sx, float64(r.Speed.FileBytes)/1e9), append(tg, r.Speed.TG), append(pp, r.Speed.PP), append(sl, r.Type)
		}
	}
	panel(&b, mx+pw+130, my, pw, ph, "Speed: Mistral 7B shape", "file size (GB)", "tokens/s",
		[]series{{sx, tg, sl, "#d62728", true}, {sx, pp, nil, "#2ca02c", false}}, false)
	legendY := my + ph + 55
	fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="4" fill="#d62728"/><text x="%d" y="%d">generation (tg)</text>`+"\n", mx+pw+140, legendY, mx+pw+150, legendY+4)
	fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="4" fill="#2ca02c"/><text x="%d" y="%d">prompt processing (pp)</text>`+"\n", mx+pw+260, legendY, mx+pw+270, legendY+4)
	b.WriteString("</svg>\n")
	return b.String()
}

type series struct {
	x, y   []float64
	labels []string
	color  string
	line   bool
}

// panel draws a scatter plot with axes; logY labels ticks as powers of ten.
func panel(b *strings.Builder, x0, y0, w, h int, title, xlabel, ylabel string, ss []series, logY bool) {
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for i := range s.x {
			minX, maxX = math.Min(minX, s.x[i]), math.Max(maxX, s.x[i])
			minY, maxY = math.Min(minY, s.y[i]), math.Max(maxY, s.y[i])
		}
	}
	if math.IsInf(minX, 0) {
		fmt.Fprintf(b, `<text x="%d" y="%d">%s: no data</text>`+"\n", x0, y0+h/2, title)
		return
	}
	padX, padY := (maxX-minX)*0.08+1e-9, (maxY-minY)*0.1+1e-9
	minX, maxX, minY, maxY = minX-padX, maxX+padX, minY-padY, maxY+padY
	if !logY && minY > 0 {
		minY = 0
	}
	px := func(x float64) float64 { return float64(x0) + (x-minX)/(maxX-minX)*float64(w) }
	py := func(y float64) float64 { return float64(y0+h) - (y-minY)/(maxY-minY)*float64(h) }
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="14" font-weight="bold">%s</text>`+"\n", x0, y0-20, title)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", x0, y0, w, h)
	for _, t := range ticks(minX, maxX) {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			px(t), y0, px(t), y0+h, px(t), y0+h+16, trimFloat(t))
	}
	yTicks, yLabels := ticks(minY, maxY), []string(nil)
	if logY {
		yTicks, yLabels = logTicks(minY, maxY)
	}
	for i, t := range yTicks {
		label := trimFloat(t)
		if logY {
			label = yLabels[i]
		}
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			x0, py(t), x0+w, py(t), x0-6, py(t)+4, label)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", x0+w/2, y0+h+34, xlabel)
	fmt.Fprintf(b, `<text transform="translate(%d,%d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", x0-50, y0+h/2, ylabel)
	for _, s := range ss {
		idx := sortedIndex(s.x)
		if s.line && len(idx) > 1 {
			var pts []string
			for _, i := range idx {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.x[i]), py(s.y[i])))
			}
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-opacity="0.4"/>`+"\n", strings.Join(pts, " "), s.color)
		}
		for i := range s.x {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`+"\n", px(s.x[i]), py(s.y[i]), s.color)
			if s.labels != nil {
				fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10">%s</text>`+"\n", px(s.x[i])+6, py(s.y[i])-6, s.labels[i])
			}
		}
	}
}

// ticks returns about five round values between lo and hi.
func ticks(lo, hi float64) []float64 {
	span := hi - lo
	step := math.Pow(10, math.Floor(math.Log10(span/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= 6 {
			step *= m
			break
		}
	}
	var out []float64
	for t := math.Ceil(lo/step) * step; t <= hi; t += step {
		out = append(out, t)
	}
	return out
}

// logTicks returns the ticks of a log10 axis between lo and hi (in log10
// units) and their labels: the powers of ten, and 2 and 5 times them when
// the axis spans fewer than three powers.
func logTicks(lo, hi float64) ([]float64, []string) {
	mults := []float64{1}
	if math.Floor(hi)-math.Ceil(lo) < 2 {
		mults = []float64{1, 2, 5}
	}
	var ts []float64
	var labels []string
	for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
		for _, m := range mults {
			if t := e + math.Log10(m); t >= lo && t <= hi {
				ts = append(ts, t)
				labels = append(labels, fmt.Sprintf("%ge%d", m, int(e)))
			}
		}
	}
	return ts, labels
}

func trimFloat(x float64) string {
	s := fmt.Sprintf("%.3g", x)
	if s == "-0" {
		return "0"
	}
	return s
}

func sortedIndex(x []float64) []int {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && x[idx[j]] < x[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}
