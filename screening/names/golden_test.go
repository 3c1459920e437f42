package names_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/race"
	"github.com/bulwark-sec/bulwark/screening/names"
)

var update = flag.Bool("update", false, "rewrite testdata/search_golden.txt from the current Search")

// TestCorpusSearchGolden pins Search's full output (matches, scores, explanations)
// for 3,000 queries on the benchmark corpus: exact names, one-typo names and
// unlisted people, some with a type, date of birth, country, limit and
// minimum score. A change meant to be a pure speed-up must leave every line
// unchanged; a change of results regenerates the file with -update.
func TestCorpusSearchGolden(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	recs := benchCorpus(t)
	ix := benchIndex(t)
	hits, typos, misses := benchQueries(t, recs, 1000)
	var qs []names.Query
	for i := range hits {
		qs = append(qs, hits[i], typos[i], misses[i])
	}
	// Vary the other fields on some queries so features and limits are
	// covered too.
	types := []string{"", "person", "organization", "vessel"}
	for i := range qs {
		switch i % 7 {
		case 1:
			qs[i].Type = types[i%len(types)]
		case 2:
			qs[i].DateOfBirth = fmt.Sprintf("19%02d-%02d-%02d", 40+i%50, 1+i%12, 1+i%28)
			qs[i].Country = []string{"KP", "RU", "IR", "CN"}[i%4]
		case 3:
			qs[i].Limit = 1 + i%30
			qs[i].MinScore = 0.5
		}
	}
	var lines []string
	for _, q := range qs {
		b, err := json.Marshal(ix.Search(q))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		qb, _ := json.Marshal(q)
		lines = append(lines, hex.EncodeToString(sum[:12])+" "+string(qb))
	}
	path := filepath.Join("testdata", "search_golden.txt")
	if *update {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (generate it with go test -run TestCorpusSearchGolden -update)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	i, diffs := 0, 0
	for ; sc.Scan(); i++ {
		if i >= len(lines) {
			t.Fatalf("golden file has more than %d lines", len(lines))
		}
		if sc.Text() != lines[i] {
			diffs++
			if diffs <= 10 {
				t.Errorf("query %d: got %s\nwant %s", i, lines[i], sc.Text())
			}
		}
	}
	if i != len(lines) {
		t.Errorf("golden file has %d lines, want %d", i, len(lines))
	}
	if diffs > 0 {
		t.Errorf("%d of %d queries differ from the golden file", diffs, len(lines))
	}
}

// TestCorpusMinScoreSkipsExactly: a query with a MinScore (which lets
// Search skip the names that cannot reach it) returns exactly the matches
// of the same query without one that score MinScore or more.
func TestCorpusMinScoreSkipsExactly(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	recs := benchCorpus(t)
	ix := benchIndex(t)
	hits, typos, misses := benchQueries(t, recs, 400)
	var qs []names.Query
	for i := range hits {
		qs = append(qs, hits[i], typos[i], misses[i])
	}
	checked := 0
	for i, q := range qs {
		switch i % 5 {
		case 1:
			q.Type = []string{"person", "organization"}[i%2]
		case 2:
			q.DateOfBirth = fmt.Sprintf("19%02d-%02d-%02d", 40+i%50, 1+i%12, 1+i%28)
			q.Country = []string{"KP", "RU", "IR", "CN"}[i%4]
		}
		q.Limit = 20
		q.MinScore = 0
		all := ix.Search(q)
		for _, min := range []float64{0.3, 0.5, names.ReviewThreshold, 0.9} {
			q.MinScore = min
			got, err := json.Marshal(ix.Search(q))
			if err != nil {
				t.Fatal(err)
			}
			want := []names.Match{}
			for _, m := range all {
				if m.Score >= min {
					want = append(want, m)
				}
			}
			checked += len(want)
			if w, _ := json.Marshal(want); string(w) != string(got) {
				t.Fatalf("%+v: got\n%s\nwant\n%s", q, got, w)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no match reached any minimum score")
	}
}
