//go:build !race

package mistral

// raceEnabled says the race detector is on: the statistical tests then
// draw less, as they run many times slower, and memory measurements are
// skipped, as its shadow memory grows with every allocation.
const raceEnabled = false
