//go:build linux

package cputime

import (
	"bytes"
	"os"
	"strconv"
)

// clockTicks is the unit of /proc/PID/stat's times (USER_HZ, 100 on every
// Linux architecture Go supports).
const clockTicks = 100

func ofProcess(pid int) (float64, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	return parseStat(data)
}

// parseStat reads utime and stime (fields 14 and 15) from the text of
// /proc/PID/stat; the command name (field 2) is in parentheses and may
// hold spaces, so the fields are counted from its closing parenthesis.
func parseStat(data []byte) (float64, bool) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(data[i+1:])
	// f[0] is field 3 (state): utime is f[11], stime f[12].
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	s, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+s) / clockTicks, true
}
