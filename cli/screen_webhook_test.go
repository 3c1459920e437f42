package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/webhook"
)

// sdnRow is one row of an OFAC sdn.csv: a sanctioned individual.
func sdnRow(uid, name string) string {
	return uid + `,"` + name + `","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ` + "\n"
}

// TestServeScreeningWebhook runs 'bulwark serve --webhook' without --rpc:
// a name watch added through the API matches a person newly listed by a
// 'bulwark lists update' made by the CLI (which has no webhook) while the
// server runs, and the server delivers the CLI's alert once — signed, typed
// "screening.alert", naming the watch — and records the delivery; an alert
// stored while the server was down is delivered when it starts again.
func TestServeScreeningWebhook(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := t.TempDir()
	const secret = "screening-webhook-secret-0123456789"
	hook := newHookReceiver(t, secret)
	secretFile := filepath.Join(t.TempDir(), "webhook.secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--lists-refresh", "0", "--webhook", hook.URL + "/screening", "--webhook-secret-file", secretFile}
	s := startServer(t, bin, data, flags...)
	token := s.token
	if token == "" {
		t.Fatalf("no admin token printed:\n%s", s.stderr)
	}
	addWatch := func(name, subject string) int64 {
		t.Helper()
		code, body := request(t, "POST", s.url+"/api/v1/screen/watches", token,
			`{"kind":"name","name":"`+name+`","type":"person","subject":"`+subject+`"}`)
		var got struct{ Watch screening.Watch }
		if err := json.Unmarshal([]byte(body), &got); code != http.StatusCreated || err != nil || got.Watch.ID == 0 {
			t.Fatalf("POST watches: %d %s", code, body)
		}
		return got.Watch.ID
	}
	first := addWatch("Ingrid Solveig Grimsdottir", "customer-42")
	second := addWatch("Tobias Emeka Okonkwo", "customer-43")

	alerts := func() []screening.Alert {
		t.Helper()
		code, body := request(t, "GET", s.url+"/api/v1/screen/alerts?limit=100", token, "")
		var page struct{ Alerts []screening.Alert }
		if err := json.Unmarshal([]byte(body), &page); code != http.StatusOK || err != nil {
			t.Fatalf("GET alerts: %d %s", code, body)
		}
		return page.Alerts
	}
	waitDelivered := func(n int) []screening.Alert {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			as := alerts()
			done := len(as) >= n
			for _, a := range as {
				done = done && a.Delivery.DeliveredAt != nil
			}
			if done {
				return as
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %d delivered alerts: %+v\n%s", n, as, s.stderr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	checkPosted := func(r hookRequest, a screening.Alert, watch int64, entity string) {
		t.Helper()
		if r.err != nil || r.path != "/screening" {
			t.Fatalf("POST %s does not verify: %v", r.path, r.err)
		}
		var p struct {
			Type  string
			ID    int64
			Alert map[string]json.RawMessage
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
		if p.Type != webhook.TypeScreeningAlert || p.ID != a.ID || string(p.Alert["watchId"]) != jsonInt(watch) ||
			string(p.Alert["decisionId"]) != `"`+a.DecisionID+`"` || !strings.Contains(string(p.Alert["result"]), `"entityId":"`+entity+`"`) {
			t.Errorf("posted %s, want the screening alert %d of watch %d matching %s", r.body, a.ID, watch, entity)
		}
		if _, ok := p.Alert["delivery"]; ok {
			t.Errorf("the posted alert carries its delivery state: %s", r.body)
		}
	}

	// The CLI lists a person watched: it stores the alert, the server
	// (reloading the change) delivers it.
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "sdn.csv"), []byte(sdnRow("99001", "GRIMSDOTTIR, Ingrid Solveig")), 0o600)
	if code, out, errOut := runBin(t, bin, "lists", "update", "--data-dir", data, "--force", "--from", src); code != 0 {
		t.Fatalf("lists update: %d %s %s", code, out, errOut)
	}
	as := waitDelivered(1)
	if len(as) != 1 || as[0].WatchID != first || as[0].Subject != "customer-42" || as[0].Delivery.Attempts != 1 || as[0].Delivery.LastError != "" {
		t.Fatalf("alerts %+v, want one for watch %d, delivered at the first attempt", as, first)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d\n%s", code, s.stderr)
	}
	got := hook.received(t)
	if len(got) != 1 {
		t.Fatalf("the receiver got %d POSTs, want 1: %+v", len(got), got)
	}
	checkPosted(got[0], as[0], first, "ofac-sdn:99001")

	// Listed while the server is down: delivered when it starts.
	os.WriteFile(filepath.Join(src, "sdn.csv"), []byte(sdnRow("99001", "GRIMSDOTTIR, Ingrid Solveig")+sdnRow("99002", "OKONKWO, Tobias Emeka")), 0o600)
	if code, out, errOut := runBin(t, bin, "lists", "update", "--data-dir", data, "--force", "--from", src); code != 0 {
		t.Fatalf("lists update: %d %s %s", code, out, errOut)
	}
	s = startServer(t, bin, data, flags...)
	as = waitDelivered(2)
	if len(as) != 2 || as[1].WatchID != second || as[1].Delivery.Attempts != 1 || as[0].Delivery.Attempts != 1 {
		t.Fatalf("alerts %+v, want a second one for watch %d", as, second)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d\n%s", code, s.stderr)
	}
	got = hook.received(t)
	if len(got) != 2 {
		t.Fatalf("the receiver got %d POSTs, want 2: %+v", len(got), got)
	}
	checkPosted(got[1], as[1], second, "ofac-sdn:99002")
	if strings.Contains(s.stderr.String(), secret) {
		t.Errorf("the webhook secret was logged:\n%s", s.stderr)
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
