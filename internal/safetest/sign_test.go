package safetest_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
)

// recover returns the signer of one 65-byte Safe signature the way the
// Safe's checkSignatures does for v 27/28 (EIP-712) and v 31/32 (eth_sign).
func recoverSigner(t *testing.T, h safe.TxHashes, sig []byte) common.Address {
	t.Helper()
	v := sig[64]
	digest := h.SafeTxHash
	if v > 30 {
		digest = h.EthSignHash
		v -= 4
	}
	raw := append(append([]byte(nil), sig[:64]...), v-27)
	pub, err := crypto.SigToPub(digest[:], raw)
	if err != nil {
		t.Fatalf("recover %x: %v", sig, err)
	}
	return crypto.PubkeyToAddress(*pub)
}

func TestOwnersDeterministic(t *testing.T) {
	a, b := safetest.NewOwners(6), safetest.NewOwners(6)
	seen := map[common.Address]bool{}
	for i := range a {
		if a[i].Address != b[i].Address || a[i].Address != crypto.PubkeyToAddress(a[i].Key.PublicKey) {
			t.Fatalf("owner %d not deterministic or key mismatch", i)
		}
		if seen[a[i].Address] {
			t.Fatalf("owner %d repeats", i)
		}
		seen[a[i].Address] = true
	}
	if got := safetest.OwnerAt(3).Address; got != a[3].Address {
		t.Fatalf("OwnerAt(3) = %s, want %s", got, a[3].Address)
	}
}

func TestSignTx(t *testing.T) {
	owners := safetest.NewOwners(6)
	d := safe.Domain{ChainID: big.NewInt(31337), Safe: common.HexToAddress("0x1000000000000000000000000000000000000001")}
	var err error
	if d.Version, err = safe.ParseVersion("version", "1.3.0"); err != nil {
		t.Fatal(err)
	}
	h, err := d.HashTx(safe.Tx{To: owners[0].Address, Value: big.NewInt(1), Nonce: big.NewInt(7)})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []safetest.SigKind{safetest.EIP712, safetest.EthSign, safetest.ApprovedHash} {
		t.Run(kind.String(), func(t *testing.T) {
			signers := []*safetest.Owner{owners[5], owners[1], owners[3]}
			sigs, err := safetest.SignTx(h, kind, signers...)
			if err != nil {
				t.Fatal(err)
			}
			if len(sigs) != 3*65 {
				t.Fatalf("%d signature bytes", len(sigs))
			}
			var prev common.Address
			for i := range 3 {
				sig := sigs[i*65 : (i+1)*65]
				var who common.Address
				switch kind {
				case safetest.ApprovedHash:
					if sig[64] != 1 || !bytes.Equal(sig[32:64], make([]byte, 32)) {
						t.Fatalf("approved-hash signature %x", sig)
					}
					who = common.BytesToAddress(sig[:32])
				case safetest.EthSign:
					if sig[64] != 31 && sig[64] != 32 {
						t.Fatalf("eth_sign v = %d, want 31 or 32", sig[64])
					}
					who = recoverSigner(t, h, sig)
				default:
					if sig[64] != 27 && sig[64] != 28 {
						t.Fatalf("EIP-712 v = %d, want 27 or 28", sig[64])
					}
					who = recoverSigner(t, h, sig)
				}
				if bytes.Compare(who[:], prev[:]) <= 0 {
					t.Fatalf("signature %d by %s is not after %s: not sorted", i, who, prev)
				}
				prev = who
			}
		})
	}
	if _, err := safetest.SignTx(h, safetest.EIP712, owners[1], owners[1]); err == nil {
		t.Error("two signatures by one owner accepted")
	}
	if _, err := safetest.SignTx(h, safetest.EIP712, &safetest.Owner{Address: owners[0].Address}); err == nil {
		t.Error("signing without a key accepted")
	}
}

// TestBybitSignaturesRecover checks the harness's eth_sign convention
// against the real thing: the three signatures on Bybit's malicious
// transaction recover, over the EIP-191 hash of the recomputed safeTxHash
// with v-4, to the three signers on record.
func TestBybitSignaturesRecover(t *testing.T) {
	data, err := os.ReadFile("../../../shared/data/safe/bybit/bybit_incident.json")
	if err != nil {
		t.Skipf("shared Bybit data not available: %v", err)
	}
	var inc struct {
		Safe struct {
			Address string `json:"address"`
		} `json:"safe"`
		Tx struct {
			To         string   `json:"to"`
			Data       string   `json:"data"`
			SafeTxGas  string   `json:"safeTxGas"`
			Nonce      int64    `json:"nonce"`
			SafeTxHash string   `json:"safeTxHash"`
			Signatures string   `json:"signatures"`
			Signers    []string `json:"signers"`
		} `json:"malicious_safe_tx"`
	}
	if err := json.Unmarshal(data, &inc); err != nil {
		t.Fatal(err)
	}
	trojan, backdoor := common.HexToAddress(inc.Tx.To), common.BytesToAddress(hexutil.MustDecode(inc.Tx.Data)[16:36])
	tx := safetest.BybitTx(trojan, backdoor, big.NewInt(inc.Tx.Nonce))
	if !bytes.Equal(tx.Data, hexutil.MustDecode(inc.Tx.Data)) || tx.SafeTxGas.String() != inc.Tx.SafeTxGas {
		t.Fatalf("BybitTx does not reproduce the incident's data/safeTxGas")
	}
	v111, _ := safe.ParseVersion("version", "1.1.1")
	h, err := safe.Domain{ChainID: big.NewInt(1), Safe: common.HexToAddress(inc.Safe.Address), Version: v111}.HashTx(tx)
	if err != nil {
		t.Fatal(err)
	}
	if h.SafeTxHash != common.HexToHash(inc.Tx.SafeTxHash) {
		t.Fatalf("safeTxHash = %s, want %s", h.SafeTxHash, inc.Tx.SafeTxHash)
	}
	sigs := hexutil.MustDecode(inc.Tx.Signatures)
	if len(sigs) != 3*65 || len(inc.Tx.Signers) != 3 {
		t.Fatalf("%d signature bytes, %d signers", len(sigs), len(inc.Tx.Signers))
	}
	for i := range 3 {
		sig := sigs[i*65 : (i+1)*65]
		if sig[64] <= 30 {
			t.Fatalf("signature %d has v %d, want an eth_sign v > 30", i, sig[64])
		}
		if got := recoverSigner(t, h, sig); got != common.HexToAddress(inc.Tx.Signers[i]) {
			t.Errorf("signature %d recovers to %s, want %s", i, got, inc.Tx.Signers[i])
		}
	}
}
