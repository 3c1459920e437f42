package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/cli"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// TestAddressBookInForce: with --address-book the file's book is in force
// and nothing follows the store; without it the store's book is (none
// before one is stored), and a change made to the store by another
// process (the command line) becomes the book in force while serve runs.
func TestAddressBookInForce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	file, err := policy.ParseAddressBook("book.toml", []byte("[[entry]]\naddress = \"0x3Cc3A225769900e003E264dd4CB43E90896BC21A\"\nlabel = \"Bob\"\nkinds = [\"recipient\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	live, follow, _, err := addressBookInForce(ctx, &cli.Serving{ServeSettings: cli.ServeSettings{AddressBook: file, AddressBookFile: "book.toml"}}, db, log)
	if err != nil || live.Load() != file || follow != nil {
		t.Fatalf("with the file: %v, %v, follows %v", live.Load(), err, follow != nil)
	}
	live, follow, _, err = addressBookInForce(ctx, &cli.Serving{}, db, log)
	if err != nil || live.Load() != nil || follow == nil {
		t.Fatalf("without a stored book: %v, %v", live.Load(), err)
	}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { follow(fctx); close(done) }()
	defer func() { cancel(); <-done }()
	stored := file.TOML()
	b, err := policy.ParseAddressBookData("cli", stored)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&audit.Log{Store: db}).Do(ctx, func(ctx context.Context) (audit.Event, error) {
		c, err := policy.ChangeBook(ctx, db, "cli:alice", nil, policy.ReplaceBook(b))
		if err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: "cli:alice", Action: policy.ActionBookSet, Target: c.Target(), Details: c.Details()}, nil
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * bookPollInterval)
	for live.Load() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the stored book was not in force after %v", 5*bookPollInterval)
		}
		time.Sleep(20 * time.Millisecond) // polling for the follower's swap, bounded by the deadline
	}
	if got := live.Load(); got.Digest != b.Digest || got.Source != policy.StoredBookSource(1) {
		t.Errorf("book in force %s %s; want %s from the store", got.Source, got.Digest, b.Digest)
	}
}
