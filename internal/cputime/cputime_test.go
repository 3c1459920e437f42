package cputime_test

import (
	"runtime"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// TestSecondsGrows: on Unix the CPU time is read and does not go back
// after work.
func TestSecondsGrows(t *testing.T) {
	t.Parallel()
	a, ok := cputime.Seconds()
	if !ok {
		if runtime.GOOS == "linux" || runtime.GOOS == "darwin" {
			t.Fatal("CPU time not read on", runtime.GOOS)
		}
		t.Skip("no CPU time on", runtime.GOOS)
	}
	x := 0
	for i := range 1_000_000 {
		x += i % 7
	}
	b, _ := cputime.Seconds()
	if a <= 0 || b < a || x == 0 {
		t.Errorf("CPU time %v then %v", a, b)
	}
}
