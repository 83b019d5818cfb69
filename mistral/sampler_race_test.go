//go:build race

package mistral

// samplerRace says the race detector is on: the statistical tests then draw
// less, as they run single-threaded and many times slower.
const samplerRace = true
