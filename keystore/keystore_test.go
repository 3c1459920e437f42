package keystore_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/race"
	"github.com/bulwark-sec/bulwark/keystore"
)

// testParams are the scrypt parameters of the key files the tests write
// (n 1024, r 8, p 1): a twenty-fourth of keystore.Light's work, which the
// race detector makes about half a second per key derivation. What these
// tests check (mode, format, passphrase, errors) does not depend on the
// cost; TestCorpusKeystoreVectors decrypts standard-cost files.
var testParams = keystore.Params{ScryptN: 1 << 10, ScryptP: 1}

// The key of web3.js's documentation example and its address.
const (
	docKey  = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	docAddr = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
)

func docSigner(t *testing.T) *keystore.Signer {
	t.Helper()
	kf, err := keystore.Parse([]byte(docKey))
	if err != nil {
		t.Fatal(err)
	}
	key, err := kf.Key("")
	if err != nil {
		t.Fatal(err)
	}
	return keystore.NewSigner(key)
}

// TestKeystoreSignHashRecovers: the signature is what a Safe's
// checkSignatures accepts for an owner: v 27 or 28 and ecrecover of the
// safeTxHash itself gives the owner's address.
func TestKeystoreSignHashRecovers(t *testing.T) {
	t.Parallel()
	s := docSigner(t)
	if s.Address() != common.HexToAddress(docAddr) {
		t.Fatalf("address %s, want %s", s.Address().Hex(), docAddr)
	}
	for _, h := range []string{
		"0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8", // Bybit's safeTxHash
		"0x0000000000000000000000000000000000000000000000000000000000000001",
		"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	} {
		hash := common.HexToHash(h)
		sig, err := s.SignHash(hash)
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
			t.Fatalf("signature %x: want 65 bytes with v 27 or 28", sig)
		}
		// ecrecover(dataHash, v, r, s) as the Safe calls it.
		rsv := bytes.Clone(sig)
		rsv[64] -= 27
		pub, err := crypto.SigToPub(hash[:], rsv)
		if err != nil {
			t.Fatal(err)
		}
		if got := crypto.PubkeyToAddress(*pub); got != s.Address() {
			t.Errorf("%s: recovered %s, want %s", h, got.Hex(), s.Address().Hex())
		}
		again, _ := s.SignHash(hash)
		if !bytes.Equal(again, sig) {
			t.Errorf("%s: signing is not deterministic (RFC 6979)", h)
		}
	}
}

// TestKeystoreSignerHidesKey: printing or logging a Signer shows its
// address only.
func TestKeystoreSignerHidesKey(t *testing.T) {
	t.Parallel()
	s := docSigner(t)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("loaded", "signer", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v %#v %v %s %x", s, s, *s, s, s), logged.String()} {
		if strings.Contains(strings.ToLower(out), docKey) || strings.Contains(out, "D:") {
			t.Errorf("the key shows: %s", out)
		}
		if !strings.Contains(out, docAddr) {
			t.Errorf("the address does not show: %s", out)
		}
	}
}

// TestKeystoreSaveLoad: a saved key file is 0600, loads with its
// passphrase, and is never overwritten.
func TestKeystoreSaveLoad(t *testing.T) {
	t.Parallel()
	s, err := keystore.Generate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cosigner", "keystore.json")
	if err := s.Save(path, "correct horse", testParams); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", st.Mode(), err)
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", st.Mode())
	}
	data, _ := os.ReadFile(path)
	var j map[string]any
	if err := json.Unmarshal(data, &j); err != nil || j["version"] != 3.0 || !strings.EqualFold("0x"+j["address"].(string), s.Address().Hex()) {
		t.Fatalf("not a v3 keystore naming %s: %s", s.Address().Hex(), data)
	}
	got, err := keystore.Load(path, "correct horse")
	if err != nil || got.Address() != s.Address() {
		t.Fatalf("Load = %v, %v", got, err)
	}
	if kf, err := keystore.ReadFile(path); err != nil || kf.Address() != s.Address() || !kf.Encrypted() {
		t.Errorf("ReadFile = %+v, %v", kf, err)
	}
	other, _ := keystore.Generate()
	if err := other.Save(path, "x", testParams); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		t.Errorf("Save over an existing file = %v, want ECONFLICT", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
		t.Error("the existing file changed")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestKeystoreWriteNewRace: of several writers of one new file exactly
// one succeeds, and the file is whole.
func TestKeystoreWriteNewRace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "k.json")
	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs <- keystore.WriteNew(path, bytes.Repeat([]byte{byte('a' + i)}, 4096))
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch bulwark.ErrorCode(err) {
		case "":
			won++
		case bulwark.ECONFLICT:
		default:
			t.Errorf("WriteNew: %v", err)
		}
	}
	data, _ := os.ReadFile(path)
	if won != 1 || len(data) != 4096 || bytes.Count(data, data[:1]) != 4096 {
		t.Errorf("%d writers won; file of %d bytes", won, len(data))
	}
}

func TestKeystoreLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, _ := keystore.Generate()
	good := filepath.Join(dir, "good.json")
	if err := s.Save(good, "correct-horse", testParams); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.hex")
	if err := os.WriteFile(plain, []byte(docKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, bytes.Repeat([]byte(" "), keystore.MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path, pass, code, msg string
		wrongPass                   bool
	}{
		{"wrong passphrase", good, "Tr0ub4dor&3", bulwark.EINVALID, "wrong passphrase", true},
		{"empty passphrase", good, "", bulwark.EINVALID, "passphrase: empty", false},
		{"missing file", filepath.Join(dir, "none.json"), "correct-horse", bulwark.ENOTFOUND, "no key file", false},
		{"a directory", dir, "correct-horse", bulwark.EINVALID, "not a regular file", false},
		{"a plain key", plain, "correct-horse", bulwark.EINVALID, "plain private key", false},
		{"too large", big, "correct-horse", bulwark.EINVALID, "larger than a key file", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := keystore.Load(tt.path, tt.pass)
			if got != nil || bulwark.ErrorCode(err) != tt.code || !strings.Contains(bulwark.ErrorMessage(err), tt.msg) {
				t.Fatalf("Load = %v, %v; want %s naming %q", got, err, tt.code, tt.msg)
			}
			if errors.Is(err, keystore.ErrWrongPassphrase) != tt.wrongPass {
				t.Errorf("errors.Is(ErrWrongPassphrase) = %v", !tt.wrongPass)
			}
			if strings.Contains(bulwark.ErrorMessage(err), docKey) || (tt.pass != "" && strings.Contains(bulwark.ErrorMessage(err), tt.pass)) || strings.Contains(bulwark.ErrorMessage(err), "correct-horse") {
				t.Errorf("the message repeats a secret: %s", bulwark.ErrorMessage(err))
			}
		})
	}
}

// TestCorpusKeystoreVectors decrypts the Web3 Secret Storage test vectors
// (go-ethereum's accounts/keystore/testdata/v3_test_vector.json): scrypt
// and PBKDF2 at go-ethereum's standard cost, one goroutine deriving a key,
// which the race detector makes about ten times slower (5 CPU seconds)
// and adds nothing to. It is a corpus-wide run (race.Corpus): skipped under
// the race detector, run without it by make test.
func TestCorpusKeystoreVectors(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors map[string]struct {
		JSON     json.RawMessage `json:"json"`
		Password string          `json:"password"`
		Priv     string          `json:"priv"`
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	for name, v := range vectors {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if strings.Contains(name, "scrypt") && testing.Short() {
				t.Skip("standard-cost scrypt: a second of CPU")
			}
			kf, err := keystore.Parse(v.JSON)
			if err != nil {
				t.Fatal(err)
			}
			key, err := kf.Key(v.Password)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(crypto.FromECDSA(key)); got != v.Priv {
				t.Errorf("key %s, want %s", got, v.Priv)
			}
			if strings.Contains(name, "scrypt") {
				return // a second standard-cost scrypt; TestKeystoreLoadErrors tests the wrong passphrase
			}
			if _, err := kf.Key(v.Password + "x"); !errors.Is(err, keystore.ErrWrongPassphrase) {
				t.Errorf("a wrong passphrase: %v", err)
			}
		})
	}
}

// docKeystore is a keystore JSON of docKey, passphrase "pw", encrypted
// once.
var docKeystore = sync.OnceValues(func() ([]byte, error) {
	kf, err := keystore.Parse([]byte(docKey))
	if err != nil {
		return nil, err
	}
	key, _ := kf.Key("")
	return keystore.NewSigner(key).Encrypt("pw", testParams)
})

// lightKeystore is docKeystore as a map to edit.
func lightKeystore(t *testing.T) map[string]any {
	t.Helper()
	data, err := docKeystore()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKeystoreParseBad(t *testing.T) {
	t.Parallel()
	edit := func(f func(m, c, kdf map[string]any)) []byte {
		m := lightKeystore(t)
		c := m["crypto"].(map[string]any)
		f(m, c, c["kdfparams"].(map[string]any))
		b, _ := json.Marshal(m)
		return b
	}
	for _, tt := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "empty"},
		{"blank", []byte(" \n\t"), "empty"},
		{"short hex", []byte(docKey[:63]), "64 hex digits"},
		{"long hex", []byte(docKey + "0"), "64 hex digits"},
		{"not hex", []byte("zz" + docKey[2:]), "not a hex digit"},
		{"0x and 63", []byte("0x" + docKey[:63]), "64 hex digits"},
		{"zero key", []byte(strings.Repeat("0", 64)), "not a valid secp256k1"},
		{"curve order", []byte("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"), "not a valid secp256k1"},
		{"a mnemonic", []byte("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"), "64 hex digits"},
		{"bad JSON", []byte(`{"version": 3,`), "does not parse"},
		{"version 1", edit(func(m, _, _ map[string]any) { m["version"] = "1" }), "version 3"},
		{"version 4", edit(func(m, _, _ map[string]any) { m["version"] = 4 }), "version 3"},
		{"no crypto", edit(func(m, _, _ map[string]any) { delete(m, "crypto") }), "no crypto"},
		{"other cipher", edit(func(_, c, _ map[string]any) { c["cipher"] = "aes-128-cbc" }), "cipher"},
		{"short ciphertext", edit(func(_, c, _ map[string]any) { c["ciphertext"] = "00" }), "ciphertext"},
		{"short iv", edit(func(_, c, _ map[string]any) { c["cipherparams"] = map[string]any{"iv": "00"} }), "iv"},
		{"no iv", edit(func(_, c, _ map[string]any) { delete(c, "cipherparams") }), "iv"},
		{"bad mac", edit(func(_, c, _ map[string]any) { c["mac"] = "xy" }), "mac"},
		{"no salt", edit(func(_, _, k map[string]any) { delete(k, "salt") }), "salt"},
		{"salt a number", edit(func(_, _, k map[string]any) { k["salt"] = 1 }), "salt"},
		{"no dklen", edit(func(_, _, k map[string]any) { delete(k, "dklen") }), "dklen"},
		{"dklen 16", edit(func(_, _, k map[string]any) { k["dklen"] = 16 }), "dklen"},
		{"n not a power of two", edit(func(_, _, k map[string]any) { k["n"] = 4095 }), "power of two"},
		{"n huge", edit(func(_, _, k map[string]any) { k["n"] = 1 << 30 }), "kdfparams.n"},
		{"n a string", edit(func(_, _, k map[string]any) { k["n"] = "4096" }), "kdfparams.n"},
		{"n fractional", edit(func(_, _, k map[string]any) { k["n"] = 4096.5 }), "kdfparams.n"},
		{"r huge", edit(func(_, _, k map[string]any) { k["r"] = 1 << 20 }), "kdfparams.r"},
		{"p huge", edit(func(_, _, k map[string]any) { k["p"] = 1 << 30 }), "kdfparams.p"},
		{"work beyond standard", edit(func(_, _, k map[string]any) { k["n"], k["r"], k["p"] = 1<<18, 8, 2 }), "more memory or work"},
		{"unknown kdf", edit(func(_, c, _ map[string]any) { c["kdf"] = "argon2" }), "kdf"},
		{"pbkdf2 sha1", edit(func(_, c, k map[string]any) { c["kdf"], k["c"], k["prf"] = "pbkdf2", 1000, "hmac-sha1" }), "prf"},
		{"pbkdf2 too many rounds", edit(func(_, c, k map[string]any) { c["kdf"], k["c"], k["prf"] = "pbkdf2", 1e9, "hmac-sha256" }), "kdfparams.c"},
		{"bad address", edit(func(m, _, _ map[string]any) { m["address"] = "nope" }), "address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kf, err := keystore.Parse(tt.data)
			if kf != nil || bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), tt.msg) {
				t.Fatalf("Parse = %+v, %v; want EINVALID naming %q", kf, err, tt.msg)
			}
			if strings.Contains(strings.ToLower(bulwark.ErrorMessage(err)), docKey[:20]) {
				t.Errorf("the message repeats the key: %s", bulwark.ErrorMessage(err))
			}
		})
	}
}

func TestKeystoreParseGood(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		data string
	}{
		{"hex", docKey},
		{"0x hex", "0x" + docKey},
		{"upper-case hex with a newline", "0X" + strings.ToUpper(docKey) + "\r\n"},
		{"with a byte order mark", "\xef\xbb\xbf" + docKey},
	} {
		kf, err := keystore.Parse([]byte(tt.data))
		if err != nil || kf.Encrypted() || kf.Address() != common.HexToAddress(docAddr) {
			t.Errorf("%s: Parse = %+v, %v", tt.name, kf, err)
		}
	}
	// A keystore whose address field was edited to another address does
	// not decrypt to a key: the field is checked against the key.
	m := lightKeystore(t)
	m["address"] = "0000000000000000000000000000000000000001"
	data, _ := json.Marshal(m)
	kf, err := keystore.Parse(data)
	if err != nil || !kf.Encrypted() || kf.Address() != common.HexToAddress("0x01") {
		t.Fatalf("Parse = %+v, %v", kf, err)
	}
	if _, err := kf.Key("pw"); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), "was edited") {
		t.Errorf("Key with an edited address = %v", err)
	}
	// Wallets write "Crypto" (MyEtherWallet) and 0x-prefixed addresses.
	m = lightKeystore(t)
	m["Crypto"], m["address"] = m["crypto"], "0x"+m["address"].(string)
	delete(m, "crypto")
	data, _ = json.Marshal(m)
	if kf, err := keystore.Parse(data); err != nil {
		t.Errorf("Crypto: %v", err)
	} else if key, err := kf.Key("pw"); err != nil || crypto.PubkeyToAddress(key.PublicKey) != common.HexToAddress(docAddr) {
		t.Errorf("Crypto: Key = %v", err)
	}
}
