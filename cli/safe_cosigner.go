package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/keystore"
	"github.com/bulwark-sec/bulwark/safe/cosign"
)

// envCosignerPassphrase holds the co-signer keystore's passphrase when no
// --passphrase-file is given. The passphrase is never a flag: a flag's
// value shows in the process list and the shell's history.
const envCosignerPassphrase = "BULWARK_COSIGNER_PASSPHRASE"

// cosignerKeystoreFile is the co-signer's keystore in the data directory.
var cosignerKeystoreFile = filepath.Join("cosigner", "keystore.json")

// maxPassphraseFile bounds a passphrase file.
const maxPassphraseFile = 4 << 10

// cosignerKeyFlags are the flags that find and open the co-signer's key.
type cosignerKeyFlags struct {
	keystore, passFile string
}

func (f *cosignerKeyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.keystore, "keystore", "", "the co-signer's keystore `FILE` (default: cosigner/keystore.json in the data directory)")
	fs.StringVar(&f.passFile, "passphrase-file", "", "read the keystore's passphrase from `FILE` (not readable by other users; default: $"+envCosignerPassphrase+")")
}

func (m *Main) safeCosignerCmd() *command {
	return &command{
		name:    "cosigner",
		summary: "create, import, export and show the co-signer's key",
		long: "The co-signer's key is kept in go-ethereum's encrypted keystore format (scrypt, AES-128-CTR), by\n" +
			"default in cosigner/keystore.json of the data directory, mode 0600. Its passphrase comes from\n" +
			"--passphrase-file FILE (a file other users cannot read) or $" + envCosignerPassphrase + ", never from a\n" +
			"flag. Nothing secret is printed or logged; init, import and export are written to the audit log.",
		subs: []*command{m.cosignerInitCmd(), m.cosignerImportCmd(), m.cosignerExportCmd(), m.cosignerAddressCmd()},
	}
}

func (m *Main) cosignerInitCmd() *command {
	var f cosignerKeyFlags
	return &command{
		name:    "init",
		summary: "create the co-signer's key and print its address",
		usage:   "bulwark safe cosigner init [--keystore FILE] [--passphrase-file FILE] [--json]",
		long: "Creates a new random key, writes it encrypted to the keystore file (never over an existing one) and\n" +
			"prints its address: add that address as an owner of the Safe, with a threshold that no quorum of\n" +
			"people reaches without it. JSON: {\"address\", \"keystore\"}.",
		setup: f.register,
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe cosigner init", args); err != nil {
				return bulwark.ExitError, err
			}
			return m.saveCosigner(ctx, f, "safe.cosigner.init", nil, func(string) (*keystore.Signer, map[string]any, error) {
				s, err := keystore.Generate()
				return s, nil, err
			})
		},
	}
}

func (m *Main) cosignerImportCmd() *command {
	var (
		f                    cosignerKeyFlags
		keyFile, keyPassFile string
	)
	return &command{
		name:    "import",
		summary: "make an existing key the co-signer's (bring your own key)",
		usage:   "bulwark safe cosigner import --key-file FILE [--key-passphrase-file FILE] [--keystore FILE] [--passphrase-file FILE] [--json]",
		long: "FILE holds the private key as 64 hex digits (0x optional), or is a keystore JSON (version 3, as\n" +
			"geth, Clef and wallets export it) decrypted with the passphrase of --key-passphrase-file, else\n" +
			"with the co-signer's. The key is written encrypted with the co-signer's passphrase to the keystore\n" +
			"file (never over an existing one). Delete a plain key file once imported.",
		setup: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&keyFile, "key-file", "", "the key to import: a `FILE` with a hex private key or a keystore JSON")
			fs.StringVar(&keyPassFile, "key-passphrase-file", "", "the passphrase of a --key-file keystore, from `FILE` (default: the co-signer's passphrase)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe cosigner import", args); err != nil {
				return bulwark.ExitError, err
			}
			if err := required("--key-file", "the file holding the key to import (hex private key or keystore JSON)", keyFile); err != nil {
				return bulwark.ExitError, err
			}
			return m.saveCosigner(ctx, f, "safe.cosigner.import", &keyFile, func(pass string) (*keystore.Signer, map[string]any, error) {
				kf, err := keystore.ReadFile(keyFile)
				if err != nil {
					return nil, nil, flagged("--key-file", err)
				}
				kind := "hex"
				if kf.Encrypted() {
					kind = "keystore"
					if keyPassFile != "" {
						if pass, err = m.readPassphraseFile("--key-passphrase-file", keyPassFile); err != nil {
							return nil, nil, err
						}
					}
				} else if st, err := os.Stat(keyFile); err == nil && st.Mode().Perm()&0o077 != 0 {
					fmt.Fprintf(m.Stderr, "bulwark: warning: %s holds a plain private key and other users may read it (mode %04o): delete it once imported\n", keyFile, st.Mode().Perm())
				}
				key, err := kf.Key(pass)
				if err != nil {
					return nil, nil, flagged("--key-file", err)
				}
				return keystore.NewSigner(key), map[string]any{"from": kind}, nil
			})
		},
	}
}

func (m *Main) cosignerExportCmd() *command {
	var (
		f                cosignerKeyFlags
		out, outPassFile string
	)
	return &command{
		name:    "export",
		summary: "write the co-signer's key to a new keystore file, to back it up or move it",
		usage:   "bulwark safe cosigner export --out FILE [--out-passphrase-file FILE] [--keystore FILE] [--passphrase-file FILE] [--json]",
		long: "Decrypts the co-signer's key and writes it to FILE (mode 0600, never over an existing file),\n" +
			"encrypted again with a fresh salt, with the passphrase of --out-passphrase-file or else the\n" +
			"co-signer's. The key itself is never printed. geth, Clef and wallets import the file.",
		setup: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&out, "out", "", "the new keystore `FILE`")
			fs.StringVar(&outPassFile, "out-passphrase-file", "", "encrypt the new file with the passphrase in `FILE` (default: the co-signer's)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe cosigner export", args); err != nil {
				return bulwark.ExitError, err
			}
			if err := required("--out", "the keystore file to write", out); err != nil {
				return bulwark.ExitError, err
			}
			path, err := m.cosignerKeystore(f)
			if err != nil {
				return bulwark.ExitError, err
			}
			if exists(out) {
				return bulwark.ExitError, bulwark.Errorf(bulwark.ECONFLICT, "--out: %s already exists: it is not overwritten", out)
			}
			pass, err := m.cosignerPassphrase(f)
			if err != nil {
				return bulwark.ExitError, err
			}
			outPass := pass
			if outPassFile != "" {
				if outPass, err = m.readPassphraseFile("--out-passphrase-file", outPassFile); err != nil {
					return bulwark.ExitError, err
				}
			}
			s, err := m.loadCosigner(ctx, path, pass)
			if err != nil {
				return bulwark.ExitError, err
			}
			data, err := s.Encrypt(outPass, m.cosignerScrypt())
			if err != nil {
				return bulwark.ExitError, err
			}
			_, _, log, err := m.services(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			if err := m.writeKeyAudited(ctx, log, "safe.cosigner.export", "cosigner:"+s.Address().Hex(), "--out", out, data,
				map[string]any{"address": s.Address().Hex(), "keystore": path, "out": out}); err != nil {
				return bulwark.ExitError, err
			}
			return m.printCosigner(s, out, "Exported the co-signer's key to")
		},
	}
}

func (m *Main) cosignerAddressCmd() *command {
	var f cosignerKeyFlags
	return &command{
		name:    "address",
		summary: "print the co-signer's address",
		usage:   "bulwark safe cosigner address [--keystore FILE] [--passphrase-file FILE] [--json]",
		long: "Prints the address of the co-signer's key. With a passphrase ($" + envCosignerPassphrase + " or\n" +
			"--passphrase-file) the key is decrypted and the address derived from it; without one the keystore's\n" +
			"address field is printed as the file states it. JSON: {\"address\", \"keystore\", \"checked\"}.",
		setup: f.register,
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe cosigner address", args); err != nil {
				return bulwark.ExitError, err
			}
			path, err := m.cosignerKeystore(f)
			if err != nil {
				return bulwark.ExitError, err
			}
			kf, err := keystore.ReadFile(path)
			if err != nil {
				return bulwark.ExitError, keystoreError(path, err)
			}
			addr, checked := kf.Address(), false
			if v, _ := m.lookupEnv(envCosignerPassphrase); v != "" || f.passFile != "" {
				pass, err := m.cosignerPassphrase(f)
				if err != nil {
					return bulwark.ExitError, err
				}
				s, err := m.loadCosigner(ctx, path, pass)
				if err != nil {
					return bulwark.ExitError, err
				}
				addr, checked = s.Address(), true
			}
			if addr == [20]byte{} {
				return bulwark.ExitError, bulwark.Invalid("--keystore", "%s has no address field: give the passphrase ($%s or --passphrase-file) to read the address from the key", path, envCosignerPassphrase)
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(map[string]any{"address": addr.Hex(), "keystore": path, "checked": checked})
			}
			fmt.Fprintln(m.Stdout, addr.Hex())
			if !checked {
				fmt.Fprintf(m.Stderr, "bulwark: the address as %s states it (not checked against the key: no passphrase given)\n", path)
			}
			return bulwark.ExitOK, nil
		},
	}
}

// saveCosigner writes the key that newKey returns (given the co-signer's
// passphrase) to the co-signer's keystore, audited as action: the file is
// written in the audit entry's transaction, and removed again when the
// entry cannot be committed. Nothing is written when the keystore exists,
// the passphrase is missing or newKey fails.
func (m *Main) saveCosigner(ctx context.Context, f cosignerKeyFlags, action string, source *string, newKey func(pass string) (*keystore.Signer, map[string]any, error)) (int, error) {
	path, err := m.cosignerKeystore(f)
	if err != nil {
		return bulwark.ExitError, err
	}
	if _, err := os.Lstat(path); err == nil {
		return bulwark.ExitError, bulwark.Errorf(bulwark.ECONFLICT, "%s already exists: the co-signer has a key, and it is never overwritten "+
			"(to rotate it, create the new key with --keystore NEW-FILE, swap the owners on the Safe, then point serve at NEW-FILE)", path)
	}
	pass, err := m.cosignerPassphrase(f)
	if err != nil {
		return bulwark.ExitError, err
	}
	s, details, err := newKey(pass)
	if err != nil {
		return bulwark.ExitError, err
	}
	data, err := s.Encrypt(pass, m.cosignerScrypt())
	if err != nil {
		return bulwark.ExitError, err
	}
	_, _, log, err := m.services(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}
	if details == nil {
		details = map[string]any{}
	}
	details["address"], details["keystore"] = s.Address().Hex(), path
	if source != nil {
		details["keyFile"] = *source
	}
	if err := m.writeKeyAudited(ctx, log, action, "cosigner:"+s.Address().Hex(), "--keystore", path, data, details); err != nil {
		return bulwark.ExitError, err
	}
	return m.printCosigner(s, path, "Co-signer key written to")
}

// writeKeyAudited writes a co-signer key file (init, import, export) in
// three steps, so that no key file exists without an audit record, even
// after a kill -9: the entry action+".started" is committed first, then
// the file is written, then the entry action records its completion
// ("started" names the first entry). A write that fails is audited as
// action+".failed" and leaves no file; a completion that cannot be
// audited removes the file again.
func (m *Main) writeKeyAudited(ctx context.Context, log *audit.Log, action, target, flag, path string, data []byte, details map[string]any) error {
	ev := func(suffix string, extra ...any) audit.Event {
		d := maps.Clone(details)
		for i := 0; i+1 < len(extra); i += 2 {
			d[extra[i].(string)] = extra[i+1]
		}
		return audit.Event{Actor: m.cliActor(), Action: action + suffix, Target: target, Details: d}
	}
	started, err := log.Record(ctx, ev(".started"))
	if err != nil {
		return err
	}
	if werr := keystore.WriteNew(path, data); werr != nil {
		werr = flagged(flag, werr)
		_, _ = log.Record(context.WithoutCancel(ctx), ev(".failed", "started", started.Seq, "error", bulwark.ErrorCode(werr), "reason", bulwark.ErrorMessage(werr)))
		return werr
	}
	if m.keyWritten != nil {
		m.keyWritten(path)
	}
	if _, err := log.Record(context.WithoutCancel(ctx), ev("", "started", started.Seq)); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// printCosigner prints the co-signer's address and the file its key was
// written to.
func (m *Main) printCosigner(s *keystore.Signer, path, what string) (int, error) {
	if m.g.json {
		return bulwark.ExitOK, m.printJSON(map[string]any{"address": s.Address().Hex(), "keystore": path})
	}
	fmt.Fprintf(m.Stdout, "%s\n%s %s (encrypted; keep the passphrase apart from it)\n", s.Address().Hex(), what, path)
	return bulwark.ExitOK, nil
}

// cosignerScrypt is the scrypt cost of the key files written.
func (m *Main) cosignerScrypt() keystore.Params {
	if m.cosignerParams != nil {
		return *m.cosignerParams
	}
	return keystore.Standard
}

// cosignerKeystore is the keystore file of --keystore, else the data
// directory's.
func (m *Main) cosignerKeystore(f cosignerKeyFlags) (string, error) {
	if f.keystore != "" {
		return f.keystore, nil
	}
	dir, err := m.dataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, cosignerKeystoreFile), nil
}

// cosignerPassphrase is the passphrase of --passphrase-file, else of
// $BULWARK_COSIGNER_PASSPHRASE; there is no default and no empty one.
func (m *Main) cosignerPassphrase(f cosignerKeyFlags) (string, error) {
	return m.passphrase("--passphrase-file", f.passFile)
}

func (m *Main) passphrase(flagName, file string) (string, error) {
	if file != "" {
		return m.readPassphraseFile(flagName, file)
	}
	v, ok := m.lookupEnv(envCosignerPassphrase)
	// Read once: child processes and later readers of the environment
	// (a crash dump, /proc/self/environ) do not get it.
	_ = os.Unsetenv(envCosignerPassphrase)
	if !ok {
		return "", bulwark.Invalid(flagName, "the co-signer key's passphrase is needed: give --passphrase-file FILE (a file only you can read) or set $%s (it is never a flag)", envCosignerPassphrase)
	}
	if v == "" {
		return "", bulwark.Invalid(envCosignerPassphrase, "is empty: a key needs a passphrase")
	}
	return v, nil
}

// readPassphraseFile reads a passphrase file: a regular file neither its
// group nor other users can read or write, whose first line (without its line break)
// is the passphrase.
func (m *Main) readPassphraseFile(flagName, file string) (string, error) {
	fd, err := os.Open(file)
	if err != nil {
		return "", bulwark.Invalid(flagName, "cannot read %s: %s", file, pathErr(err))
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return "", bulwark.Invalid(flagName, "cannot read %s: %s", file, pathErr(err))
	}
	if !st.Mode().IsRegular() {
		return "", bulwark.Invalid(flagName, "%s is not a regular file", file)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return "", bulwark.Invalid(flagName, "%s can be read or written by its group or every user (mode %04o): the passphrase would not be secret; run chmod 600 %s", file, perm, file)
	}
	data, err := io.ReadAll(io.LimitReader(fd, maxPassphraseFile+1))
	if err != nil {
		return "", bulwark.Invalid(flagName, "cannot read %s: %s", file, pathErr(err))
	}
	if len(data) > maxPassphraseFile {
		return "", bulwark.Invalid(flagName, "%s is larger than a passphrase (over %d bytes)", file, maxPassphraseFile)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", bulwark.Invalid(flagName, "%s is empty: put the passphrase on its first line", file)
	}
	return line, nil
}

// loadCosigner decrypts the co-signer's key at path. A keystore its
// group or other users can read is loaded with a warning; a wrong
// passphrase is refused and the refusal audited (action
// safe.cosigner.unlock, the keystore's path, never the passphrase).
func (m *Main) loadCosigner(ctx context.Context, path, pass string) (*keystore.Signer, error) {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		m.logger.Warn("the co-signer's keystore can be read by its group or other users: run chmod 600", "keystore", path, "mode", fmt.Sprintf("%04o", st.Mode().Perm()))
	}
	s, err := keystore.Load(path, pass)
	if err != nil {
		if errors.Is(err, keystore.ErrWrongPassphrase) {
			if _, _, log, lerr := m.services(ctx); lerr == nil {
				_, _ = log.Record(context.WithoutCancel(ctx), audit.Event{Actor: m.cliActor(), Action: "safe.cosigner.unlock", Target: "keystore:" + path,
					Details: map[string]any{"decision": "refused", "error": "wrong passphrase", "keystore": path}})
			}
		}
		return nil, keystoreError(path, err)
	}
	return s, nil
}

// keystoreError says what to do about an error met opening the
// co-signer's keystore.
func keystoreError(path string, err error) error {
	switch {
	case errors.Is(err, keystore.ErrWrongPassphrase):
		return &bulwark.Error{Code: bulwark.EINVALID, Field: "passphrase", Err: err,
			Message: fmt.Sprintf("wrong passphrase for the co-signer's keystore %s: the key cannot be decrypted with it (check $%s or --passphrase-file)", path, envCosignerPassphrase)}
	case bulwark.ErrorCode(err) == bulwark.ENOTFOUND:
		return bulwark.Errorf(bulwark.ENOTFOUND, "no co-signer key at %s: create one with 'bulwark safe cosigner init' (or import one), or give --keystore FILE", path)
	}
	return err
}

// cosignSigner loads the co-signer's key for 'safe cosign': the keystore
// of f (or the data directory's) with its passphrase.
func (m *Main) cosignSigner(ctx context.Context, f cosignerKeyFlags) (cosign.Signer, error) {
	if m.testCosigner != nil {
		return m.testCosigner, nil
	}
	path, err := m.cosignerKeystore(f)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, keystoreError(path, bulwark.Errorf(bulwark.ENOTFOUND, "no key file"))
	}
	pass, err := m.cosignerPassphrase(f)
	if err != nil {
		return nil, err
	}
	return m.loadCosigner(ctx, path, pass)
}

// serveCosigner loads the co-signer's key for 'bulwark serve': the
// keystore of --cosigner-keystore, else the data directory's when there is
// one (none: serve runs without a co-signer, nil). A keystore that is
// there but cannot be opened (no passphrase, a wrong one) stops the start.
func (m *Main) serveCosigner(keystoreFlag, passFile string) (*keystore.Signer, error) {
	path := keystoreFlag
	if path == "" {
		def, err := m.cosignerKeystore(cosignerKeyFlags{})
		if err != nil {
			return nil, err
		}
		if _, err := os.Lstat(def); err != nil { // none there (or no data directory yet)
			if passFile != "" {
				return nil, bulwark.Invalid("--cosigner-passphrase-file", "given, but there is no co-signer keystore at %s: create one with 'bulwark safe cosigner init' or give --cosigner-keystore FILE", def)
			}
			return nil, nil
		}
		path = def
	} else if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, bulwark.Invalid("--cosigner-keystore", "no co-signer keystore at %s: create one with 'bulwark safe cosigner init --keystore %s'", path, path)
	}
	pass, err := m.passphrase("--cosigner-passphrase-file", passFile)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.ErrorCode(err), "not starting: the co-signer's keystore "+path+" is there but cannot be opened: "+bulwark.ErrorMessage(err))
	}
	s, err := m.loadCosigner(context.Background(), path, pass)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.ErrorCode(err), "not starting: "+bulwark.ErrorMessage(err))
	}
	return s, nil
}
