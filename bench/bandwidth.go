package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"
)

func bandwidthCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bandwidth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "reading goroutines")
	size := fs.Int("mb", 1024, "buffer size in MB (much larger than the caches)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gbs := readBandwidth(*threads, *size<<20, 5)
	fmt.Fprintf(stdout, "read bandwidth: %.1f GB/s (%d threads, %d MB buffer, median of 5)\n", gbs, *threads, *size)
	return nil
}

// readBandwidth measures how fast threads goroutines read a buffer of size
// bytes (written first, so its pages are real), returning the median GB/s
// of reps passes. Each goroutine scans its part with bytes.IndexByte, whose
// vectorised assembly makes the scan bound by memory, not by the loop.
func readBandwidth(threads, size, reps int) float64 {
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = 2
	}
	var speeds []float64
	for r := 0; r < reps+1; r++ {
		start := time.Now()
		var wg sync.WaitGroup
		part := len(buf) / threads
		for t := 0; t < threads; t++ {
			chunk := buf[t*part : (t+1)*part]
			wg.Go(func() {
				if bytes.IndexByte(chunk, 1) >= 0 {
					panic("bench: bandwidth buffer changed")
				}
			})
		}
		wg.Wait()
		if r > 0 { // the first pass warms up
			speeds = append(speeds, float64(part*threads)/time.Since(start).Seconds()/1e9)
		}
	}
	sort.Float64s(speeds)
	return speeds[len(speeds)/2]
}
