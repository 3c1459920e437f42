package etl

import (
	"encoding/hex"
	"errors"
	"io"
	"io/fs"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
)

// ReadInputs returns, by transaction hash, the input (calldata) of the
// first call into an address that want accepts: a bridge or THORChain
// router whose memo is in the call's arguments. With traces.csv it reads
// the call frames (internal calls too, so a router called by an
// aggregator is found; failed and reverted frames skipped); then
// transactions.csv gives the transactions sent straight to such an
// address that traces did not. A file without an input column gives
// nothing (ethereum-etl writes it; some BigQuery exports leave it out);
// a malformed row is an EINVALID error naming the file and line.
func ReadInputs(fsys fs.FS, want func(common.Address) bool) (map[common.Hash][]byte, error) {
	out := map[common.Hash][]byte{}
	read := func(name string, required []string, status string) error {
		f, err := fsys.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return bulwark.Wrap(err, bulwark.EINVALID, name+": cannot open the file: "+err.Error())
		}
		defer f.Close()
		return readInputs(name, f, required, status, want, out)
	}
	if err := read(TracesFile, []string{"transaction_hash", "to_address"}, "status"); err != nil {
		return nil, err
	}
	if err := read(TransactionsFile, []string{"hash", "to_address"}, ""); err != nil {
		return nil, err
	}
	return out, nil
}

func readInputs(name string, r io.Reader, required []string, status string, want func(common.Address) bool, out map[common.Hash][]byte) error {
	optional := []string{"input", "error"}
	if status != "" {
		optional = append(optional, status)
	}
	t, err := newTable(name, r, required, optional)
	if err != nil {
		return err
	}
	if !t.has("input") {
		return nil
	}
	hashCol := required[0]
	for {
		ok, err := t.next()
		if !ok || err != nil {
			return err
		}
		to, has, err := t.addr("to_address", true)
		if err != nil {
			return err
		}
		if !has || !want(to) {
			continue
		}
		if t.str("error") != "" || (status != "" && t.str(status) == "0") {
			continue
		}
		if t.str(hashCol) == "" { // a reward trace
			continue
		}
		h, err := t.hash(hashCol)
		if err != nil {
			return err
		}
		if _, seen := out[h]; seen {
			continue
		}
		v := t.str("input")
		if len(v) >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
			v = v[2:]
		}
		b, err := hex.DecodeString(v)
		if err != nil {
			return t.bad("input", t.str("input"), "0x-prefixed hex calldata")
		}
		out[h] = b
	}
}
