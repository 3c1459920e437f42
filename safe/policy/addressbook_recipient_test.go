package policy

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// TestRecipientNotListed: once the book lists a recipient for the chain,
// value (ETH, ERC-20 transfer and transferFrom, Permit2, inside a batch
// too) sent to an address not listed as recipient, counterparty or own
// contract is RECIPIENT_NOT_LISTED (high, review) naming the recipient,
// amount, asset and the book's digest; with no recipient for the chain
// nothing changes.
func TestRecipientNotListed(t *testing.T) {
	t.Parallel()
	book := testBook(t) // Bob is a recipient on every chain
	mk := func(es ...AddressEntry) *AddressBook {
		b, err := NewAddressBook(es)
		if err != nil {
			t.Fatal(err)
		}
		b.Digest = strings.Repeat("ab", 32)
		return b
	}
	noRecipients := mk(AddressEntry{Address: bob, Label: "Bob", Kinds: []EntryKind{KindSpender}})
	onChain5 := mk(AddressEntry{Address: bob, Label: "Bob", ChainID: big.NewInt(5), Kinds: []EntryKind{KindRecipient}})
	transfer := func(to common.Address, n int64) []byte {
		return calldata(t, "transfer(address to,uint256 amount)", to, big.NewInt(n))
	}
	batch := decode.MultiSendCalldata([]decode.MultiSendTx{
		{To: bob, Value: big.NewInt(3)},
		{To: usdt, Data: transfer(alice, 9)},
	})
	tx := func(to common.Address, value int64, data []byte) safe.Tx {
		return safe.Tx{To: to, Value: big.NewInt(value), Data: data, Nonce: big.NewInt(1)}
	}
	for _, tc := range []struct {
		name      string
		tx        safe.Tx
		book      *AddressBook
		path      string // "" : no finding
		recipient common.Address
		amount    string
		asset     string
		says      string
		tokenID   string // an NFT's id: its amount counts tokens
	}{
		{name: "ETH to a listed recipient", tx: tx(bob, 5, nil), book: book},
		{name: "ETH to an unlisted address", tx: tx(alice, 5, nil), book: book, path: "0", recipient: alice, amount: "5", asset: "ETH", says: "not in the address book"},
		{name: "USDT to an unlisted address", tx: tx(usdt, 0, transfer(alice, 7)), book: book, path: "0", recipient: alice, amount: "7", asset: usdt.Hex(), says: `"USDT"`},
		{name: "USDT to a spender only", tx: tx(usdt, 0, transfer(router, 7)), book: book, path: "0", recipient: router, amount: "7", asset: usdt.Hex(), says: `only as "1inch router v5" (spender)`},
		{name: "USDT to a counterparty", tx: tx(usdt, 0, transfer(usdt, 7)), book: book},
		{name: "ETH to an own contract", tx: tx(lendingPool, 1, nil), book: book},
		{name: "transferFrom to an unlisted address", tx: tx(usdc, 0, calldata(t, "transferFrom(address from,address to,uint256 amount)", bob, alice, big.NewInt(11))), book: book,
			path: "0", recipient: alice, amount: "11", asset: usdc.Hex()},
		{name: "transferFrom to the Safe itself", tx: tx(usdc, 0, calldata(t, "transferFrom(address from,address to,uint256 amount)", alice, testSafe, big.NewInt(11))), book: book},
		{name: "Permit2 transferFrom to an unlisted address", tx: tx(permit2, 0, calldata(t, "transferFrom(address from,address to,uint160 amount,address token)", testSafe, trojan, big.NewInt(13), usdc)), book: book,
			path: "0", recipient: trojan, amount: "13", asset: usdc.Hex()},
		{name: "inside a batch", tx: safe.Tx{To: callOnly130, Operation: safe.DelegateCall, Data: batch, Nonce: big.NewInt(1)}, book: book,
			path: "0.1", recipient: alice, amount: "9", asset: usdt.Hex()},
		{name: "zero amounts", tx: tx(usdt, 0, transfer(alice, 0)), book: book},
		{name: "ERC-721 safeTransferFrom", tx: tx(usdc, 0, calldata(t, "safeTransferFrom(address from,address to,uint256 tokenId)", testSafe, alice, big.NewInt(42))), book: book,
			path: "0", recipient: alice, amount: "1", asset: usdc.Hex(), tokenID: "42", says: "ERC-721 token #42 of collection " + usdc.Hex()},
		{name: "ERC-721 safeTransferFrom with data", tx: tx(usdc, 0, calldata(t, "safeTransferFrom(address from,address to,uint256 tokenId,bytes data)", testSafe, alice, big.NewInt(0), []byte{1})), book: book,
			path: "0", recipient: alice, amount: "1", asset: usdc.Hex(), tokenID: "0", says: "ERC-721 token #0"},
		{name: "transferFrom of NFT #0", tx: tx(usdc, 0, calldata(t, "transferFrom(address from,address to,uint256 amount)", testSafe, alice, big.NewInt(0))), book: book,
			path: "0", recipient: alice, amount: "1", asset: usdc.Hex(), tokenID: "0", says: "token #0 of collection"},
		{name: "ERC-1155 safeTransferFrom", tx: tx(usdc, 0, calldata(t, "safeTransferFrom(address from,address to,uint256 id,uint256 amount,bytes data)", testSafe, alice, big.NewInt(7), big.NewInt(3), []byte{})), book: book,
			path: "0", recipient: alice, amount: "3", asset: usdc.Hex(), tokenID: "7", says: "3 of ERC-1155 token #7"},
		{name: "ERC-1155 safeBatchTransferFrom", tx: tx(usdc, 0, calldata(t, "safeBatchTransferFrom(address from,address to,uint256[] ids,uint256[] amounts,bytes data)", testSafe, alice,
			[]*big.Int{big.NewInt(1), big.NewInt(2)}, []*big.Int{big.NewInt(4), big.NewInt(5)}, []byte{})), book: book,
			path: "0", recipient: alice, amount: "4", asset: usdc.Hex(), tokenID: "1", says: "4 of ERC-1155 token #1"},
		{name: "ERC-1155 amount 0", tx: tx(usdc, 0, calldata(t, "safeTransferFrom(address from,address to,uint256 id,uint256 amount,bytes data)", testSafe, alice, big.NewInt(7), big.NewInt(0), []byte{})), book: book},
		{name: "ERC-721 to a listed recipient", tx: tx(usdc, 0, calldata(t, "safeTransferFrom(address from,address to,uint256 tokenId)", testSafe, bob, big.NewInt(42))), book: book},
		{name: "no recipient in the book", tx: tx(alice, 5, nil), book: noRecipients},
		{name: "recipients on another chain only", tx: tx(alice, 5, nil), book: onChain5},
		{name: "no book", tx: tx(alice, 5, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := Verify(VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: tc.tx}, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"), Policy: Policy{AddressBook: tc.book}})
			if err != nil {
				t.Fatal(err)
			}
			if tc.path == "" {
				if has(v, CodeRecipientNotListed, "", "") {
					t.Fatalf("unexpected %s: %+v", CodeRecipientNotListed, v.Findings)
				}
				return
			}
			f, ok := findingAt(v, CodeRecipientNotListed, tc.path)
			if !ok {
				t.Fatalf("no %s at %s: %v", CodeRecipientNotListed, tc.path, v.Codes())
			}
			if f.Severity != SeverityHigh || v.Verdict != bulwark.VerdictReview {
				t.Errorf("severity %s, verdict %s; want high, review", f.Severity, v.Verdict)
			}
			want := map[string]string{"recipient": tc.recipient.Hex(), "amount": tc.amount, "asset": tc.asset, "addressBookSha256": tc.book.Digest, "tokenId": tc.tokenID}
			for k, w := range want {
				if f.Fields[k] != w {
					t.Errorf("field %s = %q, want %q", k, f.Fields[k], w)
				}
			}
			says := []string{tc.recipient.Hex(), tc.book.Digest, tc.says}
			if tc.tokenID == "" {
				says = append(says, tc.amount+" base units")
			}
			for _, s := range says {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q lacks %q", f.Message, s)
				}
			}
		})
	}
}

// TestAddressBookAllChains: an entry without a chain id that lets an
// allowance (an allowed spender) or a payment (a recipient, counterparty
// or own contract) through is ADDRESS_BOOK_ALL_CHAINS (medium, review),
// naming the entry and the chain to confirm it on; the same entry for the
// transaction's chain lets it through silently, and a revoke needs no
// entry at all.
func TestAddressBookAllChains(t *testing.T) {
	t.Parallel()
	mk := func(chain *big.Int) *AddressBook {
		b, err := NewAddressBook([]AddressEntry{
			{Address: router, Label: "1inch router v5", ChainID: chain, Kinds: []EntryKind{KindSpender}},
			{Address: bob, Label: "Bob", ChainID: chain, Kinds: []EntryKind{KindRecipient}},
			{Address: lendingPool, Label: "Lending pool", ChainID: chain, Kinds: []EntryKind{KindOwnContract}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	every, onL2 := mk(nil), mk(big.NewInt(10))
	call := func(to common.Address, value int64, data []byte) safe.Tx {
		return safe.Tx{To: to, Value: big.NewInt(value), Data: data, Nonce: big.NewInt(1)}
	}
	approve := func(spender common.Address, n *big.Int) []byte {
		return calldata(t, "approve(address spender,uint256 amount)", spender, n)
	}
	for _, tc := range []struct {
		name    string
		tx      safe.Tx
		book    *AddressBook
		addr    common.Address // zero: no finding
		says    string
		verdict bulwark.Verdict
	}{
		{"unlimited approve to a spender listed for every chain", call(usdt, 0, approve(router, safe.MaxUint256)), every, router, "lets the allowance to it through", bulwark.VerdictReview},
		{"the same spender listed for this chain", call(usdt, 0, approve(router, safe.MaxUint256)), onL2, common.Address{}, "", bulwark.VerdictOK},
		{"setApprovalForAll to a spender listed for every chain", call(usdc, 0, calldata(t, "setApprovalForAll(address operator,bool approved)", router, true)), every, router, "allowed spender", bulwark.VerdictReview},
		{"setApprovalForAll(false) needs no entry", call(usdc, 0, calldata(t, "setApprovalForAll(address operator,bool approved)", router, false)), every, common.Address{}, "", bulwark.VerdictOK},
		{"ETH to a recipient listed for every chain", call(bob, 5, nil), every, bob, "lets the payment to it through (5 base units of ETH)", bulwark.VerdictReview},
		{"ETH to the recipient listed for this chain", call(bob, 5, nil), onL2, common.Address{}, "", bulwark.VerdictOK},
		{"an NFT to an own contract listed for every chain", call(usdc, 0, calldata(t, "safeTransferFrom(address from,address to,uint256 tokenId)", testSafe, lendingPool, big.NewInt(3))), every, lendingPool, "ERC-721 token #3", bulwark.VerdictReview},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := Verify(VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: tc.tx}, ChainID: big.NewInt(10), Version: mustVersion(t, "1.3.0"), Policy: Policy{AddressBook: tc.book}})
			if err != nil {
				t.Fatal(err)
			}
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s: %v", v.Verdict, tc.verdict, codes(v.Findings))
			}
			f, ok := findingAt(v, CodeAddressBookAllChains, "0")
			if tc.addr == (common.Address{}) {
				if ok {
					t.Fatalf("unexpected %s: %s", f.Code, f.Message)
				}
				return
			}
			if !ok {
				t.Fatalf("no %s: %v", CodeAddressBookAllChains, codes(v.Findings))
			}
			if f.Severity != SeverityMedium || f.Fields["address"] != tc.addr.Hex() || f.Fields["chainId"] != "10" {
				t.Errorf("%s %v", f.Severity, f.Fields)
			}
			for _, s := range []string{tc.addr.Hex(), "for every chain (no chain_id)", "Confirm it on chain 10", tc.says} {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q lacks %q", f.Message, s)
				}
			}
		})
	}
}
