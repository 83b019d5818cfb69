//go:build race

package sample

// raceEnabled says the race detector is on: the statistical tests then
// draw less, as they run many times slower.
const raceEnabled = true
