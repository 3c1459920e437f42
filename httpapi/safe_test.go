package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

const (
	bybitTx = `"safe":"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4","to":"0x96221423681A6d52E184D440a8eFCEbB105C7242","value":"0",` +
		`"data":"0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000",` +
		`"operation":1,"gasToken":"0x0000000000000000000000000000000000000000","safeTxGas":45746,"baseGas":0,"gasPrice":"0",` +
		`"refundReceiver":"0x0000000000000000000000000000000000000000","nonce":71,` +
		`"safeTxHash":"0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8","isExecuted":true,"confirmationsRequired":3`
	ethTx = `"safe":"0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1","to":"0x3Cc3A225769900e003E264dd4CB43E90896BC21A",` +
		`"value":"100000000000000000","data":null,"operation":0,"nonce":"12"`
	addOwnerTx = `"safe":"0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1","to":"0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1","value":"0",` +
		`"data":"0x0d582f130000000000000000000000001f4eb0a903619ac168b19a82f1a6e2e4265222110000000000000000000000000000000000000000000000000000000000000002",` +
		`"operation":0,"nonce":13`
	bybitSafeTxHash = "0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8"
)

func safeBody(tx, options string) string { return "{" + tx + "," + options + "}" }

func withSafeVerifier(c *Config) { c.SafeVerifier = OfflineSafeVerifier }

// verdictIs checks the response's verdict and finding codes, and that the
// audit log holds one safe.verify entry with the same verdict and hash.
func verdictIs(verdict string, codes ...string) func(*testing.T, *env, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
		t.Helper()
		var out struct {
			SafeTxHash, Verdict, PolicyVersion string
			Findings                           []struct{ Code, Severity, Message, Path string }
			Decoded                            map[string]any
			AuditSeq                           int64
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if out.Verdict != verdict || out.Decoded == nil || out.PolicyVersion == "" || out.AuditSeq == 0 {
			t.Errorf("verdict %q (want %q), policy %q, auditSeq %d", out.Verdict, verdict, out.PolicyVersion, out.AuditSeq)
		}
		got := map[string]bool{}
		for _, f := range out.Findings {
			got[f.Code] = true
		}
		for _, c := range codes {
			if !got[c] {
				t.Errorf("no finding %s in %+v", c, out.Findings)
			}
		}
		var found bool
		for _, en := range e.auditEntries() {
			if en.Action != "safe.verify" {
				continue
			}
			found = true
			var d map[string]any
			if err := json.Unmarshal(en.Details, &d); err != nil {
				t.Fatal(err)
			}
			if en.Seq != out.AuditSeq || en.Actor != "token:"+e.ids["analyst"] || !strings.HasPrefix(en.Target, "safe:0x") ||
				d["verdict"] != verdict || d["safeTxHash"] != out.SafeTxHash || d["policyVersion"] != out.PolicyVersion || d["requestId"] == nil {
				t.Errorf("audit entry %+v %s", en, en.Details)
			}
		}
		if !found {
			t.Error("no safe.verify audit entry")
		}
		// The verdict is recorded with its audit entry, for the watcher.
		recs, err := e.db.Verifications(context.Background(), common.HexToHash(out.SafeTxHash))
		if err != nil || len(recs) != 1 || recs[0].AuditSeq != out.AuditSeq || string(recs[0].Verdict) != verdict {
			t.Errorf("verification records %+v, %v; want one, verdict %s, audit entry %d", recs, err, verdict, out.AuditSeq)
		}
	}
}

// noVerifyAudit checks that a refused request left no safe.verify entry.
func noVerifyAudit(t *testing.T, e *env, _ *httptest.ResponseRecorder) {
	t.Helper()
	for _, en := range e.auditEntries() {
		if en.Action == "safe.verify" {
			t.Errorf("audit entry for a refused request: %+v", en)
		}
	}
}

func TestSafeVerifyAPI(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/safe/verify"
	opts := `"chainId":1,"safeVersion":"1.1.1"`
	opts141 := `"chainId":"1","safeVersion":"1.4.1"`
	runScenarios(t, []scenario{
		{name: "bybit is rejected", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(bybitTx, opts), wantStatus: http.StatusOK, wantBody: []string{bybitSafeTxHash},
			after: verdictIs("reject", "UNTRUSTED_DELEGATECALL", "DELEGATECALL_SELECTOR_MISMATCH")},
		{name: "eth transfer is ok", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, opts141), wantStatus: http.StatusOK, after: verdictIs("ok")},
		{name: "add owner needs review", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(addOwnerTx, opts141), wantStatus: http.StatusOK, after: verdictIs("review", "OWNER_CHANGE")},
		{name: "hash mismatch is rejected", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, opts141+`,"safeTxHash":"`+bybitSafeTxHash+`"`), wantStatus: http.StatusOK, after: verdictIs("reject", "HASH_MISMATCH")},
		{name: "multisend opt-in is taken", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, opts141+`,"allowMultisend":true,"trustAddressOnly":true`), wantStatus: http.StatusOK,
			wantBody: []string{`"allowMultisend":true`, `"trustAddressOnly":true`}, after: verdictIs("ok")},

		{name: "viewer may not verify", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("viewer"),
			body: safeBody(ethTx, opts141), wantStatus: http.StatusForbidden, wantCode: "forbidden", after: noVerifyAudit},
		{name: "no token", configure: withSafeVerifier, method: "POST", path: path, headers: map[string]string{"Content-Type": "application/json"},
			body: safeBody(ethTx, opts141), wantStatus: http.StatusUnauthorized, after: noVerifyAudit},
		{name: "missing chainId", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, `"safeVersion":"1.4.1"`), wantStatus: http.StatusBadRequest, wantCode: "invalid", wantField: "chainId",
			wantMsg: []string{"never guessed", "chainId=N"}, after: noVerifyAudit},

		// The service's JSON as it is, the chain and version in the query.
		{name: "query gives chainId and safeVersion", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1&safeVersion=1.4.1",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusOK,
			wantBody: []string{`"chainId":"1"`, `"safeVersion":"1.4.1"`}, after: verdictIs("ok")},
		{name: "query in hex", configure: withSafeVerifier, method: "POST", path: path + "?chainId=0x1&safeVersion=1.4.1",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusOK, wantBody: []string{`"chainId":"1"`}, after: verdictIs("ok")},
		{name: "query and body agree", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1&safeVersion=1.4.1",
			headers: jsonHeaders("analyst"), body: safeBody(ethTx, opts141), wantStatus: http.StatusOK, after: verdictIs("ok")},
		{name: "query chainId, body safeVersion", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1",
			headers: jsonHeaders("analyst"), body: safeBody(ethTx, `"safeVersion":"1.4.1"`), wantStatus: http.StatusOK, after: verdictIs("ok")},
		{name: "query and body disagree on chainId", configure: withSafeVerifier, method: "POST", path: path + "?chainId=5&safeVersion=1.4.1",
			headers: jsonHeaders("analyst"), body: safeBody(ethTx, opts141), wantStatus: http.StatusBadRequest, wantField: "chainId",
			wantMsg: []string{"?chainId=5 disagrees with the body's chainId 1"}, after: noVerifyAudit},
		{name: "query and body disagree on safeVersion", configure: withSafeVerifier, method: "POST", path: path + "?safeVersion=1.3.0",
			headers: jsonHeaders("analyst"), body: safeBody(ethTx, opts141), wantStatus: http.StatusBadRequest, wantField: "safeVersion",
			wantMsg: []string{"?safeVersion=1.3.0 disagrees with the body's safeVersion 1.4.1"}, after: noVerifyAudit},
		{name: "missing safeVersion says how to give it", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusBadRequest, wantField: "safeVersion",
			wantMsg: []string{"safeVersion: required", "safeVersion=V", "serve", "--rpc", "never guessed"}, after: noVerifyAudit},
		{name: "bad chainId in the query", configure: withSafeVerifier, method: "POST", path: path + "?chainId=mainnet&safeVersion=1.4.1",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusBadRequest, wantField: "chainId", after: noVerifyAudit},
		{name: "chainId 0 in the query", configure: withSafeVerifier, method: "POST", path: path + "?chainId=0&safeVersion=1.4.1",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusBadRequest, wantField: "chainId", wantMsg: []string{"not a chain"}, after: noVerifyAudit},
		{name: "bad safeVersion in the query", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1&safeVersion=9",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusBadRequest, wantField: "safeVersion", after: noVerifyAudit},
		{name: "safeVersion as a number in the body", configure: withSafeVerifier, method: "POST", path: path,
			headers: jsonHeaders("analyst"), body: safeBody(ethTx, `"chainId":1,"safeVersion":1.3`), wantStatus: http.StatusBadRequest, wantField: "safeVersion",
			wantMsg: []string{"as a string"}, after: noVerifyAudit},
		{name: "unknown query parameter", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1&safeVersion=1.4.1&allowMultiSend=true",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusBadRequest, wantField: "query",
			wantMsg: []string{`unknown parameter "allowMultiSend"`, "allowMultisend"}, after: noVerifyAudit},
		{name: "query parameter given twice", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1&chainId=5&safeVersion=1.4.1",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusBadRequest, wantField: "chainId", wantMsg: []string{"given twice"}, after: noVerifyAudit},
		{name: "empty query parameter", configure: withSafeVerifier, method: "POST", path: path + "?chainId=&safeVersion=1.4.1",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusBadRequest, wantField: "chainId", wantMsg: []string{"empty"}, after: noVerifyAudit},
		{name: "policy options in the query", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1&safeVersion=1.4.1&allowMultisend=true&trustAddressOnly=1",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusOK,
			wantBody: []string{`"allowMultisend":true`, `"trustAddressOnly":true`}, after: verdictIs("ok")},
		{name: "policy option not a boolean in the query", configure: withSafeVerifier, method: "POST", path: path + "?chainId=1&safeVersion=1.4.1&allowMultisend=yes",
			headers: jsonHeaders("analyst"), body: "{" + ethTx + "}", wantStatus: http.StatusBadRequest, wantField: "allowMultisend", after: noVerifyAudit},
		{name: "policy option disagrees", configure: withSafeVerifier, method: "POST", path: path + "?allowMultisend=false",
			headers: jsonHeaders("analyst"), body: safeBody(ethTx, opts141+`,"allowMultisend":true`), wantStatus: http.StatusBadRequest, wantField: "allowMultisend",
			wantMsg: []string{"disagrees"}, after: noVerifyAudit},
		{name: "bad chainId", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, `"chainId":1.5,"safeVersion":"1.4.1"`), wantStatus: http.StatusBadRequest, wantField: "chainId", after: noVerifyAudit},
		{name: "missing safeVersion", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, `"chainId":1`), wantStatus: http.StatusBadRequest, wantField: "safeVersion", after: noVerifyAudit},
		{name: "unknown safeVersion", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, `"chainId":1,"safeVersion":"1.6.0"`), wantStatus: http.StatusBadRequest, wantField: "safeVersion", after: noVerifyAudit},
		{name: "bad checksum names the field", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(strings.Replace(ethTx, "0x3Cc3A2", "0x3cC3A2", 1), opts141), wantStatus: http.StatusBadRequest, wantField: "to",
			wantMsg: []string{"EIP-55"}, after: noVerifyAudit},
		{name: "missing nonce", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(strings.Replace(ethTx, `,"nonce":"12"`, "", 1), opts141), wantStatus: http.StatusBadRequest, wantField: "nonce", after: noVerifyAudit},
		{name: "allowMultisend of the wrong type", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, opts141+`,"allowMultisend":"yes"`), wantStatus: http.StatusBadRequest, wantField: "allowMultisend", after: noVerifyAudit},
		{name: "rpc without a node", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, opts141+`,"rpc":"http://127.0.0.1:8545"`), wantStatus: http.StatusBadRequest, wantField: "rpc",
			wantMsg: []string{"no node to read the Safe from", "serve --rpc"}, after: noVerifyAudit},
		{name: "not JSON", configure: withSafeVerifier, method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: `[1]`, wantStatus: http.StatusBadRequest, wantCode: "invalid", after: noVerifyAudit},
		{name: "without a verifier", method: "POST", path: path, headers: jsonHeaders("analyst"),
			body: safeBody(ethTx, opts141), wantStatus: http.StatusServiceUnavailable, wantCode: "unavailable", after: noVerifyAudit},
		{name: "GET is not allowed", configure: withSafeVerifier, method: "GET", path: path, headers: bearerFor("analyst"),
			wantStatus: http.StatusMethodNotAllowed, wantHeaders: map[string]string{"Allow": "POST"}},
	})
}

// TestSafeVerifyAPIServiceFile posts the committed Safe Transaction
// Service fixture of Bybit's nonce 71, the file 'bulwark safe verify --tx'
// reads, byte for byte: the chain and version go in the query, and
// without them the 400 says which is missing and how to give it.
func TestSafeVerifyAPIServiceFile(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "cli", "testdata", "safe", "verify", "bybit-nonce71.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "chainId") || strings.Contains(string(raw), "safeVersion") {
		t.Fatal("the fixture is no longer the service's JSON as it is")
	}
	e := newEnv(t, withSafeVerifier)
	rec := e.do("POST", "/api/v1/safe/verify", jsonHeaders("analyst"), string(raw))
	mustStatus(t, rec, http.StatusBadRequest)
	if d := decodeErrorBody(t, rec.Body.Bytes()); d.Field != "chainId" || !strings.Contains(d.Message, "put chainId=N and safeVersion=V in the URL's query string") {
		t.Errorf("without the query: %+v", d)
	}
	noVerifyAudit(t, e, rec)

	rec = e.do("POST", "/api/v1/safe/verify?chainId=1&safeVersion=1.1.1", jsonHeaders("analyst"), string(raw))
	mustStatus(t, rec, http.StatusOK)
	verdictIs("reject", "UNTRUSTED_DELEGATECALL", "DELEGATECALL_SELECTOR_MISMATCH")(t, e, rec)
	if !strings.Contains(rec.Body.String(), bybitSafeTxHash) {
		t.Errorf("safeTxHash is not Bybit's: %s", rec.Body)
	}
}

// TestSafeVerifyAPISharedFixture posts the Safe Transaction Service
// fixture of Bybit's nonce 71 from ../shared as it is, the options in the query.
func TestSafeVerifyAPISharedFixture(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "safe", "bybit", "bybit-safe-tx.clearsign-fixture.json"))
	if err != nil {
		t.Skip("shared Bybit fixture is absent")
	}
	e := newEnv(t, withSafeVerifier)
	rec := e.do("POST", "/api/v1/safe/verify?chainId=1&safeVersion=1.1.1", jsonHeaders("analyst"), string(raw))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	verdictIs("reject", "UNTRUSTED_DELEGATECALL", "DELEGATECALL_SELECTOR_MISMATCH")(t, e, rec)
}

// FuzzVerifyQuery: any query string gives known parameters, each once and
// non-empty, or an invalid error naming a field; never a panic.
func FuzzVerifyQuery(f *testing.F) {
	for _, seed := range []string{"", "chainId=1&safeVersion=1.3.0", "chainId=1&chainId=2", "allowMultisend=true&x=%zz", "chainId=&safeVersion=%20", ";"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("POST", "/api/v1/safe/verify", nil)
		r.URL.RawQuery = raw
		q, err := verifyQuery(r)
		if err != nil {
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field == "" || len(be.Message) > 300 {
				t.Fatalf("error %v", err)
			}
			return
		}
		for k, v := range q {
			if !slices.Contains(safeVerifyQuery, k) || strings.TrimSpace(v) == "" {
				t.Fatalf("query %q gave %q=%q", raw, k, v)
			}
		}
	})
}

// largeServiceFile returns a Safe Transaction Service item as the service
// returns it for a multisend of n token transfers: the calldata and the
// service's dataDecoded, which repeats every call decoded.
func largeServiceFile(t *testing.T, n int) []byte {
	t.Helper()
	token := common.HexToAddress("0xdAC17F958D2ee523a2206206994597C13D831ec7")
	txs := make([]decode.MultiSendTx, n)
	decoded := make([]map[string]any, n)
	for i := range txs {
		to := common.BigToAddress(big.NewInt(int64(0x1000 + i)))
		amount := big.NewInt(int64(1_000_000 + i))
		data := append(append([]byte{0xa9, 0x05, 0x9c, 0xbb}, common.LeftPadBytes(to[:], 32)...), common.LeftPadBytes(amount.Bytes(), 32)...)
		txs[i] = decode.MultiSendTx{Operation: safe.Call, To: token, Data: data}
		decoded[i] = map[string]any{
			"operation": 0, "to": token.Hex(), "value": "0", "data": hexutil.Encode(data),
			"dataDecoded": map[string]any{"method": "transfer", "parameters": []map[string]any{
				{"name": "to", "type": "address", "value": to.Hex()},
				{"name": "value", "type": "uint256", "value": amount.String()},
			}},
		}
	}
	calldata := decode.MultiSendCalldata(txs)
	item := map[string]any{
		"safe": "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "to": "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D",
		"value": "0", "data": hexutil.Encode(calldata), "operation": 1, "gasToken": common.Address{}.Hex(),
		"safeTxGas": 0, "baseGas": 0, "gasPrice": "0", "refundReceiver": common.Address{}.Hex(), "nonce": 72,
		"submissionDate": "2025-02-21T14:13:35Z", "isExecuted": false, "confirmationsRequired": 3,
		"dataDecoded": map[string]any{"method": "multiSend", "parameters": []map[string]any{
			{"name": "transactions", "type": "bytes", "value": hexutil.Encode(decode.PackMultiSend(txs)), "valueDecoded": decoded},
		}},
	}
	raw, err := json.MarshalIndent(item, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestSafeVerifyAPILargeServiceFile: the API takes every file 'bulwark safe
// verify --tx' takes, up to policy.MaxServiceTxSize whatever the general body
// limit, and refuses a larger one naming the limit.
func TestSafeVerifyAPILargeServiceFile(t *testing.T) {
	t.Parallel()
	raw := largeServiceFile(t, 1500)
	if len(raw) <= DefaultMaxBodyBytes || len(raw) > policy.MaxServiceTxSize {
		t.Fatalf("the file is %d bytes; want beyond the general limit (%d) and within policy.MaxServiceTxSize", len(raw), DefaultMaxBodyBytes)
	}
	e := newEnv(t, withSafeVerifier)
	rec := e.do("POST", "/api/v1/safe/verify?chainId=1&safeVersion=1.3.0&allowMultisend=true", jsonHeaders("analyst"), string(raw))
	mustStatus(t, rec, http.StatusOK)
	var out struct {
		Verdict string
		Decoded struct{ Calls []json.RawMessage }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Verdict == "" || len(out.Decoded.Calls) != 1500 {
		t.Fatalf("verdict %q, %d calls decoded; want a verdict on 1500 calls", out.Verdict, len(out.Decoded.Calls))
	}

	huge := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), policy.MaxServiceTxSize)...)
	huge = append(huge, `"}`...)
	e = newEnv(t, withSafeVerifier)
	rec = e.do("POST", "/api/v1/safe/verify?chainId=1&safeVersion=1.3.0", jsonHeaders("analyst"), string(huge))
	mustStatus(t, rec, http.StatusRequestEntityTooLarge)
	if !strings.Contains(rec.Body.String(), "8 MiB") {
		t.Errorf("413 does not name the limit: %s", rec.Body)
	}
	noVerifyAudit(t, e, rec)
}

// TestSafeVerifyAPIAddressBook: with the server's address book (serve
// --address-book) the unlimited USDT approve of the policy fixtures names
// USDT from the book, says the spender is not in it, and the answer names
// the book it was checked against.
// defaultIndex is the index of the default lists compiled into Bulwark,
// which a new data directory starts with.
var defaultIndex = sync.OnceValues(func() (*screening.Index, error) {
	lists, err := sources.Embedded()
	if err != nil {
		return nil, err
	}
	return screening.BuildIndex(lists, time.Now()), nil
})

func defaultScreener(t testing.TB) policy.AddressScreener {
	t.Helper()
	ix, err := defaultIndex()
	if err != nil {
		t.Fatal(err)
	}
	return policy.IndexScreener(func() *screening.Index { return ix })
}

// TestSafeVerifyAPIScreening: with serve's lists, POST /api/v1/safe/verify
// rejects a transfer to an address of the FBI's Bybit PSA, naming the
// list and the recipient, and records the list versions; without them it
// says the addresses were not screened.
func TestSafeVerifyAPIScreening(t *testing.T) {
	t.Parallel()
	const body = `{"safe":"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4","to":"0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D","value":"1000000000000000000","data":"0x","operation":0,"nonce":"3"}`
	e := newEnv(t, func(c *Config) { c.SafeVerifier, c.SafeScreener = OfflineSafeVerifier, defaultScreener(t) })
	rec := e.do("POST", "/api/v1/safe/verify?chainId=1&safeVersion=1.4.1", jsonHeaders("analyst"), body)
	mustStatus(t, rec, http.StatusOK)
	verdictIs("reject", policy.CodeAttributedAddress)(t, e, rec)
	for _, s := range []string{`"list":"fbi-dprk"`, "recipient of 1 ETH", `"screened":true`, `"id":"fbi-dprk","sha256":"`} {
		if !strings.Contains(rec.Body.String(), s) {
			t.Errorf("answer lacks %s: %s", s, rec.Body)
		}
	}
	bare := newEnv(t, func(c *Config) { c.SafeVerifier = OfflineSafeVerifier })
	rec = bare.do("POST", "/api/v1/safe/verify?chainId=1&safeVersion=1.4.1", jsonHeaders("analyst"), body)
	mustStatus(t, rec, http.StatusOK)
	verdictIs("ok", policy.CodeScreeningUnchecked)(t, bare, rec)
	if !strings.Contains(rec.Body.String(), `"screened":false`) {
		t.Errorf("an unscreened verdict does not say so: %s", rec.Body)
	}
}

func TestSafeVerifyAPIAddressBook(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "cli", "testdata", "safe", "verify", "usdt-unlimited-approve.json"))
	if err != nil {
		t.Fatal(err)
	}
	book, err := policy.ReadAddressBookFile(filepath.Join("..", "cli", "testdata", "safe", "addressbook.toml"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.SafeVerifier, c.SafeAddressBook = OfflineSafeVerifier, book })
	rec := e.do("POST", "/api/v1/safe/verify?chainId=1&safeVersion=1.3.0", jsonHeaders("analyst"), string(raw))
	mustStatus(t, rec, http.StatusOK)
	verdictIs("review", "TOKEN_APPROVAL", "ADDRESS_BOOK_TARGET")(t, e, rec)
	for _, s := range []string{`"sha256":"` + book.Digest + `"`, "NOT in the address book", `\"USDT\"`} {
		if !strings.Contains(rec.Body.String(), s) {
			t.Errorf("answer lacks %s: %s", s, rec.Body)
		}
	}
}
