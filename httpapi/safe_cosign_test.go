package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// cosignAnswer is the part of a co-sign answer the tests read.
type cosignAnswer struct {
	Verdict, Decision, SafeTxHash, Signature string
	Deciding, Approvals, Approvers           []string
	AuditSeq                                 int64
	ConfirmedBy                              string
	Skipped                                  []string
}

// TestSafeCosignAPI: POST /api/v1/safe/cosign co-signs a plain transfer,
// which then executes with the two humans' signatures; it holds a call of
// an unknown function until two tokens approve it through POST
// /api/v1/safe/approvals (409 for the same token twice), then co-signs
// it. Each decision and approval is audited under the token.
func TestSafeCosignAPI(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	cosigner := safetest.Cosigner()
	s := d.NewCosignedSafe(t, cosigner, 2)
	e := newEnv(t, func(c *Config) {
		// The env's store (a *sqlite.DB) keeps the co-signatures too.
		c.Cosigner = &cosign.Service{Chain: chain.RPC, Simulator: chain.RPC, Signer: cosigner.Signer(),
			Store: c.SafeVerifications.(cosign.Store), Audit: c.Audit, Verifications: c.SafeVerifications,
			Tokens: cosign.AuthTokens(c.Auth.Store, c.Auth.Now), Policy: policy.Policy{Screener: defaultScreener(t)}}
	})
	// unconfirmed is the transaction without an owner's confirmation; body
	// adds a human owner's, as the co-signer requires before signing.
	unconfirmed := func(tx safe.Tx, extra string) string {
		return fmt.Sprintf(`{"safe":%q,"to":%q,"value":"%s","data":"0x%x","operation":%d,"nonce":"%s"%s}`,
			s.Address.Hex(), tx.To.Hex(), tx.Value, tx.Data, tx.Operation, tx.Nonce, extra)
	}
	body := func(tx safe.Tx, extra string) string {
		c := s.Confirmations(t, tx, s.Humans[0])[0]
		return unconfirmed(tx, fmt.Sprintf(`,"confirmations":[{"owner":%q,"signature":"0x%x"}]%s`, c.Owner.Hex(), c.Signature, extra))
	}
	post := func(path, tok, b string, want int) *cosignAnswer {
		t.Helper()
		rec := e.do("POST", path, jsonHeaders(tok), b)
		if rec.Code != want {
			t.Fatalf("%s as %s: status %d, want %d: %s", path, tok, rec.Code, want, rec.Body)
		}
		var a cosignAnswer
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		return &a
	}
	execute := func(tx safe.Tx, cosignature string) {
		t.Helper()
		s.Exec(t, tx, s.Signatures(t, tx, common.FromHex(cosignature))).RequireSuccess(t)
	}

	transfer := s.TransferETHTx(t, common.BigToAddress(big.NewInt(0xa91)), big.NewInt(1))
	if dry := post("/api/v1/safe/cosign", "analyst", body(transfer, `,"dryRun":true`), http.StatusOK); dry.Decision != "signed" || dry.Signature != "" || dry.AuditSeq == 0 {
		t.Errorf("dry run %+v", dry)
	}
	// Without a human owner's confirmation: held, whoever asks.
	if a := post("/api/v1/safe/cosign", "analyst", unconfirmed(transfer, ""), http.StatusOK); a.Decision != "held" || a.Verdict != "review" ||
		!slices.Equal(a.Deciding, []string{cosign.CodeNoOwnerConfirmation}) || a.Signature != "" || a.AuditSeq == 0 {
		t.Fatalf("transfer without an owner's confirmation: %+v", a)
	}
	// The packed signatures of execTransaction do as well.
	sig := s.Confirmations(t, transfer, s.Humans[1])[0].Signature
	if a := post("/api/v1/safe/cosign", "analyst", unconfirmed(transfer, fmt.Sprintf(`,"signatures":"0x%x","dryRun":true`, sig)), http.StatusOK); a.Decision != "signed" ||
		a.ConfirmedBy != s.Humans[1].Address.Hex() || len(a.Skipped) != 0 {
		t.Fatalf("transfer with packed signatures: %+v", a)
	}
	// A dry run does not require it, and says so.
	if a := post("/api/v1/safe/cosign", "analyst", unconfirmed(transfer, `,"dryRun":true`), http.StatusOK); a.Decision != "signed" ||
		len(a.Skipped) != 1 || !strings.HasPrefix(a.Skipped[0], cosign.CodeNoOwnerConfirmation) {
		t.Fatalf("dry run without an owner's confirmation: %+v", a)
	}
	got := post("/api/v1/safe/cosign", "analyst", body(transfer, ""), http.StatusOK)
	if got.Decision != "signed" || got.Verdict != "ok" || len(got.Signature) != 2+130 || got.AuditSeq == 0 {
		t.Fatalf("transfer: %+v", got)
	}
	execute(transfer, got.Signature)

	token := chain.DeployERC20(t)
	data, err := safetest.TestContract(safetest.ERC20Name).Pack("mint", s.Address, big.NewInt(1))
	if err != nil {
		t.Fatal(err)
	}
	mint := s.Tx(t, token, nil, data, safe.Call)
	held := post("/api/v1/safe/cosign", "analyst", body(mint, ""), http.StatusOK)
	if held.Decision != "held" || !slices.Contains(held.Deciding, cosign.CodeNeedsApprovals) || held.Signature != "" {
		t.Fatalf("unknown function: %+v", held)
	}
	approval := fmt.Sprintf(`{"chainId":31337,"safe":%q,"safeTxHash":%q,"note":"planned mint"}`, s.Address.Hex(), held.SafeTxHash)
	analyst, admin := "token:"+e.ids["analyst"], "token:"+e.ids["admin"]
	if a := post("/api/v1/safe/approvals", "analyst", approval, http.StatusCreated); !slices.Equal(a.Approvers, []string{analyst}) {
		t.Errorf("first approval: %+v", a)
	}
	rec := e.do("POST", "/api/v1/safe/approvals", jsonHeaders("analyst"), approval)
	if rec.Code != http.StatusConflict {
		t.Fatalf("the same token twice: %d %s", rec.Code, rec.Body)
	}
	if a := post("/api/v1/safe/cosign", "analyst", body(mint, ""), http.StatusOK); a.Decision != "held" {
		t.Errorf("after one approval: %+v", a)
	}
	if a := post("/api/v1/safe/approvals", "admin", approval, http.StatusCreated); !slices.Equal(a.Approvers, []string{analyst, admin}) {
		t.Errorf("second approval: %+v", a)
	}
	// An approval by a token revoked since does not count.
	revoked, err := e.auth.Revoke(t.Context(), e.ids["admin"])
	if err != nil {
		t.Fatal(err)
	}
	e.auth.Forget(revoked.ID)
	if a := post("/api/v1/safe/cosign", "analyst", body(mint, `,"dryRun":true`), http.StatusOK); a.Decision != "held" || !slices.Equal(a.Approvals, []string{analyst}) {
		t.Fatalf("after the admin token was revoked: %+v", a)
	}
	// The command line's "analyst" is not the token named analyst; the
	// revoked admin token's approval is not among those that count.
	if a, err := e.srv.cfg.Cosigner.Approve(t.Context(), cosign.ApproveRequest{ChainID: big.NewInt(31337), Safe: s.Address,
		SafeTxHash: common.HexToHash(held.SafeTxHash), Approver: "analyst"}); err != nil || !slices.Equal(a.Approvers, []string{analyst, "cli:analyst"}) {
		t.Fatalf("approval on the command line as analyst: %+v, %v", a, err)
	}
	signed := post("/api/v1/safe/cosign", "analyst", body(mint, ""), http.StatusOK)
	if signed.Decision != "signed" || signed.Verdict != "review" || !slices.Equal(signed.Approvals, []string{analyst, "cli:analyst"}) {
		t.Fatalf("after two approvals: %+v", signed)
	}
	execute(mint, signed.Signature)

	// Refusals: an unknown hash (404), a viewer (403), a node named in
	// the request (400).
	for _, tc := range []struct {
		path, tok, body string
		want            int
	}{
		{"/api/v1/safe/approvals", "analyst", fmt.Sprintf(`{"chainId":31337,"safe":%q,"safeTxHash":"0x%064x"}`, s.Address.Hex(), 1), http.StatusNotFound},
		{"/api/v1/safe/approvals", "analyst", `{"chainId":31337,"safe":"0x12","safeTxHash":"0x00"}`, http.StatusBadRequest},
		{"/api/v1/safe/approvals", "viewer", approval, http.StatusForbidden},
		{"/api/v1/safe/cosign", "viewer", body(mint, ""), http.StatusForbidden},
		{"/api/v1/safe/cosign", "analyst", body(mint, `,"rpc":"http://127.0.0.1:1"`), http.StatusBadRequest},
	} {
		if rec := e.do("POST", tc.path, jsonHeaders(tc.tok), tc.body); rec.Code != tc.want {
			t.Errorf("%s as %s: %d, want %d: %s", tc.path, tc.tok, rec.Code, tc.want, rec.Body)
		}
	}

	var decisions []string
	for _, en := range e.auditEntries() {
		if en.Action != "safe.cosign" {
			continue
		}
		var dd struct{ Decision, Requester string }
		if err := json.Unmarshal(en.Details, &dd); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(en.Actor, "token:") || dd.Requester != "analyst" && dd.Decision != "refused" {
			t.Errorf("entry %d: actor %s, requester %s", en.Seq, en.Actor, dd.Requester)
		}
		decisions = append(decisions, dd.Decision)
	}
	// Dry runs are audited as such; the request naming a node is, refused
	// before it reached the co-signer (the viewer's is refused by
	// authorization, in the access log).
	if want := []string{"dry-run", "held", "dry-run", "dry-run", "signed", "held", "held", "dry-run", "signed", "refused"}; !slices.Equal(decisions, want) {
		t.Errorf("audited %v, want %v", decisions, want)
	}
}

// TestSafeCosignAPIUnconfigured: without a co-signer the routes answer
// 503.
func TestSafeCosignAPIUnconfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, path := range []string{"/api/v1/safe/cosign", "/api/v1/safe/approvals"} {
		if rec := e.do("POST", path, jsonHeaders("analyst"), `{}`); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	if rec := e.do("DELETE", "/api/v1/safe/approvals/1/0x000000000000000000000000000000000000dEaD/0x"+strings.Repeat("ab", 32), bearerFor("analyst"), ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("DELETE: %d %s", rec.Code, rec.Body)
	}
}

// TestSafeApprovalWithdrawAPI: a token withdraws its own approval with
// DELETE /api/v1/safe/approvals/{chainId}/{safe}/{safeTxHash} (200, then
// 404), after which it no longer counts; requests to the co-signer's
// routes whose body or path does not parse are 400s audited as refused,
// under the token, with the field and the request id.
func TestSafeApprovalWithdrawAPI(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	cosigner := safetest.Cosigner()
	s := d.NewCosignedSafe(t, cosigner, 2)
	e := newEnv(t, func(c *Config) {
		c.Cosigner = &cosign.Service{Chain: chain.RPC, Simulator: chain.RPC, Signer: cosigner.Signer(),
			Store: c.SafeVerifications.(cosign.Store), Audit: c.Audit, Verifications: c.SafeVerifications,
			Tokens: cosign.AuthTokens(c.Auth.Store, c.Auth.Now), Policy: policy.Policy{Screener: defaultScreener(t)}}
	})
	token := chain.DeployERC20(t)
	data, err := safetest.TestContract(safetest.ERC20Name).Pack("mint", s.Address, big.NewInt(2))
	if err != nil {
		t.Fatal(err)
	}
	mint := s.Tx(t, token, nil, data, safe.Call)
	body := fmt.Sprintf(`{"safe":%q,"to":%q,"value":"0","data":"0x%x","operation":0,"nonce":"%s"}`, s.Address.Hex(), mint.To.Hex(), mint.Data, mint.Nonce)
	rec := e.do("POST", "/api/v1/safe/cosign", jsonHeaders("analyst"), body)
	var held cosignAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &held); err != nil || held.Decision != "held" {
		t.Fatalf("held: %d %s", rec.Code, rec.Body)
	}
	approval := fmt.Sprintf(`{"chainId":31337,"safe":%q,"safeTxHash":%q}`, s.Address.Hex(), held.SafeTxHash)
	for _, tok := range []string{"analyst", "admin"} {
		if rec := e.do("POST", "/api/v1/safe/approvals", jsonHeaders(tok), approval); rec.Code != http.StatusCreated {
			t.Fatalf("approval as %s: %d %s", tok, rec.Code, rec.Body)
		}
	}
	path := fmt.Sprintf("/api/v1/safe/approvals/31337/%s/%s", s.Address.Hex(), held.SafeTxHash)
	rec = e.do("DELETE", path, bearerFor("admin"), "")
	var w cosign.WithdrawJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &w); rec.Code != http.StatusOK || err != nil || w.Approver != "token:"+e.ids["admin"] || w.Approved == 0 || w.AuditSeq == 0 {
		t.Fatalf("withdraw: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("DELETE", path, bearerFor("admin"), ""); rec.Code != http.StatusNotFound {
		t.Errorf("withdrawing twice: %d %s", rec.Code, rec.Body)
	}
	rec = e.do("POST", "/api/v1/safe/cosign", jsonHeaders("analyst"), strings.TrimSuffix(body, "}")+`,"dryRun":true}`)
	var after cosignAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &after); err != nil || after.Decision != "held" || !slices.Equal(after.Approvals, []string{"token:" + e.ids["analyst"]}) {
		t.Fatalf("after the withdrawal: %d %s", rec.Code, rec.Body)
	}

	n := len(e.auditEntries())
	for _, tc := range []struct {
		method, path string
		headers      map[string]string
		body, action string
	}{
		{"POST", "/api/v1/safe/cosign", jsonHeaders("analyst"), `{"safe":`, "safe.cosign"},
		{"POST", "/api/v1/safe/cosign", bearerFor("analyst"), body, "safe.cosign"},
		{"POST", "/api/v1/safe/cosign", jsonHeaders("analyst"), `{"safe":"0x12"}`, "safe.cosign"},
		{"POST", "/api/v1/safe/approvals", jsonHeaders("analyst"), `not json`, "safe.approve"},
		{"POST", "/api/v1/safe/approvals", jsonHeaders("analyst"), `{"chainId":"one"}`, "safe.approve"},
		{"POST", "/api/v1/safe/approvals", jsonHeaders("analyst"), `{"chainId":31337,"safeTxHash":"0x00"}`, "safe.approve"},
		{"POST", "/api/v1/safe/approvals", jsonHeaders("analyst"), `{"chainId":31337,"bogus":1}`, "safe.approve"},
		// Refused by the co-signer itself, not by the route's parsing.
		{"POST", "/api/v1/safe/approvals", jsonHeaders("analyst"), fmt.Sprintf(`{"safe":%q,"safeTxHash":%q}`, s.Address.Hex(), held.SafeTxHash), "safe.approve"},
		{"POST", "/api/v1/safe/approvals", jsonHeaders("analyst"), fmt.Sprintf(`{"chainId":31337,"safe":%q,"safeTxHash":%q,"note":%q}`, s.Address.Hex(), held.SafeTxHash, strings.Repeat("n", 1001)), "safe.approve"},
		{"DELETE", "/api/v1/safe/approvals/0/" + s.Address.Hex() + "/" + held.SafeTxHash, bearerFor("analyst"), "", "safe.approve.withdraw"},
		{"DELETE", "/api/v1/safe/approvals/31337/0x12/" + held.SafeTxHash, bearerFor("analyst"), "", "safe.approve.withdraw"},
	} {
		rec := e.do(tc.method, tc.path, tc.headers, tc.body)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s %s %q: %d, want 400: %s", tc.method, tc.path, tc.body, rec.Code, rec.Body)
			continue
		}
		all := e.auditEntries()
		if len(all) != n+1 {
			t.Errorf("%s %s %q: %d new audit entries, want 1", tc.method, tc.path, tc.body, len(all)-n)
			n = len(all)
			continue
		}
		n = len(all)
		en := all[n-1]
		var dd struct{ Decision, Error, RequestID, Reason, Field string }
		if err := json.Unmarshal(en.Details, &dd); err != nil || en.Action != tc.action || en.Actor != "token:"+e.ids["analyst"] ||
			dd.Decision != "refused" || dd.Error != bulwark.EINVALID || dd.Reason == "" || dd.Field != "" && !strings.Contains(rec.Body.String(), dd.Field) {
			t.Errorf("%s %s %q: audited %s by %s: %s", tc.method, tc.path, tc.body, en.Action, en.Actor, en.Details)
		}
	}
}

// FuzzApprovalBody: any body of POST /api/v1/safe/approvals is decoded and
// read into a request, or refused with an invalid error naming a field;
// what is read keeps the body's values.
func FuzzApprovalBody(f *testing.F) {
	for _, s := range []string{
		`{"chainId":1,"safe":"0x000000000000000000000000000000000000dEaD","safeTxHash":"0x` + strings.Repeat("ab", 32) + `","note":"ok"}`,
		`{"chainId":0}`, `{"chainId":-1}`, `{"chainId":1.5}`, `{"chainId":"1"}`, `{"chainId":1e3}`, `{"safe":"0x12"}`,
		`{"safeTxHash":"0x00"}`, `{"note":"\u0000"}`, `{}`, `{"chainId":115792089237316195423570985008687907853269984665640564039457584007913129639936}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b approvalRequest
		if err := decodeBytes(data, &b); err != nil {
			return
		}
		req, err := b.request()
		if err != nil {
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field == "" {
				t.Fatalf("%q: %v", data, err)
			}
			return
		}
		if req.Note != b.Note || (b.ChainID != "" && (req.ChainID == nil || req.ChainID.Sign() <= 0)) ||
			(b.Safe != "" && req.Safe == (common.Address{}) && !strings.EqualFold(b.Safe, "0x"+strings.Repeat("0", 40))) {
			t.Fatalf("%q read as %+v", data, req)
		}
	})
}

// TestSafeApprovalsPerPerson: an admin who mints two analyst tokens for
// one person (POST /api/v1/tokens "person", stored, listed and audited)
// approves a held transaction once, however many of them approve: the
// co-signer counts one approval per person (case-folded), per token for
// tokens naming none; the approval's audit entry names the person.
func TestSafeApprovalsPerPerson(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	cosigner := safetest.Cosigner()
	s := d.NewCosignedSafe(t, cosigner, 1)
	e := newEnv(t, func(c *Config) {
		c.Cosigner = &cosign.Service{Chain: chain.RPC, Simulator: chain.RPC, Signer: cosigner.Signer(),
			Store: c.SafeVerifications.(cosign.Store), Audit: c.Audit, Verifications: c.SafeVerifications,
			Tokens: cosign.AuthTokens(c.Auth.Store, c.Auth.Now), Policy: policy.Policy{Screener: defaultScreener(t)}}
	})
	mint := func(name, person string) {
		t.Helper()
		rec := e.do("POST", "/api/v1/tokens", jsonHeaders("admin"), fmt.Sprintf(`{"name":%q,"role":"analyst","person":%q}`, name, person))
		var out struct {
			Secret string
			Token  struct{ ID, Person string }
		}
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.Token.Person != strings.TrimSpace(person) {
			t.Fatalf("create %s: %d %s", name, rec.Code, rec.Body)
		}
		e.secrets[name], e.ids[name] = out.Secret, out.Token.ID
	}
	mint("mallory-1", "Mallory")
	mint("mallory-2", " mallory ")
	if rec := e.do("POST", "/api/v1/tokens", jsonHeaders("admin"), `{"name":"x","role":"analyst","person":"a\nb"}`); rec.Code != http.StatusBadRequest {
		t.Errorf("a person with a newline: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("GET", "/api/v1/tokens", bearerFor("admin"), ""); !strings.Contains(rec.Body.String(), `"person":"Mallory"`) {
		t.Errorf("list: %s", rec.Body)
	}

	token := chain.DeployERC20(t)
	data, err := safetest.TestContract(safetest.ERC20Name).Pack("mint", s.Address, big.NewInt(1))
	if err != nil {
		t.Fatal(err)
	}
	tx := s.Tx(t, token, nil, data, safe.Call)
	c := s.Confirmations(t, tx, s.Humans[0])[0]
	body := fmt.Sprintf(`{"safe":%q,"to":%q,"value":"0","data":"0x%x","operation":0,"nonce":"%s","confirmations":[{"owner":%q,"signature":"0x%x"}]}`,
		s.Address.Hex(), tx.To.Hex(), tx.Data, tx.Nonce, c.Owner.Hex(), c.Signature)
	cosignAs := func() cosignAnswer {
		t.Helper()
		rec := e.do("POST", "/api/v1/safe/cosign", jsonHeaders("analyst"), body)
		var a cosignAnswer
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &a) != nil {
			t.Fatalf("cosign: %d %s", rec.Code, rec.Body)
		}
		return a
	}
	held := cosignAs()
	if held.Decision != "held" {
		t.Fatalf("mint: %+v", held)
	}
	approval := fmt.Sprintf(`{"chainId":31337,"safe":%q,"safeTxHash":%q}`, s.Address.Hex(), held.SafeTxHash)
	for _, tok := range []string{"mallory-1", "mallory-2"} {
		if rec := e.do("POST", "/api/v1/safe/approvals", jsonHeaders(tok), approval); rec.Code != http.StatusCreated {
			t.Fatalf("approval by %s: %d %s", tok, rec.Code, rec.Body)
		}
	}
	if a := cosignAs(); a.Decision != "held" || !slices.Equal(a.Approvals, []string{"token:" + e.ids["mallory-1"]}) {
		t.Fatalf("two tokens of one person: %+v, want held with one approval", a)
	}
	if rec := e.do("POST", "/api/v1/safe/approvals", jsonHeaders("analyst"), approval); rec.Code != http.StatusCreated {
		t.Fatalf("approval by analyst: %d %s", rec.Code, rec.Body)
	}
	if a := cosignAs(); a.Decision != "signed" {
		t.Fatalf("after another person approved: %+v", a)
	}
	var created, approved int
	for _, en := range e.auditEntries() {
		var dd struct{ Person, Decision string }
		if err := json.Unmarshal(en.Details, &dd); err != nil {
			t.Fatal(err)
		}
		switch {
		case en.Action == "token.create" && strings.EqualFold(strings.TrimSpace(dd.Person), "mallory"):
			created++
		case en.Action == "safe.approve" && dd.Decision == "approved" && dd.Person != "":
			approved++
		}
	}
	if created != 2 || approved != 2 {
		t.Errorf("audit: %d token.create and %d safe.approve entries name the person, want 2 and 2", created, approved)
	}
}
