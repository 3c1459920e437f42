//go:build race

package names_test

// raceEnabled shrinks the data-heavy tests under the race detector, which
// runs them several times slower.
const raceEnabled = true
