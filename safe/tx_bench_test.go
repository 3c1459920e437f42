package safe

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// BenchmarkSafeTxHash measures everything `bulwark safe hash` computes for
// one transaction (Bybit's nonce 71 on Safe 1.1.1): parsing the inputs,
// domain, message and safeTxHash, the eth_sign digest, the Ledger strings,
// the execTransaction calldata with three signatures and its hash. Issue 3's
// budget for hash + decode + policy is 1 ms.
func BenchmarkSafeTxHash(b *testing.B) {
	sigs := make([]byte, 3*65)
	b.ReportAllocs()
	for b.Loop() {
		v, _ := ParseVersion("--safe-version", "1.1.1")
		chain, _ := ParseChainID("--chain-id", "1")
		safeAddr, _ := ParseAddress("--safe", "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4")
		to, _ := ParseAddress("--to", "0x96221423681A6d52E184D440a8eFCEbB105C7242")
		data, _ := ParseHex("--data", "0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000")
		op, _ := ParseOperation("--operation", "1", v)
		gas, _ := ParseUint256("--safe-tx-gas", "45746")
		nonce, _ := ParseUint256("--nonce", "71")
		tx := Tx{To: to, Value: new(big.Int), Data: data, Operation: op, SafeTxGas: gas, Nonce: nonce}
		h, err := Domain{ChainID: chain, Safe: safeAddr, Version: v}.HashTx(tx)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = LedgerHex(h.DomainHash), LedgerHex(h.MessageHash)
		cd, err := ExecTransactionCalldata(tx, sigs)
		if err != nil {
			b.Fatal(err)
		}
		_ = crypto.Keccak256Hash(cd)
		if h.SafeTxHash != common.HexToHash("0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8") {
			b.Fatalf("safeTxHash %s", h.SafeTxHash.Hex())
		}
	}
}

// BenchmarkNestedApproveHash adds the parent Safe's approveHash transaction.
func BenchmarkNestedApproveHash(b *testing.B) {
	child := Domain{ChainID: big.NewInt(1), Safe: common.HexToAddress("0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1"), Version: Version{Major: 1, Minor: 3}}
	parent := Domain{ChainID: big.NewInt(1), Safe: common.HexToAddress("0x6bc56d6CE87C86CB0756c616bECFD3Cd32b09251"), Version: Version{Major: 1, Minor: 4, Patch: 1}}
	tx := Tx{To: common.HexToAddress("0x255C3912f91eF11bFDadd405F13144a823Da8cc5"), Value: big.NewInt(1e17), Nonce: big.NewInt(4)}
	b.ReportAllocs()
	for b.Loop() {
		ch, err := child.HashTx(tx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := parent.HashTx(ApproveHashTx(child.Safe, ch.SafeTxHash, big.NewInt(4))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTypedDataHash parses and hashes the EIP-712 specification's Mail
// example and wraps it as a SafeMessage.
func BenchmarkTypedDataHash(b *testing.B) {
	raw := []byte(`{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},"primaryType":"Mail","domain":{"name":"Ether Mail","version":"1","chainId":1,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},"message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},"to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}}`)
	d := Domain{ChainID: big.NewInt(1), Safe: common.HexToAddress("0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1"), Version: Version{Major: 1, Minor: 3}}
	b.ReportAllocs()
	for b.Loop() {
		td, err := ParseTypedData("--typed-data", raw)
		if err != nil {
			b.Fatal(err)
		}
		h, err := td.Hash()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.HashSafeMessage(h.Hash[:]); err != nil {
			b.Fatal(err)
		}
	}
}
