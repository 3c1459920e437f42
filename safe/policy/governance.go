package policy

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// Rules for timelock operations, and the facts about call targets that a
// verification against a node reads for the rules (Probes): whether an
// approve target is an ERC-721 collection (ERC-165) and a timelock's
// current minimum delay.

// TokenKind is what an ERC-165 query told of an approve target.
type TokenKind string

// Token kinds.
const (
	// TokenERC721: supportsInterface(0x80ac58cd) answered true.
	TokenERC721 TokenKind = "erc721"
	// TokenNotERC721: it answered false.
	TokenNotERC721 TokenKind = "not-erc721"
	// TokenNoERC165: the call reverted or did not answer a bool: the
	// contract does not implement ERC-165, which every ERC-721 must, so it
	// is not a standard ERC-721 collection (USDT is such a token).
	TokenNoERC165 TokenKind = "no-erc165"
)

// ERC721InterfaceID is ERC-721's ERC-165 interface id.
const ERC721InterfaceID = "0x80ac58cd"

// Probes are what a node answered, at the verified block, about the
// targets of the decoded calls, for the rules that need more than the
// calldata. nil (offline) means nothing was asked, and the findings say
// what was not checked.
type Probes struct {
	Block uint64
	// Tokens maps the target of an approve(address,uint256) to the answer
	// of supportsInterface(0x80ac58cd).
	Tokens map[common.Address]TokenKind
	// Decimals maps the target of an approve(address,uint256) to its
	// decimals() answer when it gave one (a 32-byte word up to 255): the
	// ERC-20 shape. A target that answered anything else is in NoDecimals.
	// Early ERC-721 collections (CryptoKitties) predate ERC-165's ERC-721
	// id, so without the ERC-20 shape a "not ERC-721" answer settles
	// nothing.
	Decimals   map[common.Address]uint8
	NoDecimals map[common.Address]bool
	// MinDelays maps a timelock whose delay a call changes to its current
	// minimum delay in seconds (getMinDelay(), or Compound's delay());
	// missing when it did not answer.
	MinDelays map[common.Address]*big.Int
	// Failed holds the node's error for a question it could not answer
	// (an out-of-gas or invalid-opcode execution, a failed read), by
	// address: what was asked is then not checked, never guessed.
	Failed map[common.Address]string
}

var (
	supportsInterfaceSelector = safe.Selector("supportsInterface(bytes4)")
	decimalsSelector          = safe.Selector("decimals()")
	getMinDelaySelector       = safe.Selector("getMinDelay()")
	compoundDelaySelector     = safe.Selector("delay()")
)

// probeRead is one question of probeReads: which map its answer goes to.
type probeRead struct {
	addr common.Address
	kind probeKind
}

// probeKind is what a probe asks.
type probeKind uint8

const (
	probeDelay    probeKind = iota // a timelock's minimum delay
	probeERC165                    // supportsInterface(ERC-721)
	probeDecimals                  // decimals(): the ERC-20 shape
)

// probeReads returns the eth_calls the rules' probes need for the tree
// under root, and what each asks.
func probeReads(root *decode.DecodedCall) ([]onchain.Read, []probeRead) {
	if root == nil {
		return nil, nil
	}
	var reads []onchain.Read
	var qs []probeRead
	seen := map[probeRead]bool{}
	ask := func(q probeRead, data []byte) {
		if !seen[q] {
			seen[q] = true
			qs = append(qs, q)
			reads = append(reads, onchain.Read{Kind: onchain.ReadCall, Addr: q.addr, Data: data})
		}
	}
	root.Walk(func(c *decode.DecodedCall) bool {
		if c.Kind != decode.KindCall || c.Operation != safe.Call {
			return true
		}
		switch c.Signature {
		case "approve(address,uint256)":
			data := make([]byte, 36)
			copy(data, supportsInterfaceSelector[:])
			copy(data[4:], common.FromHex(ERC721InterfaceID))
			ask(probeRead{addr: c.To, kind: probeERC165}, data)
			ask(probeRead{addr: c.To, kind: probeDecimals}, decimalsSelector[:])
		case "updateDelay(uint256)":
			ask(probeRead{addr: c.To, kind: probeDelay}, getMinDelaySelector[:])
		case "setDelay(uint256)":
			ask(probeRead{addr: c.To, kind: probeDelay}, compoundDelaySelector[:])
		}
		return true
	})
	return reads, qs
}

// readProbes fills Probes from the answered reads. A question the node
// failed (a hostile or old contract can make the call run out of gas or hit
// an invalid opcode, which nodes report as errors) stays unanswered, with
// the error in Failed: the rules then say it was not checked, and a target
// cannot make the verification itself fail.
func readProbes(block uint64, reads []onchain.Read, qs []probeRead) *Probes {
	p := &Probes{Block: block, Tokens: map[common.Address]TokenKind{}, Decimals: map[common.Address]uint8{}, NoDecimals: map[common.Address]bool{},
		MinDelays: map[common.Address]*big.Int{}, Failed: map[common.Address]string{}}
	for i, q := range qs {
		r := reads[i]
		if r.Err != nil {
			p.Failed[q.addr] = bulwark.ErrorMessage(r.Err)
			continue
		}
		word := !r.Reverted && len(r.Out) == 32
		if q.kind == probeDecimals {
			if n := new(big.Int).SetBytes(r.Out); word && n.Cmp(big.NewInt(255)) <= 0 {
				p.Decimals[q.addr] = uint8(n.Uint64())
			} else {
				p.NoDecimals[q.addr] = true
			}
			continue
		}
		if q.kind == probeERC165 {
			switch {
			case word && new(big.Int).SetBytes(r.Out).Cmp(big.NewInt(1)) == 0:
				p.Tokens[q.addr] = TokenERC721
			case word && new(big.Int).SetBytes(r.Out).Sign() == 0:
				p.Tokens[q.addr] = TokenNotERC721
			default:
				p.Tokens[q.addr] = TokenNoERC165
			}
			continue
		}
		if word {
			p.MinDelays[q.addr] = new(big.Int).SetBytes(r.Out)
		}
	}
	return p
}

// tokenKind is what the probes say of token; "" when it was not checked.
func (e checkEnv) tokenKind(token common.Address) TokenKind {
	if e.probes == nil {
		return ""
	}
	return e.probes.Tokens[token]
}

// erc165Text is the evidence of an ERC-165 answer, for a message, with the
// ERC-20 shape when ERC-165 does not say ERC-721.
func (e checkEnv) erc165Text(token common.Address) string {
	switch e.tokenKind(token) {
	case TokenERC721:
		return fmt.Sprintf("supportsInterface(%s) answered true at block %d: an ERC-721 collection", ERC721InterfaceID, e.probes.Block)
	case TokenNotERC721:
		return fmt.Sprintf("supportsInterface(%s) answered false at block %d%s", ERC721InterfaceID, e.probes.Block, e.shapeText(token))
	case TokenNoERC165:
		return fmt.Sprintf("supportsInterface(%s) reverted or gave no bool at block %d%s", ERC721InterfaceID, e.probes.Block, e.shapeText(token))
	}
	if e.probes != nil {
		if msg, ok := e.probes.Failed[token]; ok {
			return fmt.Sprintf("whether the token is ERC-20 or ERC-721 was not checked: the node failed supportsInterface(%s) at block %d (%s)", ERC721InterfaceID, e.probes.Block, safe.Quote(msg))
		}
	}
	return "whether the token is ERC-20 or ERC-721 was not checked: ERC-165 is asked only with a node (--rpc)"
}

// shapeText says what decimals() answered, for a token ERC-165 does not
// call an ERC-721.
func (e checkEnv) shapeText(token common.Address) string {
	if d, ok := e.probes.Decimals[token]; ok {
		return fmt.Sprintf(", and decimals() answered %d: an ERC-20, so an ERC-20 amount", d)
	}
	if e.probes.NoDecimals[token] {
		return ", but decimals() gave no answer: not the shape of an ERC-20, and early ERC-721 collections (CryptoKitties) predate ERC-165's ERC-721 id, so both readings stand"
	}
	if msg, ok := e.probes.Failed[token]; ok {
		return fmt.Sprintf(", but the node failed decimals() (%s): whether it is an ERC-20 was not checked, so both readings stand", safe.Quote(msg))
	}
	return ", but decimals() was not asked: whether it is an ERC-20 was not checked, so both readings stand"
}

// erc20Shape reports whether token answered decimals() (the ERC-20 shape).
func (e checkEnv) erc20Shape(token common.Address) bool {
	if e.probes == nil {
		return false
	}
	_, ok := e.probes.Decimals[token]
	return ok
}

// erc165Field is the "erc165" field of an approve finding.
func (e checkEnv) erc165Field(token common.Address) string {
	if k := e.tokenKind(token); k != "" {
		return string(k)
	}
	return "not checked"
}

// decimalsField is the "decimals" field of an approve finding: the
// answer, "none" (answered, not the ERC-20 shape) or "not checked".
func (e checkEnv) decimalsField(token common.Address) string {
	switch {
	case e.probes == nil:
		return "not checked"
	case e.probes.NoDecimals[token]:
		return "none"
	}
	if d, ok := e.probes.Decimals[token]; ok {
		return fmt.Sprint(d)
	}
	return "not checked"
}

// ruleTimelock: scheduling, executing or cancelling a timelock operation.
// The operation's calls are decoded below it and get their own findings (a
// scheduled transferOwnership is OWNERSHIP_TRANSFER at its path).
func ruleTimelock(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if !plainCall(c) {
		return nil
	}
	op, ok := decode.Timelock(c)
	if !ok {
		return nil
	}
	tl := c.To.Hex()
	if e, ok := p.AddressBook.Lookup(env.d.ChainID, c.To); ok {
		tl += fmt.Sprintf(" (%q)", e.Label)
	}
	kind := "TimelockController"
	if op.Compound {
		kind = "Compound Timelock"
	}
	fields := []string{"timelock", c.To.Hex(), "action", string(op.Action), "calls", strconv.Itoa(op.Calls)}
	if op.Delay != nil {
		fields = append(fields, "delay", op.Delay.String())
	}
	if op.ETA != nil {
		fields = append(fields, "eta", op.ETA.String())
	}
	paths := make([]string, len(c.Calls))
	for i, k := range c.Calls {
		paths[i] = fmt.Sprintf("%s (%s)", k.Path, k.Summary)
	}
	calls := strings.Join(paths, "; ")
	switch op.Action {
	case decode.TimelockSchedule:
		when := fmt.Sprintf("after a delay of %s seconds", op.Delay)
		if op.Compound {
			when = fmt.Sprintf("from eta %s (Unix time)", op.ETA)
		}
		return []Finding{finding(CodeTimelockOperation, SeverityMedium, c,
			"schedules %s through %s %s, to run from the timelock %s: once scheduled, an executor can run it without asking the Safe again, so this signature is the decision. Calls: %s; each has its own findings at its path",
			plural(op.Calls, "call"), kind, tl, when, calls).With(fields...)}
	case decode.TimelockExecute:
		return []Finding{finding(CodeTimelockOperation, SeverityMedium, c,
			"executes %s queued in %s %s, now, from the timelock. Calls: %s; each has its own findings at its path",
			plural(op.Calls, "call"), kind, tl, calls).With(fields...)}
	}
	what := fmt.Sprintf("operation 0x%x", op.ID)
	if op.Compound {
		what = "the queued transaction " + c.Summary
		fields = append(fields, "target", decodeAddr(c, "target").Hex())
	} else {
		fields = append(fields, "id", fmt.Sprintf("0x%x", op.ID))
	}
	return []Finding{finding(CodeTimelockOperation, SeverityMedium, c,
		"cancels %s of %s %s: it will not run unless it is scheduled again, and scheduling it again waits the whole delay. Cancelling a pending security fix or parameter change keeps the protocol exposed: check which operation this is and why it is cancelled", what, kind, tl).With(fields...)}
}

func decodeAddr(c *decode.DecodedCall, name string) common.Address {
	a, _ := decode.ArgAddr(c, name)
	return a
}

func plural(n int, noun string) string { return bulwark.Plural(n, noun, noun+"s") }

// delayFinding is TIMELOCK_DELAY_CHANGE for a change of a timelock's
// minimum delay: high when it is shorter than the current one, or when the
// current one was not read; low when it is not shorter.
func delayFinding(env checkEnv, c *decode.DecodedCall, ch decode.ControlChange) Finding {
	fields := []string{"timelock", ch.Contract.Hex(), "newDelay", ch.NewDelay.String()}
	var cur *big.Int
	if env.probes != nil {
		cur = env.probes.MinDelays[ch.Contract]
	}
	switch {
	case cur == nil:
		why := "the current delay was not read (no node)"
		if env.probes != nil {
			why = fmt.Sprintf("the timelock did not answer its current delay at block %d", env.probes.Block)
			if msg, ok := env.probes.Failed[ch.Contract]; ok {
				why += " (" + safe.Quote(msg) + ")"
			}
		}
		return finding(CodeTimelockDelayChange, SeverityHigh, c,
			"%s sets the minimum delay of timelock %s to %s seconds; %s, so whether it shortens the delay was not checked. A shorter delay gives the community and the signers less time to see and stop a malicious operation before it runs",
			c.Function, ch.Contract.Hex(), ch.NewDelay, why).With(append(fields, "currentDelay", "not checked")...)
	case ch.NewDelay.Cmp(cur) < 0:
		return finding(CodeTimelockDelayChange, SeverityHigh, c,
			"%s shortens the minimum delay of timelock %s from %s to %s seconds (read at block %d): later operations can run sooner, leaving less time to see and stop a malicious one",
			c.Function, ch.Contract.Hex(), cur, ch.NewDelay, env.probes.Block).With(append(fields, "currentDelay", cur.String())...)
	}
	return finding(CodeTimelockDelayChange, SeverityLow, c,
		"%s sets the minimum delay of timelock %s to %s seconds, not shorter than the current %s (read at block %d)",
		c.Function, ch.Contract.Hex(), ch.NewDelay, cur, env.probes.Block).With(append(fields, "currentDelay", cur.String())...)
}
