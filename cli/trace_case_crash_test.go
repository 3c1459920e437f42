package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// TestKillKeepsAcknowledgedCases opens cases through the API of 'bulwark
// serve' from concurrent clients, kills the server with SIGKILL after a
// number of answers (never after a delay), and checks on the reopened
// store that every case id answered 201 is stored with its seed, that no
// id was answered twice, and that the audit chain is intact: an id is
// answered only once its case and audit entry are committed.
func TestKillKeepsAcknowledgedCases(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	s := startServer(t, bin, data, "--rate-limit", "-1", "--lists-refresh", "0")
	if s.token == "" {
		t.Fatalf("first start printed no admin token:\n%s", s.stderr)
	}
	const workers, enough = 4, 60
	var (
		mu      sync.Mutex
		acked   = map[int64]string{} // id → seed
		bad     []string
		wg      sync.WaitGroup
		done    = make(chan struct{})
		doneOne sync.Once
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				seed := fmt.Sprintf("0x%08x%032x", w+1, i+1)
				status, b, ok := postUntilKilled(client, s.url+"/api/v1/trace/cases", s.token, `{"seeds":["`+seed+`"],"title":"crash"}`)
				if !ok {
					return
				}
				var out struct {
					Case struct {
						ID    int64    `json:"id"`
						Seeds []string `json:"seeds"`
					} `json:"case"`
				}
				mu.Lock()
				switch {
				case status != http.StatusCreated || json.Unmarshal(b, &out) != nil || out.Case.ID < 1:
					bad = append(bad, fmt.Sprintf("%d %.300s", status, b))
				case acked[out.Case.ID] != "":
					bad = append(bad, fmt.Sprintf("case id %d answered twice", out.Case.ID))
				default:
					acked[out.Case.ID] = strings.ToLower(out.Case.Seeds[0])
				}
				n := len(acked)
				mu.Unlock()
				if n >= enough {
					doneOne.Do(func() { close(done) })
				}
			}
		}()
	}
	select {
	case <-done:
	case err := <-s.done:
		t.Fatalf("serve exited under load: %v\n%s", err, s.stderr)
	case <-time.After(2 * time.Minute):
		t.Fatalf("fewer than %d cases opened in 2 minutes", enough)
	}
	if err := s.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	<-s.done
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d answers were not a new case, first: %s", len(bad), bad[0])
	}

	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	for id, seed := range acked {
		c, err := db.Case(ctx, id)
		if err != nil || strings.ToLower(c.Seeds[0]) != seed {
			t.Errorf("acknowledged case %d (seed %s) after kill -9: %+v, %v", id, seed, c, err)
		}
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() {
		t.Fatalf("audit after kill -9: %+v, %v", rep, err)
	}
	t.Logf("%d cases acknowledged before the kill, all stored; audit intact (%d entries)", len(acked), rep.Entries)
}
