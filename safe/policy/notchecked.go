package policy

// What a verification did not check. An "ok" verdict judges what was
// checked; whatever was not is listed (VerificationJSON.NotChecked, the
// text output's "not fully checked"), never taken as passed.

// Not-checked items, as NotChecked lists them.
const (
	// NotCheckedChainState: verified offline: the Safe's singleton,
	// owners and the code at the call targets were not read from a node.
	NotCheckedChainState = "chain-state"
	// NotCheckedSimulation: the transaction was not executed against the
	// Safe's state (offline, not asked for, or the node could not).
	NotCheckedSimulation = "simulation"
	// NotCheckedScreening: no screening list was available.
	NotCheckedScreening = "screening"
	// NotCheckedLibraryCode: an allowlisted DELEGATECALL library was
	// trusted by its address, its code not compared.
	NotCheckedLibraryCode = "library-code"
	// NotCheckedValueLimitHistory: a value limit applies, but what was
	// already sent in its period is not known.
	NotCheckedValueLimitHistory = "value-limit-history"
	// NotCheckedTokenKind: whether an approve's token is an ERC-20 or an
	// ERC-721 was not asked of a node (or the node failed).
	NotCheckedTokenKind = "token-kind"
	// NotCheckedTimelockDelay: a timelock's current delay was not read.
	NotCheckedTimelockDelay = "timelock-delay"
)

// notCheckedText says each item in words, for the text output.
var notCheckedText = map[string]string{
	NotCheckedChainState:        "the Safe's state on chain (singleton, owners, code at the targets)",
	NotCheckedSimulation:        "the transaction's effects (not simulated)",
	NotCheckedScreening:         "the addresses against the sanctions and attribution lists",
	NotCheckedLibraryCode:       "the code of a DELEGATECALL library (trusted by its address)",
	NotCheckedValueLimitHistory: "what was already sent in a value limit's period",
	NotCheckedTokenKind:         "whether an approved token is an ERC-20 or an ERC-721",
	NotCheckedTimelockDelay:     "a timelock's current delay",
}

// NotCheckedText says a NotChecked item in words.
func NotCheckedText(item string) string {
	if s, ok := notCheckedText[item]; ok {
		return s
	}
	return item
}

// NotChecked lists what the verification did not check, in a fixed
// order; empty when everything the policy looks at was checked.
func (v *Verification) NotChecked() []string {
	out := []string{}
	if v.Chain == nil {
		out = append(out, NotCheckedChainState)
	}
	if !v.Simulated() {
		out = append(out, NotCheckedSimulation)
	}
	if !v.Screening.Checked {
		out = append(out, NotCheckedScreening)
	}
	seen := map[string]bool{}
	for _, f := range v.Findings {
		switch {
		case f.Code == CodeDelegateCallUnchecked:
			seen[NotCheckedLibraryCode] = true
		case f.Code == CodeValueLimitUnchecked:
			seen[NotCheckedValueLimitHistory] = true
		case f.Code == CodeTokenApproval && f.Fields["erc165"] == "not checked":
			seen[NotCheckedTokenKind] = true
		case f.Code == CodeTimelockDelayChange && f.Fields["currentDelay"] == "not checked":
			seen[NotCheckedTimelockDelay] = true
		}
	}
	for _, k := range []string{NotCheckedLibraryCode, NotCheckedValueLimitHistory, NotCheckedTokenKind, NotCheckedTimelockDelay} {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// VerdictText is the verdict as it is shown: "ok, not fully checked"
// for an ok verdict with anything not checked, else the verdict.
func (v *Verification) VerdictText() string {
	if v.Verdict == "ok" && len(v.NotChecked()) > 0 {
		return "ok, not fully checked"
	}
	return string(v.Verdict)
}
