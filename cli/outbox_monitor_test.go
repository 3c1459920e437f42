package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// TestServeMonitorSlowReceiver runs 'bulwark serve --rpc --webhook' with a
// receiver that takes the first alert's POST and does not answer: the
// monitor goes on and stores the alerts of every later block (the watcher
// reached the last block while the receiver still hangs, nothing
// accepted), /metrics and 'bulwark alerts pending' show them undelivered;
// once the receiver answers, every alert is accepted exactly once and
// recorded delivered.
func TestServeMonitorSlowReceiver(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	hook := newCrashReceiver(t)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(outboxHelperSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &monitorServer{t: t, bin: bin, chain: chain, data: smallDataDir(t)}
	m.restart("--webhook", hook.URL+"/hook", "--webhook-secret-file", secretFile, "--metrics-public", "--lists-refresh", "0")
	if m.token = m.srv.token; m.token == "" {
		t.Fatalf("no admin token printed:\n%s", m.srv.stderr)
	}
	m.watch(1, s.Address.Hex())

	// The first change: its alerts are stored, the first POST hangs.
	s.MustExec(t, s.ChangeThresholdTx(t, 3), safetest.EIP712, owners...)
	select {
	case <-hook.got:
	case <-time.After(30 * time.Second):
		t.Fatalf("no POST reached the receiver\n%s", m.srv.stderr)
	}
	// More changes, one block each, while the receiver hangs.
	var last uint64
	for i := range 3 {
		last = s.MustExec(t, s.ChangeThresholdTx(t, 2+i%2), safetest.EIP712, owners...).Block()
	}
	// Both alerts of the last block stored: no more are coming.
	m.waitFor(fmt.Sprintf("the alerts of block %d while the receiver hangs", last), func() bool {
		codes := map[string]bool{}
		for _, a := range m.alerts() {
			if a.Block == last {
				codes[a.Code] = true
			}
		}
		return codes[policy.CodeThresholdChange] && codes[watch.CodeUnverifiedExecution]
	})
	stored := m.alerts()
	if _, accepted, _ := hook.counts(); len(accepted) != 0 {
		t.Fatalf("the receiver accepted %v while it hung", accepted)
	}
	if len(stored) != 8 {
		t.Fatalf("%d alerts stored, want a THRESHOLD_CHANGE and an UNVERIFIED_EXECUTION for each of 4 blocks: %+v", len(stored), stored)
	}
	code, metrics := request(t, "GET", m.srv.url+"/metrics", "", "")
	if code != http.StatusOK || !strings.Contains(metrics, "\nbulwark_alerts_undelivered ") {
		t.Errorf("/metrics: %d, no bulwark_alerts_undelivered", code)
	}
	var undelivered float64
	for _, line := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(line, "bulwark_alerts_undelivered "); ok {
			fmt.Sscan(v, &undelivered)
		}
	}
	if int(undelivered) != len(stored) {
		t.Errorf("bulwark_alerts_undelivered %v, want %d", undelivered, len(stored))
	}
	ec, out, errOut := runBin(t, bin, "alerts", "pending", "--data-dir", m.data, "--json")
	var pending []outbox.Message
	if err := json.Unmarshal([]byte(out), &pending); ec != 0 || err != nil || len(pending) != len(stored) || pending[0].Kind != watch.AlertKind || pending[0].Ref != stored[0].ID {
		t.Errorf("alerts pending: exit %d, %v, %d listed, want %d\n%s%s", ec, err, len(pending), len(stored), out, errOut)
	}

	hook.open()
	m.waitFor("every alert delivered", func() bool {
		for _, a := range m.alerts() {
			if a.Delivery.DeliveredAt == nil {
				return false
			}
		}
		return true
	})
	all := m.alerts()
	m.stop()
	received, accepted, bad := hook.counts()
	if len(bad) > 0 {
		t.Errorf("requests that do not verify: %v", bad)
	}
	for _, a := range all {
		if key := fmt.Sprintf("safe.alert:%d", a.ID); accepted[key] != 1 {
			t.Errorf("%s accepted %d times (received %d), want once", key, accepted[key], received[key])
		}
	}
	if len(accepted) != len(all) {
		t.Errorf("accepted %d alerts, want %d", len(accepted), len(all))
	}
}
