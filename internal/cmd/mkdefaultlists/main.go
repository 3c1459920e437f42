// Command mkdefaultlists compiles the default list snapshot embedded in
// the bulwark binary (screening/sources/default/lists.json.gz) from
// government lists in the shared data folder, with Bulwark's own importer:
//
//   - OFAC SDN: sdn.csv of 2024-05-03 (the latest complete sdn.csv in the
//     folder); sdn_comments.csv of 2025-12-24 completed by that of
//     2025-01-03 for entries the newer one lacks; add.csv and alt.csv of
//     2025-12-24, keeping the rows of entries the snapshot holds (those of
//     sdn.csv, and later entries whose comments name digital currency
//     addresses, which the importer keeps under a placeholder name);
//   - UN Security Council consolidated list of 2026-02-27;
//   - FBI/IC3 DPRK-attributed addresses: the rows of the DPRK attribution
//     table whose primary source is an FBI publication;
//   - UK OFSI Consolidated List (ConList) of 2025-04-14, unmodified. Crown
//     copyright, under the Open Government Licence v3.0: its attribution
//     (lists.UKAttribution) is shown by 'bulwark lists' and in the docs.
//
// The US lists are in the public domain.
//
// Run it from the module root when the sources change:
//
//	go run ./internal/cmd/mkdefaultlists [-shared ../shared/data] [-out FILE]
//
// The output is deterministic: the same inputs give the same bytes.
package main

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

func main() {
	shared := flag.String("shared", filepath.Join("..", "shared", "data"), "shared data `DIR`")
	out := flag.String("out", filepath.Join("screening", "sources", "default", "lists.json.gz"), "snapshot `FILE` to write")
	imported := flag.String("imported", "2026-11-25", "import `DATE` stamped on the lists (YYYY-MM-DD)")
	flag.Parse()
	if err := run(*shared, *out, *imported); err != nil {
		fmt.Fprintln(os.Stderr, "mkdefaultlists:", err)
		os.Exit(1)
	}
}

func run(shared, out, imported string) error {
	when, err := time.Parse("2006-01-02", imported)
	if err != nil {
		return fmt.Errorf("-imported: %v", err)
	}
	screen := filepath.Join(shared, "screen")
	var files []sources.File
	add := func(name, p string) error {
		f, err := sources.ReadFile(p)
		if err != nil {
			return err
		}
		f.Name = name
		f.Origin = strings.TrimPrefix(filepath.ToSlash(p), filepath.ToSlash(shared)+"/")
		files = append(files, f)
		return nil
	}
	ofac, err := ofacFiles(screen)
	if err != nil {
		return err
	}
	files = append(files, ofac...)
	if err := add("consolidated.xml", filepath.Join(screen, "watchman", "UN_consolidated_2026-02-27.xml")); err != nil {
		return err
	}
	if err := add("ConList.xlsx", filepath.Join(screen, "uk", "ConList_2025-04-14.xlsx")); err != nil {
		return err
	}
	fbi, err := fbiRows(filepath.Join(screen, "dprk", "dprk_attributed_addresses.csv"))
	if err != nil {
		return err
	}
	files = append(files, sources.File{Name: "fbi_dprk_addresses.csv", Data: fbi, Origin: "screen/dprk/dprk_attributed_addresses.csv (rows with an FBI primary source)"})
	ls, err := sources.Parse(files, when)
	if err != nil {
		return err
	}
	// The CSV set and the FBI table state no publication date: stamp the
	// date of their oldest part, so the age shown is honest.
	published := map[string]time.Time{
		"ofac-sdn": time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC),
		"fbi-dprk": time.Date(2025, 2, 26, 0, 0, 0, 0, time.UTC),
	}
	for _, l := range ls {
		l.Info.Imported = when
		if p, ok := published[l.Info.ID]; ok && l.Info.Published.IsZero() {
			l.Info.Published = p
		}
		fmt.Fprintf(os.Stderr, "%-16s %6d entities %5d addresses %4d problems  %s\n", l.Info.ID, l.Info.Entities, l.Info.Addresses, l.Info.Problems, l.Info.Source)
	}
	var buf bytes.Buffer
	if err := screening.WriteSnapshot(&buf, ls); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", out, buf.Len())
	return nil
}

// fbiRows returns the header and the rows of the DPRK attribution table
// whose primary source is an FBI publication, as CSV.
func fbiRows(p string) ([]byte, error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(recs) < 2 {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "primary_source" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("%s: no primary_source column", p)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(recs[0])
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[col], "FBI") {
			_ = w.Write(r)
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// ofacFiles assembles the OFAC CSV set of the snapshot (see the package
// comment).
func ofacFiles(screen string) ([]sources.File, error) {
	read := func(parts ...string) ([][]string, error) {
		p := filepath.Join(append([]string{screen}, parts...)...)
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		r := csv.NewReader(bytes.NewReader(raw))
		r.FieldsPerRecord, r.LazyQuotes = -1, true
		recs, err := r.ReadAll()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		return recs, nil
	}
	sdn, err := read("ofac_sdn_csv_2024-05-03", "sdn.csv")
	if err != nil {
		return nil, err
	}
	newer, err := read("watchman", "ofac_2025-12-24_partial", "sdn_comments.csv")
	if err != nil {
		return nil, err
	}
	older, err := read("watchman", "ofac_2025-01-03_partial", "sdn_comments.csv")
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, r := range sdn {
		keep[r[0]] = true
	}
	// Comments: the newer file's rows, then the older file's rows of
	// entries the newer one does not mention.
	inNewer := map[string]bool{}
	for _, r := range newer {
		inNewer[r[0]] = true
	}
	comments := append([][]string{}, newer...)
	for _, r := range older {
		if !inNewer[r[0]] {
			comments = append(comments, r)
		}
	}
	for _, r := range comments {
		if len(r) > 1 && strings.Contains(r[1], "Digital Currency Address") {
			keep[r[0]] = true
		}
	}
	var out []sources.File
	enc := func(name, origin string, recs [][]string) error {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		for _, r := range recs {
			if keep[r[0]] || name == "sdn.csv" {
				if err := w.Write(r); err != nil {
					return err
				}
			}
		}
		w.Flush()
		out = append(out, sources.File{Name: name, Data: buf.Bytes(), Origin: origin})
		return w.Error()
	}
	if err := enc("sdn.csv", "screen/ofac_sdn_csv_2024-05-03/sdn.csv", sdn); err != nil {
		return nil, err
	}
	if err := enc("sdn_comments.csv", "screen/watchman/ofac_2025-12-24_partial/sdn_comments.csv + ofac_2025-01-03_partial/sdn_comments.csv", comments); err != nil {
		return nil, err
	}
	for _, name := range []string{"alt.csv", "add.csv"} {
		recs, err := read("watchman", "ofac_2025-12-24_partial", name)
		if err != nil {
			return nil, err
		}
		if err := enc(name, "screen/watchman/ofac_2025-12-24_partial/"+name+" (rows of entries in the snapshot)", recs); err != nil {
			return nil, err
		}
	}
	return out, nil
}
