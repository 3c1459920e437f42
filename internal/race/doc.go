// Package race tells code whether it was built with the race detector,
// and lets a test mark itself as a corpus-wide run ([Corpus]) that is
// left out under the detector and run without it.
package race

import (
	"strings"
	"testing"
)

// CorpusPrefix starts the name of every test that calls [Corpus].
const CorpusPrefix = "TestCorpus"

// Corpus marks tb as a corpus-wide run: one goroutine checking thousands
// of public records or generated inputs (recall, false-positive rates,
// F1, round trips) or deriving keys at full cost (the keystore's scrypt
// and PBKDF2 test vectors), which the race detector makes several times
// slower and adds nothing to; the concurrent use of what they check is tested
// under the detector elsewhere. Under the race detector tb is skipped;
// `make test` runs the tests named TestCorpus… again without -race, so
// every corpus run stays in the suite. A test that calls Corpus must be
// named so (it fails otherwise), or `make test` would never run it.
func Corpus(tb testing.TB) {
	tb.Helper()
	if !strings.HasPrefix(tb.Name(), CorpusPrefix) {
		tb.Fatalf("%s calls race.Corpus, so its name must start with %s: make test selects corpus runs by that prefix for its run without the race detector", tb.Name(), CorpusPrefix)
	}
	if Enabled {
		tb.Skipf("corpus-wide run: skipped under the race detector; run without -race (make test does: go test -run '^%s' …)", CorpusPrefix)
	}
}
