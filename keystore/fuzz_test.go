package keystore_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/keystore"
)

// FuzzKeystoreParse: Parse never panics, fails only with EINVALID and a
// message that does not repeat the input, and what it accepts is usable:
// a plain key's address is its key's, and a keystore is decrypted (when
// its derivation is cheap) without a panic, the decryption
// being reached only with checked parameters.
func FuzzKeystoreParse(f *testing.F) {
	light, err := docKeystore()
	if err != nil {
		f.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(light, &m)
	c := m["crypto"].(map[string]any)
	c["kdfparams"].(map[string]any)["n"] = 2
	cheap, _ := json.Marshal(m)
	for _, seed := range []string{
		docKey, "0x" + docKey, strings.ToUpper(docKey) + "\n", "", "{}", `{"version":3}`,
		string(light), string(cheap),
		`{"version":3,"crypto":{"cipher":"aes-128-ctr","ciphertext":"00","cipherparams":{"iv":""},"kdf":"scrypt","kdfparams":{},"mac":""}}`,
		`{"version":3,"crypto":{"kdf":"pbkdf2","kdfparams":{"c":1,"prf":"hmac-sha256","dklen":32,"salt":"00"}}}`,
	} {
		f.Add([]byte(seed), "pw")
	}
	f.Fuzz(func(t *testing.T, data []byte, pass string) {
		kf, err := keystore.Parse(data)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Fatalf("Parse error %v, want EINVALID", err)
			}
			if len(data) >= 16 && strings.Contains(bulwark.ErrorMessage(err), string(data)) {
				t.Fatalf("the message repeats the input: %s", bulwark.ErrorMessage(err))
			}
			return
		}
		if !kf.Encrypted() {
			key, err := kf.Key(pass)
			if err != nil || crypto.PubkeyToAddress(key.PublicKey) != kf.Address() {
				t.Fatalf("a plain key: %v", err)
			}
			return
		}
		var j struct {
			Crypto struct {
				KDF    string         `json:"kdf"`
				Params map[string]any `json:"kdfparams"`
			} `json:"crypto"`
		}
		_ = json.Unmarshal(data, &j)
		if n, _ := j.Crypto.Params["n"].(float64); j.Crypto.KDF == "scrypt" && n <= 16 {
			if _, err := kf.Key(pass); err != nil && bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Fatalf("Key: %v", err)
			}
		}
	})
}
