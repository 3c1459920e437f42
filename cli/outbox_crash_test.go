package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/webhook"
)

// Environment of TestHelperAlertProducer; without outboxHelperStore it does
// nothing.
const (
	outboxHelperStore  = "BULWARK_OUTBOX_HELPER_STORE"
	outboxHelperHook   = "BULWARK_OUTBOX_HELPER_WEBHOOK"
	outboxHelperSecret = "outbox-crash-secret-0123456789"
	outboxHelperAlerts = 20
)

// TestHelperAlertProducer is not a test: TestKilledBeforeDeliveryDelivers
// runs this test binary again with only this test selected. It records
// Safe alerts as the serve monitor does — the watch.Recorder (alert, audit
// entry and outbox message in one transaction) with the webhook delivery
// of serve running — printing "committed N" after each commit, then waits
// to be killed.
func TestHelperAlertProducer(t *testing.T) {
	path := os.Getenv(outboxHelperStore)
	if path == "" {
		t.Skip("helper process for TestKilledBeforeDeliveryDelivers")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	m := &Main{Stderr: os.Stderr, logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	n, err := webhook.New(webhook.Options{URL: os.Getenv(outboxHelperHook), Secret: []byte(outboxHelperSecret)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(2)
	}
	deliver := m.startAlertDelivery(ctx, db, n, watch.AlertKind)
	rec := &watch.Recorder{Store: db, Log: &audit.Log{Store: db}, Actor: "system:monitor", Node: "http://127.0.0.1:8545", Stored: deliver.Wake}
	for i := 1; i <= outboxHelperAlerts; i++ {
		a := watch.Alert{Block: uint64(1000 + i), BlockHash: fmt.Sprintf("0x%064x", i), Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4",
			Code: policy.CodeThresholdChange, Severity: policy.SeverityHigh, Message: fmt.Sprintf("threshold changed (%d)", i), Kind: onchain.ChangeThreshold,
			Before: fmt.Sprint(i), After: fmt.Sprint(i + 1)}
		if err := rec.Record(ctx, a); err != nil {
			fmt.Fprintln(os.Stderr, "record:", err)
			os.Exit(3)
		}
		fmt.Printf("committed %d\n", i)
	}
	time.Sleep(60 * time.Second) // killed long before; never outlive a parent that died
	os.Exit(4)
}

// crashReceiver is a webhook receiver that, while held, takes requests
// and does not answer them; once open it accepts each (HTTP 200), the held
// ones still waiting included. It
// counts, per payload type:id, the requests received and those accepted.
type crashReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	held     bool
	release  chan struct{}
	received map[string]int
	accepted map[string]int
	bad      []string
	got      chan string // each request's type:id as it arrives
}

func newCrashReceiver(t *testing.T) *crashReceiver {
	rc := &crashReceiver{held: true, release: make(chan struct{}), received: map[string]int{}, accepted: map[string]int{}, got: make(chan string, 1000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhook.VerifyRequest(r, []byte(outboxHelperSecret), webhook.DefaultMaxAge, 1<<20)
		var p struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		}
		if err == nil {
			err = json.Unmarshal(body, &p)
		}
		key := fmt.Sprintf("%s:%d", p.Type, p.ID)
		rc.mu.Lock()
		if err != nil {
			rc.bad = append(rc.bad, err.Error())
			rc.mu.Unlock()
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		rc.received[key]++
		held := rc.held
		rc.mu.Unlock()
		rc.got <- key
		if held {
			select {
			case <-r.Context().Done(): // the sender gave up or was killed: never answered
				return
			case <-rc.release:
			}
		}
		rc.mu.Lock()
		rc.accepted[key]++
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

// open answers the held requests and every later one.
func (rc *crashReceiver) open() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.held {
		rc.held = false
		close(rc.release)
	}
}

func (rc *crashReceiver) counts() (received, accepted map[string]int, bad []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	cp := func(m map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return cp(rc.received), cp(rc.accepted), append([]string(nil), rc.bad...)
}

// TestKilledBeforeDeliveryDelivers kills (SIGKILL) a process that has
// committed Safe alerts and not delivered them — the first one's POST in
// flight to a receiver that does not answer, the others waiting behind it —
// then starts 'bulwark serve --webhook' on the same store: it delivers
// every alert, each accepted by the receiver exactly once, and records
// each delivered once, at its first recorded attempt (the killed attempt
// was never answered, so it is not one).
func TestKilledBeforeDeliveryDelivers(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := t.TempDir()
	hook := newCrashReceiver(t)

	child := exec.Command(os.Args[0], "-test.run=^TestHelperAlertProducer$", "-test.count=1")
	child.Env = append(os.Environ(), outboxHelperStore+"="+filepath.Join(data, "bulwark.db"), outboxHelperHook+"="+hook.URL+"/hook")
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	committed := 0
	sc := bufio.NewScanner(stdout)
	for committed < outboxHelperAlerts && sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "committed %d", &committed); err != nil {
			t.Fatalf("helper printed %q", sc.Text())
		}
	}
	if committed != outboxHelperAlerts {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("helper committed %d alerts, want %d\n%s", committed, outboxHelperAlerts, stderr.String())
	}
	// A delivery is in flight (the receiver holds it): kill now.
	first := <-hook.got
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()

	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := db.Alerts(ctx, watch.AlertFilter{Limit: 1000})
	if err != nil || len(alerts) != outboxHelperAlerts {
		t.Fatalf("after the kill: %d alerts stored, %v", len(alerts), err)
	}
	if st, err := db.OutboxStats(ctx, nil); err != nil || st.Pending != outboxHelperAlerts || st.Retrying != 0 {
		t.Fatalf("after the kill: outbox %+v, %v; want every alert pending, none attempted", st, err)
	}
	db.Close()
	received, _, _ := hook.counts()
	if len(received) != 1 || received[first] != 1 || first != fmt.Sprintf("safe.alert:%d", alerts[0].ID) {
		t.Fatalf("before the kill the receiver got %v, want only the first alert's POST", received)
	}

	// Restart: serve (no --rpc) delivers what the killed process left.
	hook.open()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(outboxHelperSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, bin, data, "--lists-refresh", "0", "--webhook", hook.URL+"/hook", "--webhook-secret-file", secretFile)
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, accepted, _ := hook.counts()
		if len(accepted) == outboxHelperAlerts {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart the receiver accepted %d alerts, want %d\n%s", len(accepted), outboxHelperAlerts, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d\n%s", code, s.stderr)
	}

	received, accepted, bad := hook.counts()
	if len(bad) > 0 {
		t.Errorf("requests that do not verify: %v", bad)
	}
	for _, a := range alerts {
		key := fmt.Sprintf("safe.alert:%d", a.ID)
		want := 1
		if key == first {
			want = 2 // the held POST, never answered, then the delivery
		}
		if accepted[key] != 1 || received[key] != want {
			t.Errorf("%s: accepted %d times, received %d; want accepted once, received %d", key, accepted[key], received[key], want)
		}
	}
	if len(accepted) != outboxHelperAlerts {
		t.Errorf("accepted %v, want the %d alerts only", accepted, outboxHelperAlerts)
	}
	db, err = sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	alerts, err = db.Alerts(ctx, watch.AlertFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		if a.Delivery.DeliveredAt == nil || a.Delivery.Attempts != 1 || a.Delivery.LastError != "" {
			t.Errorf("alert %d delivery %+v, want delivered at its first recorded attempt", a.ID, a.Delivery)
		}
	}
	if ms, err := db.Undelivered(ctx, outbox.Filter{Limit: 10}); err != nil || len(ms) != 0 {
		t.Errorf("still undelivered: %+v, %v", ms, err)
	}
}
