package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// maxMessageFile bounds a --message-file.
const maxMessageFile = 1 << 20

func (m *Main) safeCmd() *command {
	return &command{
		name:    "safe",
		summary: "verify, decode and simulate Safe transactions; audit and watch Safes",
		long: "Compute, offline, the hashes a Safe owner's hardware wallet shows, for every Safe version from\n" +
			"0.1.0 to 1.5.0; decode and check a proposed transaction against Bulwark's policy, and with --rpc\n" +
			"simulate it against the Safe's current state; audit a Safe's posture; watch Safes block by block;\n" +
			"verify a Safe's queue of pending transactions.",
		subs: []*command{
			m.safeHashCmd(),
			m.safeMessageHashCmd(),
			m.safeVerifyCmd(),
			m.safeCosignCmd(),
			m.safeCosignerCmd(),
			m.safeApproveCmd(),
			m.safeAuditCmd(),
			m.safeWatchCmd(),
			m.safeQueueCmd(),
			m.safeAddressBookCmd(),
		},
	}
}

// calldataFlag declares --data as the transaction's calldata, as CLI.md
// specifies for 'safe hash'. --data never names the data directory
// (that is --data-dir), so no environment variable or config key sets it.
func calldataFlag(fs *flag.FlagSet, data *string) {
	fs.StringVar(data, "data", "0x", "calldata as 0x-`HEX` (0x for none; 0x00 is one zero byte)")
}

// safeTxFlags are the SafeTx fields as flags, in CLI.md's order.
type safeTxFlags struct {
	chainID, safe, version, to, value, data, operation string
	safeTxGas, baseGas, gasPrice, gasToken, refund     string
	nonce, signatures                                  string
	parentSafe, parentVersion, parentNonce             string
}

const zeroAddress = "0x0000000000000000000000000000000000000000"

func (m *Main) safeHashCmd() *command {
	var f safeTxFlags
	return &command{
		name:    "hash",
		summary: "compute a Safe transaction's domain, message and safeTxHash for any Safe version",
		usage: "bulwark safe hash --chain-id N --safe ADDR --safe-version V --to ADDR [--value N] [--data HEX]\n" +
			"       [--operation 0|1|2] [--safe-tx-gas N] [--base-gas N] [--gas-price N] [--gas-token ADDR]\n" +
			"       [--refund-receiver ADDR] --nonce N [--signatures HEX]\n" +
			"       [--parent-safe ADDR --parent-version V --parent-nonce N] [--json]",
		long: "Prints what to compare with the hardware wallet before signing: the domain and message hashes\n" +
			"(as a Ledger shows them when blind-signing EIP-712), the safeTxHash, and the digest an eth_sign\n" +
			"signature covers; then the execTransaction calldata and its hash. With --parent-safe, also the\n" +
			"transaction a parent Safe (an owner of this Safe) signs to approve it with approveHash.\n" +
			"Numbers are decimal or 0x-hex; addresses in mixed case must carry a valid EIP-55 checksum.\n" +
			"Nothing is read from the network, so the version must be given: see 'VERSION()' on the Safe.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.chainID, "chain-id", "", "the chain's EIP-155 id `N` (in the domain from Safe 1.3.0)")
			fs.StringVar(&f.safe, "safe", "", "the Safe's `ADDR`ess")
			fs.StringVar(&f.version, "safe-version", "", "the Safe's `VERSION`: 0.1.0 … 1.5.0, suffixes like 1.3.0+L2 allowed")
			fs.StringVar(&f.to, "to", "", "destination `ADDR`ess")
			fs.StringVar(&f.value, "value", "0", "value in wei (`N`)")
			calldataFlag(fs, &f.data)
			fs.StringVar(&f.operation, "operation", "0", "operation `OP`: 0 CALL, 1 DELEGATECALL, 2 CREATE (before 1.0.0 only)")
			fs.StringVar(&f.safeTxGas, "safe-tx-gas", "0", "safeTxGas (`N`)")
			fs.StringVar(&f.baseGas, "base-gas", "0", "baseGas, dataGas before 1.0.0 (`N`)")
			fs.StringVar(&f.gasPrice, "gas-price", "0", "gasPrice of the gas refund (`N`)")
			fs.StringVar(&f.gasToken, "gas-token", zeroAddress, "refund token `ADDR`ess (zero for ETH)")
			fs.StringVar(&f.refund, "refund-receiver", zeroAddress, "refund receiver `ADDR`ess (zero for tx.origin)")
			fs.StringVar(&f.nonce, "nonce", "", "the Safe transaction's nonce (`N`)")
			fs.StringVar(&f.signatures, "signatures", "0x", "signature bytes (0x-`HEX`) for the execTransaction calldata")
			fs.StringVar(&f.parentSafe, "parent-safe", "", "`ADDR`ess of a parent Safe that approves this transaction with approveHash")
			fs.StringVar(&f.parentVersion, "parent-version", "", "the parent Safe's `VERSION`")
			fs.StringVar(&f.parentNonce, "parent-nonce", "", "the parent Safe's nonce (`N`) for its approveHash transaction")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe hash", args); err != nil {
				return bulwark.ExitError, err
			}
			out, err := buildSafeHash(f)
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(out.json())
			}
			out.writeText(m.Stdout)
			return bulwark.ExitOK, nil
		},
	}
}

// safeTxResult is one Safe transaction with everything 'safe hash' shows.
type safeTxResult struct {
	domain     safe.Domain
	tx         safe.Tx
	hashes     safe.TxHashes
	signatures []byte
	calldata   []byte
	parent     *safeTxResult // the parent Safe's approveHash transaction
}

func required(field, what, value string) error {
	if strings.TrimSpace(value) == "" {
		return bulwark.Invalid(field, "required: %s", what)
	}
	return nil
}

func buildSafeHash(f safeTxFlags) (*safeTxResult, error) {
	for _, r := range []struct{ field, what, value string }{
		{"--chain-id", "the chain id, e.g. 1 for Ethereum mainnet", f.chainID},
		{"--safe", "the Safe's address", f.safe},
		{"--safe-version", "the Safe's version as its VERSION() returns it, e.g. 1.3.0", f.version},
		{"--to", "the transaction's destination address", f.to},
		{"--nonce", "the Safe transaction's nonce", f.nonce},
	} {
		if err := required(r.field, r.what, r.value); err != nil {
			return nil, err
		}
	}
	var (
		r   safeTxResult
		err error
	)
	if r.domain.Version, err = safe.ParseVersion("--safe-version", f.version); err != nil {
		return nil, err
	}
	if r.domain.ChainID, err = safe.ParseChainID("--chain-id", f.chainID); err != nil {
		return nil, err
	}
	if r.domain.Safe, err = safe.ParseAddress("--safe", f.safe); err != nil {
		return nil, err
	}
	tx := &r.tx
	if tx.To, err = safe.ParseAddress("--to", f.to); err != nil {
		return nil, err
	}
	if tx.Value, err = safe.ParseUint256("--value", f.value); err != nil {
		return nil, err
	}
	if tx.Data, err = safe.ParseHex("--data", f.data); err != nil {
		return nil, err
	}
	if tx.Operation, err = safe.ParseOperation("--operation", f.operation, r.domain.Version); err != nil {
		return nil, err
	}
	if tx.SafeTxGas, err = safe.ParseUint256("--safe-tx-gas", f.safeTxGas); err != nil {
		return nil, err
	}
	if tx.BaseGas, err = safe.ParseUint256("--base-gas", f.baseGas); err != nil {
		return nil, err
	}
	if tx.GasPrice, err = safe.ParseUint256("--gas-price", f.gasPrice); err != nil {
		return nil, err
	}
	if tx.GasToken, err = safe.ParseAddress("--gas-token", f.gasToken); err != nil {
		return nil, err
	}
	if tx.RefundReceiver, err = safe.ParseAddress("--refund-receiver", f.refund); err != nil {
		return nil, err
	}
	if tx.Nonce, err = safe.ParseUint256("--nonce", f.nonce); err != nil {
		return nil, err
	}
	if r.signatures, err = safe.ParseHex("--signatures", f.signatures); err != nil {
		return nil, err
	}
	if err := r.compute(); err != nil {
		return nil, err
	}

	if f.parentSafe == "" && f.parentVersion == "" && f.parentNonce == "" {
		return &r, nil
	}
	for _, p := range []struct{ field, what, value string }{
		{"--parent-safe", "the parent Safe's address (with --parent-version and --parent-nonce)", f.parentSafe},
		{"--parent-version", "the parent Safe's version (with --parent-safe and --parent-nonce)", f.parentVersion},
		{"--parent-nonce", "the parent Safe's nonce for its approveHash transaction (with --parent-safe and --parent-version)", f.parentNonce},
	} {
		if err := required(p.field, p.what, p.value); err != nil {
			return nil, err
		}
	}
	p := safeTxResult{domain: safe.Domain{ChainID: r.domain.ChainID}}
	if p.domain.Version, err = safe.ParseVersion("--parent-version", f.parentVersion); err != nil {
		return nil, err
	}
	if p.domain.Safe, err = safe.ParseAddress("--parent-safe", f.parentSafe); err != nil {
		return nil, err
	}
	if p.domain.Safe == r.domain.Safe {
		return nil, bulwark.Invalid("--parent-safe", "is the Safe itself: give the address of the Safe that owns it")
	}
	nonce, err := safe.ParseUint256("--parent-nonce", f.parentNonce)
	if err != nil {
		return nil, err
	}
	p.tx = safe.ApproveHashTx(r.domain.Safe, r.hashes.SafeTxHash, nonce)
	if err := p.compute(); err != nil {
		return nil, err
	}
	r.parent = &p
	return &r, nil
}

func (r *safeTxResult) compute() error {
	var err error
	if r.hashes, err = r.domain.HashTx(r.tx); err != nil {
		return err
	}
	r.calldata, err = safe.ExecTransactionCalldata(r.tx, r.signatures)
	return err
}

// JSON shapes. Hashes and bytes are lower-case 0x hex, addresses EIP-55,
// integers decimal strings (they can exceed what a JSON number holds).

type safeTxJSON struct {
	ChainID         string           `json:"chainId"`
	Safe            string           `json:"safe"`
	SafeVersion     string           `json:"safeVersion"`
	DomainHash      string           `json:"domainHash"`
	MessageHash     string           `json:"messageHash"`
	SafeTxHash      string           `json:"safeTxHash"`
	EthSignHash     string           `json:"ethSignHash"`
	EncodedMessage  string           `json:"encodedMessage"`
	Transaction     safeTxFieldsJSON `json:"transaction"`
	ExecTransaction safeExecJSON     `json:"execTransaction"`
	Parent          *safeTxJSON      `json:"parent,omitempty"`
	// ApprovedHash, in a parent's transaction, is the child safeTxHash its
	// approveHash call approves.
	ApprovedHash string `json:"approvedHash,omitempty"`
	// Notes are the text output's warnings (DELEGATECALL, CREATE, no chain
	// id, the parent's included), only when there is one; not in parent.
	Notes []string `json:"notes,omitempty"`
}

type safeTxFieldsJSON struct {
	To             string `json:"to"`
	Value          string `json:"value"`
	Data           string `json:"data"`
	Operation      int    `json:"operation"`
	SafeTxGas      string `json:"safeTxGas"`
	BaseGas        string `json:"baseGas"`
	GasPrice       string `json:"gasPrice"`
	GasToken       string `json:"gasToken"`
	RefundReceiver string `json:"refundReceiver"`
	Nonce          string `json:"nonce"`
}

type safeExecJSON struct {
	Signatures   string `json:"signatures"`
	Calldata     string `json:"calldata"`
	CalldataHash string `json:"calldataHash"`
}

func decimal(n *big.Int) string {
	if n == nil {
		return "0"
	}
	return n.String()
}

func hexBytes(b []byte) string { return "0x" + common.Bytes2Hex(b) }

func (r *safeTxResult) json() *safeTxJSON {
	out := &safeTxJSON{
		ChainID:        decimal(r.domain.ChainID),
		Safe:           r.domain.Safe.Hex(),
		SafeVersion:    r.domain.Version.String(),
		DomainHash:     r.hashes.DomainHash.Hex(),
		MessageHash:    r.hashes.MessageHash.Hex(),
		SafeTxHash:     r.hashes.SafeTxHash.Hex(),
		EthSignHash:    r.hashes.EthSignHash.Hex(),
		EncodedMessage: hexBytes(r.hashes.EncodedMessage),
		Transaction: safeTxFieldsJSON{
			To:             r.tx.To.Hex(),
			Value:          decimal(r.tx.Value),
			Data:           hexBytes(r.tx.Data),
			Operation:      int(r.tx.Operation),
			SafeTxGas:      decimal(r.tx.SafeTxGas),
			BaseGas:        decimal(r.tx.BaseGas),
			GasPrice:       decimal(r.tx.GasPrice),
			GasToken:       r.tx.GasToken.Hex(),
			RefundReceiver: r.tx.RefundReceiver.Hex(),
			Nonce:          decimal(r.tx.Nonce),
		},
		ExecTransaction: safeExecJSON{
			Signatures:   hexBytes(r.signatures),
			Calldata:     hexBytes(r.calldata),
			CalldataHash: crypto.Keccak256Hash(r.calldata).Hex(),
		},
	}
	if r.parent != nil {
		out.Parent = r.parent.json()
		out.Parent.ApprovedHash = r.hashes.SafeTxHash.Hex()
		out.Parent.Notes = nil
	}
	for _, n := range r.warnings() {
		out.Notes = append(out.Notes, n.text)
	}
	return out
}

// textBlock renders aligned "label  value" lines under a heading.
type textBlock struct {
	w   io.Writer
	err error
}

const labelWidth = 18

func (b *textBlock) heading(s string) {
	b.printf("%s\n", s)
}

func (b *textBlock) line(label, format string, args ...any) {
	b.printf("  %-*s%s\n", labelWidth, label, fmt.Sprintf(format, args...))
}

func (b *textBlock) blank() { b.printf("\n") }

// note writes text under label, wrapped to fit beside the label column.
func (b *textBlock) note(label, text string) {
	const width = 72
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			b.line(label, "%s", line)
			label, line = "", ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	b.line(label, "%s", line)
}

func (b *textBlock) printf(format string, args ...any) {
	if b.err == nil {
		_, b.err = fmt.Fprintf(b.w, format, args...)
	}
}

func describeData(data []byte) string {
	switch {
	case len(data) == 0:
		return "0x (empty: no calldata; keccak of nothing, not of 0x00)"
	case len(data) == 1:
		return fmt.Sprintf("%s (1 byte, not empty)", hexBytes(data))
	case len(data) < 4:
		return fmt.Sprintf("%s (%d bytes)", hexBytes(data), len(data))
	}
	return fmt.Sprintf("%s (%d bytes, selector %s)", hexBytes(data), len(data), hexBytes(data[:4]))
}

func (r *safeTxResult) writeText(w io.Writer) {
	b := &textBlock{w: w}
	b.heading("Safe transaction")
	r.writeFields(b, false)
	b.blank()
	r.writeHashes(b)

	b.blank()
	b.heading("execTransaction (for whoever submits the signed transaction)")
	if len(r.signatures) == 0 {
		b.line("Signatures", "none given (add them with --signatures)")
	} else {
		b.line("Signatures", "%d bytes", len(r.signatures))
	}
	b.line("Calldata hash", "%s", crypto.Keccak256Hash(r.calldata).Hex())
	b.line("Calldata", "%s", hexBytes(r.calldata))

	if p := r.parent; p != nil {
		b.blank()
		b.heading("Parent Safe approval (the parent Safe owns this Safe; its owners sign this instead)")
		p.writeFields(b, true)
		b.blank()
		p.writeHashes(b)
		b.blank()
		b.heading("execTransaction on the parent Safe")
		b.line("Calldata hash", "%s (no signatures)", crypto.Keccak256Hash(p.calldata).Hex())
	}

	b.blank()
	b.heading("Notes")
	for _, n := range r.warnings() {
		b.note(n.label, n.text)
	}
	b.note("Not checked here", "these hashes prove which transaction is signed, not that it is safe: run 'bulwark safe verify' on the transaction to decode it and check it against the policy.")
}

// hashNote is one warning of 'safe hash': its label in the text output
// and its text, which is also an entry of the JSON's "notes".
type hashNote struct{ label, text string }

// warnings are what 'safe hash' warns about: a DELEGATECALL, a CREATE, a
// domain without a chain id (the Safe's or its parent's).
func (r *safeTxResult) warnings() []hashNote {
	var ns []hashNote
	if r.tx.Operation == safe.DelegateCall {
		ns = append(ns, hashNote{"! DELEGATECALL", "this DELEGATECALL runs the code of " + r.tx.To.Hex() + " with this Safe's storage, so it can replace the owners, modules, guard or singleton (the Bybit attack). " +
			"These hashes do not check the target: run 'bulwark safe verify' on the transaction, which checks it against the pinned allowlist of libraries (such as the canonical MultiSendCallOnly), " +
			"and sign only for a library it accepts."})
	}
	if r.tx.Operation == safe.Create {
		ns = append(ns, hashNote{"! CREATE", "this transaction deploys a contract from the data."})
	}
	if !r.domain.Version.DomainHasChainID() {
		ns = append(ns, hashNote{"! No chain id", "Safe " + r.domain.Version.String() + " signs without a chain id: a signature is valid on every chain where this Safe address exists."})
	}
	if r.parent != nil && !r.parent.domain.Version.DomainHasChainID() {
		ns = append(ns, hashNote{"! No chain id", "the parent Safe " + r.parent.domain.Version.String() + " signs without a chain id too."})
	}
	return ns
}

func (r *safeTxResult) writeFields(b *textBlock, parent bool) {
	if parent {
		b.line("Parent Safe", "%s (Safe %s)", r.domain.Safe.Hex(), r.domain.Version)
	} else {
		b.line("Safe", "%s (Safe %s)", r.domain.Safe.Hex(), r.domain.Version)
	}
	if r.domain.Version.DomainHasChainID() {
		b.line("Chain ID", "%s", decimal(r.domain.ChainID))
	} else {
		b.line("Chain ID", "%s (not part of Safe %s's domain)", decimal(r.domain.ChainID), r.domain.Version)
	}
	if parent {
		b.line("To", "%s (the Safe above)", r.tx.To.Hex())
	} else {
		b.line("To", "%s", r.tx.To.Hex())
	}
	b.line("Value", "%s wei", decimal(r.tx.Value))
	if parent {
		b.line("Data", "%s (approveHash of the safeTxHash above)", hexBytes(r.tx.Data))
	} else {
		b.line("Data", "%s", describeData(r.tx.Data))
	}
	b.line("Operation", "%d %s", r.tx.Operation, r.tx.Operation)
	b.line("SafeTxGas", "%s", decimal(r.tx.SafeTxGas))
	if r.domain.Version.UsesDataGas() {
		b.line("DataGas", "%s", decimal(r.tx.BaseGas))
	} else {
		b.line("BaseGas", "%s", decimal(r.tx.BaseGas))
	}
	b.line("GasPrice", "%s", decimal(r.tx.GasPrice))
	b.line("GasToken", "%s", r.tx.GasToken.Hex())
	b.line("RefundReceiver", "%s", r.tx.RefundReceiver.Hex())
	b.line("Nonce", "%s", decimal(r.tx.Nonce))
}

func (r *safeTxResult) writeHashes(b *textBlock) {
	h := r.hashes
	b.heading("Hashes (compare with the hardware wallet before signing)")
	b.line("Domain hash", "%s", h.DomainHash.Hex())
	b.line("Message hash", "%s", h.MessageHash.Hex())
	b.line("safeTxHash", "%s", h.SafeTxHash.Hex())
	b.blank()
	writeLedger(b, h.DomainHash, h.MessageHash)
	b.blank()
	b.heading("eth_sign (the wallet signs the safeTxHash as a message; signature v > 30)")
	b.line("Message", "%s (the safeTxHash, shown as hex)", h.SafeTxHash.Hex())
	b.line("Signed digest", "%s (its EIP-191 hash)", h.EthSignHash.Hex())
}

func writeLedger(b *textBlock, domain, message common.Hash) {
	b.heading("Ledger, blind-signing EIP-712, shows")
	b.line("Domain hash", "%s", safe.LedgerHex(domain))
	b.line("Message hash", "%s", safe.LedgerHex(message))
}

func (m *Main) safeMessageHashCmd() *command {
	var chainID, safeAddr, version, messageFile, typedFile string
	return &command{
		name:    "message-hash",
		summary: "compute a Safe off-chain message's hashes (EIP-191 text or EIP-712 typed data)",
		usage:   "bulwark safe message-hash --chain-id N --safe ADDR --safe-version V (--message-file F | --typed-data F) [--json]",
		long: "A Safe signs off-chain messages as SafeMessage(bytes message) in its own EIP-712 domain, where the\n" +
			"message is the 32-byte hash a dApp checks with isValidSignature: the EIP-191 personal_sign hash of\n" +
			"a text, or the EIP-712 hash of typed data. --message-file hashes the file's bytes exactly (a\n" +
			"trailing newline counts); --typed-data reads the JSON a wallet receives for eth_signTypedData_v4.\n" +
			"F may be - for standard input.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&chainID, "chain-id", "", "the chain's EIP-155 id `N` (in the domain from Safe 1.3.0)")
			fs.StringVar(&safeAddr, "safe", "", "the Safe's `ADDR`ess")
			fs.StringVar(&version, "safe-version", "", "the Safe's `VERSION`: 0.1.0 … 1.5.0, suffixes like 1.3.0+L2 allowed")
			fs.StringVar(&messageFile, "message-file", "", "`FILE` holding the text to sign (EIP-191)")
			fs.StringVar(&typedFile, "typed-data", "", "`FILE` holding EIP-712 typed data as JSON")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe message-hash", args); err != nil {
				return bulwark.ExitError, err
			}
			out, err := m.buildMessageHash(chainID, safeAddr, version, messageFile, typedFile)
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(out.json())
			}
			out.writeText(m.Stdout)
			return bulwark.ExitOK, nil
		},
	}
}

type safeMessageResult struct {
	domain safe.Domain
	hashes safe.MessageHashes
	source string // the file name, or "standard input"
	text   []byte // an EIP-191 text, or nil
	inner  common.Hash
	typed  *safe.TypedData
	typedH safe.TypedDataHashes
	notes  []string
}

// readInput reads a file named by field, or standard input for "-", up to
// max bytes.
func (m *Main) readInput(field, name string, max int) ([]byte, string, error) {
	var r io.Reader
	source := name
	if name == "-" {
		r, source = m.Stdin, "standard input"
		if r == nil {
			r = strings.NewReader("")
		}
	} else {
		f, err := os.Open(name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, "", bulwark.Invalid(field, "file %s does not exist", name)
			}
			return nil, "", bulwark.Invalid(field, "cannot read %s: %s", name, pathErr(err))
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, "", bulwark.Invalid(field, "cannot read %s: %s", source, pathErr(err))
	}
	if len(data) > max {
		return nil, "", bulwark.Invalid(field, "%s is larger than %d bytes", source, max)
	}
	return data, source, nil
}

func (m *Main) buildMessageHash(chainID, safeAddr, version, messageFile, typedFile string) (*safeMessageResult, error) {
	for _, r := range []struct{ field, what, value string }{
		{"--chain-id", "the chain id, e.g. 1 for Ethereum mainnet", chainID},
		{"--safe", "the Safe's address", safeAddr},
		{"--safe-version", "the Safe's version as its VERSION() returns it, e.g. 1.3.0", version},
	} {
		if err := required(r.field, r.what, r.value); err != nil {
			return nil, err
		}
	}
	if (messageFile == "") == (typedFile == "") {
		return nil, bulwark.Invalid("--message-file", "give exactly one of --message-file FILE (a text) or --typed-data FILE (EIP-712 JSON)")
	}
	var (
		r   safeMessageResult
		err error
	)
	if r.domain.Version, err = safe.ParseVersion("--safe-version", version); err != nil {
		return nil, err
	}
	if r.domain.ChainID, err = safe.ParseChainID("--chain-id", chainID); err != nil {
		return nil, err
	}
	if r.domain.Safe, err = safe.ParseAddress("--safe", safeAddr); err != nil {
		return nil, err
	}
	if messageFile != "" {
		if r.text, r.source, err = m.readInput("--message-file", messageFile, maxMessageFile); err != nil {
			return nil, err
		}
		if r.text == nil {
			r.text = []byte{}
		}
		r.inner = safe.EIP191Hash(r.text)
		if bytes.Contains(r.text, []byte("\r\n")) {
			r.notes = append(r.notes, "the message has Windows line endings (CR LF), which are signed as they are; a dApp's message usually has LF only")
		}
		if bytes.HasSuffix(r.text, []byte("\n")) {
			r.notes = append(r.notes, "the message ends with a newline, which is signed too; if the dApp's message does not end with one, remove it from the file")
		}
	} else {
		raw, source, err := m.readInput("--typed-data", typedFile, safe.MaxTypedDataSize)
		if err != nil {
			return nil, err
		}
		r.source = source
		if r.typed, err = safe.ParseTypedData("--typed-data", raw); err != nil {
			return nil, err
		}
		if r.typedH, err = r.typed.Hash(); err != nil {
			return nil, err
		}
		r.inner = r.typedH.Hash
		if r.typed.PrimaryType == "SafeMessage" {
			if vc, ok := r.typed.Domain["verifyingContract"].(string); ok && strings.EqualFold(vc, r.domain.Safe.Hex()) {
				r.notes = append(r.notes, "this typed data is already a SafeMessage of this Safe: its own EIP-712 hash is the safeMessageHash to sign, and the hashes below wrap it once more")
			}
		}
	}
	if r.hashes, err = r.domain.HashSafeMessage(r.inner[:]); err != nil {
		return nil, err
	}
	return &r, nil
}

type safeMessageJSON struct {
	ChainID         string             `json:"chainId"`
	Safe            string             `json:"safe"`
	SafeVersion     string             `json:"safeVersion"`
	DomainHash      string             `json:"domainHash"`
	MessageHash     string             `json:"messageHash"`
	SafeMessageHash string             `json:"safeMessageHash"`
	Message         safeRawMessageJSON `json:"message"`
	Notes           []string           `json:"notes,omitempty"`
}

// safeRawMessageJSON is what a wallet shows for the raw message.
type safeRawMessageJSON struct {
	Type        string `json:"type"` // "eip191" or "eip712"
	Bytes       *int   `json:"bytes,omitempty"`
	EIP191Hash  string `json:"eip191Hash,omitempty"`
	PrimaryType string `json:"primaryType,omitempty"`
	EIP712Hash  string `json:"eip712Hash,omitempty"`
	DomainHash  string `json:"domainHash,omitempty"`
	MessageHash string `json:"messageHash,omitempty"`
}

func (r *safeMessageResult) json() *safeMessageJSON {
	out := &safeMessageJSON{
		ChainID:         decimal(r.domain.ChainID),
		Safe:            r.domain.Safe.Hex(),
		SafeVersion:     r.domain.Version.String(),
		DomainHash:      r.hashes.DomainHash.Hex(),
		MessageHash:     r.hashes.MessageHash.Hex(),
		SafeMessageHash: r.hashes.SafeMessageHash.Hex(),
		Notes:           r.notes,
	}
	if r.typed == nil {
		n := len(r.text)
		out.Message = safeRawMessageJSON{Type: "eip191", Bytes: &n, EIP191Hash: r.inner.Hex()}
	} else {
		out.Message = safeRawMessageJSON{
			Type:        "eip712",
			PrimaryType: r.typed.PrimaryType,
			EIP712Hash:  r.typedH.Hash.Hex(),
			DomainHash:  r.typedH.DomainHash.Hex(),
			MessageHash: r.typedH.MessageHash.Hex(),
		}
	}
	return out
}

func (r *safeMessageResult) writeText(w io.Writer) {
	b := &textBlock{w: w}
	b.heading("Safe message")
	b.line("Safe", "%s (Safe %s)", r.domain.Safe.Hex(), r.domain.Version)
	if r.domain.Version.DomainHasChainID() {
		b.line("Chain ID", "%s", decimal(r.domain.ChainID))
	} else {
		b.line("Chain ID", "%s (not part of Safe %s's domain)", decimal(r.domain.ChainID), r.domain.Version)
	}
	if r.typed == nil {
		b.line("Message", "text from %s, %d bytes, signed as EIP-191 personal_sign", r.source, len(r.text))
		b.line("EIP-191 hash", "%s (the SafeMessage's message)", r.inner.Hex())
	} else {
		b.line("Message", "EIP-712 typed data from %s, primaryType %s", r.source, r.typed.PrimaryType)
		b.line("Its domain hash", "%s", r.typedH.DomainHash.Hex())
		b.line("Its message hash", "%s", r.typedH.MessageHash.Hex())
		b.line("Its EIP-712 hash", "%s (the SafeMessage's message)", r.typedH.Hash.Hex())
	}
	b.blank()
	b.heading("Hashes (compare with the hardware wallet before signing)")
	b.line("Domain hash", "%s", r.hashes.DomainHash.Hex())
	b.line("Message hash", "%s", r.hashes.MessageHash.Hex())
	b.line("safeMessageHash", "%s", r.hashes.SafeMessageHash.Hex())
	b.blank()
	writeLedger(b, r.hashes.DomainHash, r.hashes.MessageHash)
	if len(r.notes) > 0 || !r.domain.Version.DomainHasChainID() {
		b.blank()
		b.heading("Notes")
		for _, n := range r.notes {
			b.note("! Note", n)
		}
		if !r.domain.Version.DomainHasChainID() {
			b.note("! No chain id", "Safe "+r.domain.Version.String()+" signs without a chain id: a signature is valid on every chain where this Safe address exists.")
		}
	}
}

// safeVerifyFlags are the settings of 'bulwark safe verify'.
type safeVerifyFlags struct {
	tx, chainID, version, rpc, book  string
	allowMultiSend, trustAddressOnly bool
}

func (m *Main) safeVerifyCmd() *command {
	var f safeVerifyFlags
	return &command{
		name:    "verify",
		summary: "decode a Safe transaction and check it against Bulwark's policy; exit by verdict",
		usage:   "bulwark safe verify --tx FILE|- [--chain-id N] [--safe-version V] [--rpc URL] [--address-book FILE] [--allow-multisend] [--trust-address-only] [--json]",
		long: "FILE is a Safe Transaction Service multisig-transaction JSON (safe, to, value, data, operation,\n" +
			"safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce, optional safeTxHash; other keys are\n" +
			"ignored). Prints the hashes to compare with the hardware wallet, the decoded calls, the policy's\n" +
			"findings most severe first, and the verdict: ok (exit 0), review (2) or reject (3). Every verdict is\n" +
			"appended to the audit log of the data directory. Offline (no --rpc) --chain-id and --safe-version\n" +
			"are required: Bulwark never guesses them. A DELEGATECALL to an allowlisted library is matched by\n" +
			"address only offline (its code hash is not read) and needs review unless --trust-address-only.\n" +
			"With --rpc the chain id and version are read from the node (a given one must agree), every call\n" +
			"target's code hash is read, the Safe's own getTransactionHash must equal the recomputed safeTxHash,\n" +
			"and execTransaction is simulated (debug_traceCall): a change of the Safe's singleton, owners,\n" +
			"threshold, modules, guard or fallback handler that the decoded calls do not announce is critical.\n" +
			"--address-book names the organisation's own contracts, counterparties, allowed spenders and\n" +
			"recipients (TOML, docs/safe-reference.md): calls to them are named, approvals to allowed spenders\n" +
			"are info, and every new owner, implementation, admin, role holder or spender is checked against it.\n" +
			"Every address the transaction names is screened against the data directory's sanctions and\n" +
			"attribution lists (those 'bulwark screen address' uses): a sanctioned or FBI-attributed DPRK\n" +
			"address is critical (SANCTIONED_ADDRESS, ATTRIBUTED_ADDRESS).",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.tx, "tx", "", "the transaction JSON `FILE` (- for standard input)")
			fs.StringVar(&f.chainID, "chain-id", "", "the chain's EIP-155 id `N` (required without --rpc)")
			fs.StringVar(&f.version, "safe-version", "", "the Safe's `VERSION`, as its VERSION() returns it (required without --rpc)")
			fs.StringVar(&f.rpc, "rpc", "", "JSON-RPC `URL` of a node: read the chain id, version and code hashes from it, check getTransactionHash, and simulate")
			fs.StringVar(&f.book, "address-book", "", "the organisation's address book `FILE` (TOML): name known targets, allow listed spenders, check new owners against it (default: the book stored in the data directory, if any)")
			fs.BoolVar(&f.allowMultiSend, "allow-multisend", false, "trust a DELEGATECALL to the pinned MultiSend (which can itself DELEGATECALL anything)")
			fs.BoolVar(&f.trustAddressOnly, "trust-address-only", false, "accept an allowlisted library by its pinned address without checking its code hash")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe verify", args); err != nil {
				return bulwark.ExitError, err
			}
			v, err := m.buildSafeVerify(ctx, f)
			if err != nil {
				return bulwark.ExitError, err
			}
			db, _, log, err := m.services(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			entry, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
				return audit.Event{Actor: m.cliActor(), Action: "safe.verify", Target: v.AuditTarget(), Details: v.AuditDetails()},
					policy.RecordInAudit(txctx, db, v)
			})
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return v.Verdict.ExitCode(), m.printJSON(v.AuditedJSON(entry.Seq))
			}
			writeVerifyText(m.Stdout, v, entry.Seq)
			return v.Verdict.ExitCode(), nil
		},
	}
}

func (m *Main) buildSafeVerify(ctx context.Context, f safeVerifyFlags) (*policy.Verification, error) {
	if err := required("--tx", "the transaction JSON file (a Safe Transaction Service multisig-transaction), or - for standard input", f.tx); err != nil {
		return nil, err
	}
	data, source, err := m.readInput("--tx", f.tx, policy.MaxServiceTxSize)
	if err != nil {
		return nil, err
	}
	st, err := policy.ReadServiceTx(data)
	if err != nil {
		return nil, txFileError(source, err)
	}
	d, err := policy.SettleDomain(st, "the --tx file",
		policy.Given{Field: "--chain-id", Text: f.chainID},
		policy.Given{Field: "--safe-version", Text: f.version})
	if err != nil {
		return nil, err
	}
	if f.rpc == "" {
		if d.ChainID == nil {
			return nil, policy.MissingChainID("--chain-id", "give it with --chain-id N, or give --rpc URL to read it from a node")
		}
		if d.Version == (safe.Version{}) {
			return nil, policy.MissingVersion("--safe-version", "give it with --safe-version V, or give --rpc URL to read it from a node")
		}
	}
	book, err := m.bookInForce(ctx, "--address-book", f.book)
	if err != nil {
		return nil, err
	}
	scr, closeScr, err := m.safeScreener(ctx)
	if err != nil {
		return nil, err
	}
	defer closeScr()
	req := policy.VerifyRequest{Tx: *st, ChainID: d.ChainID, Version: d.Version,
		Policy: policy.Policy{AllowMultiSend: f.allowMultiSend, TrustAddressOnly: f.trustAddressOnly, AddressBook: book, Screener: scr}}
	if f.rpc != "" {
		return m.verifyOnChain(ctx, f.rpc, source, req, policy.ChainFields{ChainID: d.ChainIDField, Version: d.VersionField, Node: "--rpc"})
	}
	v, err := policy.Verify(req)
	if err != nil {
		return nil, txFileError(source, err)
	}
	return v, nil
}

// verifyOnChain verifies req against the node at rawURL and simulates it
// (policy.VerifyOnChain). Errors name what is at fault: the flag the node
// contradicts, the --tx file's safe when it is not a Safe, and --rpc for
// everything the node did (unreachable, refused a read …).
func (m *Main) verifyOnChain(ctx context.Context, rawURL, source string, req policy.VerifyRequest, fields policy.ChainFields) (*policy.Verification, error) {
	client, err := ethrpc.Dial(rawURL, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 1, Logger: m.logger, DebugRetries: true})
	if err != nil {
		return nil, rpcFlagError(err)
	}
	defer client.Close()
	v, err := policy.VerifyOnChain(ctx, client, req, policy.ChainOptions{Simulator: client, Fields: fields})
	if err == nil {
		return v, nil
	}
	var be *bulwark.Error
	switch {
	case errors.Is(err, onchain.ErrNotSafe):
		e := bulwark.Invalid("--tx", "%s: safe: %s", source, bulwark.ErrorMessage(err))
		e.Err = err
		return nil, e
	case errors.As(err, &be) && be.Field == "safe-version":
		return nil, bulwark.Wrap(err, be.Code, "--safe-version: "+be.Message)
	case errors.As(err, &be) && (be.Field == "chainId" || be.Field == "safeVersion"):
		// The --tx file's own chainId or safeVersion disagrees with the node.
		return nil, txFileError(source, err)
	case errors.As(err, &be) && be.Field != "":
		return nil, err
	}
	return nil, rpcFlagError(err)
}

// txFileError says which file a field error is in: "--tx: tx.json: to: …".
func txFileError(source string, err error) error {
	e := bulwark.Invalid("--tx", "%s: %s", source, bulwark.ErrorMessage(err))
	e.Err = err
	return e
}

func writeVerifyText(w io.Writer, v *policy.Verification, auditSeq int64) {
	b := &textBlock{w: w}
	b.heading("Safe transaction")
	b.line("Safe", "%s (Safe %s)", v.Safe.Hex(), v.Version)
	if v.Version.DomainHasChainID() {
		b.line("Chain ID", "%s", decimal(v.ChainID))
	} else {
		b.line("Chain ID", "%s (not part of Safe %s's domain: a signature is valid on every chain where this Safe exists)", decimal(v.ChainID), v.Version)
	}
	b.line("To", "%s", v.Tx.To.Hex())
	b.line("Value", "%s wei", decimal(v.Tx.Value))
	b.line("Data", "%s", describeData(v.Tx.Data))
	b.line("Operation", "%d %s", v.Tx.Operation, v.Tx.Operation)
	b.line("SafeTxGas", "%s", decimal(v.Tx.SafeTxGas))
	b.line("BaseGas", "%s", decimal(v.Tx.BaseGas))
	b.line("GasPrice", "%s", decimal(v.Tx.GasPrice))
	b.line("GasToken", "%s", v.Tx.GasToken.Hex())
	b.line("RefundReceiver", "%s", v.Tx.RefundReceiver.Hex())
	b.line("Nonce", "%s", decimal(v.Tx.Nonce))
	b.blank()

	h := v.Hashes
	b.heading("Hashes (compare with the hardware wallet before signing)")
	b.line("Domain hash", "%s", h.DomainHash.Hex())
	b.line("Message hash", "%s", h.MessageHash.Hex())
	switch {
	case v.ProposedSafeTxHash == nil:
		b.line("safeTxHash", "%s (the file gives none to compare)", h.SafeTxHash.Hex())
	case v.HashMatches():
		b.line("safeTxHash", "%s (matches the file's)", h.SafeTxHash.Hex())
	default:
		b.line("safeTxHash", "%s", h.SafeTxHash.Hex())
		b.line("! File says", "%s (DIFFERENT)", v.ProposedSafeTxHash.Hex())
	}
	b.line("eth_sign digest", "%s", h.EthSignHash.Hex())
	b.blank()
	writeLedger(b, h.DomainHash, h.MessageHash)
	b.blank()
	if v.Chain != nil {
		writeChainCheck(b, v)
	}

	b.heading("Decoded (what the transaction does)")
	if v.Decoded == nil {
		b.printf("  (nothing could be decoded)\n")
	} else {
		writeCallTree(b, v.Decoded, 1)
	}
	b.blank()
	if v.Simulation != nil {
		writeSimulation(b, v.Simulation)
	}

	if len(v.Findings) == 0 {
		b.heading("Findings: none")
	} else {
		b.heading("Findings (most severe first)")
		for _, f := range v.Findings {
			where := "whole transaction"
			if f.Path != "" {
				where = "call " + f.Path
			}
			b.line(strings.ToUpper(string(f.Severity)), "%s (%s)", f.Code, where)
			b.note("", f.Message)
		}
	}
	b.blank()
	switch v.Verdict {
	case bulwark.VerdictReject:
		b.heading("Verdict: REJECT (exit 3): do not sign this transaction.")
	case bulwark.VerdictReview:
		b.heading("Verdict: REVIEW (exit 2): someone other than the proposer must check the findings before anyone signs.")
	default:
		switch nc := v.NotChecked(); {
		case len(nc) == 0:
			b.heading("Verdict: OK (exit 0): no finding needs a second look. Still compare the hashes with the device.")
		case !v.Screening.Checked:
			b.heading("Verdict: OK, NOT FULLY CHECKED (exit 0): nothing checked needs a second look, but the addresses were NOT screened against any sanctions or attribution list; load the lists before signing. Still compare the hashes with the device.")
		case !v.Simulated():
			b.heading("Verdict: OK, NOT FULLY CHECKED (exit 0) on the decoded calls only — NOT simulated; verify with --rpc before signing. Still compare the hashes with the device.")
		default:
			b.heading("Verdict: OK, NOT FULLY CHECKED (exit 0): nothing checked needs a second look, but what is listed below was not checked; do not take it as passed. Still compare the hashes with the device.")
		}
	}
	if nc := v.NotChecked(); len(nc) > 0 {
		ws := make([]string, len(nc))
		for i, k := range nc {
			ws[i] = policy.NotCheckedText(k)
		}
		b.printf("NOT checked: %s.\n", strings.Join(ws, "; "))
	}
	b.printf("Policy %s, registry %s; recorded as audit entry %d.\n", v.PolicyVersion, v.RegistryVersion, auditSeq)
	writeScreeningLists(b, v.Screening)
}

// writeScreeningLists says which list versions the addresses were screened
// against, or that they were not.
func writeScreeningLists(b *textBlock, s policy.ScreeningRecord) {
	if !s.Checked {
		b.printf("Addresses NOT screened: no sanctions or attribution list was loaded.\n")
		return
	}
	ls := make([]string, len(s.Lists))
	for i, l := range s.Lists {
		v := l.Version
		if len(v) > 12 {
			v = v[:12]
		}
		ls[i] = l.ID + " " + v
	}
	b.printf("Addresses screened against %s.\n", strings.Join(ls, ", "))
}

// writeChainCheck prints what --rpc read from the node.
func writeChainCheck(b *textBlock, v *policy.Verification) {
	c := v.Chain
	b.heading(fmt.Sprintf("On chain (block %d)", c.Block))
	b.line("Chain ID", "%s (%s)", decimal(v.ChainID), c.ChainIDSource)
	b.line("Version", "%s (%s)", v.Version, c.VersionSource)
	if c.SingletonKnown {
		b.line("Singleton", "%s: %s", c.Singleton.Hex(), c.SingletonName)
	} else {
		b.line("Singleton", "%s: NOT a known Safe deployment (code %s)", c.Singleton.Hex(), c.SingletonCodeHash.Hex())
	}
	switch {
	case c.ContractSafeTxHash == nil:
		b.line("Contract hash", "unavailable: %s", c.ContractHashError)
	case v.ContractHashMatches():
		b.line("Contract hash", "%s (getTransactionHash: matches)", c.ContractSafeTxHash.Hex())
	default:
		b.line("Contract hash", "%s (getTransactionHash: DIFFERENT)", c.ContractSafeTxHash.Hex())
	}
	b.blank()
}

// writeSimulation prints the simulated execution and the Safe's state diff.
func writeSimulation(b *textBlock, s *policy.Simulation) {
	b.heading(fmt.Sprintf("Simulation (execTransaction at block %d)", s.Block))
	b.line("Status", "%s", s.Status)
	if s.Reason != "" {
		b.note("", s.Reason)
	}
	if s.From != (common.Address{}) {
		b.line("From", "%s (owner; %d approved-hash signature(s))", s.From.Hex(), len(s.Signers))
	}
	for _, c := range s.Changes {
		mark := "explained"
		if !c.Explained {
			mark = "NOT EXPLAINED"
		}
		b.line("Change", "%s (%s)", c.Change, mark)
	}
	for _, c := range s.OtherStorage {
		b.line("Storage", "slot %s: %s → %s", c.Slot.Hex(), c.Before.Hex(), c.After.Hex())
	}
	if s.ETHLeaving != nil && s.ETHLeaving.Sign() > 0 {
		b.line("ETH leaving", "%s wei", decimal(s.ETHLeaving))
	}
	for _, t := range s.TokenTransfers {
		if t.Amount != nil {
			b.line("Token leaving", "%s base units of %s to %s", decimal(t.Amount), t.Token.Hex(), t.To.Hex())
		} else {
			b.line("Token leaving", "token id %s of %s to %s", decimal(t.TokenID), t.Token.Hex(), t.To.Hex())
		}
	}
	b.blank()
}

// writeCallTree prints c and the calls inside it, indented by depth.
func writeCallTree(b *textBlock, c *decode.DecodedCall, depth int) {
	indent := strings.Repeat("  ", depth)
	b.printf("%s[%s] %s %s: %s\n", indent, c.Path, c.Operation, c.To.Hex(), c.Summary)
	for _, n := range c.Notes {
		b.printf("%s    note: %s\n", indent, n)
	}
	if c.Error != "" {
		b.printf("%s    error: %s\n", indent, c.Error)
	}
	for _, k := range c.Calls {
		writeCallTree(b, k, depth+1)
	}
}

// readAddressBook reads the address-book file given with flag ("": none).
func readAddressBook(flag, file string) (*policy.AddressBook, error) {
	if file == "" {
		return nil, nil
	}
	b, err := policy.ReadAddressBookFile(file)
	if err != nil {
		e := bulwark.Invalid(flag, "%s", bulwark.ErrorMessage(err))
		e.Err = err
		return nil, e
	}
	return b, nil
}
