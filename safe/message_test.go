package safe

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// TestHashSafeMessageVersions wraps the EIP-191 hash of one text as a
// SafeMessage across the domain boundary. Expectations from ethers v6:
// hashMessage(text), then TypedDataEncoder with SafeMessage(bytes message)
// and the version's domain. Safe 0x692a…7b3A, chain 11155111.
func TestHashSafeMessageVersions(t *testing.T) {
	text := "Bulwark test message\nsecond line"
	inner := EIP191Hash([]byte(text))
	if inner.Hex() != "0x47dc316483222c167d01b65fec85d2d6460d5077d3f2a1e1e801b08dccfde7a9" {
		t.Fatalf("EIP-191 hash = %s", inner.Hex())
	}
	const (
		message = "0x45b96891563eb1dc2bd96346459c60604c43a183a2178d419fa42474d2b3eaa9"
		legacyD = "0x6d3bd4f9a032bd47c6be5664b14ec54f77738d4ac1606d9fceaa85af47a6eaf9"
		legacyS = "0x4fab416610bc7cde0efdc5e05f0c02e8da012f4a572cee3ba01cbf6f2d05199b"
		modernD = "0xc32f5968b2ab0c98b10f724f2870e9bf06b15ec3ee47fc7ac731f0f91bf4367b"
		modernS = "0x02a84e91843a683748c11f9d05f044804a41696de48f57b3a2ebcdb72611c651"
	)
	for _, tc := range []struct{ version, domain, safeMsg string }{
		{"0.1.0", legacyD, legacyS},
		{"1.2.0", legacyD, legacyS},
		{"1.3.0", modernD, modernS},
		{"1.5.0+L2", modernD, modernS},
	} {
		d := Domain{ChainID: big.NewInt(11155111), Safe: common.HexToAddress("0x692a70D2e424a56D2C6C27aA97D1a86395877b3A"), Version: mustVersion(t, tc.version)}
		h, err := d.HashSafeMessage(inner[:])
		if err != nil {
			t.Fatal(err)
		}
		if h.DomainHash.Hex() != tc.domain || h.MessageHash.Hex() != message || h.SafeMessageHash.Hex() != tc.safeMsg {
			t.Errorf("%s: %s %s %s", tc.version, h.DomainHash.Hex(), h.MessageHash.Hex(), h.SafeMessageHash.Hex())
		}
	}
	if _, err := (Domain{Safe: common.Address{}, Version: mustVersion(t, "1.3.0")}).HashSafeMessage(inner[:]); err == nil {
		t.Error("1.3.0 message without chain id accepted")
	}
}
