// Package cputime reads the CPU time the process has used, for benchmarks
// that report CPU per operation: on a shared, loaded machine it measures
// a benchmark's cost better than the wall clock does.
package cputime

// Seconds returns the process's user and system CPU time in seconds, and
// whether it could be read (not on every platform).
func Seconds() (float64, bool) { return seconds() }

// OfProcess returns the user and system CPU time in seconds of the process
// pid (all its threads), and whether it could be read: on Linux from
// /proc/PID/stat, in units of 10 ms; not on other platforms.
func OfProcess(pid int) (float64, bool) { return ofProcess(pid) }
