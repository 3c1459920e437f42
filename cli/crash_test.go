package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// screenLoad sends address screenings from workers goroutines until the
// server stops answering, and collects the decision ids answered 200 with
// "stored": true. acked is closed once at least enough ids were collected.
type screenLoad struct {
	mu      sync.Mutex
	ids     []string
	bad     []string // answers that are not a stored decision
	enough  int
	acked   chan struct{}
	ackOnce sync.Once
	wg      sync.WaitGroup
}

func startScreenLoad(url, token string, workers, enough int, round int) *screenLoad {
	l := &screenLoad{enough: enough, acked: make(chan struct{})}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				// Every fifth request is a small batch, so decisions of
				// different sizes share the group commits.
				body := fmt.Sprintf(`{"address":"0x%08x%08x%024x","subject":"crash-%d"}`, round, w, i, round)
				if i%5 == 4 {
					body = fmt.Sprintf(`{"addresses":["0x%08x%08x%024x","0x%08x%08x%024x"]}`, round, w, i, round, w+1000, i)
				}
				status, b, ok := postUntilKilled(client, url+"/api/v1/screen/address", token, body)
				if !ok {
					return
				}
				var d struct {
					ID     string `json:"decisionId"`
					Stored *bool  `json:"stored"`
				}
				l.mu.Lock()
				if status != http.StatusOK || json.Unmarshal(b, &d) != nil || d.ID == "" || d.Stored == nil || !*d.Stored {
					l.bad = append(l.bad, fmt.Sprintf("%d %.300s", status, b))
				} else {
					l.ids = append(l.ids, d.ID)
				}
				n := len(l.ids)
				l.mu.Unlock()
				if n >= l.enough {
					l.ackOnce.Do(func() { close(l.acked) })
				}
			}
		}()
	}
	return l
}

// TestKillUnderLoadKeepsAcknowledgedDecisions runs 'bulwark serve' with the
// default recording (appended to the decision journal, synced to disk in
// the background) and with --decisions fsync, screens addresses from
// several concurrent clients, kills the server with SIGKILL in the middle
// of the load (after a number of answers, never after a delay), and checks,
// on the store reopened (which stores what the journal still holds), that every decision id the server answered is
// stored and that the audit chain is intact. Rounds on the same store: each
// restart recovers after a kill.
func TestKillUnderLoadKeepsAcknowledgedDecisions(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	for _, mode := range []struct {
		name   string
		args   []string
		rounds int
	}{
		{"default", nil, 3},
		{"fsync", []string{"--decisions", "fsync"}, 2},
	} {
		t.Run(mode.name, func(t *testing.T) {
			killUnderLoad(t, bin, mode.rounds, mode.args...)
		})
	}
}

func killUnderLoad(t *testing.T, bin string, rounds int, args ...string) {
	data := filepath.Join(t.TempDir(), "data")
	token := ""
	var all []string
	for round := range rounds {
		s := startServer(t, bin, data, append([]string{"--rate-limit", "-1"}, args...)...)
		if round == 0 {
			token = s.token
			if token == "" {
				t.Fatalf("first start printed no admin token:\n%s", s.stderr)
			}
		}
		l := startScreenLoad(s.url, token, 8, 150*(round+1), round)
		select {
		case <-l.acked:
		case err := <-s.done:
			t.Fatalf("round %d: serve exited under load: %v\n%s", round, err, s.stderr)
		case <-time.After(2 * time.Minute):
			t.Fatalf("round %d: fewer than %d decisions answered in 2 minutes", round, l.enough)
		}
		if err := s.cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		<-s.done
		l.wg.Wait()
		if len(l.bad) > 0 {
			t.Fatalf("round %d: %d answers were not stored decisions, first: %s", round, len(l.bad), l.bad[0])
		}
		all = append(all, l.ids...)

		ctx := context.Background()
		db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		var missing []string
		for _, id := range all {
			if _, err := db.Decision(ctx, id); err != nil {
				missing = append(missing, id+": "+err.Error())
			}
		}
		rep, err := audit.Verify(ctx, db, nil)
		if cerr := db.Close(); cerr != nil {
			t.Fatal(cerr)
		}
		if err != nil {
			t.Fatalf("round %d: verify: %v", round, err)
		}
		if len(missing) > 0 {
			t.Fatalf("round %d: %d of %d acknowledged decisions lost after kill -9, first: %s", round, len(missing), len(all), missing[0])
		}
		if !rep.Intact() {
			t.Fatalf("round %d: audit chain broken after kill -9: %+v", round, rep.Broken)
		}
		t.Logf("round %d: %d decisions acknowledged before the kill, all stored; audit intact (%d entries)", round, len(l.ids), rep.Entries)
	}
	code, stdout, stderr := runBin(t, bin, "audit", "verify", "--data-dir", data)
	if code != 0 || !strings.Contains(stdout, "intact") {
		t.Fatalf("audit verify after the kills: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestAsyncDecisionsAreMarkedNotStored: with --decisions async the answer
// does not wait for the commit and says so.
func TestAsyncDecisionsAreMarkedNotStored(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, `"stored":true`},
		{[]string{"--decisions", "async"}, `"stored":false`},
	} {
		data := filepath.Join(t.TempDir(), "data")
		s := startServer(t, bin, data, tc.args...)
		code, body := request(t, "POST", s.url+"/api/v1/screen/address", s.token, `{"address":"0x00000000000000000000000000000000000000aa"}`)
		if code != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("serve %v: %d %.300s, want %s", tc.args, code, body, tc.want)
		}
		var d struct {
			ID string `json:"decisionId"`
		}
		_ = json.Unmarshal([]byte(body), &d)
		if code := s.stop(t); code != 0 {
			t.Fatalf("serve exited %d", code)
		}
		// Stopped gracefully: stored either way, and the stored body
		// does not carry the answer's mark.
		ctx := context.Background()
		db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sd, err := db.Decision(ctx, d.ID)
		_ = db.Close()
		if err != nil {
			t.Fatalf("serve %v: decision %q not stored after a graceful stop: %v", tc.args, d.ID, err)
		}
		if strings.Contains(string(sd.Body), `"stored"`) {
			t.Errorf("serve %v: the stored body carries the answer's mark: %.300s", tc.args, sd.Body)
		}
	}
}

// TestDecisionsModes: each --decisions mode answers as documented, and the
// store's shutdown line shows how its decision batches were made durable:
// appended to the decision journal without an fsync each by default and
// with async (covered by the syncer), each with an fsync with fsync; and
// all of them stored in the database by the journal's loader.
func TestDecisionsModes(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	for _, tc := range []struct {
		args         []string
		stored       string
		withoutFsync bool
	}{
		{nil, `"stored":true`, true},
		{[]string{"--decisions", "sync", "--decisions-fsync-interval", "1h"}, `"stored":true`, true},
		{[]string{"--decisions", "fsync"}, `"stored":true`, false},
		{[]string{"--decisions", "async"}, `"stored":false`, true},
	} {
		t.Run(strings.Join(append([]string{"mode"}, tc.args...), " "), func(t *testing.T) {
			s := startServer(t, bin, filepath.Join(t.TempDir(), "data"), tc.args...)
			for i := range 3 {
				code, body := request(t, "POST", s.url+"/api/v1/screen/address", s.token, fmt.Sprintf(`{"address":"0x%040x"}`, i+1))
				if code != http.StatusOK || !strings.Contains(strings.ReplaceAll(body, " ", ""), tc.stored) {
					t.Fatalf("screen: %d %s, want 200 with %s", code, body, tc.stored)
				}
			}
			if code := s.stop(t); code != 0 {
				t.Fatalf("serve exited %d:\n%s", code, s.stderr)
			}
			m := regexp.MustCompile(`commits=[1-9]\d* .*walSyncFailures=0 .*journalAppends=([1-9]\d*) journalAppendsWithoutFsync=(\d+) journalStored=3 journalLoads=[1-9]\d* journalLoadFailures=0`).FindStringSubmatch(s.stderr.String())
			if m == nil {
				t.Fatalf("no store shutdown line with commits, journal appends, 3 decisions stored and no failure:\n%s", s.stderr)
			}
			if tc.withoutFsync && m[2] == "0" {
				t.Errorf("no journal append without fsync, want the decision batches: %s", m[0])
			}
			if !tc.withoutFsync && m[2] != "0" {
				t.Errorf("%s journal appends without fsync, want none with --decisions fsync: %s", m[2], m[0])
			}
		})
	}
}

// postUntilKilled posts body (JSON) to url with token and returns the
// answer's status and body; ok is false when the server was gone or was
// killed before the answer was read in full (not acknowledged).
func postUntilKilled(client *http.Client, url, token, body string) (status int, b []byte, ok bool) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, false // the server is gone
	}
	defer resp.Body.Close()
	if b, err = io.ReadAll(resp.Body); err != nil {
		return 0, nil, false // killed while answering: not acknowledged
	}
	return resp.StatusCode, b, true
}
