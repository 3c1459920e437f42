package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// benchPeople returns n generated people: every column filled, two
// e-mails and two IPs each, about 330 bytes a CSV row.
func benchPeople(n int) []map[string]any {
	countries := []string{"US", "United States", "KOR", "Canada", "JP"}
	out := make([]map[string]any, n)
	for i := range n {
		out[i] = map[string]any{
			"id":               fmt.Sprintf("P%07d", i),
			"full_name":        fmt.Sprintf("Person %d Example", i),
			"date_of_birth":    fmt.Sprintf("%04d-%02d-%02d", 1960+i%40, 1+i%12, 1+i%28),
			"national_id":      fmt.Sprintf("%09d", i*7919%1000000000),
			"emails":           fmt.Sprintf("person%d@example.com;p.%d@example.net", i, i),
			"phones":           fmt.Sprintf("+1 312 555 %04d", i%10000),
			"home_address":     fmt.Sprintf("%d W Armitage Ave, Chicago, IL 60622", i%9000),
			"shipping_address": fmt.Sprintf("%d Ranch Rd, Austin, TX 78701", i%7000),
			"country":          countries[i%len(countries)],
			"bank_accounts":    fmt.Sprintf("021000021 %012d", i),
			"device_serials":   fmt.Sprintf("C02X%08d", i),
			"ips":              fmt.Sprintf("203.0.%d.%d;198.51.100.%d", i%256, i/256%256, i%200),
			"github":           fmt.Sprintf("dev%d", i),
			"resume_text":      "Senior backend engineer, 7 years of Go, Kubernetes and PostgreSQL.",
			"role":             "applicant",
		}
	}
	return out
}

func benchCSV(people []map[string]any) []byte {
	var b bytes.Buffer
	cols := PeopleColumns[:15]
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c)
	}
	b.WriteByte('\n')
	for _, p := range people {
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			v := p[c].(string)
			if bytes.ContainsAny([]byte(v), ",\"\n") {
				v = `"` + v + `"`
			}
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func benchJSONLines(people []map[string]any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, p := range people {
		if err := enc.Encode(p); err != nil {
			panic(err)
		}
	}
	return b.Bytes()
}

// BenchmarkReadPeople reads a generated file of 100,000 people, every
// column filled. ns/row and cpu-ns/row are per record (wall and the
// process's CPU time); B/op and allocs/op are for the whole file.
func BenchmarkReadPeople(b *testing.B) {
	const n = 100_000
	people := benchPeople(n)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"csv", benchCSV(people)},
		{"jsonl", benchJSONLines(people)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			b.ReportAllocs()
			cpu0, cpuOK := cputime.Seconds()
			for b.Loop() {
				got, err := ReadPeople(bytes.NewReader(tc.data), "bench."+tc.name, PeopleOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != n {
					b.Fatalf("%d people, want %d", len(got), n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
			if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
				b.ReportMetric((cpu1-cpu0)*1e9/float64(b.N*n), "cpu-ns/row")
			}
			b.ReportMetric(float64(len(tc.data))/n, "bytes/row")
		})
	}
}

// BenchmarkWideObject reads one JSON line of 100,000 keys (about 690 KB,
// under the 1 MiB row limit) with ignore_unknown, the documented way to
// read ATS exports: the splitter's cost must stay linear in the keys.
func BenchmarkWideObject(b *testing.B) {
	data := wideObject(100_000)
	m, err := ParseMapping([]byte("ignore_unknown = true\n"), "m.toml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	cpu0, cpuOK := cputime.Seconds()
	for b.Loop() {
		if _, err := ReadPeople(bytes.NewReader(data), "wide.jsonl", PeopleOptions{Mapping: m}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
		b.ReportMetric((cpu1-cpu0)*1e9/float64(b.N), "cpu-ns/op")
	}
}
