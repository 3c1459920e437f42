package safe

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
)

// The constants as the contracts quote them (../shared/data/safe/
// safe_constants.json, from GnosisSafe.sol/Safe.sol at each release tag).
func TestTypeHashesMatchContracts(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  common.Hash
		want string
	}{
		{"DOMAIN_SEPARATOR_TYPEHASH >=1.3.0", DomainTypeHash, "0x47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218"},
		{"DOMAIN_SEPARATOR_TYPEHASH <=1.2.0", LegacyDomainTypeHash, "0x035aff83d86937d35b32e04f0ddc6ff469290eef2f1b692d8a815c89404d4749"},
		{"SAFE_TX_TYPEHASH >=1.0.0", SafeTxTypeHash, "0xbb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8"},
		{"SAFE_TX_TYPEHASH <1.0.0", DataGasSafeTxTypeHash, "0x14d461bc7412367e924637b363c7bf29b8f47e2f84869f4426e5633d8af47b20"},
		{"SAFE_MSG_TYPEHASH", SafeMessageTypeHash, "0x60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca"},
		{"execTransaction selector", common.BytesToHash(ExecTransactionSelector[:]), "0x000000000000000000000000000000000000000000000000000000006a761202"},
		{"approveHash selector", common.BytesToHash(ApproveHashSelector[:]), "0x00000000000000000000000000000000000000000000000000000000d4d9bdcd"},
	} {
		if tc.got.Hex() != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, tc.got.Hex(), tc.want)
		}
	}
}

func mustVersion(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion("version", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func bigString(t testing.TB, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 0)
	if !ok {
		t.Fatalf("bad number %q", s)
	}
	return n
}

// boundaryTx exercises every field with a non-zero value.
func boundaryTx(t testing.TB) Tx {
	return Tx{
		To:             common.HexToAddress("0x5AC255889882aaB35A2aa939679E3F3d4Cea221E"),
		Value:          bigString(t, "1000000000000000001"),
		Data:           common.FromHex("0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000"),
		Operation:      DelegateCall,
		SafeTxGas:      big.NewInt(45746),
		BaseGas:        big.NewInt(21000),
		GasPrice:       big.NewInt(7),
		GasToken:       common.HexToAddress("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
		RefundReceiver: common.HexToAddress("0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"),
		Nonce:          big.NewInt(71),
	}
}

// TestHashTxVersionBoundaries checks each version boundary against values
// derived independently of this package: ethers v6 TypedDataEncoder given
// the EIP-712 domain ({verifyingContract} up to 1.2.0, {chainId,
// verifyingContract} from 1.3.0) and the SafeTx type (dataGas before 1.0.0,
// baseGas from 1.0.0), and hashMessage(safeTxHash) for the eth_sign digest.
// Safe 0x692a70D2e424a56D2C6C27aA97D1a86395877b3A, chain 100 unless noted.
func TestHashTxVersionBoundaries(t *testing.T) {
	const (
		legacyDomain  = "0x6d3bd4f9a032bd47c6be5664b14ec54f77738d4ac1606d9fceaa85af47a6eaf9" // no chainId: same on every chain
		chain100      = "0x83cb219329393c2cfc33b593e3375a96a3ddd5926cbc383d074bf464d99c5090"
		baseGasMsg    = "0x1b1186377efc0ccd6ced57b3374044209d32b0c719d695101a5a42a48abc3eaf"
		legacySafeTx  = "0x6357947d7c698f3e337cae50b2c0902c245f71bb857de777558c6638e085ee67"
		legacyEthSign = "0x147b59cda923a32a0c77f33ad24884cf4ee4e506823bf841f702ee018f6c3549"
		modernSafeTx  = "0x61264477b7e63e088e1f80026bd9611eaada180185ad82b0c8341c4d781b6afe"
		modernEthSign = "0x58b1ccec76b378336fad0f1da1cbbc1f08e9b693e0537569a8c11822d4f8124e"
	)
	max := "0x" + strings.Repeat("f", 64)
	tests := []struct {
		name, version, chainID string
		edit                   func(*Tx)
		domain, message        string
		safeTx, ethSign        string
	}{
		{"0.1.0 dataGas type, legacy domain", "0.1.0", "100", nil, legacyDomain,
			"0x8e6da3697e5b3092d725c6c31f91240acdd33d559531ffae7ceafe5a6daad6de", "0xb5b12b4ac49adf3765f8f0ee35af19eccfd04d6febaf7ceb0f019e9a1b24c831", "0x2df13e3167c48069bacf3fad64b0ec6b11ce090905b598a4d41ae6f55c2b2117"},
		{"0.1.0 CREATE", "0.1.0", "100", func(tx *Tx) { tx.Operation = Create }, legacyDomain,
			"0xdd0e4294b49e00295f30533c3396be264cf18d3b96113a77ef3470dd2853e8ab", "0x0b73d762fe95a4e188955fdd7dd713e4fbd9b777fe298eb3ad6ee11c2dde7dbe", "0x42e83d7fd51a907180e2bd3af82b5b849879fa701b3d525591d26c53ca8c060f"},
		{"1.0.0 baseGas type, legacy domain", "1.0.0", "100", nil, legacyDomain, baseGasMsg, legacySafeTx, legacyEthSign},
		{"1.1.0", "1.1.0", "100", nil, legacyDomain, baseGasMsg, legacySafeTx, legacyEthSign},
		{"1.1.1", "1.1.1", "100", nil, legacyDomain, baseGasMsg, legacySafeTx, legacyEthSign},
		{"1.1.1 chain id ignored", "1.1.1", "1", nil, legacyDomain, baseGasMsg, legacySafeTx, legacyEthSign},
		{"1.2.0 last legacy domain", "1.2.0", "100", nil, legacyDomain, baseGasMsg, legacySafeTx, legacyEthSign},
		{"1.3.0 chainId domain", "1.3.0", "100", nil, chain100, baseGasMsg, modernSafeTx, modernEthSign},
		{"1.3.0+L2 same as 1.3.0", "1.3.0+L2", "100", nil, chain100, baseGasMsg, modernSafeTx, modernEthSign},
		{"1.3.0 on chain 1", "1.3.0", "1", nil, "0x416398a347223194339c00e1cb484b2bd2d8b9b25881c1a3182d3b3662543729", baseGasMsg,
			"0x1b60ae4752d7ca0cc3de9b62003a20056a8792652435c9fd130501d97d97d50b", "0x46ddb65fcac33e5f0be0c159b162fc2ab2f3aad74222bcc372c2372e04ab52a5"},
		{"1.4.0", "1.4.0", "100", nil, chain100, baseGasMsg, modernSafeTx, modernEthSign},
		{"1.4.1", "1.4.1", "100", nil, chain100, baseGasMsg, modernSafeTx, modernEthSign},
		{"1.5.0", "1.5.0", "100", nil, chain100, baseGasMsg, modernSafeTx, modernEthSign},
		{"1.1.1 data 0x is keccak of nothing", "1.1.1", "100", func(tx *Tx) { tx.Data = []byte{} }, legacyDomain,
			"0xdaeb6878598b25e77926b120f14a2b3861c550a27c0d8a4d0fdd692237233b84", "0x2e756a53d1bab32a0602d78ceb9a7d14c9d31d5958f2420af793364659d48be4", "0x76089cf975c1ee57b233da22b033dbcf1870434aa1ac09886ad36c6aa18d560e"},
		{"1.1.1 nil data is 0x", "1.1.1", "100", func(tx *Tx) { tx.Data = nil }, legacyDomain,
			"0xdaeb6878598b25e77926b120f14a2b3861c550a27c0d8a4d0fdd692237233b84", "0x2e756a53d1bab32a0602d78ceb9a7d14c9d31d5958f2420af793364659d48be4", "0x76089cf975c1ee57b233da22b033dbcf1870434aa1ac09886ad36c6aa18d560e"},
		{"1.1.1 data 0x00 is one zero byte", "1.1.1", "100", func(tx *Tx) { tx.Data = []byte{0} }, legacyDomain,
			"0x1327160ac4dd9d115739e8c929cf4e5a9311fe7a68e4fd27bbb558472839cddb", "0x3d27141cee031512ae2cb33e5b7b4166e130411c018e290b6a5570dd47a089e4", "0x76551069c52c87b717ecfa1acc926b7a505d0250c9fbd3dc4ee669d6ba38b8e4"},
		{"1.3.0 data 0x", "1.3.0", "100", func(tx *Tx) { tx.Data = nil }, chain100,
			"0xdaeb6878598b25e77926b120f14a2b3861c550a27c0d8a4d0fdd692237233b84", "0xc5e289fc185fab32a6a7e62868e8101523b1c188eb83bfc18e87586d1ae03bab", "0x6fe25475fdbd55312a28a7e84bef095d9ab7bfabf224a7ce3dcde7086226c074"},
		{"1.3.0 data 0x00", "1.3.0", "100", func(tx *Tx) { tx.Data = []byte{0} }, chain100,
			"0x1327160ac4dd9d115739e8c929cf4e5a9311fe7a68e4fd27bbb558472839cddb", "0xfab7bf8a2c6f357e91029ed5eb26bc990b43326f34ecca09e77111cfe3770590", "0xb091cae58b5a088afc24aec39025924fbb76f74fe4cf975e7489b6d3e180126b"},
		{"1.5.0 every integer 2^256-1", "1.5.0", max, func(tx *Tx) {
			m := new(big.Int).Set(MaxUint256)
			tx.Value, tx.SafeTxGas, tx.BaseGas, tx.GasPrice, tx.Nonce = m, m, m, m, m
		}, "0xe03ad1483f6737f07c6929bdfc15312d18abbc08d3606d226553455ded37f9a0",
			"0xa2f91e5064f09dadce3c93bf5ef18eee3f56be61f81d91f2ce80c52fdb35be29", "0xc9b609205179d63aeb70eae676e6d9b376a84e92da74d2ec9bb3672cdd2a6b0c", "0x6cd787a98e4ebdfb45b7d4a617f8875837ae2f4d3db3e92ed4780b13b8e5c9e9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Domain{ChainID: bigString(t, tc.chainID), Safe: common.HexToAddress("0x692a70D2e424a56D2C6C27aA97D1a86395877b3A"), Version: mustVersion(t, tc.version)}
			tx := boundaryTx(t)
			if tc.edit != nil {
				tc.edit(&tx)
			}
			h, err := d.HashTx(tx)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ what, got, want string }{
				{"domain", h.DomainHash.Hex(), tc.domain},
				{"message", h.MessageHash.Hex(), tc.message},
				{"safeTxHash", h.SafeTxHash.Hex(), tc.safeTx},
				{"eth_sign hash", h.EthSignHash.Hex(), tc.ethSign},
			} {
				if c.got != c.want {
					t.Errorf("%s = %s, want %s", c.what, c.got, c.want)
				}
			}
			if got := crypto.Keccak256Hash(h.EncodedMessage); got != h.MessageHash {
				t.Errorf("keccak(EncodedMessage) = %s, MessageHash %s", got.Hex(), h.MessageHash.Hex())
			}
			wantType := SafeTxTypeHash
			if d.Version.UsesDataGas() {
				wantType = DataGasSafeTxTypeHash
			}
			if !bytes.Equal(h.EncodedMessage[:32], wantType[:]) {
				t.Errorf("encoded message starts with %x", h.EncodedMessage[:32])
			}
		})
	}
}

func TestHashTxRejects(t *testing.T) {
	safeAddr := common.HexToAddress("0x692a70D2e424a56D2C6C27aA97D1a86395877b3A")
	tests := []struct {
		name  string
		d     Domain
		edit  func(*Tx)
		field string
	}{
		{"unknown version", Domain{ChainID: big.NewInt(1), Safe: safeAddr}, nil, "safeVersion"},
		{"1.3.0 without chain id", Domain{Safe: safeAddr, Version: mustVersion(t, "1.3.0")}, nil, "chainId"},
		{"1.3.0 chain id 0", Domain{ChainID: new(big.Int), Safe: safeAddr, Version: mustVersion(t, "1.3.0")}, nil, "chainId"},
		{"1.3.0 chain id 2^256", Domain{ChainID: new(big.Int).Lsh(big.NewInt(1), 256), Safe: safeAddr, Version: mustVersion(t, "1.3.0")}, nil, "chainId"},
		{"negative value", Domain{ChainID: big.NewInt(1), Safe: safeAddr, Version: mustVersion(t, "1.3.0")}, func(tx *Tx) { tx.Value = big.NewInt(-1) }, "value"},
		{"nonce 2^256", Domain{ChainID: big.NewInt(1), Safe: safeAddr, Version: mustVersion(t, "1.3.0")}, func(tx *Tx) { tx.Nonce = new(big.Int).Lsh(big.NewInt(1), 256) }, "nonce"},
		{"CREATE on 1.0.0", Domain{Safe: safeAddr, Version: mustVersion(t, "1.0.0")}, func(tx *Tx) { tx.Operation = Create }, "operation"},
		{"operation 3 on 0.1.0", Domain{Safe: safeAddr, Version: mustVersion(t, "0.1.0")}, func(tx *Tx) { tx.Operation = 3 }, "operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := boundaryTx(t)
			if tc.edit != nil {
				tc.edit(&tx)
			}
			_, err := tc.d.HashTx(tx)
			var e *bulwark.Error
			if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field != tc.field {
				t.Fatalf("HashTx = %v, want an invalid error on %s", err, tc.field)
			}
		})
	}
	// Legacy versions do not need a chain id.
	if _, err := (Domain{Safe: safeAddr, Version: mustVersion(t, "1.2.0")}).HashTx(Tx{}); err != nil {
		t.Errorf("1.2.0 without chain id: %v", err)
	}
}

// TestExecTransactionCalldata checks the calldata against ethers v6
// Interface.encodeFunctionData for execTransaction(address,uint256,bytes,
// uint8,uint256,uint256,uint256,address,address,bytes): length and keccak.
func TestExecTransactionCalldata(t *testing.T) {
	for _, tc := range []struct {
		name      string
		keepData  bool
		data, sig []byte
		length    int
		hash      string
	}{
		{"no signatures", true, nil, nil, 484, "0x642468f5d92bb187cff4a0848caecb7d700bb40395c3411fa8d051df0e197a84"},
		{"empty data, one signature", false, []byte{}, append(bytes.Repeat([]byte{0x11}, 64), 0x1f), 484, "0xaf26064c9f80ba461696f8ccabddceac4ec55da8056d1f8ed18dcb14848462eb"},
		{"data 0x00, two signatures", false, []byte{0}, bytes.Repeat([]byte{0xab}, 130), 580, "0x8d9367210ff5e38dba7c8307113bead23c0a93807bee77e08400472a39781348"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx := boundaryTx(t)
			if !tc.keepData {
				tx.Data = tc.data
			}
			cd, err := ExecTransactionCalldata(tx, tc.sig)
			if err != nil {
				t.Fatal(err)
			}
			if len(cd) != tc.length {
				t.Errorf("len = %d, want %d", len(cd), tc.length)
			}
			if got := crypto.Keccak256Hash(cd).Hex(); got != tc.hash {
				t.Errorf("keccak(calldata) = %s, want %s", got, tc.hash)
			}
		})
	}
	if _, err := ExecTransactionCalldata(Tx{Value: big.NewInt(-5)}, nil); err == nil {
		t.Error("negative value accepted")
	}
}

// TestApproveHashTx derives a parent Safe's approval of a child Safe
// transaction: child 0x692a…7b3A (1.1.1, chain 1, the boundary transaction),
// parent 0x1Db9…FCF4 (1.4.1, nonce 5). Expectations from ethers v6 as above.
func TestApproveHashTx(t *testing.T) {
	child := Domain{ChainID: big.NewInt(1), Safe: common.HexToAddress("0x692a70D2e424a56D2C6C27aA97D1a86395877b3A"), Version: mustVersion(t, "1.1.1")}
	ch, err := child.HashTx(boundaryTx(t))
	if err != nil {
		t.Fatal(err)
	}
	ptx := ApproveHashTx(child.Safe, ch.SafeTxHash, big.NewInt(5))
	if got := "0x" + common.Bytes2Hex(ptx.Data); got != "0xd4d9bdcd6357947d7c698f3e337cae50b2c0902c245f71bb857de777558c6638e085ee67" {
		t.Errorf("approveHash data = %s", got)
	}
	parent := Domain{ChainID: big.NewInt(1), Safe: common.HexToAddress("0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"), Version: mustVersion(t, "1.4.1")}
	ph, err := parent.HashTx(ptx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"domain", ph.DomainHash.Hex(), "0x3abafb4fc69bc9effe736580564843cff706e076fa459a6490d7e3a1d5509f12"},
		{"message", ph.MessageHash.Hex(), "0x38622e0fb41b8779e3a3d06a9f51deb89bd6025b3a643fb510bf4b7e4b989d78"},
		{"safeTxHash", ph.SafeTxHash.Hex(), "0x5ced0348432b85176d0be7710113a324bfaa76ef3159ae170762fd8ae0673d58"},
	} {
		if c.got != c.want {
			t.Errorf("parent %s = %s, want %s", c.what, c.got, c.want)
		}
	}
}

func TestLedgerHexAndEIP191(t *testing.T) {
	h := common.HexToHash("0x1cf7f9b1efe3bc47fe02fd27c649fea19e79d66040683a1c86c7490c80bf7291")
	// As the pcaversaccio/safe-tx-hashes-util README shows a Ledger's screen.
	if got := LedgerHex(h); got != "0x1CF7F9B1EFE3BC47FE02FD27C649FEA19E79D66040683A1C86C7490C80BF7291" {
		t.Errorf("LedgerHex = %s", got)
	}
	// EIP-191 of the empty message, a well-known constant.
	if got := EIP191Hash(nil).Hex(); got != "0x5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad" {
		t.Errorf("EIP191Hash(\"\") = %s", got)
	}
}

func TestOperationString(t *testing.T) {
	for op, want := range map[Operation]string{Call: "CALL", DelegateCall: "DELEGATECALL", Create: "CREATE", 9: "UNKNOWN(9)"} {
		if got := op.String(); got != want {
			t.Errorf("%d: %s, want %s", op, got, want)
		}
	}
}
