package safetxservice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safetxservice"
	"github.com/bulwark-sec/bulwark/safetxservice/servicetest"
)

var bybit = common.HexToAddress("0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4")

func listPath(safe common.Address) string {
	return "/api/v1/safes/" + safe.Hex() + "/multisig-transactions/"
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newClient(t testing.TB, url string, opt safetxservice.Options) *safetxservice.Client {
	t.Helper()
	c, err := safetxservice.New("--service", url, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPendingRecordedPages: the recorded two-page answer of the real
// service is read in order, following "next", with each entry's fields,
// listed hash and confirmations.
func TestPendingRecordedPages(t *testing.T) {
	t.Parallel()
	svc := servicetest.New()
	defer svc.Close()
	svc.SetPage(listPath(bybit), "executed=false&limit=50&ordering=nonce", readFixture(t, "pending_page1.json"))
	svc.SetPage(listPath(bybit), "executed=false&limit=2&offset=2&ordering=nonce", readFixture(t, "pending_page2.json"))
	l, err := newClient(t, svc.URL, safetxservice.Options{}).Pending(context.Background(), bybit)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 3 || l.Truncated {
		t.Fatalf("got %d entries (truncated %v), want 3", len(l.Entries), l.Truncated)
	}
	for i, want := range []struct {
		nonce, hash, to string
		op              uint8
		confirmations   int
	}{
		{"71", "0x299c576c21afd6db6cdd0a6db99f2019f1c7ded03a189af8bf90296cf1cd55ad", "0x96221423681A6d52E184D440a8eFCEbB105C7242", 1, 1},
		{"72", "0x429dff23c42998aaf299b3de3fa5b8d783afbc96abe4f39882963e3f4d45abdb", "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE", 0, 0},
		{"73", "0x9beb9479f65c2288c0f7301c30d9f2befd4bead59209397b1ac469512c3c999b", "0xdAC17F958D2ee523a2206206994597C13D831ec7", 0, 2},
	} {
		e := l.Entries[i]
		if e.Err != nil || e.Tx == nil {
			t.Fatalf("entry %d: %v", i, e.Err)
		}
		if len(e.Signatures) != len(e.Confirmations) || i == 0 && len(e.Signatures[0]) != 65 || i == 2 && e.Signatures[0] != nil {
			t.Errorf("entry %d: signatures %x for %d confirmations (a 65-byte one read, \"0x00\" read as none)", i, e.Signatures, len(e.Confirmations))
		}
		if e.Nonce.String() != want.nonce || e.SafeTxHash.Hex() != want.hash || e.Tx.Tx.To.Hex() != want.to ||
			uint8(e.Tx.Tx.Operation) != want.op || len(e.Confirmations) != want.confirmations || e.ConfirmationsRequired != 3 || e.Tx.Safe != bybit {
			t.Errorf("entry %d: nonce %s hash %s to %s op %d confirmations %d of %d", i, e.Nonce, e.SafeTxHash.Hex(), e.Tx.Tx.To.Hex(),
				e.Tx.Tx.Operation, len(e.Confirmations), e.ConfirmationsRequired)
		}
	}
}

// TestPendingMalformedEntries: entries that do not read are returned, in
// place, with an error naming the entry and the field; the others read.
func TestPendingMalformedEntries(t *testing.T) {
	t.Parallel()
	svc := servicetest.New()
	defer svc.Close()
	svc.SetPage(listPath(bybit), "executed=false&limit=50&ordering=nonce", readFixture(t, "malformed_page.json"))
	l, err := newClient(t, svc.URL, safetxservice.Options{}).Pending(context.Background(), bybit)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ field, nonce, hash string }{
		{"results[0].value", "74", "0x1111111111111111111111111111111111111111111111111111111111111111"},
		{"results[1].safe", "75", "0x2222222222222222222222222222222222222222222222222222222222222222"},
		{"results[2]", "", ""},
		{"results[3].confirmations[0].owner", "76", "0x3333333333333333333333333333333333333333333333333333333333333333"},
	}
	if len(l.Entries) != len(want) {
		t.Fatalf("got %d entries, want %d", len(l.Entries), len(want))
	}
	for i, w := range want {
		e := l.Entries[i]
		var be *bulwark.Error
		if e.Tx != nil || e.Err == nil || !asError(e.Err, &be) || be.Field != w.field || !strings.HasPrefix(be.Error(), w.field+": ") {
			t.Errorf("entry %d: tx %v, err %v; want an error on %s", i, e.Tx != nil, e.Err, w.field)
			continue
		}
		if w.nonce != "" && (e.Nonce == nil || e.Nonce.String() != w.nonce) || w.hash != "" && e.SafeTxHash.Hex() != w.hash {
			t.Errorf("entry %d: nonce %v hash %s, want %s %s (named in its alert)", i, e.Nonce, e.SafeTxHash.Hex(), w.nonce, w.hash)
		}
	}
}

// entry is a minimal well-formed pending transaction of safe.
func entry(safe common.Address, nonce int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"safe": %q, "to": "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE", "value": "1", "data": null,
"operation": 0, "nonce": %d, "isExecuted": false, "confirmations": [], "confirmationsRequired": 2}`, safe.Hex(), nonce))
}

// TestPendingPaginatedAndBounded: a queue over several pages is read
// whole; one longer than MaxEntries is cut at the lowest nonces.
func TestPendingPaginatedAndBounded(t *testing.T) {
	t.Parallel()
	svc := servicetest.New()
	defer svc.Close()
	var entries []json.RawMessage
	for i := range 120 {
		entries = append(entries, entry(bybit, i))
	}
	svc.SetQueue(bybit, entries...)
	for _, tt := range []struct {
		max       int
		want      int
		truncated bool
	}{
		{0, 120, false},
		{120, 120, false},
		{60, 60, true},
		{50, 50, true},
	} {
		l, err := newClient(t, svc.URL, safetxservice.Options{MaxEntries: tt.max}).Pending(context.Background(), bybit)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Entries) != tt.want || l.Truncated != tt.truncated {
			t.Errorf("max %d: %d entries, truncated %v; want %d, %v", tt.max, len(l.Entries), l.Truncated, tt.want, tt.truncated)
			continue
		}
		for i, e := range l.Entries {
			if e.Err != nil || e.Nonce.Int64() != int64(i) {
				t.Fatalf("max %d: entry %d: nonce %v, %v", tt.max, i, e.Nonce, e.Err)
			}
		}
	}
	if l, err := newClient(t, svc.URL, safetxservice.Options{}).Pending(context.Background(), common.HexToAddress("0x01")); err != nil || len(l.Entries) != 0 {
		t.Errorf("an empty queue: %+v, %v", l, err)
	}
}

// TestPendingRefusesPages: answers that are not a listing, links that
// leave the service's origin or the Safe's listing, a page over the size
// bound, and failures of the service are errors naming the Safe.
func TestPendingRefusesPages(t *testing.T) {
	t.Parallel()
	svc := servicetest.New()
	defer svc.Close()
	first := "executed=false&limit=50&ordering=nonce"
	other := common.HexToAddress("0x96221423681A6d52E184D440a8eFCEbB105C7242")
	page := func(next string) string {
		return fmt.Sprintf(`{"count": 1, "next": %s, "previous": null, "results": [%s]}`, next, entry(bybit, 1))
	}
	for _, tt := range []struct {
		name, body string
		opt        safetxservice.Options
		code, want string
	}{
		{"another origin", page(`"https://evil.example/api/v1/safes/` + bybit.Hex() + `/multisig-transactions/?executed=false"`), safetxservice.Options{}, bulwark.EINVALID, "leaves its origin"},
		{"another Safe's listing", page(`"` + svc.URL + listPath(other) + `?executed=false"`), safetxservice.Options{}, bulwark.EINVALID, "leaves the Safe's listing"},
		{"another path", page(`"` + svc.URL + `/api/v1/about/?executed=false"`), safetxservice.Options{}, bulwark.EINVALID, "leaves the Safe's listing"},
		{"executed transactions", page(`"` + svc.URL + listPath(bybit) + `?offset=1"`), safetxservice.Options{}, bulwark.EINVALID, "drops executed=false"},
		{"a loop", page(`"` + svc.URL + listPath(bybit) + `?` + first + `"`), safetxservice.Options{}, bulwark.EINVALID, "page already read"},
		{"a relative link", page(`"/api/v1/safes/"`), safetxservice.Options{}, bulwark.EINVALID, "not an absolute URL"},
		{"next not a string", page(`5`), safetxservice.Options{}, bulwark.EINVALID, "next: want"},
		{"no results", `{"count": 0, "next": null}`, safetxservice.Options{}, bulwark.EINVALID, "results: missing"},
		{"results not an array", `{"results": {}}`, safetxservice.Options{}, bulwark.EINVALID, "results: want an array"},
		{"a key twice", `{"results": [], "results": []}`, safetxservice.Options{}, bulwark.EINVALID, "results: given twice"},
		{"not JSON", `<html>maintenance</html>`, safetxservice.Options{}, bulwark.EINVALID, "want a JSON object"},
		{"too large", page(`null`), safetxservice.Options{MaxPageBytes: 64}, bulwark.ETOOLARGE, "over"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := servicetest.New()
			defer s.Close()
			s.SetPage(listPath(bybit), first, strings.ReplaceAll(tt.body, svc.URL, s.URL))
			_, err := newClient(t, s.URL, tt.opt).Pending(context.Background(), bybit)
			if bulwark.ErrorCode(err) != tt.code || !strings.Contains(bulwark.ErrorMessage(err), tt.want) || !strings.Contains(bulwark.ErrorMessage(err), bybit.Hex()) {
				t.Fatalf("Pending = %v (%s); want %s containing %q and the Safe", err, bulwark.ErrorCode(err), tt.code, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		status int
		code   string
	}{
		{http.StatusInternalServerError, bulwark.EUNAVAILABLE},
		{http.StatusNotFound, bulwark.ENOTFOUND},
		{http.StatusTooManyRequests, bulwark.ERATELIMITED},
		{http.StatusUnprocessableEntity, bulwark.EINVALID},
	} {
		s := servicetest.New()
		s.FailWith(func(*http.Request) int { return tt.status })
		_, err := newClient(t, s.URL, safetxservice.Options{}).Pending(context.Background(), bybit)
		s.Close()
		if bulwark.ErrorCode(err) != tt.code || !strings.Contains(bulwark.ErrorMessage(err), fmt.Sprint(tt.status)) || !strings.Contains(bulwark.ErrorMessage(err), "failing as told") {
			t.Errorf("status %d: %v (%s), want %s with the status and the body's excerpt", tt.status, err, bulwark.ErrorCode(err), tt.code)
		}
	}
}

// TestPendingTimeout: a service that does not answer is a timeout, not a
// hang.
func TestPendingTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer s.Close()
	defer close(release)
	_, err := newClient(t, s.URL, safetxservice.Options{Timeout: 50 * time.Millisecond}).Pending(context.Background(), bybit)
	if bulwark.ErrorCode(err) != bulwark.ETIMEOUT || !strings.Contains(bulwark.ErrorMessage(err), bybit.Hex()) {
		t.Fatalf("Pending = %v (%s), want a timeout naming the Safe", err, bulwark.ErrorCode(err))
	}
}

// TestRedirectOutOfOrigin: a redirect to another origin is not followed.
func TestRedirectOutOfOrigin(t *testing.T) {
	t.Parallel()
	elsewhere := servicetest.New()
	defer elsewhere.Close()
	elsewhere.SetQueue(bybit, entry(bybit, 1))
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer s.Close()
	_, err := newClient(t, s.URL, safetxservice.Options{}).Pending(context.Background(), bybit)
	if err == nil || !strings.Contains(bulwark.ErrorMessage(err), "out of the service's origin") || elsewhere.Requests() != 0 {
		t.Fatalf("Pending = %v; the other origin got %d requests", err, elsewhere.Requests())
	}
}

// TestConfirm: a co-signature is posted as the service's confirmation
// body; a refusal is an error with the service's reason.
func TestConfirm(t *testing.T) {
	t.Parallel()
	svc := servicetest.New()
	defer svc.Close()
	c := newClient(t, svc.URL+"/", safetxservice.Options{})
	h := common.HexToHash("0x299c576c21afd6db6cdd0a6db99f2019f1c7ded03a189af8bf90296cf1cd55ad")
	sig := make([]byte, 65)
	sig[64] = 27
	if err := c.Confirm(context.Background(), h, sig); err != nil {
		t.Fatal(err)
	}
	got := svc.Confirmations()
	if len(got) != 1 || got[0].SafeTxHash != h.Hex() || got[0].Signature != "0x"+common.Bytes2Hex(sig) {
		t.Fatalf("confirmations %+v", got)
	}
	if err := c.Confirm(context.Background(), h, sig[:64]); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("a 64-byte signature: %v", err)
	}
	svc.FailWith(func(*http.Request) int { return http.StatusBadRequest })
	if err := c.Confirm(context.Background(), h, sig); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), h.Hex()) {
		t.Errorf("a refused confirmation: %v", err)
	}
}

// TestNew: the base URL must be http(s) without credentials, query or
// fragment; errors name the flag and never echo a secret.
func TestNew(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		url, want string
	}{
		{"", "required"},
		{"ftp://service.example", "want the http(s) base URL"},
		{"service.example", "want the http(s) base URL"},
		{"https://user:s3cret@service.example", "credentials"},
		{"https://service.example/?token=s3cret", "without a query"},
	} {
		_, err := safetxservice.New("--service", tt.url, safetxservice.Options{})
		var be *bulwark.Error
		if !asError(err, &be) || be.Field != "--service" || !strings.Contains(be.Error(), tt.want) || strings.Contains(be.Error(), "s3cret") {
			t.Errorf("New(%q) = %v, want --service: …%s…", tt.url, err, tt.want)
		}
	}
	c, err := safetxservice.New("--service", "https://safe-transaction-mainnet.safe.global/", safetxservice.Options{})
	if err != nil || c.URL() != "https://safe-transaction-mainnet.safe.global" {
		t.Errorf("New = %v, %v", c, err)
	}
}

// TestPendingEndlessPagination: a service that links page after page,
// each time to a fresh one, is refused after the pages the entry bound
// needs: an empty page with a next link at once, a page of one entry
// at the page bound. The fake gives up after 1000 pages, so a client
// without the bounds reads them all and passes.
func TestPendingEndlessPagination(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		perPage   int
		max       int
		wantPages int
		want      string
	}{
		{"empty pages", 0, 0, 1, "an empty page links to a next one"},
		{"one entry a page", 1, 0, 5, "goes on past 5 pages"},
		{"one entry a page, small bound", 1, 10, 2, "goes on past 2 pages"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			served := 0
			var s *httptest.Server
			s = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				served++
				n := served
				mu.Unlock()
				next := "null"
				if n < 1000 {
					next = fmt.Sprintf("%q", s.URL+listPath(bybit)+fmt.Sprintf("?executed=false&limit=50&ordering=nonce&o=%d", n))
				}
				var results []string
				for i := range tt.perPage {
					results = append(results, string(entry(bybit, n*10+i)))
				}
				fmt.Fprintf(w, `{"count": 1000, "next": %s, "previous": null, "results": [%s]}`, next, strings.Join(results, ","))
			}))
			defer s.Close()
			_, err := newClient(t, s.URL, safetxservice.Options{MaxEntries: tt.max}).Pending(context.Background(), bybit)
			mu.Lock()
			defer mu.Unlock()
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), tt.want) || !strings.Contains(bulwark.ErrorMessage(err), bybit.Hex()) {
				t.Fatalf("Pending = %v after %d pages; want EINVALID %q naming the Safe", err, served, tt.want)
			}
			if served != tt.wantPages {
				t.Errorf("%d pages read, want %d", served, tt.wantPages)
			}
		})
	}
}
