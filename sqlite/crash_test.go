package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// helperEnv names the store the helper process writes to; without it the
// helper test does nothing.
const helperEnv = "BULWARK_SQLITE_CRASH_HELPER_STORE"

// helperWriters is how many goroutines of the helper append at once, so
// that group commit forms batches of several appends per transaction.
const helperWriters = 8

// TestHelperWriterProcess is not a test: TestCrashSafety runs this test
// binary again with only this test selected, and it appends audit entries
// from helperWriters goroutines as fast as it can, each printing
// "committed SEQ" after its AppendAudit returns, until it is killed. Now
// and then it prints "stats APPENDS COMMITS" from (*DB).Stats.
func TestHelperWriterProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	log := &audit.Log{Store: db}
	deadline := time.Now().Add(30 * time.Second) // never outlive a parent that died
	for w := range helperWriters {
		go func() {
			for i := 0; ; i++ {
				e, err := log.Record(ctx, audit.Event{
					Actor:   "system",
					Action:  "crash.test",
					Target:  strconv.Itoa(os.Getpid()) + "/" + strconv.Itoa(w),
					Details: map[string]any{"i": i, "pad": strings.Repeat("x", (i*helperWriters+w)%300)},
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "record:", err)
					os.Exit(3)
				}
				// One write(2) per line, and os.File serialises writes:
				// the parent never sees half a line or two mixed.
				line := "committed " + strconv.FormatInt(e.Seq, 10) + "\n"
				if w == 0 && i%50 == 0 {
					st := db.Stats()
					line += "stats " + strconv.FormatInt(st.Appends, 10) + " " + strconv.FormatInt(st.Commits, 10) + "\n"
				}
				if _, err := os.Stdout.WriteString(line); err != nil {
					os.Exit(4)
				}
			}
		}()
	}
	time.Sleep(time.Until(deadline))
	os.Exit(5)
}

// TestCrashSafety kills a writing process with SIGKILL in the middle of its
// appends, several times over, and checks after each kill that the store
// opens, the chain is intact and every entry the process reported
// committed is there. The process appends from several goroutines, so it
// is killed in the middle of group commits of several appends.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	path := filepath.Join(t.TempDir(), "bulwark.db")
	ctx := context.Background()
	var total int64
	start := time.Now()
	for round := range 5 {
		// Vary where the kill lands: after more or fewer commits, and
		// right after a report or some way into the next transactions.
		killAfter := 300 + 137*round
		delay := time.Duration(round) * 350 * time.Microsecond
		committed, stats, status := runAndKill(t, path, killAfter, delay)
		if len(committed) < killAfter {
			t.Fatalf("round %d: child reported only %d commits (%s)", round, len(committed), status)
		}
		db, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatalf("round %d: reopening after SIGKILL: %v", round, err)
		}
		rep, err := audit.Verify(ctx, db, nil)
		if err != nil {
			t.Fatalf("round %d: Verify: %v", round, err)
		}
		if !rep.Intact() {
			t.Fatalf("round %d: chain broken at %d after SIGKILL: %s", round, rep.Broken.Seq, rep.Broken.Reason)
		}
		last := slices.Max(committed) // the goroutines report out of order
		if rep.Head.Seq < last {
			t.Fatalf("round %d: child reported seq %d committed, store's head is %d", round, last, rep.Head.Seq)
		}
		// Verify already proved 1..head present and linked; check the
		// reported ones explicitly too.
		entries, err := db.AuditEntries(ctx, total, int(rep.Head.Seq-total)+10)
		if err != nil {
			t.Fatal(err)
		}
		present := map[int64]bool{}
		for _, e := range entries {
			present[e.Seq] = true
		}
		for _, seq := range committed {
			if seq <= total {
				t.Fatalf("round %d: child reported seq %d committed, but the previous round had ended at %d", round, seq, total)
			}
			if !present[seq] {
				t.Fatalf("round %d: committed seq %d is missing after SIGKILL", round, seq)
			}
		}
		t.Logf("round %d: killed after %d reported appends (%s); head %d, %d entries intact; last stats: %s",
			round, len(committed), status, rep.Head.Seq, rep.Entries, stats)
		total = rep.Head.Seq
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("5 kills in %v", time.Since(start).Round(time.Millisecond))
}

// runAndKill starts the helper on path, reads its reports until it has
// seen killAfter of them, kills it delay later, and returns every seq it
// reported, including lines written between the kill decision and the kill,
// and the last stats line.
func runAndKill(t *testing.T, path string, killAfter int, delay time.Duration) ([]int64, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriterProcess$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		seqs  []int64
		stats = "none"
	)
	killed := false
	var kill *time.Timer
	killErr := make(chan error, 1)
	defer func() {
		if kill != nil {
			kill.Stop()
		}
	}()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if st, ok := strings.CutPrefix(sc.Text(), "stats "); ok {
			if a, c, ok := strings.Cut(st, " "); ok {
				stats = a + " appends in " + c + " commits"
			}
			continue
		}
		rest, ok := strings.CutPrefix(sc.Text(), "committed ")
		if !ok {
			continue
		}
		seq, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			t.Errorf("bad line from helper: %q", sc.Text())
			continue
		}
		seqs = append(seqs, seq)
		if !killed && len(seqs) >= killAfter {
			// SIGKILL on Unix. The reading goes on meanwhile.
			kill = time.AfterFunc(delay, func() { killErr <- cmd.Process.Kill() })
			killed = true
		}
	}
	if killed {
		if err := <-killErr; err != nil {
			t.Fatalf("kill: %v", err)
		}
	}
	err = cmd.Wait()
	status := fmt.Sprint(err)
	if !killed {
		t.Fatalf("helper ended before it was killed: %v\nstderr: %s", err, stderr.String())
	}
	return seqs, stats, status
}
