package safetxservice

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
)

// MaxPageEntries bounds the entries of one page: more than the service
// gives for any limit it takes.
const MaxPageEntries = 1000

// Page is one page of a Safe's multisig-transaction listing.
type Page struct {
	// Entries are the page's results, in order; an entry that does not
	// read has Err set.
	Entries []queue.Entry
	// Next is the URL of the next page ("" on the last). It is untrusted:
	// the Client checks it before following it.
	Next string
}

// ParsePage reads one page of GET /api/v1/safes/{address}/multisig-transactions/:
// an object with "results" (an array of multisig-transaction objects),
// "next" (a URL or null) and the service's counts, which are not used.
//
// The page is refused (an error, code invalid) when it is not one JSON
// object, gives a key twice, has no "results" array or more than
// MaxPageEntries of them, or a "next" that is not a string or null. An
// entry is read with policy.ReadServiceTx and must be of safe, not
// executed, and have well-formed confirmations; an entry that is not is
// returned with Err naming the field as "results[i].field" (i counting
// from offset, the entries of the pages before), never dropped.
func ParsePage(body []byte, safe common.Address, offset int) (Page, error) {
	fields, err := readObject(body)
	if err != nil {
		return Page{}, err
	}
	var p Page
	if raw, ok := fields["next"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &p.Next); err != nil {
			return Page{}, bulwark.Invalid("next", "want the next page's URL as a string or null")
		}
	}
	raw, ok := fields["results"]
	if !ok {
		return Page{}, bulwark.Invalid("results", "missing: not a multisig-transaction listing")
	}
	if len(raw) == 0 || raw[0] != '[' {
		return Page{}, bulwark.Invalid("results", "want an array of transactions")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return Page{}, bulwark.Invalid("results", "want an array of transactions")
	}
	if len(items) > MaxPageEntries {
		return Page{}, bulwark.Errorf(bulwark.ETOOLARGE, "results: %d transactions on one page, over %d: refused", len(items), MaxPageEntries)
	}
	p.Entries = make([]queue.Entry, len(items))
	for i, item := range items {
		p.Entries[i] = readEntry(item, safe, fmt.Sprintf("results[%d]", offset+i))
	}
	return p, nil
}

// readEntry reads one multisig-transaction of safe's queue.
func readEntry(item []byte, safeAddr common.Address, where string) queue.Entry {
	var e queue.Entry
	fields, ferr := readObject(item)
	if ferr == nil {
		// What identifies the entry, read leniently, so that an entry that
		// does not read can still be named in its alert.
		if s, ok := stringField(fields, "safeTxHash"); ok {
			if b, err := safe.ParseHex("safeTxHash", s); err == nil && len(b) == common.HashLength {
				e.SafeTxHash = common.BytesToHash(b)
			}
		}
		if s, ok := scalarText(fields["nonce"]); ok {
			if n, err := safe.ParseUint256("nonce", s); err == nil {
				e.Nonce = n
			}
		}
	}
	fail := func(err error) queue.Entry {
		e.Tx = nil
		e.Err = prefixField(where, err)
		return e
	}
	if ferr != nil {
		return fail(ferr)
	}
	tx, err := policy.ReadServiceTx(item)
	if err != nil {
		return fail(err)
	}
	if tx.Safe != safeAddr {
		return fail(bulwark.Invalid("safe", "%s, listed in the queue of Safe %s: an entry for another Safe", tx.Safe.Hex(), safeAddr.Hex()))
	}
	if raw, ok := fields["isExecuted"]; ok && string(raw) != "false" {
		return fail(bulwark.Invalid("isExecuted", "want false in a listing of pending transactions, got %s", bulwark.Echo(string(raw))))
	}
	if raw, ok := fields["confirmations"]; ok && string(raw) != "null" {
		owners, sigs, err := readConfirmations(raw)
		if err != nil {
			return fail(err)
		}
		e.Confirmations, e.Signatures = owners, sigs
	}
	if raw, ok := fields["confirmationsRequired"]; ok && string(raw) != "null" {
		n, err := strconv.Atoi(string(raw))
		if err != nil || n < 0 || n > maxConfirmations {
			return fail(bulwark.Invalid("confirmationsRequired", "want a whole number from 0 to %d", maxConfirmations))
		}
		e.ConfirmationsRequired = n
	}
	e.Tx, e.Nonce = tx, new(big.Int).Set(tx.Tx.Nonce)
	if tx.SafeTxHash != nil {
		e.SafeTxHash = *tx.SafeTxHash
	}
	return e
}

// readConfirmations reads the owners of an entry's confirmations, and
// their signatures where one is given as 65 bytes of hex (a claim: the
// queue watch recovers the signer itself before it counts one).
func readConfirmations(raw json.RawMessage) ([]common.Address, [][]byte, error) {
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, nil, bulwark.Invalid("confirmations", "want an array of confirmations")
	}
	if len(items) > maxConfirmations {
		return nil, nil, bulwark.Invalid("confirmations", "%d confirmations, over %d", len(items), maxConfirmations)
	}
	owners := make([]common.Address, 0, len(items))
	sigs := make([][]byte, 0, len(items))
	seen := map[common.Address]bool{}
	for i, it := range items {
		f, err := readObject(it)
		if err != nil {
			return nil, nil, prefixField(fmt.Sprintf("confirmations[%d]", i), err)
		}
		s, ok := stringField(f, "owner")
		if !ok {
			return nil, nil, bulwark.Invalid(fmt.Sprintf("confirmations[%d].owner", i), "required: the confirming owner's address")
		}
		a, err := safe.ParseAddress(fmt.Sprintf("confirmations[%d].owner", i), s)
		if err != nil {
			return nil, nil, err
		}
		if seen[a] {
			return nil, nil, bulwark.Invalid(fmt.Sprintf("confirmations[%d].owner", i), "%s confirms twice", a.Hex())
		}
		seen[a] = true
		owners = append(owners, a)
		var sig []byte
		if h, ok := stringField(f, "signature"); ok && len(h) == 2+130 && strings.HasPrefix(h, "0x") {
			if b, err := hex.DecodeString(h[2:]); err == nil {
				sig = b
			}
		}
		sigs = append(sigs, sig)
	}
	return owners, sigs, nil
}

// prefixField puts where before the field an error names:
// "results[3]" and "value" make "results[3].value".
func prefixField(where string, err error) error {
	var be *bulwark.Error
	if !errors.As(err, &be) {
		return bulwark.Invalid(where, "%s", bulwark.ErrorMessage(err))
	}
	out := *be
	out.Err = err
	switch msg := be.Error(); be.Field {
	case "", "body":
		out.Field, out.Message = where, where+": "+strings.TrimPrefix(msg, "body: ")
	default:
		out.Field = where + "." + be.Field
		if strings.HasPrefix(msg, be.Field+": ") {
			out.Message = where + "." + msg
		} else {
			out.Message = out.Field + ": " + msg
		}
	}
	return &out
}

// stringField returns the string value of key, if it is one.
func stringField(fields map[string]json.RawMessage, key string) (string, bool) {
	raw, ok := fields[key]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// scalarText returns a JSON number's digits or a string's contents.
func scalarText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	}
	if raw[0] >= '0' && raw[0] <= '9' {
		return string(raw), true
	}
	return "", false
}

// readObject splits one JSON object into its members, refusing anything
// but exactly one object and keys given twice.
func readObject(data []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, bulwark.Invalid("body", "want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, bulwark.Invalid("body", "invalid JSON at byte %d", dec.InputOffset())
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bulwark.Invalid("body", "invalid JSON at byte %d", dec.InputOffset())
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, bulwark.Invalid("body", "invalid JSON at byte %d", dec.InputOffset())
		}
		if _, dup := fields[key]; dup {
			return nil, bulwark.Invalid(clip(key), "given twice")
		}
		fields[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, bulwark.Invalid("body", "invalid JSON at byte %d", dec.InputOffset())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bulwark.Invalid("body", "unexpected data after the JSON object at byte %d", dec.InputOffset())
	}
	return fields, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	if s == "" {
		return "body"
	}
	return s
}
