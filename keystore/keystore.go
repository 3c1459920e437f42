// Package keystore keeps the policy co-signer's private key in
// go-ethereum's encrypted keystore format (Web3 Secret Storage v3: scrypt
// and AES-128-CTR, the format of geth, Clef and most wallets' "JSON file"
// export) and signs with it as a Safe owner: it is the [cosign.Signer]
// of 'bulwark serve' and 'bulwark safe cosign'.
//
// It is an adapter (it reads and writes files): domain packages reach it
// only through cosign.Signer. Nothing it returns or logs carries the key or
// the passphrase: a [Signer] formats as its address only, and errors about
// a key file never repeat its content.
//
// [cosign.Signer]: github.com/bulwark-sec/bulwark/safe/cosign.Signer
package keystore

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/cosign"
)

// Params are the scrypt parameters a key file is encrypted with.
type Params struct{ ScryptN, ScryptP int }

var (
	// Standard is go-ethereum's standard: 256 MiB and about a second of
	// CPU per encryption or decryption. Every key file Bulwark writes
	// uses it.
	Standard = Params{standardScryptN, standardScryptP}
	// Light is go-ethereum's light setting (4 MiB), for tests only.
	Light = Params{lightScryptN, lightScryptP}
)

// MaxFileSize bounds a key file read.
const MaxFileSize = 64 << 10

// Signer is a co-signer key in memory.
type Signer struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

var _ cosign.Signer = (*Signer)(nil)

// NewSigner returns the signer of key.
func NewSigner(key *ecdsa.PrivateKey) *Signer {
	return &Signer{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
}

// Generate returns a new random key's signer.
func Generate() (*Signer, error) {
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot generate a key")
	}
	return NewSigner(key), nil
}

// Address is the key's Ethereum address: the Safe owner it signs as.
func (s *Signer) Address() common.Address { return s.addr }

// SignHash signs hash as a Safe owner's ECDSA signature: r‖s‖v with v 27
// or 28, which a Safe's checkSignatures accepts for an owner with
// ecrecover(hash, v, r, s). hash is signed as it is (the safeTxHash, not an
// eth_sign digest of it).
func (s *Signer) SignHash(hash common.Hash) ([]byte, error) {
	sig, err := crypto.Sign(hash[:], s.key)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot sign with the co-signer key")
	}
	sig[64] += 27
	return sig, nil
}

// String, GoString, Format and LogValue show the address only: a Signer
// printed or logged by mistake does not show its key.
func (s *Signer) String() string   { return "co-signer " + s.addr.Hex() }
func (s *Signer) GoString() string { return s.String() }

// Format implements fmt.Formatter for every verb.
func (s *Signer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue implements slog.LogValuer.
func (s *Signer) LogValue() slog.Value { return slog.StringValue(s.addr.Hex()) }

// Encrypt returns s's key as keystore JSON encrypted with passphrase.
func (s *Signer) Encrypt(passphrase string, p Params) ([]byte, error) {
	if passphrase == "" {
		return nil, bulwark.Invalid("passphrase", "empty: a key file needs a passphrase")
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot generate the key file's id")
	}
	data, err := encryptKey(id, s.addr, crypto.FromECDSA(s.key), passphrase, p.ScryptN, p.ScryptP)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encrypt the key")
	}
	return data, nil
}

// Save writes s's key to path as keystore JSON encrypted with passphrase:
// see WriteNew.
func (s *Signer) Save(path, passphrase string, p Params) error {
	data, err := s.Encrypt(passphrase, p)
	if err != nil {
		return err
	}
	return WriteNew(path, data)
}

// Load reads the keystore file at path and decrypts its key with
// passphrase. A missing file is ENOTFOUND, a wrong passphrase EINVALID
// (errors.Is ErrWrongPassphrase); neither error repeats the file's content.
func Load(path, passphrase string) (*Signer, error) {
	kf, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !kf.Encrypted() {
		return nil, bulwark.Invalid("keystore", "%s holds a plain private key, not a keystore: import it with 'bulwark safe cosigner import --key-file %s' and delete it", path, path)
	}
	key, err := kf.Key(passphrase)
	if err != nil {
		var be *bulwark.Error
		if errors.As(err, &be) {
			be.Message = path + ": " + be.Message
		}
		return nil, err
	}
	return NewSigner(key), nil
}

// ReadFile reads and parses the key file at path (see Parse).
func ReadFile(path string) (*KeyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no key file at %s", path)
		}
		return nil, bulwark.Invalid("keystore", "cannot read %s: %s", path, pathErr(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, bulwark.Invalid("keystore", "%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, bulwark.Invalid("keystore", "cannot read %s: %s", path, pathErr(err))
	}
	if len(data) > MaxFileSize {
		return nil, bulwark.Invalid("keystore", "%s is larger than a key file (over %d bytes)", path, MaxFileSize)
	}
	kf, err := Parse(data)
	if err != nil {
		var be *bulwark.Error
		if errors.As(err, &be) {
			be.Message = path + ": " + be.Message
		}
		return nil, err
	}
	return kf, nil
}

// WriteNew writes data to path with mode 0600, atomically (a temporary
// file in the same directory, synced, then linked to path), and never over
// an existing file: one there is ECONFLICT and stays as it was. The
// directory is created (0700) if missing.
func WriteNew(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return bulwark.Invalid("keystore", "cannot create the directory %s: %s", dir, pathErr(err))
	}
	if _, err := os.Lstat(path); err == nil {
		return exists(path)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return bulwark.Invalid("keystore", "cannot write in %s: %s", dir, pathErr(err))
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return bulwark.Invalid("keystore", "cannot write %s: %s", path, pathErr(err))
	}
	// link fails when path exists: a file created since the check above
	// is not replaced.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return exists(path)
		}
		return bulwark.Invalid("keystore", "cannot write %s: %s", path, pathErr(err))
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func exists(path string) error {
	return bulwark.Errorf(bulwark.ECONFLICT, "%s already exists: it is not overwritten (move it away first, or choose another file)", path)
}

// pathErr returns the bare reason of a filesystem error.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}
