package policy

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// TestNotChecked: a verification lists what it did not check (the chain
// state and the effects offline, screening without lists, a library's
// code trusted by address, a value limit's history, an approved token's
// kind, a timelock's current delay), and an ok verdict with anything
// left out reads "ok, not fully checked", in the JSON too; only a
// verification that left nothing out is a plain ok.
func TestNotChecked(t *testing.T) {
	t.Parallel()
	call := func(data []byte) ServiceTx {
		return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: usdt, Data: data, Nonce: big.NewInt(2)}}
	}
	eth := ServiceTx{Safe: testSafe, Tx: safe.Tx{To: bob, Value: big.NewInt(5), Nonce: big.NewInt(2)}}
	offline := []string{NotCheckedChainState, NotCheckedSimulation}
	limit := []Limit{{Name: "eth", Safe: testSafe, Asset: ETH, Amount: big.NewInt(100), Period: 24 * time.Hour}}
	for _, tc := range []struct {
		name    string
		st      ServiceTx
		p       Policy
		want    []string
		verdict bulwark.Verdict
		text    string
	}{
		{"offline, screened", eth, Policy{Screener: testScreener(t)}, offline, bulwark.VerdictOK, "ok, not fully checked"},
		{"offline, no lists", eth, Policy{}, append(offline, NotCheckedScreening), bulwark.VerdictOK, "ok, not fully checked"},
		{"library trusted by address", ServiceTx{Safe: testSafe, Tx: safe.Tx{To: callOnly130, Operation: safe.DelegateCall, Nonce: big.NewInt(2),
			Data: decode.MultiSendCalldata([]decode.MultiSendTx{{To: bob, Value: big.NewInt(1)}})}}, Policy{Screener: testScreener(t), TrustAddressOnly: true},
			append(offline, NotCheckedLibraryCode), bulwark.VerdictOK, "ok, not fully checked"},
		{"value limit history", eth, Policy{Screener: testScreener(t), Limits: limit}, append(offline, NotCheckedValueLimitHistory), bulwark.VerdictReview, "review"},
		{"token kind", call(calldata(t, "approve(address spender,uint256 amount)", trojan, big.NewInt(5))), Policy{Screener: testScreener(t)},
			append(offline, NotCheckedTokenKind), bulwark.VerdictReview, "review"},
		{"timelock delay", ServiceTx{Safe: testSafe, Tx: safe.Tx{To: timelock, Nonce: big.NewInt(2), Data: calldata(t, "updateDelay(uint256 newDelay)", big.NewInt(0))}},
			Policy{Screener: testScreener(t)}, append(offline, NotCheckedTimelockDelay), bulwark.VerdictReview, "review"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := verify(t, tc.st, "1.3.0", tc.p)
			if got := v.NotChecked(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("not checked %v, want %v", got, tc.want)
			}
			j := v.JSON()
			if v.Verdict != tc.verdict || j.VerdictText != tc.text || !reflect.DeepEqual(j.NotChecked, tc.want) {
				t.Errorf("verdict %s, text %q, JSON notChecked %v; want %s, %q", v.Verdict, j.VerdictText, j.NotChecked, tc.verdict, tc.text)
			}
		})
	}
	full := &Verification{Verdict: bulwark.VerdictOK, Chain: &ChainCheck{}, Simulation: &Simulation{Status: "success"}, Screening: ScreeningRecord{Checked: true}}
	if nc := full.NotChecked(); len(nc) != 0 || full.VerdictText() != "ok" {
		t.Errorf("a fully checked ok: not checked %v, text %q", nc, full.VerdictText())
	}
	full.Simulation.Status = "unavailable"
	if nc := full.NotChecked(); !reflect.DeepEqual(nc, []string{NotCheckedSimulation}) || full.VerdictText() != "ok, not fully checked" {
		t.Errorf("an unavailable simulation: not checked %v, text %q", nc, full.VerdictText())
	}
}
