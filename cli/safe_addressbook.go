package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

func (m *Main) safeAddressBookCmd() *command {
	return &command{
		name:    "address-book",
		summary: "show and change the address book kept in the data directory",
		long: "The organisation's address book (own contracts, counterparties, spenders, recipients, value limits)\n" +
			"kept in the store, as the API's /api/v1/safe/address-book keeps it: every change is a new version,\n" +
			"checked as the --address-book file is, and written to the audit log with what changed. 'safe\n" +
			"verify', 'safe cosign', 'safe approve' and 'safe queue' use it when no --address-book is given, and\n" +
			"'serve' without --address-book uses it and takes a change within seconds. Exit 0, or 1 on an error.",
		subs: []*command{m.bookShowCmd(), m.bookSetCmd(), m.bookAddCmd(), m.bookRemoveCmd()},
	}
}

func (m *Main) bookShowCmd() *command {
	return &command{
		name:    "show",
		summary: "print the stored address book",
		usage:   "bulwark safe address-book show [--json]",
		long: "Prints the stored book in the --address-book file's format (TOML, which 'set' reads back), after\n" +
			"comments with its version, SHA-256 and last change; --json prints what GET /api/v1/safe/address-book\n" +
			"answers.",
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe address-book show", args); err != nil {
				return bulwark.ExitError, err
			}
			db, err := m.openStore(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			b, err := db.StoredAddressBook(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(bookJSON(b, nil, 0))
			}
			fmt.Fprint(m.Stdout, bookHeader(b))
			_, err = m.Stdout.Write(b.Book.TOML())
			return bulwark.ExitOK, err
		},
	}
}

// bookHeader is the comment show prints above the book.
func bookHeader(b *policy.StoredBook) string {
	if b.Version == 0 {
		return "# No address book is stored yet (version 0): 'bulwark safe address-book set FILE' stores one.\n"
	}
	return fmt.Sprintf("# Address book version %d, sha256 %s\n# Changed by %s at %s; %s, %s.\n\n",
		b.Version, b.Book.Digest, b.ChangedBy, b.ChangedAt.Format(time.RFC3339), plural(b.Book.Len(), "entry", "entries"), plural(len(b.Book.Limits()), "limit", "limits"))
}

// bookJSON is the JSON of show and of a change (diff, audit entry seq),
// as the API answers.
func bookJSON(b *policy.StoredBook, diff *policy.BookDiff, seq int64) policy.BookAnswer {
	a := b.Answer()
	a.Changes, a.AuditSeq = diff, seq
	return a
}

// bookChangeFlags are the flags every change takes.
type bookChangeFlags struct {
	ifVersion string
}

func (f *bookChangeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.ifVersion, "if-version", "", "change the book only if it is at version `N` (as 'show' prints it; 0 before any is stored): otherwise exit 1, changing nothing")
}

func (f *bookChangeFlags) want() (*int64, error) {
	if strings.TrimSpace(f.ifVersion) == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(f.ifVersion), 10, 64)
	if err != nil || n < 0 {
		return nil, bulwark.Invalid("--if-version", "%q is not a version (0, 1, 2 …, as 'bulwark safe address-book show' prints it)", f.ifVersion)
	}
	return &n, nil
}

func (m *Main) bookSetCmd() *command {
	var f bookChangeFlags
	return &command{
		name:    "set",
		summary: "replace the stored address book with a file's",
		usage:   "bulwark safe address-book set FILE|- [--if-version N] [--json]",
		long: "Reads the whole book from FILE (- for stdin): the --address-book file's TOML, or JSON as the API\n" +
			"takes it (a file whose first character is '{'), checks it as --address-book does, and stores it as\n" +
			"the next version. The same content as the stored book stores nothing. A JSON book's \"version\"\n" +
			"(as 'show --json' prints it) is taken as --if-version: the book must still be at that version.",
		setup: f.register,
		run: func(ctx context.Context, args []string) (int, error) {
			if len(args) != 1 {
				return bulwark.ExitError, bulwark.Invalid("FILE", "give the address book's file (TOML or JSON), or - for stdin")
			}
			want, err := f.want()
			if err != nil {
				return bulwark.ExitError, err
			}
			b, version, err := m.readBookArg(args[0])
			if err != nil {
				return bulwark.ExitError, err
			}
			if want, err = policy.BookIfMatch(want, version, "--if-version"); err != nil {
				return bulwark.ExitError, err
			}
			return m.changeBook(ctx, policy.ActionBookSet, want, policy.ReplaceBook(b))
		},
	}
}

// readBookArg reads the book of 'set': a file, or stdin for "-"; with
// the version a JSON book names (nil: none).
func (m *Main) readBookArg(name string) (*policy.AddressBook, *int64, error) {
	var data []byte
	var err error
	source := name
	if name == "-" {
		source = "stdin"
		data, err = io.ReadAll(io.LimitReader(m.Stdin, policy.MaxAddressBookSize+1))
	} else {
		var fh *os.File
		if fh, err = os.Open(name); err == nil {
			data, err = io.ReadAll(io.LimitReader(fh, policy.MaxAddressBookSize+1))
			fh.Close()
		}
	}
	if err != nil {
		return nil, nil, bulwark.Invalid("FILE", "cannot read %s: %v", source, err)
	}
	var b *policy.AddressBook
	var version *int64
	if strings.HasPrefix(strings.TrimSpace(string(data)), "{") {
		b, version, err = policy.ParseBookDocJSON(source, data)
	} else {
		b, err = policy.ParseAddressBookTOML(source, data)
	}
	if err != nil {
		e := bulwark.Invalid("FILE", "%s", bulwark.ErrorMessage(err))
		e.Err = err
		return nil, nil, e
	}
	return b, version, nil
}

func (m *Main) bookAddCmd() *command {
	var (
		f                            bookChangeFlags
		address, label, kinds, chain string
	)
	return &command{
		name:    "add",
		summary: "add an entry to the stored address book",
		usage:   "bulwark safe address-book add --address ADDR --label TEXT --kinds KIND[,KIND…] [--chain-id N] [--if-version N] [--json]",
		long: "Adds one entry, checked as an --address-book file's entry is. KIND is own-contract, counterparty,\n" +
			"spender or recipient. An address already listed for that chain (or, without --chain-id, for every\n" +
			"chain) is refused: remove it first, or 'set' the whole book.",
		setup: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&address, "address", "", "the entry's `ADDR`ess (0x and 40 hex digits; mixed case must be a valid EIP-55 checksum)")
			fs.StringVar(&label, "label", "", "the name findings show for it (`TEXT`, up to 100 characters)")
			fs.StringVar(&kinds, "kinds", "", "what it is: `KIND`s, comma-separated: own-contract, counterparty, spender, recipient")
			fs.StringVar(&chain, "chain-id", "", "the chain `N` the entry applies on (default: every chain)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe address-book add", args); err != nil {
				return bulwark.ExitError, err
			}
			want, err := f.want()
			if err != nil {
				return bulwark.ExitError, err
			}
			doc := map[string]any{"address": address, "label": label}
			if address == "" {
				delete(doc, "address")
			}
			if label == "" {
				delete(doc, "label")
			}
			if kinds != "" {
				ks := []string{}
				for k := range strings.SplitSeq(kinds, ",") {
					ks = append(ks, strings.TrimSpace(k))
				}
				doc["kinds"] = ks
			}
			if chain != "" {
				n, err := strconv.ParseInt(chain, 10, 64)
				if err != nil {
					return bulwark.ExitError, bulwark.Invalid("--chain-id", "%q is not a chain id (a positive integer such as 1; leave it out for every chain)", chain)
				}
				doc["chainId"] = n
			}
			raw, err := json.Marshal(doc)
			if err != nil {
				return bulwark.ExitError, err
			}
			e, err := policy.ParseEntryJSON("the entry", raw)
			if err != nil {
				return bulwark.ExitError, flagNames(err)
			}
			return m.changeBook(ctx, policy.ActionBookAdd, want, policy.AddEntry(e))
		},
	}
}

// flagNames turns an entry's error, which names JSON fields, into one
// that names the flags.
func flagNames(err error) error {
	msg := bulwark.ErrorMessage(err)
	for _, r := range [][2]string{{"): address:", "): --address:"}, {"): label:", "): --label:"}, {"): kinds:", "): --kinds:"}, {"): chainId:", "): --chain-id:"},
		{"entry: address:", "entry: --address:"}, {"entry: label:", "entry: --label:"}, {"entry: kinds:", "entry: --kinds:"}, {"entry: chainId:", "entry: --chain-id:"}} {
		msg = strings.Replace(msg, r[0], r[1], 1)
	}
	e := bulwark.Errorf(bulwark.ErrorCode(err), "%s", msg)
	e.Err = err
	return e
}

func (m *Main) bookRemoveCmd() *command {
	var (
		f              bookChangeFlags
		address, chain string
	)
	return &command{
		name:    "remove",
		summary: "remove an address's entries from the stored address book",
		usage:   "bulwark safe address-book remove --address ADDR [--chain-id N] [--if-version N] [--json]",
		long: "Removes the address's entry for chain N, or without --chain-id every entry of the address (for every\n" +
			"chain and per chain). An address without such an entry is an error.",
		setup: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&address, "address", "", "the `ADDR`ess whose entries to remove")
			fs.StringVar(&chain, "chain-id", "", "remove only its entry for chain `N`")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe address-book remove", args); err != nil {
				return bulwark.ExitError, err
			}
			want, err := f.want()
			if err != nil {
				return bulwark.ExitError, err
			}
			if err := required("--address", "the address whose entries to remove", address); err != nil {
				return bulwark.ExitError, err
			}
			addr, err := safe.ParseAddress("--address", address)
			if err != nil {
				return bulwark.ExitError, err
			}
			var id *big.Int
			if chain != "" {
				n, err := strconv.ParseInt(chain, 10, 64)
				if err != nil || n <= 0 {
					return bulwark.ExitError, bulwark.Invalid("--chain-id", "%q is not a chain id (a positive integer such as 1; leave it out to remove every entry of the address)", chain)
				}
				id = big.NewInt(n)
			}
			return m.changeBook(ctx, policy.ActionBookRemove, want, policy.RemoveEntry(addr, id))
		},
	}
}

// serveBookFile returns the address-book file serve is configured with
// (BULWARK_ADDRESS_BOOK or the config file's [serve] table) and where
// that comes from; "" when none.
func (m *Main) serveBookFile() (file, from string) {
	if v, ok := m.lookupEnv(envName("address-book")); ok && v != "" {
		return v, "$" + envName("address-book")
	}
	cfg, explicit := m.g.config, m.g.config != ""
	if !explicit {
		cfg = dataDirConfig(m)
	}
	if cfg == "" {
		return "", ""
	}
	values, err := loadConfig(cfg, explicit, m.configTables)
	if err != nil || values == nil {
		return "", ""
	}
	if v := values["serve.address-book"]; v != "" {
		return v, "the [serve] table of " + cfg
	}
	return "", ""
}

// changeBook applies edit to the stored book as the command's user, in
// one audited change, and prints the new version and what changed.
func (m *Main) changeBook(ctx context.Context, action string, want *int64, edit policy.BookEdit) (int, error) {
	if file, pid := m.runningServeBook(); file != "" {
		return bulwark.ExitError, bulwark.Errorf(bulwark.ECONFLICT, "serve (process %d) runs on this data directory with --address-book %s: that file is the book in force there and the stored book is not used, so it is not changed here; edit the file and restart serve, or restart serve without --address-book to manage the book with this command", pid, file)
	}
	if file, from := m.serveBookFile(); file != "" {
		return bulwark.ExitError, bulwark.Errorf(bulwark.ECONFLICT, "serve is configured with --address-book %s (%s): that file is the book in force and the stored book is not used, so it is not changed here; edit the file and restart serve, or remove the setting to manage the book with this command", file, from)
	}
	db, _, alog, err := m.services(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}
	actor := m.cliActor()
	gate, err := m.dualControl(db, alog)
	if err != nil {
		return bulwark.ExitError, err
	}
	if err := policy.GuardBookChange(ctx, gate, db, actor, action, want, edit); err != nil {
		return bulwark.ErrorExitCode(err), err
	}
	var c *policy.BookChange
	e, err := alog.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if c, err = policy.ChangeBook(ctx, db, actor, want, edit); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: actor, Action: action, Target: c.Target(), Details: c.Details()}, nil
	})
	if err != nil {
		return bulwark.ExitError, err
	}
	if e == nil { // unchanged
		if m.g.json {
			a := bookJSON(c.After, nil, 0)
			a.Unchanged = true
			return bulwark.ExitOK, m.printJSON(a)
		}
		fmt.Fprintf(m.Stdout, "Unchanged: the address book (version %d, sha256 %s) already has this content.\n", c.After.Version, c.After.Book.Digest)
		return bulwark.ExitOK, nil
	}
	if m.g.json {
		return bulwark.ExitOK, m.printJSON(bookJSON(c.After, &c.Diff, e.Seq))
	}
	d := c.Diff
	fmt.Fprintf(m.Stdout, "Address book version %d (sha256 %s), audit entry %d: entries %d added, %d removed, %d changed; limits %d added, %d removed, %d changed; now %s and %s.\n",
		c.After.Version, c.After.Book.Digest, e.Seq, len(d.Added), len(d.Removed), len(d.Changed), len(d.LimitsAdded), len(d.LimitsRemoved), len(d.LimitsChanged),
		plural(c.After.Book.Len(), "entry", "entries"), plural(len(c.After.Book.Limits()), "limit", "limits"))
	for _, rc := range d.RecipientChecks {
		fmt.Fprintf(m.Stdout, "Recipient check: %s.\n", rc.Detail)
	}
	return bulwark.ExitOK, nil
}

// bookInForce returns the address book a command verifies against: the
// file of --address-book when given (flag names it), else the book stored
// in the data directory when there is one (nil when none is stored, or
// there is no store yet: none is created for this).
func (m *Main) bookInForce(ctx context.Context, flag, file string) (*policy.AddressBook, error) {
	if file != "" {
		return readAddressBook(flag, file)
	}
	if m.db == nil {
		dir, err := m.dataDir()
		if err != nil || !exists(filepath.Join(dir, "bulwark.db")) {
			return nil, nil // no store: no stored book
		}
	}
	db, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	b, err := db.StoredAddressBook(ctx)
	if err != nil {
		return nil, err
	}
	if b.Version == 0 {
		return nil, nil
	}
	return b.Book, nil
}
