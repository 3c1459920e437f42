package httpapi

import (
	"encoding/json"
	"errors"
	"math/big"
	"net/http"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

const (
	routeSafeCosign           = "POST /api/v1/safe/cosign"
	routeSafeApprovals        = "POST /api/v1/safe/approvals"
	routeSafeApprovalWithdraw = "DELETE /api/v1/safe/approvals/{chainId}/{safe}/{safeTxHash}"
)

func (s *Server) safeCosignRoutes() {
	// The co-signer audits each decision, approval and withdrawal itself,
	// in the transaction that stores the signature or the approval, so
	// these are plain routes rather than handleChange ones. Unlike the
	// handleChange routes, a request refused before it reaches the
	// co-signer (a body or path that does not parse) is audited too: an
	// attempt to get a co-signature or to approve one is on record
	// whatever became of it.
	s.register(routeSafeCosign, auth.PermAnalyze, s.cosignSafe)
	s.register(routeSafeApprovals, auth.PermAnalyze, s.approveSafe)
	s.register(routeSafeApprovalWithdraw, auth.PermAnalyze, s.withdrawSafeApproval)
}

// refused audits a co-signer request refused before it reached the
// co-signer (action safe.cosign, safe.approve or safe.approve.withdraw),
// and returns err.
func (s *Server) refused(r *http.Request, action string, err error) error {
	if bulwark.IsCode(err, bulwark.EINTERNAL) {
		return err
	}
	d := map[string]any{}
	if info := infoFrom(r.Context()); info != nil {
		d["requestId"] = info.requestID
		d["route"] = info.route
	}
	var be *bulwark.Error
	if errors.As(err, &be) && be.Field != "" {
		d["field"] = be.Field
	}
	s.cfg.Cosigner.RecordBadRequest(r.Context(), action, "token:"+tokenOf(r).ID, d, err)
	return err
}

// cosignOptions are the keys a co-sign body may carry beside the
// transaction's own.
type cosignOptions struct {
	DryRun *bool   `json:"dryRun"`
	RPC    *string `json:"rpc"`
}

// cosignSafe answers POST /api/v1/safe/cosign: the body is a Safe
// Transaction Service multisig-transaction JSON, as for POST
// /api/v1/safe/verify; the server's node is used (a request never names
// one), and "dryRun": true decides without signing. The answer is 200
// whatever the decision (signed, held, refused), with the findings that
// decide; the requester is the token's name.
func (s *Server) cosignSafe(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Cosigner == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the co-signer is not configured on this server (it needs serve --rpc and a co-signer key: bulwark safe cosigner init)")
	}
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw, s.bodyLimitAtLeast(policy.MaxServiceTxSize)); err != nil {
		return s.refused(r, "safe.cosign", err)
	}
	var opts cosignOptions
	if err := json.Unmarshal(raw, &opts); err != nil {
		return s.refused(r, "safe.cosign", decodeError(err, &opts, len(raw)))
	}
	if opts.RPC != nil {
		return s.refused(r, "safe.cosign", badInput("rpc", "rpc: a request cannot choose the node: the co-signer reads the Safe from the node this server was started with (bulwark serve --rpc); leave rpc out"))
	}
	st, err := policy.ReadServiceTx(raw)
	if err != nil {
		return s.refused(r, "safe.cosign", err)
	}
	tok := tokenOf(r)
	res, err := s.cfg.Cosigner.Cosign(r.Context(), cosign.Request{Tx: *st, Requester: tok.Name, Actor: "token:" + tok.ID,
		DryRun: opts.DryRun != nil && *opts.DryRun})
	if err != nil {
		return hideNodeURL(err)
	}
	s.writeJSON(w, r, http.StatusOK, res.JSON())
	return nil
}

// approvalRequest is the body of POST /api/v1/safe/approvals.
type approvalRequest struct {
	ChainID    json.Number `json:"chainId"`
	Safe       string      `json:"safe"`
	SafeTxHash string      `json:"safeTxHash"`
	Note       string      `json:"note"`
}

// request reads the body's transaction; an error names the field. The
// co-signer checks what is missing.
func (b approvalRequest) request() (cosign.ApproveRequest, error) {
	req := cosign.ApproveRequest{Note: b.Note}
	var err error
	req.ChainID, req.Safe, req.SafeTxHash, err = parseTxName(b.ChainID.String(), b.Safe, b.SafeTxHash)
	return req, err
}

// parseTxName reads the chain id, Safe and safeTxHash naming a
// transaction, each optional ("" is left zero); an error names the field.
func parseTxName(chainID, safeAddr, safeTxHash string) (*big.Int, common.Address, common.Hash, error) {
	var id *big.Int
	var addr common.Address
	var hash common.Hash
	if chainID != "" {
		n, ok := new(big.Int).SetString(chainID, 10)
		if !ok || n.Sign() <= 0 || n.Cmp(safe.MaxUint256) > 0 {
			return nil, addr, hash, badInput("chainId", "chainId: want a whole number from 1 to 2^256-1, e.g. 1 for Ethereum mainnet")
		}
		id = n
	}
	var err error
	if safeAddr != "" {
		if addr, err = safe.ParseAddress("safe", safeAddr); err != nil {
			return nil, addr, hash, err
		}
	}
	if safeTxHash != "" {
		h, err := safe.ParseHex("safeTxHash", safeTxHash)
		if err != nil {
			return nil, addr, hash, err
		}
		if len(h) != common.HashLength {
			return nil, addr, hash, badInput("safeTxHash", "safeTxHash: %d bytes: a safeTxHash is 32 bytes (64 hex digits)", len(h))
		}
		hash = common.BytesToHash(h)
	}
	return id, addr, hash, nil
}

// approveSafe answers POST /api/v1/safe/approvals: the token (counted
// as "token:<id>", whatever its name) approves a transaction held for dual control. 201 with every approver
// so far; 409 when the same token approved it already; 400 for a
// transaction whose verdict is not review (never a reject); 404 for one
// the co-signer never verified.
func (s *Server) approveSafe(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Cosigner == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the co-signer is not configured on this server")
	}
	var body approvalRequest
	if err := decodeJSON(w, r, &body, s.cfg.MaxBodyBytes); err != nil {
		return s.refused(r, "safe.approve", err)
	}
	req, err := body.request()
	if err != nil {
		return s.refused(r, "safe.approve", err)
	}
	tok := tokenOf(r)
	req.Approver, req.TokenID, req.Actor = tok.Name, tok.ID, "token:"+tok.ID
	res, err := s.cfg.Cosigner.Approve(dualContext(r), req)
	if err != nil {
		return hideNodeURL(err)
	}
	s.writeJSON(w, r, http.StatusCreated, res.JSON())
	return nil
}

// withdrawSafeApproval answers DELETE
// /api/v1/safe/approvals/{chainId}/{safe}/{safeTxHash}: the token
// withdraws its own approval of the transaction, which no longer counts.
// 200 with the approval withdrawn; 404 when the token has no standing
// approval of it; 400 for a path that does not parse (audited as
// refused).
func (s *Server) withdrawSafeApproval(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Cosigner == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the co-signer is not configured on this server")
	}
	chainID, addr, hash, err := parseTxName(r.PathValue("chainId"), r.PathValue("safe"), r.PathValue("safeTxHash"))
	if err != nil {
		return s.refused(r, "safe.approve.withdraw", err)
	}
	tok := tokenOf(r)
	res, err := s.cfg.Cosigner.Withdraw(r.Context(), cosign.WithdrawRequest{ChainID: chainID, Safe: addr, SafeTxHash: hash,
		Approver: tok.Name, TokenID: tok.ID, Actor: "token:" + tok.ID})
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, res.JSON())
	return nil
}
