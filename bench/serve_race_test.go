//go:build race

package main

// raceEnabled says the race detector is on: memory is not compared then,
// as its shadow memory grows with every allocation.
const raceEnabled = true
