package keystore

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
)

// ErrWrongPassphrase is the cause of the error a wrong passphrase gives.
var ErrWrongPassphrase = errDecrypt

// Bounds of the key derivation an imported key file may ask for: beyond
// them a file could make decryption take all memory or hours of CPU.
// go-ethereum's standard (n 2^18, r 8: 256 MiB) is the largest memory
// allowed.
const (
	maxScryptMemory = 128 * 8 * (1 << 18) // 128·r·n bytes
	maxScryptR      = 8
	maxScryptWork   = 8 * (1 << 18) // n·r·p
	maxPBKDF2Rounds = 10_000_000
	maxSaltLen      = 256
)

// KeyFile is a parsed key file: a keystore JSON (v3) whose fields and
// key derivation parameters were checked, or a plain private key in hex.
type KeyFile struct {
	// encrypted is the checked keystore's crypto section, rebuilt from
	// the checked values (nil for a plain key).
	encrypted *cryptoJSON
	// address is the keystore's "address" field (zero when it has none).
	address common.Address
	plain   *ecdsa.PrivateKey
}

// Encrypted reports whether the file is a keystore JSON.
func (k *KeyFile) Encrypted() bool { return k.encrypted != nil }

// Address is the address the file names: a keystore's "address" field
// (not checked against the key until Key decrypts it; zero when absent),
// or a plain key's address.
func (k *KeyFile) Address() common.Address {
	if k.plain != nil {
		return crypto.PubkeyToAddress(k.plain.PublicKey)
	}
	return k.address
}

// Key returns the private key, decrypting a keystore with passphrase (a
// plain key ignores it). A wrong passphrase is EINVALID wrapping
// ErrWrongPassphrase; a keystore whose address field names another key
// is EINVALID too.
func (k *KeyFile) Key(passphrase string) (*ecdsa.PrivateKey, error) {
	if k.plain != nil {
		return k.plain, nil
	}
	if passphrase == "" {
		return nil, bulwark.Invalid("passphrase", "empty: give the keystore's passphrase")
	}
	raw, err := decryptV3(k.encrypted, passphrase)
	if errors.Is(err, errDecrypt) {
		return nil, &bulwark.Error{Code: bulwark.EINVALID, Field: "passphrase", Err: ErrWrongPassphrase,
			Message: "wrong passphrase: the key cannot be decrypted with it (nothing was changed)"}
	}
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINVALID, "cannot decrypt the keystore")
	}
	key, err := crypto.ToECDSA(raw)
	if err != nil {
		return nil, bulwark.Invalid("keystore", "the decrypted key is not a valid secp256k1 private key")
	}
	if got := crypto.PubkeyToAddress(key.PublicKey); k.address != (common.Address{}) && got != k.address {
		return nil, bulwark.Invalid("keystore", "the file's address field says %s but its key is %s's: the file was edited", k.address.Hex(), got.Hex())
	}
	return key, nil
}

// Parse reads a key file: a keystore JSON (version 3, aes-128-ctr, scrypt
// or pbkdf2 with hmac-sha256, within bounds that keep decryption to at
// most go-ethereum's standard cost), or a private key as 64 hex digits
// (0x optional, surrounding whitespace ignored). Its errors never repeat
// the file's content.
func Parse(data []byte) (*KeyFile, error) {
	text := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(text) == 0 {
		return nil, bulwark.Invalid("key", "the file is empty")
	}
	if text[0] == '{' {
		return parseKeystore(text)
	}
	return parseHexKey(text)
}

func parseHexKey(text []byte) (*KeyFile, error) {
	h := string(text)
	if strings.HasPrefix(h, "0x") || strings.HasPrefix(h, "0X") {
		h = h[2:]
	}
	if len(h) != 64 {
		return nil, bulwark.Invalid("key", "not a private key: want 64 hex digits (0x optional) or a keystore JSON, got %d characters", len(text))
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return nil, bulwark.Invalid("key", "not a private key: want 64 hex digits (0x optional), the text has a character that is not a hex digit")
	}
	key, err := crypto.ToECDSA(raw)
	if err != nil {
		return nil, bulwark.Invalid("key", "not a valid secp256k1 private key (zero, or not below the curve order)")
	}
	return &KeyFile{plain: key}, nil
}

// keystoreJSON is a v3 keystore as go-ethereum reads it.
type keystoreJSON struct {
	Address string `json:"address"`
	Crypto  *struct {
		Cipher       string `json:"cipher"`
		CipherText   string `json:"ciphertext"`
		CipherParams struct {
			IV string `json:"iv"`
		} `json:"cipherparams"`
		KDF       string         `json:"kdf"`
		KDFParams map[string]any `json:"kdfparams"`
		MAC       string         `json:"mac"`
	} `json:"crypto"`
	ID      string `json:"id"`
	Version any    `json:"version"`
}

func parseKeystore(text []byte) (*KeyFile, error) {
	bad := func(format string, args ...any) error {
		return bulwark.Invalid("keystore", "not a usable keystore JSON: "+format, args...)
	}
	var j keystoreJSON
	if err := json.Unmarshal(text, &j); err != nil {
		return nil, bad("the JSON does not parse")
	}
	if v, ok := j.Version.(float64); !ok || v != 3 {
		return nil, bad("want version 3 (the version go-ethereum, Clef and wallets write)")
	}
	c := j.Crypto
	if c == nil {
		return nil, bad("no crypto section")
	}
	if c.Cipher != "aes-128-ctr" {
		return nil, bad("cipher %q, want aes-128-ctr", c.Cipher)
	}
	if err := hexLen(c.CipherText, 32); err != nil {
		return nil, bad("ciphertext: %v", err)
	}
	if err := hexLen(c.CipherParams.IV, 16); err != nil {
		return nil, bad("cipherparams.iv: %v", err)
	}
	if err := hexLen(c.MAC, 32); err != nil {
		return nil, bad("mac: %v", err)
	}
	kf := &KeyFile{}
	if j.Address != "" {
		a := strings.TrimPrefix(strings.TrimPrefix(j.Address, "0x"), "0X")
		if len(a) != 40 || !common.IsHexAddress(a) {
			return nil, bad("address field is not an address")
		}
		kf.address = common.HexToAddress(a)
	}
	p := c.KDFParams
	num := func(name string, lo, hi float64) (float64, error) {
		v, ok := p[name].(float64)
		if !ok || v != math.Trunc(v) || v < lo || v > hi {
			return 0, bad("kdfparams.%s: want a whole number from %.0f to %.0f", name, lo, hi)
		}
		return v, nil
	}
	salt, ok := p["salt"].(string)
	if !ok || salt == "" || len(salt) > 2*maxSaltLen {
		return nil, bad("kdfparams.salt: want hex of 1 to %d bytes", maxSaltLen)
	}
	if _, err := hex.DecodeString(salt); err != nil {
		return nil, bad("kdfparams.salt: not hex")
	}
	if _, err := num("dklen", 32, 32); err != nil {
		return nil, err
	}
	params := map[string]any{"salt": salt, "dklen": 32.0}
	switch c.KDF {
	case "scrypt":
		n, err := num("n", 2, maxScryptMemory/128)
		if err != nil {
			return nil, err
		}
		if int64(n)&(int64(n)-1) != 0 {
			return nil, bad("kdfparams.n: want a power of two")
		}
		r, err := num("r", 1, maxScryptR)
		if err != nil {
			return nil, err
		}
		pp, err := num("p", 1, maxScryptWork)
		if err != nil {
			return nil, err
		}
		if 128*r*n > maxScryptMemory || n*r*pp > maxScryptWork {
			return nil, bad("kdfparams: scrypt n %.0f, r %.0f, p %.0f ask for more memory or work than go-ethereum's standard (n 262144, r 8, p 1)", n, r, pp)
		}
		params["n"], params["r"], params["p"] = n, r, pp
	case "pbkdf2":
		rounds, err := num("c", 1, maxPBKDF2Rounds)
		if err != nil {
			return nil, err
		}
		if prf, _ := p["prf"].(string); prf != "hmac-sha256" {
			return nil, bad("kdfparams.prf: want hmac-sha256")
		}
		params["c"], params["prf"] = rounds, "hmac-sha256"
	default:
		return nil, bad("kdf %q, want scrypt or pbkdf2", c.KDF)
	}
	kf.encrypted = &cryptoJSON{Cipher: c.Cipher, CipherText: c.CipherText, KDF: c.KDF, KDFParams: params, MAC: c.MAC}
	kf.encrypted.CipherParams.IV = c.CipherParams.IV
	return kf, nil
}

// hexLen checks that s is n bytes of hex.
func hexLen(s string, n int) error {
	if len(s) != 2*n {
		return errors.New("want " + strconv.Itoa(n) + " bytes of hex")
	}
	if _, err := hex.DecodeString(s); err != nil {
		return errors.New("not hex")
	}
	return nil
}
