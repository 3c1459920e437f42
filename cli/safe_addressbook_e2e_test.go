package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeAddressBookE2E: 'bulwark serve' without --address-book verifies
// against the stored book: a change through the API is in force for the
// next verification, one made with 'bulwark safe address-book' on the
// same data directory while serve runs within seconds, neither needing a
// restart. With --address-book the file is in force and the API refuses
// changes, naming the flag.
func TestServeAddressBookE2E(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := t.TempDir()
	tx, err := os.ReadFile(filepath.Join("..", "safe", "policy", "testdata", "verify", "usdt-transfer-unlisted-recipient.tx.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, bin, data)
	verify := func() string {
		t.Helper()
		code, body := request(t, "POST", s.url+"/api/v1/safe/verify?chainId=1&safeVersion=1.3.0", s.token, string(tx))
		if code != http.StatusOK {
			t.Fatalf("verify: %d %s", code, body)
		}
		return body
	}
	if out := verify(); strings.Contains(out, "RECIPIENT_NOT_LISTED") {
		t.Fatalf("no book stored yet: %s", out)
	}
	book := `{"entries": [{"address": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "label": "Bob (OTC desk)", "kinds": ["recipient"]}]}`
	if code, body := request(t, "PUT", s.url+"/api/v1/safe/address-book", s.token, book); code != http.StatusOK || !strings.Contains(body, `"version":1`) {
		t.Fatalf("PUT: %d %s", code, body)
	}
	if out := verify(); !strings.Contains(out, "RECIPIENT_NOT_LISTED") {
		t.Fatalf("after the PUT: %s", out)
	}
	// The command line, on the running server's data directory.
	if code, stdout, stderr := runBin(t, bin, "safe", "address-book", "remove", "--data-dir", data, "--address", "0x3Cc3A225769900e003E264dd4CB43E90896BC21A"); code != 0 {
		t.Fatalf("address-book remove: %d %s %s", code, stdout, stderr)
	}
	deadline := time.Now().Add(15 * time.Second)
	for strings.Contains(verify(), "RECIPIENT_NOT_LISTED") {
		if time.Now().After(deadline) {
			t.Fatalf("the book changed with the command line was not in force after 15s:\n%s", s.stderr)
		}
		time.Sleep(100 * time.Millisecond) // until the server has read the new version, bounded by the deadline
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	if !strings.Contains(s.stderr.String(), `msg="address book changed" version=2`) { // the log is written out by exit
		t.Errorf("serve did not log the change:\n%s", s.stderr)
	}

	// With --address-book the file is in force.
	file := filepath.Join("testdata", "safe", "addressbook.toml")
	s = startServer(t, bin, data, "--address-book", file)
	token := strings.TrimSpace(mustRead(t, filepath.Join(data, "first-admin-token")))
	if code, body := request(t, "PUT", s.url+"/api/v1/safe/address-book", token, book); code != http.StatusConflict || !strings.Contains(body, "serve --address-book") {
		t.Errorf("PUT under --address-book: %d %s", code, body)
	}
	if code, body := request(t, "GET", s.url+"/api/v1/safe/address-book", token, ""); code != http.StatusOK || !strings.Contains(body, `"inForce":"file"`) {
		t.Errorf("GET under --address-book: %d %s", code, body)
	}
	add := []string{"safe", "address-book", "add", "--data-dir", data, "--address", "0x96221423681A6d52E184D440a8eFCEbB105C7242", "--label", "Carol", "--kinds", "recipient"}
	if code, _, stderr := runBin(t, bin, add...); code != 1 || !strings.Contains(stderr, "runs on this data directory with --address-book") {
		t.Errorf("address-book add under serve --address-book: exit %d, %s", code, stderr)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	// Once that serve has stopped, the stored book can be changed again.
	if code, _, stderr := runBin(t, bin, add...); code != 0 {
		t.Errorf("address-book add after serve stopped: exit %d, %s", code, stderr)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
