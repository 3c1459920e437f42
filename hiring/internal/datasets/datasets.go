// Package datasets reads the public record-linkage datasets under the
// shared data folder (hire/datasets) for the hiring quality tests: splink's
// synthetic fake_1000 people and the FEBRL datasets. Each record comes
// with its entity, the ground truth of which records are one person. A
// test whose dataset is absent is skipped (internal/shareddata); the
// datasets are never copied into the repository.
package datasets

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
)

// Record is one record of a dataset, its fields trimmed.
type Record struct {
	ID string
	// Entity is the ground truth: records with one entity are one person.
	Entity string
	// GivenName and Surname are the name's parts; DOB the birth date as
	// the dataset writes it.
	GivenName, Surname, DOB string
	// Address is the address in one line (splink: the city only).
	Address string
	// Email is splink's e-mail; NationalID FEBRL's soc_sec_id.
	Email, NationalID string
}

// FullName is "Given Surname" (or the part given).
func (r *Record) FullName() string { return strings.TrimSpace(r.GivenName + " " + r.Surname) }

// Splink reads splink's fake_1000.csv: a thousand records of some 250
// people with typos in names, dates, cities and e-mails; the cluster
// column is the entity.
func Splink(tb testing.TB) []Record {
	tb.Helper()
	t := read(tb, "splink_fake_1000.csv")
	out := make([]Record, 0, len(t.rows))
	for _, row := range t.rows {
		out = append(out, Record{ID: t.get(row, "unique_id"), Entity: t.get(row, "cluster"), GivenName: t.get(row, "first_name"),
			Surname: t.get(row, "surname"), DOB: t.get(row, "dob"), Address: t.get(row, "city"), Email: t.get(row, "email")})
	}
	return out
}

// FEBRL reads a FEBRL dataset (febrl/NAME, e.g. dataset4a.csv): the
// entity is the N of its ids rec-N-org and rec-N-dup-M; the address joins
// street number, address lines, suburb, postcode and state.
func FEBRL(tb testing.TB, name string) []Record {
	tb.Helper()
	t := read(tb, "febrl", name)
	out := make([]Record, 0, len(t.rows))
	for _, row := range t.rows {
		id := t.get(row, "rec_id")
		parts := strings.Split(id, "-")
		if len(parts) < 2 {
			tb.Fatalf("%s: rec_id %q is not rec-N-…", t.path, id)
		}
		var addr []string
		for _, c := range []string{"street_number", "address_1", "address_2", "suburb", "postcode", "state"} {
			if v := t.get(row, c); v != "" {
				addr = append(addr, v)
			}
		}
		out = append(out, Record{ID: id, Entity: parts[1], GivenName: t.get(row, "given_name"), Surname: t.get(row, "surname"),
			DOB: t.get(row, "date_of_birth"), Address: strings.Join(addr, " "), NationalID: t.get(row, "soc_sec_id")})
	}
	return out
}

// Truth maps each record's id to its entity.
func Truth(recs []Record) map[string]string {
	out := make(map[string]string, len(recs))
	for _, r := range recs {
		out[r.ID] = r.Entity
	}
	return out
}

// table is a dataset's CSV: its rows after the header and the header's
// columns (trimmed).
type table struct {
	tb   testing.TB
	path string
	col  map[string]int
	rows [][]string
}

func read(tb testing.TB, elem ...string) *table {
	tb.Helper()
	path := shareddata.Path(tb, append([]string{"hire", "datasets"}, elem...)...)
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	if len(rows) == 0 {
		tb.Fatalf("%s: empty", path)
	}
	t := &table{tb: tb, path: path, col: map[string]int{}, rows: rows[1:]}
	for i, h := range rows[0] {
		t.col[strings.TrimSpace(h)] = i
	}
	return t
}

// get returns column c of row, trimmed; a dataset without the column
// fails the test.
func (t *table) get(row []string, c string) string {
	t.tb.Helper()
	i, ok := t.col[c]
	if !ok {
		t.tb.Fatalf("%s: no column %q", t.path, c)
	}
	if i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}
