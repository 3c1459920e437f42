package keystore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
	"golang.org/x/crypto/scrypt"
)

// The scrypt settings of go-ethereum's keystore (accounts/keystore):
// standard is 256 MiB and about a second of CPU, light 4 MiB. r is 8 and
// the derived key 32 bytes in both.
const (
	standardScryptN = 1 << 18
	standardScryptP = 1
	lightScryptN    = 1 << 12
	lightScryptP    = 6
	scryptR         = 8
	derivedKeyLen   = 32
)

// errDecrypt is a keystore's MAC not matching the key derived from the
// passphrase: the passphrase is wrong (or the file was altered).
var errDecrypt = errors.New("could not decrypt key with given password")

// cryptoJSON is the "crypto" section of a Web3 Secret Storage v3 file.
type cryptoJSON struct {
	Cipher       string           `json:"cipher"`
	CipherText   string           `json:"ciphertext"`
	CipherParams cipherParamsJSON `json:"cipherparams"`
	KDF          string           `json:"kdf"`
	KDFParams    map[string]any   `json:"kdfparams"`
	MAC          string           `json:"mac"`
}

type cipherParamsJSON struct {
	IV string `json:"iv"`
}

// keyFileJSON is a whole v3 key file as Bulwark writes it, in the field
// order go-ethereum writes.
type keyFileJSON struct {
	Address string     `json:"address"`
	Crypto  cryptoJSON `json:"crypto"`
	ID      string     `json:"id"`
	Version int        `json:"version"`
}

// encryptKey returns the v3 key file of key (address addr, file id id),
// encrypted with passphrase: scrypt (n, r 8, p) derives 32 bytes, the
// first 16 are the AES-128-CTR key of the private key, the last 16 with
// the ciphertext make the Keccak-256 MAC.
func encryptKey(id uuid.UUID, addr common.Address, key []byte, passphrase string, n, p int) ([]byte, error) {
	salt := make([]byte, 32)
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	dk, err := scrypt.Key([]byte(passphrase), salt, n, scryptR, p, derivedKeyLen)
	if err != nil {
		return nil, err
	}
	ct, err := aesCTR(dk[:16], iv, key)
	if err != nil {
		return nil, err
	}
	c := cryptoJSON{
		Cipher:       "aes-128-ctr",
		CipherText:   hex.EncodeToString(ct),
		CipherParams: cipherParamsJSON{IV: hex.EncodeToString(iv)},
		KDF:          "scrypt",
		KDFParams: map[string]any{"n": n, "r": scryptR, "p": p, "dklen": derivedKeyLen,
			"salt": hex.EncodeToString(salt)},
		MAC: hex.EncodeToString(crypto.Keccak256(dk[16:32], ct)),
	}
	return json.Marshal(keyFileJSON{Address: hex.EncodeToString(addr[:]), Crypto: c, ID: id.String(), Version: 3})
}

// decryptV3 returns the plaintext of c, whose parameters parseKeystore
// checked: errDecrypt when the MAC does not match (a wrong passphrase).
func decryptV3(c *cryptoJSON, passphrase string) ([]byte, error) {
	mac, err := hex.DecodeString(c.MAC)
	if err != nil {
		return nil, err
	}
	iv, err := hex.DecodeString(c.CipherParams.IV)
	if err != nil {
		return nil, err
	}
	ct, err := hex.DecodeString(c.CipherText)
	if err != nil {
		return nil, err
	}
	dk, err := deriveKey(c, passphrase)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(crypto.Keccak256(dk[16:32], ct), mac) != 1 {
		return nil, errDecrypt
	}
	return aesCTR(dk[:16], iv, ct)
}

// deriveKey derives the 32-byte key of c's kdf (scrypt, or pbkdf2 with
// hmac-sha256) from passphrase.
func deriveKey(c *cryptoJSON, passphrase string) ([]byte, error) {
	p := c.KDFParams
	salt, err := hex.DecodeString(fmt.Sprint(p["salt"]))
	if err != nil {
		return nil, err
	}
	num := func(name string) int {
		v, _ := p[name].(float64)
		return int(v)
	}
	switch c.KDF {
	case "scrypt":
		return scrypt.Key([]byte(passphrase), salt, num("n"), num("r"), num("p"), derivedKeyLen)
	case "pbkdf2":
		return pbkdf2.Key(sha256.New, passphrase, salt, num("c"), derivedKeyLen)
	}
	return nil, fmt.Errorf("kdf %q", c.KDF)
}

// aesCTR encrypts (or decrypts) in with AES-128 in counter mode.
func aesCTR(key, iv, in []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(in))
	cipher.NewCTR(block, iv).XORKeyStream(out, in)
	return out, nil
}
