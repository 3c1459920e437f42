package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

const (
	bookPath  = "/api/v1/safe/address-book"
	bookBob   = "0x3Cc3A225769900e003E264dd4CB43E90896BC21A"
	bookSafe  = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
	bookJSON  = `{"entries": [{"address": "` + bookBob + `", "label": "Bob (OTC desk)", "kinds": ["counterparty", "recipient"]}, {"address": "0x1111111254EEB25477B68fb85Ed929f73A960582", "chainId": 1, "label": "1inch router v5", "kinds": ["spender"]}], "limits": [{"safe": "` + bookSafe + `", "asset": "ETH", "amount": "100000000000000000000", "period": "24h"}]}`
	bookTOMLx = "[[entry]]\naddress = \"" + bookBob + "\"\nlabel = \"Bob (OTC desk)\"\nkinds = [\"recipient\"]\n"
)

func tomlHeaders(name string) map[string]string {
	h := bearerFor(name)
	h["Content-Type"] = "application/toml"
	return h
}

func withHeader(h map[string]string, k, v string) map[string]string {
	h[k] = v
	return h
}

// withBooks serves the store's book.
func withBooks(c *Config) { c.SafeBooks = c.SafeVerifications.(policy.BookStore) }

// storeBookJSON stores body as the book through the API, as admin.
func storeBookJSON(body string) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		t.Helper()
		mustStatus(t, e.do("PUT", bookPath, jsonHeaders("admin"), body), http.StatusOK)
	}
}

// bookIs checks the stored book's version and entry count.
func bookIs(version int64, entries int) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
		t.Helper()
		b, err := e.db.StoredAddressBook(context.Background())
		if err != nil || b.Version != version || b.Book.Len() != entries {
			t.Fatalf("stored book %+v, %v; want version %d with %d entries", b, err, version, entries)
		}
	}
}

// bookAudited checks the last address-book audit entry: action, the
// admin as actor, the response's auditSeq, details holding each of has.
func bookAudited(action string, has ...string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		t.Helper()
		var out struct{ AuditSeq int64 }
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		var last *audit.Entry
		for _, en := range e.auditEntries() {
			if strings.HasPrefix(en.Action, "safe.addressbook.") {
				last = en
			}
		}
		if last == nil || last.Action != action || last.Seq != out.AuditSeq || last.Actor != "token:"+e.ids["admin"] {
			t.Fatalf("last address-book audit entry %+v; want %s by the admin at %d", last, action, out.AuditSeq)
		}
		for _, s := range has {
			if !strings.Contains(string(last.Details), s) {
				t.Errorf("audit details %s lack %s", last.Details, s)
			}
		}
	}
}

// bookAuditCount checks how many address-book audit entries there are.
func bookAuditCount(n int) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
		t.Helper()
		got := 0
		for _, en := range e.auditEntries() {
			if strings.HasPrefix(en.Action, "safe.addressbook.") {
				got++
			}
		}
		if got != n {
			t.Errorf("%d address-book audit entries, want %d", got, n)
		}
	}
}

func TestSafeAddressBookAPI(t *testing.T) {
	t.Parallel()
	const entries = bookPath + "/entries"
	fileBook, err := policy.ParseAddressBook("/etc/bulwark/book.toml", []byte(bookTOMLx))
	if err != nil {
		t.Fatal(err)
	}
	fileMode := func(c *Config) {
		withBooks(c)
		c.SafeBookFile, c.SafeAddressBook = "/etc/bulwark/book.toml", fileBook
	}
	noBooks := func(c *Config) { c.SafeBooks = nil }
	carol := `{"address": "0x96221423681A6d52E184D440a8eFCEbB105C7242", "label": "Carol", "kinds": ["recipient"], "chainId": 1}`
	runScenarios(t, []scenario{
		// Reading.
		{name: "get empty", configure: withBooks, method: "GET", path: bookPath, headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"version":0`, `"entries":[]`, `"limits":[]`, `"inForce":"store"`}, wantHeaders: map[string]string{"ETag": `"0"`}},
		{name: "get stored", configure: withBooks, setup: storeBookJSON(bookJSON), method: "GET", path: bookPath, headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"version":1`, `"label":"Bob (OTC desk)"`, `"chainId":1`, `"amount":"100000000000000000000"`, `"period":"1d"`, `"changedBy":"token:`}, wantHeaders: map[string]string{"ETag": `"1"`}},
		{name: "get without token", configure: withBooks, method: "GET", path: bookPath, wantStatus: http.StatusUnauthorized},
		{name: "get file in force", configure: fileMode, method: "GET", path: bookPath, headers: bearerFor("viewer"),
			wantStatus: http.StatusOK, wantBody: []string{`"inForce":"file"`, `"source":"/etc/bulwark/book.toml"`, `"digest":"` + fileBook.Digest + `"`}},
		{name: "get unknown parameter", configure: withBooks, method: "GET", path: bookPath + "?x=1", headers: bearerFor("viewer"), wantStatus: http.StatusBadRequest},
		{name: "get not configured", configure: noBooks, method: "GET", path: bookPath, headers: bearerFor("viewer"), wantStatus: http.StatusServiceUnavailable},

		// Replacing the book.
		{name: "put json", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("admin"), body: bookJSON,
			wantStatus: http.StatusOK, wantBody: []string{`"version":1`, `"auditSeq"`, `"changes":{"added":[{`, `"limitsAdded":[{`}, wantHeaders: map[string]string{"ETag": `"1"`},
			after: both(bookIs(1, 2), bookAudited(policy.ActionBookSet, `"version":1`, `"previousVersion":0`, `"address":"`+bookBob+`","label":"Bob (OTC desk)"`, `"requestId"`))},
		{name: "put toml", configure: withBooks, method: "PUT", path: bookPath, headers: tomlHeaders("admin"), body: bookTOMLx,
			wantStatus: http.StatusOK, wantBody: []string{`"version":1`}, after: both(bookIs(1, 1), bookAudited(policy.ActionBookSet))},
		{name: "put the GET answer back", configure: withBooks, setup: storeBookJSON(bookJSON), method: "PUT", path: bookPath, headers: jsonHeaders("admin"),
			body:       `{"version": 1, "digest": "x", "inForce": "store", "entries": [], "limits": []}`,
			wantStatus: http.StatusOK, wantBody: []string{`"version":2`, `"removed":[{`, `"recipientChecks":[{"checked":false,"detail":"recipients are NO LONGER checked on every chain`},
			after: both(bookIs(2, 0), bookAuditCount(2), bookAudited(policy.ActionBookSet, `"recipientChecks":[{"checked":false`))},
		{name: "put unchanged", configure: withBooks, setup: storeBookJSON(bookJSON), method: "PUT", path: bookPath, headers: jsonHeaders("admin"), body: bookJSON,
			wantStatus: http.StatusOK, wantBody: []string{`"unchanged":true`, `"version":1`}, after: both(bookIs(1, 2), bookAuditCount(1))},
		{name: "put with If-Match", configure: withBooks, setup: storeBookJSON(bookJSON), method: "PUT", path: bookPath, headers: withHeader(tomlHeaders("admin"), "If-Match", `"1"`), body: bookTOMLx,
			wantStatus: http.StatusOK, wantBody: []string{`"version":2`}, after: bookIs(2, 1)},
		{name: "put with a stale If-Match", configure: withBooks, setup: storeBookJSON(bookJSON), method: "PUT", path: bookPath, headers: withHeader(tomlHeaders("admin"), "If-Match", "0"), body: bookTOMLx,
			wantStatus: http.StatusConflict, wantCode: "conflict", wantMsg: []string{"at version 1, not 0"}, after: both(bookIs(1, 2), bookAuditCount(1))},
		{name: "put a stale GET answer back", configure: withBooks, setup: storeBookJSON(bookJSON), method: "PUT", path: bookPath, headers: jsonHeaders("admin"),
			body:       `{"version": 0, "entries": [], "limits": []}`,
			wantStatus: http.StatusConflict, wantCode: "conflict", wantMsg: []string{"at version 1, not 0"}, after: both(bookIs(1, 2), bookAuditCount(1))},
		{name: "put a body version unlike If-Match", configure: withBooks, setup: storeBookJSON(bookJSON), method: "PUT", path: bookPath, headers: withHeader(jsonHeaders("admin"), "If-Match", `"1"`),
			body:       `{"version": 0, "entries": [], "limits": []}`,
			wantStatus: http.StatusBadRequest, wantField: "If-Match", after: both(bookIs(1, 2), bookAuditCount(1))},
		{name: "put a body version not a number", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("admin"),
			body:       `{"version": "1", "entries": [], "limits": []}`,
			wantStatus: http.StatusBadRequest, wantMsg: []string{`version: "1" is not a version`}, after: bookAuditCount(0)},
		{name: "put json as toml", configure: withBooks, method: "PUT", path: bookPath, headers: tomlHeaders("admin"), body: bookJSON,
			wantStatus: http.StatusBadRequest, wantMsg: []string{"not valid TOML"}, after: both(bookIs(0, 0), bookAuditCount(0))},
		{name: "put json with a key twice", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("admin"),
			body:       `{"entries": [{"address": "` + bookBob + `", "label": "Bob", "label": "Mallory", "kinds": ["recipient"]}]}`,
			wantStatus: http.StatusBadRequest, wantMsg: []string{`key "label" given twice`}, after: bookAuditCount(0)},
		{name: "put with a bad If-Match", configure: withBooks, method: "PUT", path: bookPath, headers: withHeader(jsonHeaders("admin"), "If-Match", "W/x"), body: bookJSON,
			wantStatus: http.StatusBadRequest, wantField: "If-Match", after: bookAuditCount(0)},
		{name: "put bad checksum", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("admin"),
			body:       strings.Replace(bookJSON, bookBob, strings.Replace(bookBob, "3Cc3", "3cC3", 1), 1),
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantMsg: []string{`entry 1 ("Bob (OTC desk)"): address:`, "bad EIP-55 checksum"}, after: both(bookIs(0, 0), bookAuditCount(0))},
		{name: "put unknown kind", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("admin"), body: strings.Replace(bookJSON, `"spender"`, `"friend"`, 1),
			wantStatus: http.StatusBadRequest, wantMsg: []string{`kinds: "friend" is not a kind`}, after: bookAuditCount(0)},
		{name: "put bad limit", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("admin"), body: strings.Replace(bookJSON, `"24h"`, `"forever"`, 1),
			wantStatus: http.StatusBadRequest, wantMsg: []string{`limit 1: period:`}, after: bookAuditCount(0)},
		{name: "put bad toml", configure: withBooks, method: "PUT", path: bookPath, headers: tomlHeaders("admin"), body: "[[entry]\n",
			wantStatus: http.StatusBadRequest, wantMsg: []string{"not valid TOML"}, after: bookAuditCount(0)},
		{name: "put empty", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("admin"),
			wantStatus: http.StatusBadRequest, after: bookAuditCount(0)},
		{name: "put wrong content type", configure: withBooks, method: "PUT", path: bookPath, headers: withHeader(bearerFor("admin"), "Content-Type", "text/plain"), body: bookJSON,
			wantStatus: http.StatusBadRequest, wantField: "Content-Type", after: bookAuditCount(0)},
		{name: "put too large", configure: withBooks, method: "PUT", path: bookPath, headers: tomlHeaders("admin"), body: strings.Repeat("#", policy.MaxAddressBookSize+1),
			wantStatus: http.StatusRequestEntityTooLarge, wantCode: "too_large", after: bookAuditCount(0)},
		{name: "analyst may not put", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("analyst"), body: bookJSON,
			wantStatus: http.StatusForbidden, after: both(bookIs(0, 0), bookAuditCount(0))},
		{name: "viewer may not put", configure: withBooks, method: "PUT", path: bookPath, headers: jsonHeaders("viewer"), body: bookJSON,
			wantStatus: http.StatusForbidden, after: bookAuditCount(0)},
		{name: "put while the file is in force", configure: fileMode, method: "PUT", path: bookPath, headers: jsonHeaders("admin"), body: bookJSON,
			wantStatus: http.StatusConflict, wantCode: "conflict", wantMsg: []string{"serve --address-book", "/etc/bulwark/book.toml"}, after: both(bookIs(0, 0), bookAuditCount(0))},
		{name: "put not configured", configure: noBooks, method: "PUT", path: bookPath, headers: jsonHeaders("admin"), body: bookJSON, wantStatus: http.StatusServiceUnavailable},

		// Entries.
		{name: "add entry", configure: withBooks, setup: storeBookJSON(bookJSON), method: "POST", path: entries, headers: jsonHeaders("admin"), body: carol,
			wantStatus: http.StatusCreated, wantBody: []string{`"version":2`, `"label":"Carol"`},
			after: both(bookIs(2, 3), bookAudited(policy.ActionBookAdd, `"added":[{"address":"0x96221423681A6d52E184D440a8eFCEbB105C7242","chainId":1`))},
		{name: "add entry twice", configure: withBooks, setup: storeBookJSON(bookJSON), method: "POST", path: entries, headers: jsonHeaders("admin"),
			body:       `{"address": "` + bookBob + `", "label": "Bob again", "kinds": ["spender"]}`,
			wantStatus: http.StatusConflict, wantMsg: []string{"already in the address book"}, after: both(bookIs(1, 2), bookAuditCount(1))},
		{name: "add entry with another's label", configure: withBooks, setup: storeBookJSON(bookJSON), method: "POST", path: entries, headers: jsonHeaders("admin"),
			body:       strings.Replace(carol, `"Carol"`, `"BOB (otc desk)"`, 1),
			wantStatus: http.StatusBadRequest, wantMsg: []string{`label "BOB (otc desk)" reads as "Bob (OTC desk)", the label of ` + bookBob}, after: both(bookIs(1, 2), bookAuditCount(1))},
		{name: "add entry with a blank-looking label", configure: withBooks, setup: storeBookJSON(bookJSON), method: "POST", path: entries, headers: jsonHeaders("admin"),
			body:       strings.Replace(carol, `"Carol"`, `"\u3164"`, 1),
			wantStatus: http.StatusBadRequest, wantMsg: []string{"U+3164 (HANGUL FILLER)"}, after: bookAuditCount(1)},
		{name: "add entry bad chain", configure: withBooks, method: "POST", path: entries, headers: jsonHeaders("admin"), body: strings.Replace(carol, `"chainId": 1`, `"chainId": "1"`, 1),
			wantStatus: http.StatusBadRequest, wantMsg: []string{`entry ("Carol"): chainId: "1" is not a chain id`}, after: bookAuditCount(0)},
		{name: "add entry long label", configure: withBooks, method: "POST", path: entries, headers: jsonHeaders("admin"), body: strings.Replace(carol, "Carol", strings.Repeat("c", 101), 1),
			wantStatus: http.StatusBadRequest, wantMsg: []string{"label: longer than 100 characters"}, after: bookAuditCount(0)},
		{name: "add entry with a stale If-Match", configure: withBooks, setup: storeBookJSON(bookJSON), method: "POST", path: entries, headers: withHeader(jsonHeaders("admin"), "If-Match", "7"), body: carol,
			wantStatus: http.StatusConflict, after: bookIs(1, 2)},
		{name: "viewer may not add", configure: withBooks, method: "POST", path: entries, headers: jsonHeaders("viewer"), body: carol, wantStatus: http.StatusForbidden, after: bookAuditCount(0)},
		{name: "add while the file is in force", configure: fileMode, method: "POST", path: entries, headers: jsonHeaders("admin"), body: carol,
			wantStatus: http.StatusConflict, wantMsg: []string{"serve --address-book"}, after: bookAuditCount(0)},
		{name: "remove entry", configure: withBooks, setup: storeBookJSON(bookJSON), method: "DELETE", path: entries + "/" + strings.ToLower(bookBob), headers: bearerFor("admin"),
			wantStatus: http.StatusOK, wantBody: []string{`"version":2`, `"removed":[{"address":"` + bookBob},
			after: both(bookIs(2, 1), bookAudited(policy.ActionBookRemove, `"removed":[{"address":"`+bookBob))},
		{name: "remove entry on a chain", configure: withBooks, setup: storeBookJSON(bookJSON), method: "DELETE", path: entries + "/0x1111111254EEB25477B68fb85Ed929f73A960582?chainId=1", headers: bearerFor("admin"),
			wantStatus: http.StatusOK, after: bookIs(2, 1)},
		{name: "remove entry on another chain", configure: withBooks, setup: storeBookJSON(bookJSON), method: "DELETE", path: entries + "/0x1111111254EEB25477B68fb85Ed929f73A960582?chainId=10", headers: bearerFor("admin"),
			wantStatus: http.StatusNotFound, wantMsg: []string{"no entry on chain 10"}, after: both(bookIs(1, 2), bookAuditCount(1))},
		{name: "remove unknown", configure: withBooks, method: "DELETE", path: entries + "/" + bookBob, headers: bearerFor("admin"), wantStatus: http.StatusNotFound, after: bookAuditCount(0)},
		{name: "remove bad chain", configure: withBooks, method: "DELETE", path: entries + "/" + bookBob + "?chainId=one", headers: bearerFor("admin"), wantStatus: http.StatusBadRequest, wantField: "chainId"},
		{name: "remove bad address", configure: withBooks, method: "DELETE", path: entries + "/0x12", headers: bearerFor("admin"), wantStatus: http.StatusBadRequest, wantField: "address"},
		{name: "analyst may not remove", configure: withBooks, setup: storeBookJSON(bookJSON), method: "DELETE", path: entries + "/" + bookBob, headers: bearerFor("analyst"),
			wantStatus: http.StatusForbidden, after: bookIs(1, 2)},
	})
}

// TestSafeAddressBookAPITakesEffect: a change through the API is the book
// of the next verification, without a restart: a USDT transfer to an
// address the book does not list is ok before any recipient is listed,
// RECIPIENT_NOT_LISTED naming the new book's digest once one is, ok again
// once it is removed.
func TestSafeAddressBookAPITakesEffect(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "safe", "policy", "testdata", "verify", "usdt-transfer-unlisted-recipient.tx.json"))
	if err != nil {
		t.Fatal(err)
	}
	var live policy.LiveBook
	e := newEnv(t, func(c *Config) {
		withBooks(c)
		c.SafeVerifier, c.SafeLiveBook = OfflineSafeVerifier, &live
	})
	verify := func() string {
		rec := e.do("POST", "/api/v1/safe/verify?chainId=1&safeVersion=1.3.0", jsonHeaders("analyst"), string(raw))
		mustStatus(t, rec, http.StatusOK)
		return rec.Body.String()
	}
	if out := verify(); strings.Contains(out, policy.CodeRecipientNotListed) {
		t.Fatalf("without a book: %s", out)
	}
	rec := e.do("PUT", bookPath, jsonHeaders("admin"), bookJSON)
	mustStatus(t, rec, http.StatusOK)
	var put struct{ Digest string }
	if err := json.Unmarshal(rec.Body.Bytes(), &put); err != nil || put.Digest == "" {
		t.Fatalf("PUT answer %s", rec.Body)
	}
	if out := verify(); !strings.Contains(out, policy.CodeRecipientNotListed) || !strings.Contains(out, put.Digest) || !strings.Contains(out, `"verdict":"review"`) {
		t.Fatalf("after the PUT: %s", out)
	}
	mustStatus(t, e.do("DELETE", bookPath+"/entries/"+bookBob, bearerFor("admin"), ""), http.StatusOK)
	if out := verify(); strings.Contains(out, policy.CodeRecipientNotListed) {
		t.Fatalf("after removing the only recipient: %s", out)
	}
}
