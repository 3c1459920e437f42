package sources

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
)

// ofacCSVNames are the files of the legacy OFAC CSV set.
var ofacCSVNames = map[string]bool{"sdn.csv": true, "add.csv": true, "alt.csv": true, "sdn_comments.csv": true}

// Parse parses files into lists, stamping each with its origin and now as
// its import time. Every file must be recognised and parse; the first
// failure is returned naming the file. A list's ID comes from its format
// (OFAC, UN, the DPRK attribution table, NBCTF, TagPack, Bulwark CSV,
// snapshot), never from a file's name alone: a plain list of addresses is
// refused with the command that imports it as the user's own list
// ([ParseOwn]). Two files that make the same list are an error.
func Parse(files []File, now time.Time) ([]*screening.List, error) {
	var out []*screening.List
	ofac := map[string][]byte{}
	var ofacOrigins []string
	// ofacFiles maps an OFAC CSV file's role (sdn.csv…) to the file.
	ofacFiles := map[string]*File{}
	var nbctfWallets, nbctfReleases *File
	for i := range files {
		f := &files[i]
		lower := strings.ToLower(f.Name)
		if ofacCSVNames[lower] {
			ofac[lower] = f.Data
			ofacOrigins = append(ofacOrigins, f.Origin)
			ofacFiles[lower] = f
			continue
		}
		if isGzip(f.Data) {
			// A snapshot, whatever its name ('lists export --out F').
			ls, err := ReadSnapshot(f)
			if err != nil {
				return nil, err
			}
			out = append(out, ls...)
			continue
		}
		if strings.HasSuffix(lower, ".gz") {
			return nil, fileInvalid(f.Name, "%s: named like a compressed file but not gzip-compressed, so not a Bulwark list snapshot ('bulwark lists export' writes those); give list files uncompressed", f.Origin)
		}
		format, ok := lists.Detect(f.Name, head(f.Data))
		if !ok {
			return nil, fileInvalid(f.Name, "%s: not a list format Bulwark reads (OFAC CSV or advanced XML, UN XML, the UK ConList .xlsx or CSV, the DPRK attribution CSV, Bulwark CSV, TagPack YAML, Israel NBCTF CSV, Bulwark snapshot); remove it from the directory, or import your own address list with %s", f.Origin, ownCommand(f))
		}
		if format == lists.FormatAddressLines {
			return nil, refuseAddressLines(f)
		}
		var (
			l   *screening.List
			err error
		)
		switch format {
		case lists.FormatOFACCSV:
			ofac[lower] = f.Data
			ofacOrigins = append(ofacOrigins, f.Origin)
			ofacFiles[lower] = f
			continue
		case lists.FormatILNBCTF:
			nbctfWallets = f
			continue
		case lists.FormatILNBCTFReleases:
			nbctfReleases = f
			continue
		case lists.FormatOFACXML:
			l, err = lists.ParseOFACXML(bytes.NewReader(f.Data))
		case lists.FormatUNXML:
			l, err = lists.ParseUNXML(bytes.NewReader(f.Data))
		case lists.FormatFBI:
			l, err = lists.ParseFBIAddresses(f.Name, f.Data, f.Origin)
		case lists.FormatBulwarkCSV:
			l, err = lists.ParseBulwarkCSV(slug(f.Name), f.Data)
		case lists.FormatTagPack:
			l, err = lists.ParseTagPack(f.Name, f.Data)
		case lists.FormatUKConListXLSX:
			l, err = lists.ParseUKConList(f.Data)
		case lists.FormatUKConListCSV:
			l, err = lists.ParseUKConListCSV(f.Data)
		default:
			return nil, fileInvalid(f.Name, "%s: format %s is recognised but not importable", f.Origin, format)
		}
		if err != nil {
			return nil, fileError(f, err)
		}
		l.Info.Source = f.Origin
		out = append(out, l)
	}
	if len(ofac) > 0 {
		if ofac["sdn.csv"] == nil {
			return nil, bulwark.Invalid("sdn.csv", "OFAC CSV files (%s) without sdn.csv: add sdn.csv from the same publication", strings.Join(ofacOrigins, ", "))
		}
		l, err := lists.ParseOFACCSV(ofac)
		if err != nil {
			// The error's Field is the file's role (sdn.csv…).
			var be *bulwark.Error
			if errors.As(err, &be) && ofacFiles[be.Field] != nil {
				return nil, fileError(ofacFiles[be.Field], err)
			}
			return nil, err
		}
		sort.Strings(ofacOrigins)
		l.Info.Source = strings.Join(ofacOrigins, ", ")
		out = append(out, l)
	}
	if nbctfReleases != nil && nbctfWallets == nil {
		return nil, fileInvalid(nbctfReleases.Name, "%s: NBCTF releases without the wallets file beside it", nbctfReleases.Origin)
	}
	if nbctfWallets != nil {
		var rel []byte
		origin := nbctfWallets.Origin
		if nbctfReleases != nil {
			rel = nbctfReleases.Data
			origin += ", " + nbctfReleases.Origin
		}
		l, err := lists.ParseILNBCTF(nbctfWallets.Data, rel)
		if err != nil {
			// The parser knows the tables as wallets.csv and releases.csv.
			var be *bulwark.Error
			if errors.As(err, &be) && be.Field == "releases.csv" && nbctfReleases != nil {
				return nil, fileError(nbctfReleases, err)
			}
			return nil, fileError(nbctfWallets, err)
		}
		l.Info.Source = origin
		out = append(out, l)
	}
	seen := map[string]string{}
	for _, l := range out {
		if prev, dup := seen[l.Info.ID]; dup {
			return nil, bulwark.Invalid("from", "%s and %s both make list %s; keep one", prev, l.Info.Source, l.Info.ID)
		}
		seen[l.Info.ID] = l.Info.Source
		if l.Info.Imported.IsZero() {
			l.Info.Imported = now.UTC()
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Info.ID < out[j].Info.ID })
	return out, nil
}

// ReadSnapshot reads a snapshot file (gzip-compressed JSON, as
// 'bulwark lists export' writes it). A gzip file that holds something else
// is an error naming the file.
func ReadSnapshot(f *File) ([]*screening.List, error) {
	if !isGzip(f.Data) {
		return nil, fileInvalid(f.Name, "%s: not gzip-compressed, so not a Bulwark list snapshot ('bulwark lists export' writes those)", f.Origin)
	}
	if !gzipHoldsJSON(f.Data) {
		return nil, fileInvalid(f.Name, "%s: a gzip-compressed file, but not a Bulwark list snapshot ('bulwark lists export' writes those); give other list files uncompressed", f.Origin)
	}
	ls, err := screening.ReadSnapshot(bytes.NewReader(f.Data), f.Origin)
	if err != nil {
		return nil, fileError(f, err)
	}
	return ls, nil
}

// isGzip reports whether data starts with the gzip magic number.
func isGzip(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

// gzipHoldsJSON reports whether the gzip stream data decompresses to
// something starting like a JSON object, as a snapshot does.
func gzipHoldsJSON(data []byte) bool {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return false
	}
	var buf [512]byte
	n, _ := io.ReadFull(zr, buf[:])
	t := bytes.TrimLeft(buf[:n], " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// fileError makes a parser's error about f name f by its origin (its path
// or URL). Parsers name no file in their messages (the Field of their
// error does, maybe by a name of their own); one that starts with the
// file's name has it replaced by the origin.
func fileError(f *File, err error) error {
	msg := bulwark.ErrorMessage(err)
	if strings.Contains(msg, f.Origin) {
		return err
	}
	var be *bulwark.Error
	if errors.As(err, &be) && be.Field != "" && strings.HasPrefix(strings.ToLower(msg), strings.ToLower(be.Field)+": ") &&
		(strings.EqualFold(be.Field, f.Name) || strings.EqualFold(be.Field, path.Base(f.Name))) {
		msg = msg[len(be.Field)+2:]
	}
	return &bulwark.Error{Code: bulwark.ErrorCode(err), Field: f.Name, Message: fmt.Sprintf("%s: %s", f.Origin, msg), Err: err}
}

// fileInvalid is an EINVALID error about the file named field whose
// message starts with the file's origin (its path or URL).
func fileInvalid(field, format string, args ...any) *bulwark.Error {
	return &bulwark.Error{Code: bulwark.EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

func head(b []byte) []byte {
	if len(b) > 4096 {
		return b[:4096]
	}
	return b
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a list ID part from a file name: lower case, extension
// dropped, runs of other characters turned into '-'.
func slug(name string) string {
	name = strings.ToLower(path.Base(name))
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return strings.Trim(nonSlug.ReplaceAllString(name, "-"), "-")
}

// ParseOwn makes the user's own list own (see [lists.ParseOwn]) from files:
// plain address lists and Bulwark CSV files, all under own.ID, stamped with
// their origins and now. A file in an official format (OFAC, UN, the DPRK
// attribution table, NBCTF, TagPack) or a snapshot makes its own lists and
// is refused here, naming it.
func ParseOwn(files []File, own lists.Own, now time.Time) (*screening.List, error) {
	if err := own.Check(); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, bulwark.Invalid("from", "no file to import as list %s", own.ID)
	}
	data := make(map[string][]byte, len(files))
	origins := make([]string, 0, len(files))
	byName := map[string]*File{}
	for i := range files {
		f := &files[i]
		if isGzip(f.Data) || strings.HasSuffix(strings.ToLower(f.Name), ".gz") {
			return nil, fileInvalid(f.Name, "%s: a compressed file or Bulwark list snapshot, which carries lists of its own; import it without --list", f.Origin)
		}
		if format, ok := lists.Detect(f.Name, head(f.Data)); ok && lists.Official(format) {
			return nil, fileInvalid(f.Name, "%s: a published list (%s) that makes its own official list; import it without --list, and your own addresses with --list separately", f.Origin, format)
		}
		if prev := byName[f.Name]; prev != nil {
			return nil, bulwark.Invalid("from", "%s and %s have the same file name; import them as two lists, or rename one", prev.Origin, f.Origin)
		}
		byName[f.Name] = f
		data[f.Name] = f.Data
		origins = append(origins, f.Origin)
	}
	l, err := lists.ParseOwn(own, data)
	if err != nil {
		var be *bulwark.Error
		if errors.As(err, &be) && byName[be.Field] != nil {
			return nil, fileError(byName[be.Field], err)
		}
		return nil, err
	}
	sort.Strings(origins)
	l.Info.Source = strings.Join(origins, ", ")
	l.Info.Imported = now.UTC()
	return l, nil
}

// refuseAddressLines is the error for a plain address list given without
// --list: it says nothing of whose addresses they are, so it cannot be, or
// replace, an official list.
func refuseAddressLines(f *File) error {
	msg := fmt.Sprintf("%s: a plain list of addresses, which says nothing of whose addresses they are or why they are listed, so it is never imported as an official list", f.Origin)
	if extractName.MatchString(f.Name) {
		msg += ". It looks like a per-currency extract of OFAC's SDN list, which names no entity or sanctions programme: import OFAC's own publication instead ('bulwark lists update' without --from fetches it; or --from SDN_ADVANCED.XML or the sdn.csv set), or"
	} else {
		msg += ". To screen against it"
	}
	return fileInvalid(f.Name, "%s as your own list: %s", msg, ownCommand(f))
}

// extractName matches the file names of per-currency address extracts of
// the OFAC SDN list ("sanctioned_addresses_ETH.txt").
var extractName = regexp.MustCompile(`(?i)^sanctioned_addresses_[a-z0-9]+\.txt$`)

// ownCommand is the command that imports f as the user's own list.
func ownCommand(f *File) string {
	from, id := f.Origin, slug(f.Name)
	if extractName.MatchString(f.Name) {
		from, id = filepath.Dir(f.Origin), "sanctioned-addresses"
	}
	if id == "" || screening.CheckUserListID("--list", id) != nil {
		id = "my-list"
	}
	kind := "internal"
	if extractName.MatchString(f.Name) {
		kind = "sanctions"
	}
	return fmt.Sprintf("bulwark lists update --from %s --list %s --kind %s (the kind says what the addresses are: sanctions, attribution or internal; add --confidence high, medium or low if you know it)", shellQuote(from), id, kind)
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and -_./:,+@%=.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:,+@%=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
