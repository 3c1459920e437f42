package policy

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// Rules for calls that act on another Safe: approving a transaction hash
// there (a signature, if the caller is one of its owners), and executing a
// transaction of it (with its owners' signatures, or as its module). The
// executed call is decoded below as a call from that Safe and has its own
// findings; what leaves that Safe is checked against its own value limits.

const (
	// CodeOtherSafeApproveHash: an account approves a Safe transaction
	// hash on another Safe with approveHash: if it is an owner there, that
	// is its signature of a transaction this verification has not seen
	// (high).
	CodeOtherSafeApproveHash = "OTHER_SAFE_APPROVE_HASH"
	// CodeOtherSafeExec: a call executes a transaction of another Safe
	// (execTransaction, or execTransactionFromModule as its module)
	// (medium; the executed call has its own findings).
	CodeOtherSafeExec = "OTHER_SAFE_EXEC"
)

// safeExecFns are the Safe functions that execute a call from the Safe
// that receives them.
var safeExecFns = map[string]bool{
	"execTransaction": true, "execTransactionFromModule": true, "execTransactionFromModuleReturnData": true,
}

// otherSafeCall reports whether c is a CALL of a Safe function on an
// account other than its caller (a self-call is the Safe's own business).
func otherSafeCall(c *decode.DecodedCall) bool {
	return c.Operation == safe.Call && !c.SelfCall && c.From != c.To && c.Kind == decode.KindCall && c.Interface == "Safe"
}

func ruleOtherSafe(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if !otherSafeCall(c) {
		return nil
	}
	chain := env.d.ChainID
	switch {
	case c.Function == "approveHash":
		h, _ := decode.ArgBytes(c, "hashToApprove")
		hash := common.BytesToHash(h)
		who := c.From.Hex()
		if c.From == env.d.Safe {
			who = "this Safe " + who
		}
		on := c.To.Hex() + " (" + p.bookText(chain, c.To) + ")"
		if c.To == env.d.Safe {
			on = "this Safe " + c.To.Hex()
		}
		return []Finding{finding(CodeOtherSafeApproveHash, SeverityHigh, c,
			"%s approves Safe transaction hash %s on %s: if it is an owner of that Safe, this is its signature of the transaction with that hash, which this verification has not seen and cannot check. Signing this signs that transaction too. Get the transaction behind %s and verify it on its own before signing this",
			who, hash.Hex(), on, hash.Hex()).With("hash", hash.Hex(), "approver", c.From.Hex(), "safe", c.To.Hex(), "addressBook", p.bookField(chain, c.To))}
	case safeExecFns[c.Function] && c.To != env.d.Safe:
		how := "with its owners' signatures (execTransaction)"
		if c.Function != "execTransaction" {
			how = fmt.Sprintf("as one of its modules (%s), without its owners' signatures", c.Function)
		}
		inner := "a call Bulwark did not decode"
		if len(c.Calls) > 0 {
			k := c.Calls[0]
			inner = fmt.Sprintf("call %s: %s", k.Path, k.Summary)
		}
		fields := []string{"safe", c.To.Hex(), "caller", c.From.Hex(), "addressBook", p.bookField(chain, c.To)}
		out := Outflows(c.To, c)
		sent := "it sends no ETH or tokens that Bulwark counts"
		if len(out) > 0 {
			sent = "it sends " + outflowText(out) + " from that Safe, counted against that Safe's value limits, NOT this Safe's"
			fields = append(fields, "outflows", outflowText(out))
		}
		return []Finding{finding(CodeOtherSafeExec, SeverityMedium, c,
			"%s makes Safe %s (%s) execute a transaction %s: %s, decoded below as a call from that Safe with its own findings; %s. Check it as you would a transaction of that Safe",
			c.From.Hex(), c.To.Hex(), p.bookText(chain, c.To), how, inner, sent).With(fields...)}
	}
	return nil
}

// outflowText lists outflows by asset, ETH first, then tokens by address.
func outflowText(out map[common.Address]*big.Int) string {
	assets := make([]common.Address, 0, len(out))
	for a := range out {
		assets = append(assets, a)
	}
	sort.Slice(assets, func(i, j int) bool { return assets[i].Cmp(assets[j]) < 0 })
	parts := make([]string, len(assets))
	for i, a := range assets {
		parts[i] = fmt.Sprintf("%s base units of %s", out[a], AssetText(a))
	}
	return strings.Join(parts, ", ")
}

// otherSafes are the Safes other than s whose transactions the tree
// under root executes, in tree order.
func otherSafes(s common.Address, root *decode.DecodedCall) []common.Address {
	var out []common.Address
	if root == nil {
		return nil
	}
	seen := map[common.Address]bool{s: true}
	root.Walk(func(c *decode.DecodedCall) bool {
		if otherSafeCall(c) && safeExecFns[c.Function] && !seen[c.To] {
			seen[c.To] = true
			out = append(out, c.To)
		}
		return true
	})
	return out
}
