package sources

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
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
// failure is returned naming the file. Lists that come out with the same ID
// (two FBI address files) are renamed "<id>-<file name>".
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
			return nil, fileInvalid(f.Name, "%s: not a list format Bulwark reads (OFAC CSV or advanced XML, UN XML, FBI address list, Bulwark CSV, TagPack YAML, Israel NBCTF CSV, Bulwark snapshot); remove it from the directory", f.Origin)
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
	// Two files that make the same list ID: name each after its file.
	count := map[string]int{}
	for _, l := range out {
		count[l.Info.ID]++
	}
	for _, l := range out {
		if count[l.Info.ID] > 1 {
			lists.SetListID(l, l.Info.ID+"-"+slug(path.Base(firstOrigin(l.Info.Source))))
		}
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

func firstOrigin(s string) string {
	first, _, _ := strings.Cut(s, ", ")
	return first
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
