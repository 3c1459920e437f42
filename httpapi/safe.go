package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"regexp"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/safe"
)

const routeSafeVerify = "POST /api/v1/safe/verify"

// SafeVerifier verifies one Safe transaction for POST /api/v1/safe/verify.
// cmd/bulwark wires safe.Verify (offline), or, with `serve --rpc`, a
// verifier that reads the chain and simulates (safe.VerifyOnChain; then
// set Config.SafeOnChain).
type SafeVerifier func(ctx context.Context, req safe.VerifyRequest) (*safe.Verification, error)

// OfflineSafeVerifier is safe.Verify as a SafeVerifier.
func OfflineSafeVerifier(_ context.Context, req safe.VerifyRequest) (*safe.Verification, error) {
	return safe.Verify(req)
}

func (s *Server) safeRoutes() {
	// A verification changes no state, but its verdict is a decision that
	// goes to the audit log: handleChange records it in one transaction
	// before the caller sees it.
	s.handleChange(routeSafeVerify, auth.PermAnalyze, s.verifySafe)
}

// safeVerifyOptions are the keys of the request body beside the
// transaction's own.
type safeVerifyOptions struct {
	ChainID          json.RawMessage `json:"chainId"`
	SafeVersion      *string         `json:"safeVersion"`
	AllowMultisend   bool            `json:"allowMultisend"`
	TrustAddressOnly bool            `json:"trustAddressOnly"`
	RPC              *string         `json:"rpc"`
}

// safeVerifyResponse is the CLI's --json output: the verification and the
// sequence number of its audit entry.
type safeVerifyResponse struct {
	safe.VerificationJSON
	AuditSeq int64 `json:"auditSeq"`
}

// verifySafe answers POST /api/v1/safe/verify. The body is a Safe
// Transaction Service multisig-transaction JSON (unknown keys ignored, as
// the service returns many) plus chainId, safeVersion and the policy
// options allowMultisend and trustAddressOnly. The answer is 200 with the
// verdict whatever it is; 400 names the field at fault.
func (s *Server) verifySafe(w http.ResponseWriter, r *http.Request, _ *auth.Token) (*change, error) {
	if s.cfg.SafeVerifier == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "Safe transaction verification is not configured on this server")
	}
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw, s.cfg.MaxBodyBytes); err != nil {
		return nil, err
	}
	var opts safeVerifyOptions
	if err := json.Unmarshal(raw, &opts); err != nil {
		return nil, decodeError(err, &opts, len(raw))
	}
	if opts.RPC != nil {
		// A request never chooses the node: the server would send requests
		// wherever a caller points it.
		if s.cfg.SafeOnChain {
			return nil, badInput("rpc", "rpc: a request cannot choose the node: this server reads the Safe from the node it was started with (bulwark serve --rpc); leave rpc out")
		}
		return nil, badInput("rpc", "rpc: this server has no node to read the Safe from (start it with bulwark serve --rpc URL); leave rpc out and give chainId and safeVersion")
	}
	var (
		chainID *big.Int
		version safe.Version
		err     error
	)
	// With a node, chainId and safeVersion are read from it (and, when
	// given, must agree with it); without one they are required.
	if !s.cfg.SafeOnChain || !isNullJSON(opts.ChainID) {
		if chainID, err = jsonChainID(opts.ChainID); err != nil {
			return nil, err
		}
	}
	if opts.SafeVersion == nil && !s.cfg.SafeOnChain {
		return nil, badInput("safeVersion", "safeVersion: required: the Safe's version as its VERSION() returns it, e.g. \"1.3.0\"; it is never guessed")
	}
	if opts.SafeVersion != nil {
		if version, err = safe.ParseVersion("safeVersion", *opts.SafeVersion); err != nil {
			return nil, err
		}
	}
	st, err := safe.ReadServiceTx(raw)
	if err != nil {
		return nil, err
	}
	v, err := s.cfg.SafeVerifier(r.Context(), safe.VerifyRequest{Tx: *st, ChainID: chainID, Version: version,
		Policy: safe.Policy{AllowMultiSend: opts.AllowMultisend, TrustAddressOnly: opts.TrustAddressOnly}})
	if err != nil {
		return nil, hideNodeURL(err)
	}
	return &change{
		action: "safe.verify",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			if s.cfg.SafeVerifications != nil {
				seq, ok := audit.PendingSeq(ctx)
				if !ok {
					return "", nil, bulwark.Errorf(bulwark.EINTERNAL, "safe verify: not inside the audit transaction")
				}
				if err := s.cfg.SafeVerifications.RecordVerification(ctx, v.Record(seq)); err != nil {
					return "", nil, err
				}
			}
			return v.AuditTarget(), v.AuditDetails(), nil
		},
		status: http.StatusOK,
		body: func(e *audit.Entry) any {
			return safeVerifyResponse{VerificationJSON: v.JSON(), AuditSeq: e.Seq}
		},
	}, nil
}

var (
	// nodeAtURL is how the node client's messages name the node: "node at
	// https://host:port/…".
	nodeAtURL = regexp.MustCompile(`(?:\bthe )?\bnode at [A-Za-z][A-Za-z0-9+.-]*://\S*`)
	anyURL    = regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*://\S*`)
)

// hideNodeURL returns err with every URL taken out of its message ("node at
// URL" becomes "the node"): any token with the analyze permission sees the
// message, and the node's URL, even redacted to its host, is the server's
// business, not the caller's. Code and field are kept; err stays the cause.
func hideNodeURL(err error) error {
	var be *bulwark.Error
	if !errors.As(err, &be) {
		return err
	}
	msg := bulwark.ErrorMessage(err)
	hidden := anyURL.ReplaceAllString(nodeAtURL.ReplaceAllString(msg, "the node"), "(URL not shown)")
	if hidden == msg {
		return err
	}
	return &bulwark.Error{Code: be.Code, Field: be.Field, Message: hidden, Err: err}
}

func isNullJSON(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// jsonChainID reads chainId as a JSON number or a decimal or 0x-hex string.
func jsonChainID(raw json.RawMessage) (*big.Int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badInput("chainId", "chainId: required: the chain's EIP-155 id, e.g. 1 for Ethereum mainnet; it is never guessed")
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, badInput("chainId", "chainId: not a valid JSON string")
		}
	} else {
		for _, c := range raw {
			if c < '0' || c > '9' {
				return nil, badInput("chainId", "chainId: want a whole number (or a string in decimal or 0x-hex), got %s", clip(string(raw), 32))
			}
		}
	}
	return safe.ParseChainID("chainId", text)
}
