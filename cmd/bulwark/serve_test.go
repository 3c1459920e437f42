package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/cli"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// TestDeliveryCheck: serve's degraded readiness check holds while alerts
// are only waiting for their first attempt, and fails, counting them and
// naming neither the receiver nor its error, once one has a failed attempt.
func TestDeliveryCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check := deliveryCheck(outbox.New(db, nil, outbox.Options{}))
	if err := check(ctx); err != nil {
		t.Fatalf("empty outbox: %v", err)
	}
	m, err := db.Enqueue(ctx, "safe.alert", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := check(ctx); err != nil {
		t.Fatalf("one alert not attempted yet: %v", err)
	}
	if err := db.RecordFailure(ctx, m.ID, 1, time.Now().Add(time.Second), "POST https://hooks.example.com: HTTP 503"); err != nil {
		t.Fatal(err)
	}
	err = check(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 alert(s) not delivered") || strings.Contains(err.Error(), "hooks.example.com") {
		t.Fatalf("after a failed attempt: %v", err)
	}
}

// TestQueueCosigner: the queue watch hands its transactions to serve's
// co-signer when serve has one, and to a verifier that never signs
// otherwise; both apply serve's --address-book and screen against the
// screening service's lists.
func TestQueueCosigner(t *testing.T) {
	t.Parallel()
	book, err := policy.NewAddressBook([]policy.AddressEntry{{Address: common.HexToAddress("0x1111111254EEB25477B68fb85Ed929f73A960582"),
		Label: "1inch router v5", Kinds: []policy.EntryKind{policy.KindSpender}}})
	if err != nil {
		t.Fatal(err)
	}
	s := &cli.Serving{ServeSettings: cli.ServeSettings{AddressBook: book}}
	ix := screening.BuildIndex(nil, time.Now())
	screener := policy.IndexScreener(func() *screening.Index { return ix })
	svc := newCosigner(s, nil, nil, nil, nil, nil, 0, screener)
	if !svc.OneCLIApproval {
		t.Error("serve's co-signer counts more than one command-line approval per transaction: one operator on its data directory could approve twice")
	}
	if svc.Policy.AddressBook != book || svc.Policy.Screener != screener {
		t.Fatalf("serve's co-signer's address book %v, screener %v: want --address-book's and the lists'", svc.Policy.AddressBook, svc.Policy.Screener)
	}
	for _, tt := range []struct {
		name     string
		cosigner *cosign.Service
		signs    bool
	}{
		{"with a key", svc, true},
		{"without", nil, false},
	} {
		got, signs := queueCosigner(tt.cosigner, nil, nil, nil, servePolicy(s, screener))
		v, verifies := got.(*queue.VerifyOnly)
		if signs != tt.signs || (tt.signs && got != queue.Cosigner(svc)) || (!tt.signs && (!verifies || v.Policy.AddressBook != book || v.Policy.Screener != screener)) {
			t.Errorf("%s: %T, signs %v", tt.name, got, signs)
		}
	}
}
