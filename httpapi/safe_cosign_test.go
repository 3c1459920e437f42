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
	body := func(tx safe.Tx, extra string) string {
		return fmt.Sprintf(`{"safe":%q,"to":%q,"value":"%s","data":"0x%x","operation":%d,"nonce":"%s"%s}`,
			s.Address.Hex(), tx.To.Hex(), tx.Value, tx.Data, tx.Operation, tx.Nonce, extra)
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
	if dry := post("/api/v1/safe/cosign", "analyst", body(transfer, `,"dryRun":true`), http.StatusOK); dry.Decision != "signed" || dry.Signature != "" || dry.AuditSeq != 0 {
		t.Errorf("dry run %+v", dry)
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
		if !strings.HasPrefix(en.Actor, "token:") || dd.Requester != "analyst" {
			t.Errorf("entry %d: actor %s, requester %s", en.Seq, en.Actor, dd.Requester)
		}
		decisions = append(decisions, dd.Decision)
	}
	if want := []string{"signed", "held", "held", "signed"}; !slices.Equal(decisions, want) { // dry runs are not audited
		t.Errorf("audited %v, want %v", decisions, want)
	}
}

// TestSafeCosignAPIUnconfigured: without a co-signer both routes answer
// 503.
func TestSafeCosignAPIUnconfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, path := range []string{"/api/v1/safe/cosign", "/api/v1/safe/approvals"} {
		if rec := e.do("POST", path, jsonHeaders("analyst"), `{}`); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
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
