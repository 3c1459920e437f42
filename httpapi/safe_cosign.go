package httpapi

import (
	"encoding/json"
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
	routeSafeCosign    = "POST /api/v1/safe/cosign"
	routeSafeApprovals = "POST /api/v1/safe/approvals"
)

func (s *Server) safeCosignRoutes() {
	// The co-signer audits each decision and approval itself, in the
	// transaction that stores the signature or the approval, so these
	// are plain routes rather than handleChange ones.
	s.register(routeSafeCosign, auth.PermAnalyze, s.cosignSafe)
	s.register(routeSafeApprovals, auth.PermAnalyze, s.approveSafe)
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
		return err
	}
	var opts cosignOptions
	if err := json.Unmarshal(raw, &opts); err != nil {
		return decodeError(err, &opts, len(raw))
	}
	if opts.RPC != nil {
		return badInput("rpc", "rpc: a request cannot choose the node: the co-signer reads the Safe from the node this server was started with (bulwark serve --rpc); leave rpc out")
	}
	st, err := policy.ReadServiceTx(raw)
	if err != nil {
		return err
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
	if b.ChainID != "" {
		n, ok := new(big.Int).SetString(b.ChainID.String(), 10)
		if !ok || n.Sign() <= 0 || n.Cmp(safe.MaxUint256) > 0 {
			return req, badInput("chainId", "chainId: want a whole number from 1 to 2^256-1, e.g. 1 for Ethereum mainnet")
		}
		req.ChainID = n
	}
	var err error
	if b.Safe != "" {
		if req.Safe, err = safe.ParseAddress("safe", b.Safe); err != nil {
			return req, err
		}
	}
	if b.SafeTxHash != "" {
		h, err := safe.ParseHex("safeTxHash", b.SafeTxHash)
		if err != nil {
			return req, err
		}
		if len(h) != common.HashLength {
			return req, badInput("safeTxHash", "safeTxHash: %d bytes: a safeTxHash is 32 bytes (64 hex digits)", len(h))
		}
		req.SafeTxHash = common.BytesToHash(h)
	}
	return req, nil
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
		return err
	}
	req, err := body.request()
	if err != nil {
		return err
	}
	tok := tokenOf(r)
	req.Approver, req.TokenID, req.Actor = tok.Name, tok.ID, "token:"+tok.ID
	res, err := s.cfg.Cosigner.Approve(r.Context(), req)
	if err != nil {
		return hideNodeURL(err)
	}
	s.writeJSON(w, r, http.StatusCreated, res.JSON())
	return nil
}
