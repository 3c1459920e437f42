package linkage

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

const resumeA = `Senior backend engineer with eight years of experience building distributed systems in Go and Java.
Led the migration of a payments platform from a monolith to microservices on Kubernetes, cutting deployment time from hours to minutes.
Designed event-driven pipelines with Kafka processing two billion messages per day with exactly-once semantics.
Mentored a team of six engineers, introduced code review guidelines and on-call runbooks.
Education: BSc in Computer Science, University of Manchester.
Skills: Go, Java, PostgreSQL, Redis, Kafka, Kubernetes, Terraform, AWS, gRPC, Prometheus.`

// resumeReordered has resumeA's sections in another order, as a second
// application by the same author might.
const resumeReordered = `Skills: Go, Java, PostgreSQL, Redis, Kafka, Kubernetes, Terraform, AWS, gRPC, Prometheus.
Senior backend engineer with eight years of experience building distributed systems in Go and Java.
Designed event-driven pipelines with Kafka processing two billion messages per day with exactly-once semantics.
Led the migration of a payments platform from a monolith to microservices on Kubernetes, cutting deployment time from hours to minutes.
Mentored a team of six engineers, introduced code review guidelines and on-call runbooks.
Education: BSc in Computer Science, University of Manchester.`

// resumeReworded changes a handful of words and the name of the
// university.
const resumeReworded = `Senior backend developer with eight years of experience building distributed systems in Go and Java.
Led the migration of a payments platform from a monolith to microservices on Kubernetes, cutting deployment time from hours to minutes.
Designed event-driven pipelines with Kafka processing two billion messages per day with exactly-once semantics.
Mentored a team of six engineers, introduced code review guidelines and on-call runbooks.
Education: BSc in Computer Science, University of Leeds.
Skills: Go, Java, PostgreSQL, Redis, Kafka, Kubernetes, Terraform, AWS, gRPC, Prometheus.`

const resumeOther = `Frontend developer specialising in accessible web applications with React and TypeScript.
Built a design system used by forty product teams and improved Lighthouse accessibility scores to 100.
Worked closely with designers and researchers on usability testing with screen-reader users.
Education: BA in Graphic Design, Rhode Island School of Design.
Skills: React, TypeScript, CSS, Storybook, Figma, Jest, Playwright, WCAG.`

// resumeSameField shares the trade's vocabulary with resumeA but was
// written by someone else.
const resumeSameField = `Backend engineer with five years of experience in Go and Python building APIs for logistics.
Owned the routing service, moved it to Kubernetes and added tracing with OpenTelemetry.
Built data pipelines with Kafka and PostgreSQL for real-time shipment tracking.
Education: MSc in Software Engineering, TU Delft.
Skills: Go, Python, PostgreSQL, Kafka, Kubernetes, Docker, GCP.`

func TestTextIndex(t *testing.T) {
	t.Parallel()
	ix, err := NewTextIndex(TextOptions{})
	if err != nil {
		t.Fatal(err)
	}
	docs := []struct{ id, text string }{
		{"a", resumeA}, {"other", resumeOther}, {"reordered", resumeReordered},
		{"samefield", resumeSameField}, {"reworded", resumeReworded},
	}
	for _, d := range docs {
		if err := ix.Add(d.id, d.text); err != nil {
			t.Fatal(err)
		}
	}
	if ix.Len() != len(docs) {
		t.Errorf("Len %d", ix.Len())
	}
	var got []string
	for _, m := range ix.Duplicates() {
		got = append(got, m.A+"~"+m.B)
		if m.Jaccard < 0.8 || m.Jaccard > 1 {
			t.Errorf("%s~%s Jaccard %.3f", m.A, m.B, m.Jaccard)
		}
		t.Logf("%s~%s Jaccard %.3f", m.A, m.B, m.Jaccard)
	}
	want := "a~reordered a~reworded reordered~reworded"
	if strings.Join(got, " ") != want {
		t.Errorf("Duplicates %v, want %s", got, want)
	}
	q := ix.Query(strings.ToUpper(resumeA))
	if len(q) != 3 || q[0].B != "a" || q[0].Jaccard != 1 {
		t.Errorf("Query %+v", q)
	}
	if q := ix.Query(resumeOther + " Also enjoys hiking."); len(q) != 1 || q[0].B != "other" {
		t.Errorf("Query other %+v", q)
	}
	if q := ix.Query("   "); q != nil {
		t.Errorf("empty query %+v", q)
	}
	if err := ix.Add("a", resumeOther); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("duplicate id: %v", err)
	}
	if err := ix.Add("x", "!!! ..."); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("no words: %v", err)
	}
	if err := ix.Add("", resumeA); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("empty id: %v", err)
	}
}

func TestTextOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []TextOptions{{Threshold: 1.5}, {Threshold: -1}, {Shingle: -1}, {Shingle: 17}, {Hashes: 4}, {Hashes: 5000}} {
		if _, err := NewTextIndex(o); !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Errorf("NewTextIndex(%+v): %v", o, err)
		}
	}
	tests := []struct {
		n    int
		t    float64
		r, b int
	}{
		{128, 0.8, 6, 21},
		{128, 0.5, 3, 42},
		{128, 1, 128, 1},
	}
	for _, tt := range tests {
		if r, b := bandsFor(tt.n, tt.t); r != tt.r || b != tt.b {
			t.Errorf("bandsFor(%d, %v) = %d rows × %d bands, want %d × %d", tt.n, tt.t, r, b, tt.r, tt.b)
		}
	}
	// A short text is one shingle of all its words.
	ix, _ := NewTextIndex(TextOptions{Shingle: 5})
	if err := ix.Add("s", "two words"); err != nil {
		t.Fatal(err)
	}
	if q := ix.Query("Two, words!"); len(q) != 1 {
		t.Errorf("short text query %+v", q)
	}
}

// TestTextIndexDisguised: a resume disguised by invisible characters,
// full-width letters or Cyrillic and Greek look-alikes is still a
// near-duplicate of the original; an unrelated Russian text is not one
// of an English resume.
func TestTextIndexDisguised(t *testing.T) {
	t.Parallel()
	each := func(s string, f func(r rune) string) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteString(f(r))
		}
		return b.String()
	}
	lookalike := strings.NewReplacer("e", "е", "o", "о", "a", "а", "p", "р", "c", "с") // Cyrillic
	for _, tc := range []struct {
		name, text string
		dup        bool
	}{
		{"zero-width space between every character", each(resumeA, func(r rune) string { return string(r) + "\u200b" }), true},
		{"soft hyphens and word joiners", each(resumeA, func(r rune) string {
			if r == 'n' {
				return "n\u00ad\u2060"
			}
			return string(r)
		}), true},
		{"Cyrillic look-alikes", lookalike.Replace(resumeA), true},
		{"Greek look-alikes", strings.NewReplacer("o", "ο", "A", "Α", "E", "Ε").Replace(resumeA), true},
		{"full-width", each(resumeA, func(r rune) string {
			if r >= '!' && r <= '~' {
				return string(r - '!' + '！')
			}
			return string(r)
		}), true},
		{"unrelated Russian text", "Опытный бухгалтер. Веду учёт и отчётность малых предприятий. Работаю с 1С и Excel. Люблю горы и шахматы.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ix, err := NewTextIndex(TextOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := ix.Add("a", resumeA); err != nil {
				t.Fatal(err)
			}
			q := ix.Query(tc.text)
			if tc.dup != (len(q) == 1 && q[0].B == "a" && q[0].Jaccard >= 0.8) {
				t.Errorf("Query %+v, want a near-duplicate: %v", q, tc.dup)
			}
		})
	}
}
