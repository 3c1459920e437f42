package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// benchPeople returns n people records with ids prefix-0 … and one e-mail
// each.
func benchPeople(prefix string, n int) []hiring.Record {
	out := make([]hiring.Record, n)
	for i := range out {
		id := fmt.Sprintf("%s-%07d", prefix, i)
		out[i].Person = hiring.Person{ID: id, FullName: "Person " + id, Emails: []string{id + "@example.test"}, Country: "US",
			DateOfBirth: "1990-01-02", HomeAddress: "1 Main St, Springfield"}
	}
	return out
}

// benchAssessments assesses the records: one in ten flagged review with
// its two neighbours as Related, the others clear.
func benchAssessments(records []hiring.Record) []hiring.Assessment {
	out := make([]hiring.Assessment, len(records))
	for i, r := range records {
		out[i] = hiring.Assessment{ID: r.Person.ID, Verdict: bulwark.VerdictClear, Flags: []hiring.Flag{}}
		if i%10 == 0 && i+2 < len(records) {
			rel := []string{records[i+1].Person.ID, records[i+2].Person.ID}
			out[i].Verdict, out[i].Score = bulwark.VerdictReview, 40
			out[i].Flags = []hiring.Flag{{Rule: "SHARED_IDENTIFIER", Indicator: "ID-01", Severity: hiring.SeverityHigh, Weight: 40,
				Evidence: "shares an e-mail with " + rel[0] + " and " + rel[1], Source: "FBI PSA I-051624", Related: rel}}
		}
	}
	return out
}

// BenchmarkHiringStoreRun stores a screening run of 10,000 people as
// hiring.Service.Screen does: the people imported and the run with every
// assessment, in one audited transaction (new people each iteration).
func BenchmarkHiringStoreRun(b *testing.B) {
	const people = 10_000
	ctx := context.Background()
	db := openStore(b)
	log := &audit.Log{Store: db}
	var batches [][]hiring.Record
	for i := range b.N {
		batches = append(batches, benchPeople(fmt.Sprint("r", i), people))
	}
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := range b.N {
		as := benchAssessments(batches[i])
		_, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if _, err := db.SavePeople(ctx, batches[i], hiring.NoGeneration); err != nil {
				return audit.Event{}, err
			}
			run, err := db.SaveRun(ctx, &hiring.Run{Kind: hiring.RunScreen, Actor: "bench", Imported: people}, as, 0)
			if err != nil {
				return audit.Event{}, err
			}
			return audit.Event{Actor: "bench", Action: "hire.screen", Target: hiring.RunTarget(run.ID)}, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*people), "ns/person")
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(b.N*people), "cpu-ns/person")
}

// BenchmarkHiringForget forgets one person among 1,000,000 stored with
// their assessments (one in ten related to two others), through
// hiring.Service.Forget: the record, evidence and assessment deleted, the
// person removed from the flags of the assessments that relate to them,
// audited.
func BenchmarkHiringForget(b *testing.B) {
	const total, batch = 1_000_000, 100_000
	ctx := context.Background()
	db := openStore(b)
	for off := 0; off < total; off += batch {
		records := benchPeople(fmt.Sprint("f", off/batch), batch)
		if _, err := db.SavePeople(ctx, records, hiring.NoGeneration); err != nil {
			b.Fatal(err)
		}
		if _, err := db.SaveRun(ctx, &hiring.Run{Kind: hiring.RunScreen, Actor: "bench"}, benchAssessments(records), 0); err != nil {
			b.Fatal(err)
		}
	}
	svc := &hiring.Service{Store: db, Audit: &audit.Log{Store: db}}
	cpu0 := processCPU(b)
	n := 0
	for b.Loop() { // the store above is built once
		if n == batch/10 {
			b.Fatalf("at most %d iterations", batch/10)
		}
		// Person 10n+1 of batch 5: related to by 10n's flag.
		rep, err := svc.Forget(ctx, fmt.Sprintf("f5-%07d", 10*n+1), "bench")
		n++
		if err != nil {
			b.Fatal(err)
		}
		if rep.Scrubbed != 1 {
			b.Fatalf("Forget = %+v, want one assessment scrubbed", rep)
		}
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(n), "cpu-ns/op")
}

var _ hiring.Store = (*sqlite.DB)(nil)

// BenchmarkHiringListPeople reads a page of people with their latest
// assessment among 1,000,000 stored (one in ten under review, one in
// 10,000 blocked): the first page of 100, a page of 100 deep into the
// list, the first page of 100 under review and of 50 of the 100 blocked.
// A page costs its own size: the 1,000,000 people are not read.
func BenchmarkHiringListPeople(b *testing.B) {
	const total, batch = 1_000_000, 100_000
	ctx := context.Background()
	db := openStore(b)
	for off := 0; off < total; off += batch {
		records := benchPeople(fmt.Sprint("l", off/batch), batch)
		if _, err := db.SavePeople(ctx, records, hiring.NoGeneration); err != nil {
			b.Fatal(err)
		}
		as := benchAssessments(records)
		for i := 5_000; i < len(as); i += 10_000 {
			as[i].Verdict, as[i].Score = bulwark.VerdictBlock, 120
		}
		if _, err := db.SaveRun(ctx, &hiring.Run{Kind: hiring.RunScreen, Actor: "bench"}, as, 0); err != nil {
			b.Fatal(err)
		}
	}
	deep, _, err := db.Person(ctx, "l7-0050000") // person 750,001
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		q     hiring.PeopleQuery
		count int
	}{
		{"first", hiring.PeopleQuery{}, 100},
		{"deep", hiring.PeopleQuery{After: hiring.PeopleCursor(deep.CreatedAt, deep.Person.ID)}, 100},
		{"review", hiring.PeopleQuery{Verdict: bulwark.VerdictReview}, 100},
		{"block", hiring.PeopleQuery{Verdict: bulwark.VerdictBlock, Limit: 50}, 50},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cpu0 := processCPU(b)
			n := 0
			for b.Loop() {
				page, err := db.ListPeople(ctx, tc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.People) != tc.count || page.Next == "" {
					b.Fatalf("%d people, next %q", len(page.People), page.Next)
				}
				n++
			}
			b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(n), "cpu-ns/op")
		})
	}
}
