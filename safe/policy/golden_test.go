package policy

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

var update = flag.Bool("update", false, "rewrite the fixtures and golden files under testdata/verify")

// goldenFixtures are the held-out attack shapes as Safe Transaction
// Service files (testdata/verify/NAME.tx.json, usable with `bulwark safe
// verify --tx`): a Radiant-style handover of a protocol's lending pool
// (ownership to the attacker, then an upgrade to the attacker's code, in
// one MultiSendCallOnly batch) and an unlimited USDT approve to an unknown
// spender; and a USDT transfer to an address the address book does not
// list as a recipient (ok without the book, review with it); privileged
// calls of timelocks, Aave v3 and EIP-2535 diamonds.
func goldenFixtures(t *testing.T) map[string]ServiceTx {
	t.Helper()
	radiant := decode.MultiSendCalldata([]decode.MultiSendTx{
		{To: lendingPool, Data: calldata(t, "transferOwnership(address newOwner)", trojan)},
		{To: lendingPool, Data: calldata(t, "upgradeToAndCall(address newImplementation,bytes data)", trojan, calldata(t, "initialize(address owner)", trojan))},
		{To: lendingPool, Data: calldata(t, "grantRole(bytes32 role,address account)", [32]byte{}, trojan)},
	})
	return map[string]ServiceTx{
		"radiant-style": {Safe: testSafe, Tx: safe.Tx{To: callOnly130, Data: radiant, Operation: safe.DelegateCall, Nonce: big.NewInt(42)}},
		"usdt-unlimited-approve": {Safe: testSafe, Tx: safe.Tx{To: usdt, Nonce: big.NewInt(43),
			Data: calldata(t, "approve(address spender,uint256 amount)", trojan, new(big.Int).Set(safe.MaxUint256))}},
		"usdt-transfer-unlisted-recipient": {Safe: testSafe, Tx: safe.Tx{To: usdt, Nonce: big.NewInt(44),
			Data: calldata(t, "transfer(address to,uint256 amount)", trojan, big.NewInt(250_000_000_000))}},
		// Privileged calls of governance contracts: an upgrade and a zero
		// delay scheduled in a TimelockController, Aave's price oracle and
		// pool admin handed over in one batch, and a diamond cut.
		"timelock-scheduled-upgrade": {Safe: testSafe, Tx: safe.Tx{To: ozTimelock, Nonce: big.NewInt(45),
			Data: calldata(t, "scheduleBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt,uint256 delay)",
				[]common.Address{lendingPool, ozTimelock}, []*big.Int{big.NewInt(0), big.NewInt(0)},
				[][]byte{calldata(t, "upgradeTo(address newImplementation)", trojan), calldata(t, "updateDelay(uint256 newDelay)", big.NewInt(0))},
				[32]byte{}, [32]byte{}, big.NewInt(172800))}},
		"aave-oracle-and-admin": {Safe: testSafe, Tx: safe.Tx{To: callOnly130, Operation: safe.DelegateCall, Nonce: big.NewInt(46),
			Data: decode.MultiSendCalldata([]decode.MultiSendTx{
				{To: aaveProvide, Data: calldata(t, "setPriceOracle(address newPriceOracle)", trojan)},
				{To: aaveProvide, Data: calldata(t, "addPoolAdmin(address admin)", trojan)},
			})}},
		"diamond-cut": {Safe: testSafe, Tx: safe.Tx{To: diamond, Nonce: big.NewInt(47),
			Data: diamondCutData(t, trojan, 1, [][4]byte{{0xa9, 0x05, 0x9c, 0xbb}}, trojan, calldata(t, "transferOwnership(address newOwner)", trojan))}},
	}
}

// serviceTxJSON renders st as the Safe Transaction Service does, with the
// safeTxHash it computes.
func serviceTxJSON(t *testing.T, st ServiceTx) []byte {
	t.Helper()
	h, err := safe.Domain{ChainID: big.NewInt(1), Safe: st.Safe, Version: mustVersion(t, "1.3.0")}.HashTx(st.Tx)
	if err != nil {
		t.Fatal(err)
	}
	zero := common.Address{}.Hex()
	b, err := json.MarshalIndent(map[string]any{
		"safe": st.Safe.Hex(), "to": st.Tx.To.Hex(), "value": "0", "data": "0x" + common.Bytes2Hex(st.Tx.Data),
		"operation": int(st.Tx.Operation), "safeTxGas": "0", "baseGas": "0", "gasPrice": "0", "gasToken": zero,
		"refundReceiver": zero, "nonce": st.Tx.Nonce.Int64(), "safeTxHash": h.SafeTxHash.Hex(),
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestVerifyGolden verifies the fixtures offline on chain 1 as Safe 1.3.0,
// without and with the test address book, and compares the verdict and
// findings with testdata/verify/NAME[.book].golden.json (-update rewrites
// fixtures and golden files; review the diff).
func TestVerifyGolden(t *testing.T) {
	book := testBook(t)
	for name, st := range goldenFixtures(t) {
		txFile := filepath.Join("testdata", "verify", name+".tx.json")
		want := serviceTxJSON(t, st)
		if *update {
			if err := os.WriteFile(txFile, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		raw, err := os.ReadFile(txFile)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(raw, want) {
			t.Fatalf("%s is not the fixture the test builds (run with -update)", txFile)
		}
		read, err := ReadServiceTx(raw)
		if err != nil {
			t.Fatal(err)
		}
		for suffix, p := range map[string]Policy{"": {TrustAddressOnly: true}, ".book": {TrustAddressOnly: true, AddressBook: book, Screener: testScreener(t)}} {
			v := verify(t, *read, "1.3.0", p)
			if !v.HashMatches() {
				t.Fatalf("%s: safeTxHash does not match", name)
			}
			want := bulwark.VerdictReview
			if name == "usdt-transfer-unlisted-recipient" && suffix == "" {
				want = bulwark.VerdictOK
			}
			if v.Verdict != want {
				t.Errorf("%s%s: verdict %s, want %s", name, suffix, v.Verdict, want)
			}
			got, err := json.MarshalIndent(struct {
				Verdict  bulwark.Verdict `json:"verdict"`
				Findings []Finding       `json:"findings"`
			}{v.Verdict, v.Findings}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			file := filepath.Join("testdata", "verify", name+suffix+".golden.json")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(g, got) {
				t.Errorf("%s differs (run with -update and review the diff):\n%s", file, got)
			}
		}
	}
}
