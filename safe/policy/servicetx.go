package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

// ServiceTx is a Safe transaction as the Safe Transaction Service's
// multisig-transaction JSON describes it (GET
// /api/v1/multisig-transactions/{safeTxHash}/ or one entry of a Safe's
// list): the Safe, the SafeTx fields and, when the proposer gave one, the
// safeTxHash it claims.
type ServiceTx struct {
	Safe common.Address
	Tx   safe.Tx
	// SafeTxHash is the proposer-supplied hash, nil when the JSON has none.
	// It is a claim to check, never an input to hashing.
	SafeTxHash *common.Hash
	// ChainID and Version are the optional chainId and safeVersion keys,
	// nil when absent. The service's JSON carries neither (its URL names the
	// chain, and the Safe's version is in GET /api/v1/safes/{address}/);
	// they are there when someone added them, as Bulwark's API has long
	// accepted. See [SettleDomain].
	ChainID *big.Int
	Version *safe.Version
	// Confirmations are the owners' signatures the JSON carries: the
	// service's "confirmations" and the packed "signatures". Claims: the
	// co-signer recovers each signer over the recomputed safeTxHash
	// before one counts. Not written back by MarshalJSON.
	Confirmations []Confirmation
}

// Confirmation is one owner's signature of a transaction as a request
// carries it.
type Confirmation struct {
	// Owner is the owner a "confirmations" entry names; zero for a
	// signature of "signatures", whose signer is only recovered.
	Owner common.Address
	// Signature is 65 bytes r‖s‖v.
	Signature []byte
}

// MaxConfirmations bounds the confirmations (and the packed signatures)
// read from one transaction.
const MaxConfirmations = 256

// MaxServiceTxSize bounds a Safe Transaction Service transaction file, as
// 'bulwark safe verify --tx' reads it and as POST /api/v1/safe/verify takes
// it, so that both accept the same files: a multisend batch of thousands of
// calls, with the service's dataDecoded, fits.
const MaxServiceTxSize = 8 << 20

// ReadServiceTx parses a Safe Transaction Service multisig-transaction JSON
// object. It reads safe, to, value, data, operation, safeTxGas, baseGas
// (dataGas is accepted for pre-1.0 Safes), gasPrice, gasToken,
// refundReceiver, nonce, the optional safeTxHash and the owners'
// signatures (confirmations, signatures: see [ServiceTx.Confirmations]),
// and ignores every other key (the service returns many: dataDecoded,
// executor, …).
//
//   - safe, to, value, operation and nonce are required; safeTxGas, baseGas
//     and gasPrice default to 0, gasToken and refundReceiver to the zero
//     address, data to no bytes (null, "" and "0x" all mean none);
//   - integers may be JSON numbers (digits only, read exactly, never through
//     a float) or strings in decimal or 0x-hex, from 0 to 2^256-1;
//   - addresses follow ParseAddress (mixed case must pass EIP-55);
//   - a key given twice is refused: two readers of the same file could
//     otherwise see two different transactions;
//   - chainId (a whole number above 0) and safeVersion (a string such as
//     "1.3.0") are read when present, though the service never writes them;
//   - data longer than MaxServiceTxSize is refused (too_large).
//
// Every error is a *bulwark.Error with code invalid naming the field.
func ReadServiceTx(data []byte) (*ServiceTx, error) {
	if len(data) > MaxServiceTxSize {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "a Safe transaction file is at most %d MiB, this one is %d bytes", MaxServiceTxSize>>20, len(data))
	}
	fields, err := readObject(data)
	if err != nil {
		return nil, err
	}
	if _, ok := fields["results"]; ok {
		if _, has := fields["to"]; !has {
			return nil, bulwark.Invalid("results", "this is a list of transactions (the service's paginated answer): pass one object from \"results\"")
		}
	}
	out := &ServiceTx{}
	r := fieldReader{fields: fields}
	out.Safe = r.address("safe", true)
	out.Tx.To = r.address("to", true)
	out.Tx.Value = r.uint("value", true)
	out.Tx.Data = r.bytes("data")
	out.Tx.Operation = r.operation("operation")
	out.Tx.SafeTxGas = r.uint("safeTxGas", false)
	if _, ok := fields["baseGas"]; !ok && fields["dataGas"] != nil {
		out.Tx.BaseGas = r.uint("dataGas", false)
	} else {
		out.Tx.BaseGas = r.uint("baseGas", false)
	}
	out.Tx.GasPrice = r.uint("gasPrice", false)
	out.Tx.GasToken = r.address("gasToken", false)
	out.Tx.RefundReceiver = r.address("refundReceiver", false)
	out.Tx.Nonce = r.uint("nonce", true)
	out.SafeTxHash = r.hash("safeTxHash")
	out.ChainID = r.chainID("chainId")
	out.Version = r.version("safeVersion")
	out.Confirmations = r.confirmations("confirmations", "signatures")
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// readObject splits one JSON object into its top-level members, refusing
// anything but exactly one object and keys given twice.
func readObject(data []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, bulwark.Invalid("body", "empty: want a Safe Transaction Service multisig-transaction JSON object")
	}
	if trimmed[0] != '{' {
		return nil, bulwark.Invalid("body", "want a JSON object (a Safe Transaction Service multisig-transaction), not %s", jsonKindOf(trimmed[0]))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '{'
		return nil, syntaxError(err, dec)
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err, dec)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(err, dec)
		}
		if _, dup := fields[key]; dup {
			if key == "" {
				return nil, bulwark.Invalid("body", "the empty key is given twice: a transaction file must say each field once")
			}
			return nil, bulwark.Invalid(clipField(key), "given twice: a transaction file must say each field once")
		}
		fields[key] = raw
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, syntaxError(err, dec)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bulwark.Invalid("body", "unexpected data after the JSON object at byte %d: give exactly one transaction", dec.InputOffset())
	}
	return fields, nil
}

func syntaxError(err error, dec *json.Decoder) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return bulwark.Invalid("body", "invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return bulwark.Invalid("body", "invalid JSON: unexpected end of input at byte %d", dec.InputOffset())
	}
	return bulwark.Invalid("body", "invalid JSON at byte %d", dec.InputOffset())
}

func jsonKindOf(b byte) string {
	switch {
	case b == '[':
		return "an array"
	case b == '"':
		return "a string"
	case b == 't' || b == 'f':
		return "a boolean"
	case b == 'n':
		return "null"
	case b == '-' || b >= '0' && b <= '9':
		return "a number"
	}
	return "something that is not JSON"
}

// clipField bounds a key echoed in an error.
func clipField(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// fieldReader reads typed fields and keeps the first error.
type fieldReader struct {
	fields map[string]json.RawMessage
	err    error
}

// scalar returns the field as text: a string's contents or a number's
// digits. ok is false when the field is absent or null.
func (r *fieldReader) scalar(name string, required bool, want string) (s string, isNumber, ok bool) {
	if r.err != nil {
		return "", false, false
	}
	raw, present := r.fields[name]
	if !present || string(raw) == "null" {
		if required {
			r.err = bulwark.Invalid(name, "required: %s", want)
		}
		return "", false, false
	}
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			r.err = bulwark.Invalid(name, "not a valid JSON string")
			return "", false, false
		}
		return s, false, true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw), true, true
	}
	r.err = bulwark.Invalid(name, "want %s, got %s", want, jsonKindOf(raw[0]))
	return "", false, false
}

func (r *fieldReader) address(name string, required bool) common.Address {
	s, isNumber, ok := r.scalar(name, required, "an address as a 0x-prefixed string")
	if !ok {
		return common.Address{}
	}
	if isNumber {
		r.err = bulwark.Invalid(name, "want an address as a 0x-prefixed string, got a number")
		return common.Address{}
	}
	a, err := safe.ParseAddress(name, s)
	if err != nil {
		r.err = err
	}
	return a
}

func (r *fieldReader) uint(name string, required bool) *big.Int {
	s, isNumber, ok := r.scalar(name, required, "a whole number (JSON number, or a string in decimal or 0x-hex)")
	if !ok {
		return new(big.Int)
	}
	if isNumber && strings.ContainsAny(s, ".eE") {
		r.err = bulwark.Invalid(name, "%s is not a whole number: write integers without a fraction or exponent (as a string for large values)", clipField(s))
		return new(big.Int)
	}
	n, err := safe.ParseUint256(name, s)
	if err != nil {
		r.err = err
		return new(big.Int)
	}
	return n
}

// chainID reads an optional chain id: nil when absent or null.
func (r *fieldReader) chainID(name string) *big.Int {
	if raw, ok := r.fields[name]; !ok || string(raw) == "null" || r.err != nil {
		return nil
	}
	n := r.uint(name, false)
	if r.err != nil {
		return nil
	}
	if n.Sign() == 0 {
		r.err = bulwark.Invalid(name, "chain id 0 is not a chain: give the network's chain id, e.g. 1 for Ethereum mainnet")
		return nil
	}
	return n
}

// version reads an optional Safe version string: nil when absent or null.
func (r *fieldReader) version(name string) *safe.Version {
	s, isNumber, ok := r.scalar(name, false, `the Safe's version as a string, e.g. "1.3.0"`)
	if !ok {
		return nil
	}
	if isNumber {
		r.err = bulwark.Invalid(name, `want the Safe's version as a string, e.g. "1.3.0", got a number`)
		return nil
	}
	v, err := safe.ParseVersion(name, s)
	if err != nil {
		r.err = err
		return nil
	}
	return &v
}

func (r *fieldReader) bytes(name string) []byte {
	s, isNumber, ok := r.scalar(name, false, "0x-prefixed hex bytes")
	if !ok || !isNumber && (s == "" || s == "0x") {
		return nil
	}
	if isNumber {
		r.err = bulwark.Invalid(name, "want 0x-prefixed hex bytes as a string, got a number")
		return nil
	}
	b, err := safe.ParseHex(name, s)
	if err != nil {
		r.err = err
	}
	if len(b) == 0 {
		return nil
	}
	return b
}

// confirmations reads the owners' signatures: the service's
// "confirmations" (an array of objects with "owner" and "signature", other
// keys ignored) and "signatures" (0x-hex, owners' 65-byte signatures one
// after the other, as execTransaction takes them). The service's
// confirmations are read leniently, as before they were read at all: an
// entry without a readable owner and a 65-byte hex signature (an approved
// hash, a contract signature) is left out, and so is a "confirmations"
// that is not an array, since only a signature that recovers to an owner
// ever counts. "signatures" is refused when it does not read.
func (r *fieldReader) confirmations(confName, sigName string) []Confirmation {
	if r.err != nil {
		return nil
	}
	var out []Confirmation
	var items []json.RawMessage
	if raw, ok := r.fields[confName]; ok && len(raw) > 0 && raw[0] == '[' && json.Unmarshal(raw, &items) == nil {
		for _, it := range items {
			if len(out) == MaxConfirmations {
				break
			}
			var c struct {
				Owner     json.RawMessage `json:"owner"`
				Signature json.RawMessage `json:"signature"`
			}
			var owner, sig string
			if len(it) == 0 || it[0] != '{' || json.Unmarshal(it, &c) != nil ||
				json.Unmarshal(c.Owner, &owner) != nil || json.Unmarshal(c.Signature, &sig) != nil {
				continue
			}
			a, err := safe.ParseAddress(confName, owner)
			if err != nil {
				continue
			}
			if b, err := safe.ParseHex(confName, sig); err == nil && len(b) == 65 {
				out = append(out, Confirmation{Owner: a, Signature: b})
			}
		}
	}
	s, isNumber, ok := r.scalar(sigName, false, "the owners' signatures as 0x-prefixed hex")
	if !ok {
		return out
	}
	if isNumber {
		r.err = bulwark.Invalid(sigName, "want the owners' signatures as 0x-prefixed hex, got a number")
		return nil
	}
	b, err := safe.ParseHex(sigName, s)
	switch {
	case err != nil:
		r.err = err
		return nil
	case len(b)%65 != 0:
		r.err = bulwark.Invalid(sigName, "%d bytes: want owners' 65-byte signatures (r‖s‖v) one after the other", len(b))
		return nil
	case len(b)/65 > MaxConfirmations:
		r.err = bulwark.Invalid(sigName, "%d signatures, over %d", len(b)/65, MaxConfirmations)
		return nil
	}
	for i := 0; i < len(b); i += 65 {
		out = append(out, Confirmation{Signature: slices.Clone(b[i : i+65])})
	}
	return out
}

func (r *fieldReader) operation(name string) safe.Operation {
	s, _, ok := r.scalar(name, true, "0 (CALL) or 1 (DELEGATECALL)")
	if !ok {
		return 0
	}
	// The version is not known yet: CREATE (2) is checked against it when
	// the transaction is hashed.
	switch strings.TrimSpace(s) {
	case "0":
		return safe.Call
	case "1":
		return safe.DelegateCall
	case "2":
		return safe.Create
	}
	r.err = bulwark.Invalid(name, "%s is not an operation: use 0 (CALL) or 1 (DELEGATECALL)", safe.Quote(clipField(s)))
	return 0
}

func (r *fieldReader) hash(name string) *common.Hash {
	s, isNumber, ok := r.scalar(name, false, "a 32-byte hash as 0x-prefixed hex")
	if !ok {
		return nil
	}
	if isNumber {
		r.err = bulwark.Invalid(name, "want a 32-byte hash as a 0x-prefixed string, got a number")
		return nil
	}
	b, err := safe.ParseHex(name, s)
	if err != nil {
		r.err = err
		return nil
	}
	if len(b) != common.HashLength {
		r.err = bulwark.Invalid(name, "%d bytes: a safeTxHash is 32 bytes (64 hex digits)", len(b))
		return nil
	}
	h := common.BytesToHash(b)
	return &h
}

// MarshalJSON writes the transaction in the service's shape: addresses in
// EIP-55 form, integers as decimal strings (operation as a number), data as
// 0x-hex, safeTxHash, chainId and safeVersion only when set. ReadServiceTx reads it back unchanged.
func (s *ServiceTx) MarshalJSON() ([]byte, error) {
	out := struct {
		Safe string `json:"safe"`
		VerifiedTxJSON
		SafeTxHash  *string `json:"safeTxHash,omitempty"`
		ChainID     string  `json:"chainId,omitempty"`
		SafeVersion string  `json:"safeVersion,omitempty"`
	}{Safe: s.Safe.Hex(), VerifiedTxJSON: txJSON(s.Tx)}
	if s.SafeTxHash != nil {
		h := s.SafeTxHash.Hex()
		out.SafeTxHash = &h
	}
	if s.ChainID != nil {
		out.ChainID = s.ChainID.String()
	}
	if s.Version != nil {
		out.SafeVersion = s.Version.String()
	}
	return json.Marshal(out)
}

// decString renders n in decimal, nil as 0.
func decString(n *big.Int) string {
	if n == nil {
		return "0"
	}
	return n.String()
}
