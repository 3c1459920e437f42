package safe

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// sharedSafeData is the project's shared data folder for Safe, next to the
// module (../shared/data/safe from the module root).
var sharedSafeData = filepath.Join("..", "..", "shared", "data", "safe")

// TestPublishedVectors checks every vector in test_vectors_dev.json whose
// inputs are complete. The implementation follows the contracts; these
// published values are the independent check. A record whose inputs are
// incomplete is skipped with the reason, never bent to pass.
func TestPublishedVectors(t *testing.T) {
	file := filepath.Join(sharedSafeData, "test_vectors_dev.json")
	raw, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent: the published Safe vectors live in the shared data folder next to the module", file)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var tally vectorTally
	for _, section := range sortedSections(doc) {
		var records []map[string]any
		if err := json.Unmarshal(doc[section], &records); err != nil {
			continue // not a list of records (e.g. _readme, typehashes)
		}
		check, ok := vectorCheckers[section]
		if !ok {
			t.Errorf("section %s (%d records) has no checker: add one", section, len(records))
			continue
		}
		for _, rec := range records {
			id, _ := rec["id"].(string)
			t.Run(section+"/"+id, func(t *testing.T) {
				var skip string
				var checked int
				defer func() { // runs after t.Fatal and t.Skip too
					switch {
					case t.Failed():
						tally.failed = append(tally.failed, section+"/"+id)
					case skip != "":
						tally.skipped = append(tally.skipped, section+"/"+id+": "+skip)
					default:
						tally.passed++
						tally.values += checked
					}
				}()
				if skip, checked = check(t, rec); skip != "" {
					t.Skip(skip)
				}
			})
		}
	}
	for _, name := range []string{"safe_tx_vectors", "domain_only_vectors", "message_hash_only_vectors", "safe_message_vectors", "eip712_typed_vectors", "message_preimage_vectors", "nested_vectors"} {
		if _, ok := doc[name]; !ok {
			t.Logf("section %s is not in this file", name)
		}
	}
	t.Logf("published vectors: %d passed (%d values compared), %d failed %v, %d skipped", tally.passed, tally.values, len(tally.failed), tally.failed, len(tally.skipped))
	for _, s := range tally.skipped {
		t.Logf("  skipped %s", s)
	}
}

type vectorTally struct {
	passed, values int
	failed         []string
	skipped        []string
}

func sortedSections(doc map[string]json.RawMessage) []string {
	var out []string
	for k := range doc {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// A vectorChecker checks one record; it returns a reason to skip it, or
// the number of expected values it compared.
type vectorChecker func(t *testing.T, rec map[string]any) (skip string, checked int)

var vectorCheckers = map[string]vectorChecker{
	"safe_tx_vectors":           checkSafeTxVector,
	"domain_only_vectors":       checkDomainOnlyVector,
	"message_hash_only_vectors": checkMessageHashOnlyVector,
	"safe_message_vectors":      checkSafeMessageVector,
	"eip712_typed_vectors":      checkTypedDataVector,
	"message_preimage_vectors":  checkMessagePreimageVector,
	"nested_vectors":            checkSafeTxVector,
}

func str(rec map[string]any, key string) (string, bool) {
	switch v := rec[key].(type) {
	case string:
		return v, true
	case float64:
		return new(big.Float).SetFloat64(v).Text('f', 0), true
	}
	return "", false
}

// recDomain reads safe, safeVersion and chainId.
func recDomain(t *testing.T, rec map[string]any) (Domain, string) {
	ver, ok := str(rec, "safeVersion")
	if !ok {
		return Domain{}, "safeVersion not stated by the source, so the domain and type hash cannot be chosen"
	}
	v, err := ParseVersion("safeVersion", ver)
	if err != nil {
		t.Fatalf("safeVersion: %v", err)
	}
	safeAddr, ok := str(rec, "safe")
	if !ok {
		return Domain{}, "no safe address"
	}
	a, err := ParseAddress("safe", safeAddr)
	if err != nil {
		t.Fatalf("safe: %v", err)
	}
	d := Domain{Safe: a, Version: v}
	if c, ok := str(rec, "chainId"); ok {
		if d.ChainID, err = ParseChainID("chainId", c); err != nil {
			t.Fatalf("chainId: %v", err)
		}
	} else if v.DomainHasChainID() {
		return Domain{}, "no chainId for a version whose domain has one"
	}
	return d, ""
}

func expected(rec map[string]any) map[string]string {
	out := map[string]string{}
	if m, ok := rec["expected"].(map[string]any); ok {
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[k] = strings.ToLower(s)
			}
		}
	}
	return out
}

// compare checks got against want[key] if present and counts it.
func compare(t *testing.T, want map[string]string, key, got string, n *int) {
	t.Helper()
	w, ok := want[key]
	if !ok {
		return
	}
	delete(want, key)
	*n++
	if got != w {
		t.Errorf("%s = %s, published %s", key, got, w)
	}
}

func leftover(t *testing.T, want map[string]string) {
	t.Helper()
	for k := range want {
		t.Errorf("expected value %q is not checked by this test: extend it", k)
	}
}

func checkSafeTxVector(t *testing.T, rec map[string]any) (string, int) {
	d, skip := recDomain(t, rec)
	if skip != "" {
		return skip, 0
	}
	var tx Tx
	var err error
	need := func(key string) string {
		s, ok := str(rec, key)
		if !ok {
			skip = "input " + key + " missing"
		}
		return s
	}
	to, value, data, gasToken, refund := need("to"), need("value"), need("data"), need("gasToken"), need("refundReceiver")
	safeTxGas, baseGas, gasPrice, nonce := need("safeTxGas"), need("baseGas"), need("gasPrice"), need("nonce")
	op, okOp := rec["operation"].(float64)
	if !okOp {
		skip = "input operation missing"
	}
	if skip != "" {
		return skip, 0
	}
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	tx.To, err = ParseAddress("to", to)
	must(err)
	tx.Value, err = ParseUint256("value", value)
	must(err)
	tx.Data, err = ParseHex("data", data)
	must(err)
	tx.Operation, err = ParseOperation("operation", big.NewInt(int64(op)).String(), d.Version)
	must(err)
	tx.SafeTxGas, err = ParseUint256("safeTxGas", safeTxGas)
	must(err)
	tx.BaseGas, err = ParseUint256("baseGas", baseGas)
	must(err)
	tx.GasPrice, err = ParseUint256("gasPrice", gasPrice)
	must(err)
	tx.GasToken, err = ParseAddress("gasToken", gasToken)
	must(err)
	tx.RefundReceiver, err = ParseAddress("refundReceiver", refund)
	must(err)
	tx.Nonce, err = ParseUint256("nonce", nonce)
	must(err)

	h, err := d.HashTx(tx)
	must(err)
	want := expected(rec)
	n := 0
	compare(t, want, "domainHash", h.DomainHash.Hex(), &n)
	compare(t, want, "messageHash", h.MessageHash.Hex(), &n)
	compare(t, want, "safeTxHash", h.SafeTxHash.Hex(), &n)
	compare(t, want, "encodedMessage", "0x"+common.Bytes2Hex(h.EncodedMessage), &n)
	compare(t, want, "ethSignHash", h.EthSignHash.Hex(), &n)
	leftover(t, want)
	return "", n
}

func checkDomainOnlyVector(t *testing.T, rec map[string]any) (string, int) {
	d, skip := recDomain(t, rec)
	if skip != "" {
		return skip, 0
	}
	sep, err := d.Separator()
	if err != nil {
		t.Fatal(err)
	}
	want := expected(rec)
	n := 0
	compare(t, want, "domainHash", sep.Hex(), &n)
	leftover(t, want)
	// A record may publish the message and transaction hashes of a
	// transaction whose inputs it omits: the domain separator must still
	// join them, safeTxHash = keccak256(0x1901 ‖ domain ‖ messageHash).
	if extra, ok := rec["published_but_inputs_missing"].(map[string]any); ok {
		msg, ok1 := extra["messageHash"].(string)
		stx, ok2 := extra["safeTxHash"].(string)
		if ok1 && ok2 {
			got := TypedHash(sep, common.HexToHash(msg)).Hex()
			n++
			if got != strings.ToLower(stx) {
				t.Errorf("keccak(0x1901 ‖ domain ‖ published messageHash) = %s, published safeTxHash %s", got, stx)
			}
		}
	}
	return "", n
}

// checkMessageHashOnlyVector handles records that publish a SafeTx struct
// hash for given inputs but no domain (op-txverify style): the same inputs
// as a safe_tx vector, compared on messageHash alone.
func checkMessageHashOnlyVector(t *testing.T, rec map[string]any) (string, int) {
	if _, ok := rec["safe"]; !ok {
		rec["safe"] = "0x0000000000000000000000000000000000000000" // the struct hash does not involve the Safe
	}
	if _, ok := rec["chainId"]; !ok {
		rec["chainId"] = "1" // nor the chain
	}
	return checkSafeTxVector(t, rec)
}

func checkSafeMessageVector(t *testing.T, rec map[string]any) (string, int) {
	d, skip := recDomain(t, rec)
	if skip != "" {
		return skip, 0
	}
	name, ok := str(rec, "message_file")
	if !ok {
		return "no message_file", 0
	}
	msg, err := os.ReadFile(filepath.Join(sharedSafeData, filepath.FromSlash(name)))
	if err != nil {
		return "message file unreadable: " + err.Error(), 0
	}
	inner := EIP191Hash(msg)
	h, err := d.HashSafeMessage(inner[:])
	if err != nil {
		t.Fatal(err)
	}
	want := expected(rec)
	n := 0
	compare(t, want, "eip191MessageHash", inner.Hex(), &n)
	compare(t, want, "domainHash", h.DomainHash.Hex(), &n)
	compare(t, want, "messageHash", h.MessageHash.Hex(), &n)
	compare(t, want, "safeMessageHash", h.SafeMessageHash.Hex(), &n)
	leftover(t, want)
	return "", n
}

// checkTypedDataVector handles EIP-712 records: a typed-data file and its
// published hashes, optionally wrapped as a SafeMessage of a given Safe.
func checkTypedDataVector(t *testing.T, rec map[string]any) (string, int) {
	var name string
	for _, k := range []string{"typed_data_file", "file", "eip712_file", "message_file"} {
		if s, ok := str(rec, k); ok {
			name = s
			break
		}
	}
	if name == "" {
		return "no typed-data file named in the record", 0
	}
	raw, err := os.ReadFile(filepath.Join(sharedSafeData, filepath.FromSlash(name)))
	if err != nil {
		return "typed-data file unreadable: " + err.Error(), 0
	}
	td, err := ParseTypedData("typedData", raw)
	if err != nil {
		t.Fatal(err)
	}
	h, err := td.Hash()
	if err != nil {
		t.Fatal(err)
	}
	want := expected(rec)
	n := 0
	compare(t, want, "eip712Hash", h.Hash.Hex(), &n)
	compare(t, want, "domainHash", h.DomainHash.Hex(), &n)
	compare(t, want, "messageHash", h.MessageHash.Hex(), &n)
	if _, ok := rec["safe"]; ok {
		d, skip := recDomain(t, rec)
		if skip != "" {
			return skip, 0
		}
		sm, err := d.HashSafeMessage(h.Hash[:])
		if err != nil {
			t.Fatal(err)
		}
		compare(t, want, "safeDomainHash", sm.DomainHash.Hex(), &n)
		compare(t, want, "safeMessageHash", sm.SafeMessageHash.Hex(), &n)
	}
	leftover(t, want)
	return "", n
}

// checkMessagePreimageVector handles records that publish an encoded
// SafeTx (the struct hash preimage) and its hashes without the raw data: the
// struct hash must be keccak256 of the encoding, and the encoding must start
// with the version's type hash.
func checkMessagePreimageVector(t *testing.T, rec map[string]any) (string, int) {
	want := expected(rec)
	enc, ok := want["encodedMessage"]
	if !ok {
		return "no encodedMessage", 0
	}
	b := common.FromHex(enc)
	n := 0
	if msg, ok := want["messageHash"]; ok {
		n++
		if got := crypto.Keccak256Hash(b).Hex(); got != msg {
			t.Errorf("keccak(encodedMessage) = %s, published messageHash %s", got, msg)
		}
	}
	if len(b) != 352 || (common.BytesToHash(b[:32]) != SafeTxTypeHash && common.BytesToHash(b[:32]) != DataGasSafeTxTypeHash) {
		t.Errorf("encodedMessage is not an encoded SafeTx (%d bytes)", len(b))
	}
	if dom, ok := want["domainHash"]; ok {
		if msg, ok := want["messageHash"]; ok {
			if stx, ok := want["safeTxHash"]; ok {
				n++
				if got := TypedHash(common.HexToHash(dom), common.HexToHash(msg)).Hex(); got != stx {
					t.Errorf("keccak(0x1901 ‖ domain ‖ message) = %s, published safeTxHash %s", got, stx)
				}
			}
		}
	}
	return "", n
}
