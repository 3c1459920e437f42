package policy_test

import (
	"context"
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// TestSignMessageAnvil verifies, then executes, DELEGATECALLs of the
// pinned SignMessageLib 1.4.1's signMessage on a Safe 1.4.1 on Anvil (the
// library's code placed at its canonical address, so that --rpc matches it
// by address and code hash). Each is SIGN_MESSAGE, review, and the
// safeMessageHash the finding names is the one the Safe's storage marks as
// signed once executed; for a 32-byte hash the Safe's fallback handler then
// answers EIP-1271 isValidSignature(hash, "") with the magic value — no
// owner signs anything off chain.
func TestSignMessageAnvil(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	s := d.NewSafe(t, 2, safetest.NewOwners(3)...)

	var lib decode.Deployment
	for _, dep := range decode.KnownDeployments().All() {
		if dep.Name == "SignMessageLib" && dep.Version.Core() == "1.4.1" && dep.Type == "canonical" {
			lib = dep
		}
	}
	code := chain.Code(t, d.SignMessageLib)
	if lib.Address == (common.Address{}) || crypto.Keccak256Hash(code) != lib.CodeHash {
		t.Fatalf("pinned SignMessageLib 1.4.1 %+v; the artifact's runtime code hash is %s", lib, crypto.Keccak256Hash(code))
	}
	if err := chain.RPC.Call(context.Background(), nil, "anvil_setCode", lib.Address, "0x"+common.Bytes2Hex(code)); err != nil {
		t.Fatal(err)
	}

	digest := crypto.Keccak256([]byte("a Permit2 permit's EIP-712 hash"))
	for _, tc := range []struct {
		name string
		msg  []byte
		kind string
	}{{"32-byte hash", digest, "hash"}, {"text", []byte("I, the Safe, agree"), "text"}} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := d.Artifacts.SignMessageLib.Pack("signMessage", tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			tx := s.Tx(t, lib.Address, nil, data, safe.DelegateCall)
			v := verifyOnChain(t, s, tx)
			i := slices.IndexFunc(v.Findings, func(f policy.Finding) bool { return f.Code == policy.CodeSignMessage })
			if i < 0 || v.Verdict != "review" || slices.Contains(v.Codes(), policy.CodeUntrustedDelegateCall) || slices.Contains(v.Codes(), policy.CodeDelegateCallUnchecked) {
				t.Fatalf("verdict %s, findings %+v", v.Verdict, v.Findings)
			}
			f := v.Findings[i]
			h := common.HexToHash(f.Fields["safeMessageHash"])
			if h == (common.Hash{}) || f.Fields["messageKind"] != tc.kind || f.Severity != policy.SeverityMedium {
				t.Fatalf("finding %+v", f)
			}
			signed := func() int64 {
				return chain.Call(t, s.Singleton, s.Address, "signedMessages", h)[0].(*big.Int).Int64()
			}
			if signed() != 0 {
				t.Fatalf("signedMessages[%s] set before the transaction", h)
			}
			s.MustExec(t, tx, safetest.EIP712)
			if signed() != 1 {
				t.Fatalf("after execution signedMessages[%s] = %d: the finding named another hash than the Safe marked", h, signed())
			}
			if tc.kind == "hash" {
				// isValidSignature(bytes32 digest, bytes "") through the
				// fallback handler.
				call := append(common.FromHex("0x1626ba7e"), digest...)
				call = append(call, common.LeftPadBytes([]byte{0x40}, 32)...)
				call = append(call, make([]byte, 32)...)
				if out := chain.CallContract(t, s.Address, call); len(out) < 4 || common.Bytes2Hex(out[:4]) != "1626ba7e" {
					t.Fatalf("isValidSignature(digest, \"\") = %x, want the EIP-1271 magic value", out)
				}
			}
		})
	}
}
