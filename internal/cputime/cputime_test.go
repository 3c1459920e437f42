package cputime_test

import (
	"os"
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

// TestOfProcess: on Linux the CPU time of this process is read from /proc
// and agrees with getrusage to within the tick and the time between the
// two reads.
func TestOfProcess(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		if _, ok := cputime.OfProcess(os.Getpid()); ok {
			t.Fatal("OfProcess read a time outside Linux")
		}
		t.Skip("/proc only on Linux")
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	p, ok := cputime.OfProcess(os.Getpid())
	s, _ := cputime.Seconds()
	if !ok || x == 0 || p <= 0 || p > s+0.05 {
		t.Errorf("OfProcess = %v, %v; getrusage %v", p, ok, s)
	}
	if _, ok := cputime.OfProcess(-1); ok {
		t.Error("OfProcess(-1) read a time")
	}
}
