package browser

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on
// Linux everywhere in practice).
const clockTick = 10 * time.Millisecond

// CPUTime returns the CPU time (user + system) Chromium's processes have
// used so far: the browser process and every process under it (renderers,
// the GPU and utility processes, and those of them that have exited),
// read from /proc (Linux only). The
// difference across a step is what the step cost the browser, whatever
// else the machine was doing.
func (b *Browser) CPUTime() (time.Duration, error) {
	c := chromedp.FromContext(b.ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return 0, errors.New("browser: no browser process")
	}
	return treeCPU(c.Browser.Process().Pid)
}

// treeCPU sums the CPU time of root and its descendants.
func treeCPU(root int) (time.Duration, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	parent := map[int]int{}
	ticks := map[int]int64{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid … utime stime cutime cstime are fields 4
		// and 14 to 17; comm may hold spaces and parentheses, so count
		// from the last ')'. cutime and cstime hold the children that
		// exited and were waited for (a closed tab's renderer): without
		// them the sum would drop when one goes.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 15 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		cut, _ := strconv.ParseInt(f[13], 10, 64)
		cst, _ := strconv.ParseInt(f[14], 10, 64)
		parent[pid], ticks[pid] = ppid, ut+st+cut+cst
	}
	if _, ok := ticks[root]; !ok {
		return 0, errors.New("browser: the browser process is not in /proc")
	}
	var sum int64
	for pid, t := range ticks {
		for p := pid; p > 0; p = parent[p] {
			if p == root {
				sum += t
				break
			}
			if _, ok := parent[p]; !ok {
				break
			}
		}
	}
	return time.Duration(sum) * clockTick, nil
}
