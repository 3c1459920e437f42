package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// journalHelperEnv names the store the journal helper process appends to
// (and journalHelperModeEnv its mode: "sync" or "fsync"); without it the
// helper test does nothing.
const (
	journalHelperEnv     = "BULWARK_SQLITE_JOURNAL_CRASH_HELPER_STORE"
	journalHelperModeEnv = "BULWARK_SQLITE_JOURNAL_CRASH_HELPER_MODE"
)

// TestHelperJournalProcess is not a test: TestJournalKillAfterRotation runs
// this test binary again with only this test selected. It appends
// decisions to the decision journal of a store with 16 KiB segments (a
// rotation every few dozen appends) from 4 goroutines as a server does:
// in "sync" mode each with TryAppend (Append without sync when it
// declines), in "fsync" mode each with Append and sync. After each append
// returns it prints "acked ID", and "rotated SEG" when the journal moved to
// a new segment, until it is killed.
func TestHelperJournalProcess(t *testing.T) {
	path := os.Getenv(journalHelperEnv)
	if path == "" {
		t.Skip("helper process for TestJournalKillAfterRotation")
	}
	fsync := os.Getenv(journalHelperModeEnv) == "fsync"
	ctx := context.Background()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	db.journalSegmentBytes = 16 << 10
	jr, err := db.DecisionJournal(ctx)
	if err != nil || jr == nil {
		fmt.Fprintln(os.Stderr, "journal:", jr, err)
		os.Exit(2)
	}
	j := db.activeJournal()
	deadline := time.Now().Add(30 * time.Second) // never outlive a parent that died
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				recs := journalRecs(fmt.Sprintf("%d-%d-%d", os.Getpid(), w, i), 1)
				recs[0].Body = []byte(fmt.Sprintf(`{"decisionId":%q,"pad":%q}`, recs[0].Decision.ID, strings.Repeat("x", 400+i%200)))
				j.mu.Lock()
				seg := j.seg
				j.mu.Unlock()
				var err error
				if fsync {
					err = jr.Append(ctx, recs, true)
				} else if ok, terr := jr.(screening.DirectJournal).TryAppend(recs); terr != nil || !ok {
					err = jr.Append(ctx, recs, false)
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "append:", err)
					os.Exit(3)
				}
				line := "acked " + recs[0].Decision.ID + "\n"
				j.mu.Lock()
				if j.seg != seg {
					line += "rotated " + strconv.FormatInt(j.seg, 10) + "\n"
				}
				j.mu.Unlock()
				// One write(2) per line: the parent never sees two mixed.
				if _, err := os.Stdout.WriteString(line); err != nil {
					os.Exit(4)
				}
			}
		}()
	}
	time.Sleep(time.Until(deadline))
	os.Exit(5)
}

// TestJournalKillAfterRotation kills (SIGKILL) a process appending
// decisions to the journal right after a rotation (the segment let go
// not yet synced: the syncer does that at its next tick), several times
// over on the same store, in the default mode and with sync, and checks
// after each kill that every decision the process acknowledged is stored
// once the store is reopened.
func TestJournalKillAfterRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	t.Parallel()
	for _, mode := range []string{"sync", "fsync"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "bulwark.db")
			ctx := context.Background()
			var all []string
			for round := range 3 {
				// Kill after the 2nd, 3rd, 4th rotation of this process.
				acked := runJournalHelper(t, path, mode, round+2)
				all = append(all, acked...)
				db, err := Open(ctx, path, Options{})
				if err != nil {
					t.Fatalf("round %d: reopening after SIGKILL: %v", round, err)
				}
				var missing []string
				for _, id := range all {
					if _, err := db.Decision(ctx, id); err != nil {
						missing = append(missing, id+": "+err.Error())
					}
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				if len(missing) > 0 {
					t.Fatalf("round %d: %d of %d acknowledged decisions lost, first: %s", round, len(missing), len(all), missing[0])
				}
				t.Logf("round %d: killed after %d acknowledged appends, all stored", round, len(acked))
			}
		})
	}
}

// runJournalHelper starts the helper on path in mode, kills it as soon as
// it reports its rotations-th rotation, and returns every decision id it
// acknowledged (lines written up to the kill included).
func runJournalHelper(t *testing.T, path, mode string, rotations int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperJournalProcess$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), journalHelperEnv+"="+path, journalHelperModeEnv+"="+mode)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	seen, killed := 0, false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked = append(acked, id)
		} else if strings.HasPrefix(sc.Text(), "rotated ") {
			if seen++; seen == rotations && !killed {
				if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
					t.Fatal(err)
				}
				killed = true
			}
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the helper ended before %d rotations: %v\n%s", rotations, err, stderr.String())
	}
	return acked
}
