package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/tracing"
)

// CaseNotes is what the notes export of a case holds: the analyst's
// labels and notes, with the case they belong to.
type CaseNotes struct {
	Case   int64               `json:"case"`
	Title  string              `json:"title,omitempty"`
	Labels []tracing.CaseLabel `json:"labels"`
	Notes  []tracing.CaseNote  `json:"notes"`
}

// NotesOf returns the labels and notes of c for export.
func NotesOf(c *tracing.Case) CaseNotes {
	n := CaseNotes{Case: c.ID, Title: c.Title, Labels: c.Labels, Notes: c.Notes}
	if n.Labels == nil {
		n.Labels = []tracing.CaseLabel{}
	}
	if n.Notes == nil {
		n.Notes = []tracing.CaseNote{}
	}
	return n
}

// WriteNotesJSON writes the labels and notes of c as indented JSON.
func WriteNotesJSON(w io.Writer, c *tracing.Case) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return writeErr(enc.Encode(NotesOf(c)), "notes as JSON")
}

// WriteNotesMarkdown writes the labels and notes of c as a Markdown
// document: the labels as a list, then each note (oldest first) with its
// author, time and subject, its text quoted with markup escaped.
func WriteNotesMarkdown(w io.Writer, c *tracing.Case) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("# Case %d: analyst labels and notes\n\n", c.ID)
	if c.Title != "" {
		p("%s\n\n", md(c.Title))
	}
	p("## Labels\n\n")
	if len(c.Labels) == 0 {
		p("None.\n")
	}
	for _, l := range c.Labels {
		p("- %s: %s", l.Address.Hex(), md(l.Name))
		if l.Category != "" {
			p(" (%s)", md(l.Category))
		}
		if l.Hub {
			p(", hub")
		}
		p("\n")
	}
	p("\n## Notes\n\n")
	if len(c.Notes) == 0 {
		p("None.\n")
	}
	for _, n := range c.Notes {
		p("- %s, %s, on %s:\n\n", n.At.UTC().Format(time.RFC3339), md(n.Author), n.Subject())
		for _, line := range strings.Split(n.Text, "\n") {
			p("  > %s\n", md(line))
		}
		p("\n")
	}
	return writeErr(b.Flush(), "notes as Markdown")
}
