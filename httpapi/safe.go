package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

const routeSafeVerify = "POST /api/v1/safe/verify"

// SafeVerifier verifies one Safe transaction for POST /api/v1/safe/verify.
// cmd/bulwark wires policy.Verify (offline), or, with `serve --rpc`, a
// verifier that reads the chain and simulates (policy.VerifyOnChain; then
// set Config.SafeOnChain).
type SafeVerifier func(ctx context.Context, req policy.VerifyRequest) (*policy.Verification, error)

// OfflineSafeVerifier is policy.Verify as a SafeVerifier.
func OfflineSafeVerifier(_ context.Context, req policy.VerifyRequest) (*policy.Verification, error) {
	return policy.Verify(req)
}

func (s *Server) safeRoutes() {
	// A verification changes no state, but its verdict is a decision that
	// goes to the audit log: handleChange records it in one transaction
	// before the caller sees it.
	s.handleChange(routeSafeVerify, auth.PermAnalyze, s.verifySafe)
}

// safeVerifyOptions are the policy keys a request body may carry beside
// the transaction's own (chainId and safeVersion are read with the
// transaction: policy.ReadServiceTx).
type safeVerifyOptions struct {
	AllowMultisend   *bool   `json:"allowMultisend"`
	TrustAddressOnly *bool   `json:"trustAddressOnly"`
	RPC              *string `json:"rpc"`
}

// safeVerifyQuery lists the query parameters of POST /api/v1/safe/verify.
var safeVerifyQuery = []string{"chainId", "safeVersion", "allowMultisend", "trustAddressOnly"}

// verifySafe answers POST /api/v1/safe/verify. The body is a Safe
// Transaction Service multisig-transaction JSON exactly as the service
// returns it (unknown keys ignored, as the service returns many). The
// service's JSON names neither the chain nor the Safe's version, so they
// come from the query (?chainId=1&safeVersion=1.3.0), or from chainId and
// safeVersion keys in the body, or, on a server with a node (serve --rpc),
// from the node; the policy options allowMultisend and trustAddressOnly
// likewise from the query or the body. The answer is 200 with the verdict
// whatever it is; 400 names the field at fault.
func (s *Server) verifySafe(w http.ResponseWriter, r *http.Request, _ *auth.Token) (*change, error) {
	if s.cfg.SafeVerifier == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "Safe transaction verification is not configured on this server")
	}
	query, err := verifyQuery(r)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	// The same files as 'bulwark safe verify --tx': a large multisend with
	// the service's dataDecoded is beyond the general body limit.
	if err := decodeJSON(w, r, &raw, s.bodyLimitAtLeast(policy.MaxServiceTxSize)); err != nil {
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
	allowMultisend, err := queryOrBody(query, "allowMultisend", opts.AllowMultisend)
	if err != nil {
		return nil, err
	}
	trustAddressOnly, err := queryOrBody(query, "trustAddressOnly", opts.TrustAddressOnly)
	if err != nil {
		return nil, err
	}
	st, err := policy.ReadServiceTx(raw)
	if err != nil {
		return nil, err
	}
	d, err := policy.SettleDomain(st, "the body",
		policy.Given{Field: "chainId", As: "?chainId=", Text: query["chainId"]},
		policy.Given{Field: "safeVersion", As: "?safeVersion=", Text: query["safeVersion"]})
	if err != nil {
		return nil, err
	}
	// With a node, chainId and safeVersion are read from it (and, when
	// given, must agree with it); without one they are required.
	if !s.cfg.SafeOnChain {
		const how = "put chainId=N and safeVersion=V in the URL's query string, or chainId and safeVersion keys in the body, or start the server with --rpc to read them from a node"
		if d.ChainID == nil {
			return nil, policy.MissingChainID("chainId", how)
		}
		if d.Version == (safe.Version{}) {
			return nil, policy.MissingVersion("safeVersion", how)
		}
	}
	v, err := s.cfg.SafeVerifier(r.Context(), policy.VerifyRequest{Tx: *st, ChainID: d.ChainID, Version: d.Version,
		Policy: policy.Policy{AllowMultiSend: allowMultisend, TrustAddressOnly: trustAddressOnly, AddressBook: s.cfg.SafeAddressBook,
			Live: s.cfg.SafeLiveBook, Screener: s.cfg.SafeScreener}})
	if err != nil {
		return nil, hideNodeURL(err)
	}
	return &change{
		action: "safe.verify",
		apply: func(ctx context.Context) (string, map[string]any, error) {
			if s.cfg.SafeVerifications != nil {
				if err := policy.RecordInAudit(ctx, s.cfg.SafeVerifications, v); err != nil {
					return "", nil, err
				}
			}
			return v.AuditTarget(), v.AuditDetails(), nil
		},
		status: http.StatusOK,
		body: func(e *audit.Entry) any {
			return v.AuditedJSON(e.Seq)
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

// verifyQuery reads the query parameters of POST /api/v1/safe/verify: each
// at most once, none unknown (a misspelt option must not pass unnoticed).
func verifyQuery(r *http.Request) (map[string]string, error) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badInput("query", "query: not a valid URL query string")
	}
	out := map[string]string{}
	for name, vs := range values {
		if !slices.Contains(safeVerifyQuery, name) {
			return nil, badInput("query", "query: unknown parameter %q (parameters: %s)", name, strings.Join(safeVerifyQuery, ", "))
		}
		if len(vs) > 1 {
			return nil, badInput(name, "%s: given twice in the query; give it once", name)
		}
		if strings.TrimSpace(vs[0]) == "" {
			return nil, badInput(name, "%s: empty in the query: give a value or leave the parameter out", name)
		}
		out[name] = vs[0]
	}
	return out, nil
}

// queryOrBody returns a boolean option given in the query or the body
// (false when in neither); given in both, the two must agree.
func queryOrBody(query map[string]string, name string, body *bool) (bool, error) {
	text, inQuery := query[name]
	if !inQuery {
		return body != nil && *body, nil
	}
	q, err := strconv.ParseBool(text)
	if err != nil {
		return false, badInput(name, "%s: want true or false in the query, got %q", name, text)
	}
	if body != nil && *body != q {
		return false, badInput(name, "%s: ?%s=%t disagrees with the body's %s %t: leave one out, or make them agree", name, name, q, name, *body)
	}
	return q, nil
}
